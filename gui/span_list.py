"""The current document's spans: label, text, and whether the model or a person made them."""

from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from annotations.model import Document, Span, SpanSource

SpanRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class SpanListModel(QAbstractListModel):
    """A thin adapter over the document's span tuple."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: tuple[Span, ...] = ()
        self.text = ""
        self.colours: dict[str, str] = {}

    def set_document(self, document: Document | None, colours: dict[str, str]) -> None:
        """Show a document's spans."""
        self.beginResetModel()
        self.spans = document.spans if document else ()
        self.text = document.text if document else ""
        self.colours = colours
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.spans)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.spans):
            return None
        span = self.spans[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            snippet = " ".join(self.text[span.start : span.end].split())
            return f"{span.label}   {snippet[:60]}"
        if role == Qt.ItemDataRole.FontRole and span.source is SpanSource.MODEL:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and span.source is SpanSource.MODEL:
            return QColor("#57606a")
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(self.colours.get(span.label, "#d9d9d9"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{span.label} {span.start}-{span.end}, proposed by the {span.source.value}"
        if role == SpanRole:
            return span
        return None

    def row_of(self, span: Span | None) -> int | None:
        """The row listing ``span``."""
        if span is None:
            return None
        starts = [s.start for s in self.spans]
        row = bisect.bisect_left(starts, span.start)
        return row if row < len(self.spans) and self.spans[row].end == span.end else None


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

    def mark(self, span: Span | None) -> None:
        """Highlight the row of the selected span (without emitting span_chosen)."""
        row = self.span_model.row_of(span)
        if row is None:
            self.clearSelection()
            return
        index = self.span_model.index(row)
        self.setCurrentIndex(index)
        self.scrollTo(index)
