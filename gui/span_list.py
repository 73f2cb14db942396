"""The current document's spans: label, text, and whether the model or a person made them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from annotations.model import Document, Span, SpanSource
from annotations.session import index_of_range
from gui.plain_text import tooltip

SpanRole = Qt.ItemDataRole.UserRole + 1


class SpanListModel(QStandardItemModel):
    """The document's spans as list rows; an edit replaces only the rows of the spans it changed.

    A Python list model would be a thinner adapter, but Qt's list layout calls ``rowCount`` once per
    row after every change: 11,000 spans cost ~20 ms per edit that way, against ~4 ms here.
    """

    def __init__(self) -> None:
        super().__init__()
        self.spans: tuple[Span, ...] = ()
        self.text = ""
        self.colours: dict[str, str] = {}
        self._italic = QFont()
        self._italic.setItalic(True)
        self._model_colour = QColor("#57606a")
        self.describe: Callable[[Span], str] | None = None  # who proposed a span (gui.confidence_marks)

    def set_document(self, document: Document | None, colours: dict[str, str]) -> None:
        """Show a document's spans (all rows anew)."""
        self.spans = document.spans if document else ()
        self.text = document.text if document else ""
        self.colours = colours
        # removeRows, not clear(): clear() left every row's QStandardItem (and the Span in its data)
        # alive, ~40 MiB per 1,000 documents opened (measured by bench/soak_bench.py)
        self.removeRows(0, self.rowCount())
        if self.spans:
            self.invisibleRootItem().appendRows([self._item(span) for span in self.spans])

    def update_spans(self, spans: tuple[Span, ...], unchanged: tuple[int, int]) -> None:
        """Show the same document's spans after an edit: rows of unchanged spans stay, changed rows are
        rewritten in place (a relabel or a resize moves no row), and only spans added or removed insert or
        remove a row. ``unchanged`` is ``unchanged_ends(old spans, spans)`` (``Edit.unchanged``)."""
        old, self.spans = self.spans, spans
        prefix, suffix = unchanged
        old_middle, new_middle = old[prefix : len(old) - suffix], spans[prefix : len(spans) - suffix]
        if len(old_middle) == len(new_middle):  # one span for one: relabels, resizes
            for row, (before, after) in enumerate(zip(old_middle, new_middle, strict=True), start=prefix):
                if not _same_row(before, after):
                    self._fill(self.item(row), after)
            return
        self._merge(prefix, old_middle, new_middle)

    def _merge(self, prefix: int, old: tuple[Span, ...], new: tuple[Span, ...]) -> None:
        """Turn the rows of ``old`` (from row ``prefix``) into rows of ``new``, both in span order, keeping
        the rows of spans in both: deleting every span of a label in 20,000 removes its rows only (rewriting
        every row after the first one deleted took ~0.5 s). Walks from the end, so rows before stay put."""
        i, j = len(old) - 1, len(new) - 1
        while i >= 0 and j >= 0:
            if _same_range(old[i], new[j]):  # kept, or rewritten in place
                if not _same_row(old[i], new[j]):
                    self._fill(self.item(prefix + i), new[j])
                i, j = i - 1, j - 1
            elif old[i].start > new[j].start:  # spans never overlap: ordered by their starts
                gone = i
                while i >= 0 and old[i].start > new[j].start:
                    i -= 1
                self.removeRows(prefix + i + 1, gone - i)
            else:  # the new spans after old[i]: one insertion
                last = j
                while j >= 0 and old[i].start <= new[j].start and not _same_range(old[i], new[j]):
                    j -= 1
                self._insert(prefix + i + 1, new[j + 1 : last + 1])
        if i >= 0:
            self.removeRows(prefix, i + 1)
        self._insert(prefix, new[: j + 1])

    def _insert(self, row: int, spans: tuple[Span, ...]) -> None:
        """New rows for ``spans`` from ``row`` on, in one insertion (undoing a cleared document: 20,000)."""
        if spans:
            self.invisibleRootItem().insertRows(row, [self._item(span) for span in spans])

    def _item(self, span: Span) -> QStandardItem:
        """A new row for one span."""
        item = QStandardItem()
        item.setEditable(False)
        self._fill(item, span)
        return item

    def _fill(self, item: QStandardItem, span: Span) -> None:
        """Show one span in a row: label and text, the label's colour, italics for the model's."""
        snippet = " ".join(self.text[span.start : span.end].split())
        item.setText(f"{span.label}   {snippet[:60]}")
        item.setData(QColor(self.colours.get(span.label, "#d9d9d9")), Qt.ItemDataRole.DecorationRole)
        said = (
            self.describe(span)
            if self.describe
            else f"{span.label} {span.start}-{span.end}, proposed by the {span.source.value}"
        )
        item.setToolTip(tooltip(said))
        item.setData(span, SpanRole)
        model = span.source is SpanSource.MODEL  # the model's in italics and grey, a person's plain
        item.setData(self._italic if model else None, Qt.ItemDataRole.FontRole)
        item.setData(self._model_colour if model else None, Qt.ItemDataRole.ForegroundRole)

    def row_of(self, span: Span | None) -> int | None:
        """The row listing ``span``."""
        if span is None:
            return None
        return index_of_range(self.spans, span.start, span.end)


class SpanList(QListView):
    """Lists the spans; clicking one shows it in the document."""

    span_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.span_model = SpanListModel()
        self.setModel(self.span_model)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.clicked.connect(lambda index: self.span_chosen.emit(index.data(SpanRole)))

    def show_spans(self, document: Document | None, colours: dict[str, str]) -> None:
        """List a document's spans."""
        self.span_model.set_document(document, colours)

    def update_spans(self, document: Document, unchanged: tuple[int, int]) -> None:
        """List the same document's spans after an edit (``unchanged``: see ``SpanListModel``)."""
        self.span_model.update_spans(document.spans, unchanged)

    def mark(self, span: Span | None) -> None:
        """Highlight the row of the selected span (without emitting span_chosen)."""
        row = self.span_model.row_of(span)
        if row is None:
            self.clearSelection()
            return
        index = self.span_model.index(row, 0)
        if index == self.currentIndex() and self.selectionModel().isSelected(index):
            return  # already marked (a relabel keeps its row): no scrolling through 20,000 rows
        self.setCurrentIndex(index)
        self.scrollTo(index)


def _same_row(before: Span, after: Span) -> bool:
    """Whether a span's row would show the same (spans compare without who made them; a row shows that)."""
    return before == after and before.source is after.source


def _same_range(before: Span, after: Span) -> bool:
    """Whether two spans cover the same characters."""
    return before.start == after.start and before.end == after.end
