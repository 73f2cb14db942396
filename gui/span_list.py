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
        """Show the same document's spans after an edit: rows of unchanged spans stay, changed rows
        are rewritten in place (a relabel moves no row), and only a difference in number is inserted
        or removed. ``unchanged`` is ``unchanged_ends(old spans, spans)`` (``Edit.unchanged``)."""
        old, self.spans = self.spans, spans
        prefix, suffix = unchanged
        old_middle, new_middle = len(old) - suffix - prefix, len(spans) - suffix - prefix
        rewritten = min(old_middle, new_middle)
        for row in range(prefix, prefix + rewritten):
            self._fill(self.item(row), spans[row])
        if old_middle > rewritten:
            self.removeRows(prefix + rewritten, old_middle - rewritten)
        for row in range(prefix + rewritten, prefix + new_middle):
            self.insertRow(row, self._item(spans[row]))

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
