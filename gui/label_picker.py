"""The label picker: one key ("L") opens a small list of every label, filtered as you type.

Enter applies the highlighted label (to the selected span, the keyboard selection, or else as the active
label); Escape closes it. It scales to projects with 20-50 labels, where number keys run out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QFocusEvent, QKeyEvent


def filtered_labels(names: list[str], text: str) -> list[str]:
    """The labels containing ``text`` (case ignored), those starting with it first, in bar order."""
    needle = text.strip().lower()
    starting = [name for name in names if name.lower().startswith(needle)]
    inside = [name for name in names if needle in name.lower() and name not in starting]
    return starting + inside


class FilterBox(QLineEdit):
    """The picker's text box: Up/Down move in the list, Enter chooses, Escape closes."""

    moved = Signal(int)
    chosen = Signal()
    cancelled = Signal()
    left = Signal()  # the keyboard went elsewhere (a click on the document, the queue, ...)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(1 if key == Qt.Key.Key_Down else -1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
            self.chosen.emit()
        elif key == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif key == Qt.Key.Key_Backtab:
            pass  # taken here: passed on, it moved the keys off to the span list
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, _next: bool) -> bool:  # noqa: N802
        return False  # Tab chooses (keyPressEvent), never sends the keys off to the queue's drop-down

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        if event.reason() not in (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason):
            self.left.emit()  # not for a switch to another window: the picker is still there on return


TALLEST, SHORTEST, GAP = 300, 120, 6  # the picker's height, at most and at least beside a span; its gap


class LabelPicker(QFrame):
    """A popup over the document listing the labels that match what is typed."""

    picked = Signal(str)
    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "LabelPicker { background: white; border: 2px solid #3b82f6; border-radius: 6px; }"
        )
        self.names: list[str] = []
        self.colours: dict[str, str] = {}
        self.box = FilterBox(placeholderText="Type to filter labels…")
        self.list = QListWidget(focusPolicy=Qt.FocusPolicy.NoFocus)
        self.list.itemClicked.connect(lambda item: self._pick(item.text()))
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.box)
        column.addWidget(self.list)
        self.box.textChanged.connect(self._refill)
        self.box.moved.connect(self._move)
        self.box.chosen.connect(self._choose)
        self.box.cancelled.connect(self.close_picker)
        self.box.left.connect(self.hide)  # a click elsewhere: the picker goes, the keys stay there
        self.setFixedSize(240, TALLEST)
        self.hide()

    def open(self, names: list[str], colours: dict[str, str], title: str, near: QRect | None = None) -> None:
        """Show every label, the filter box empty and holding the keys; below ``near`` (the text it acts on,
        in the parent's coordinates) when it fits there, else above it, else at the top."""
        self.names, self.colours = list(names), colours
        self.box.setPlaceholderText(title)
        self.box.clear()
        self._refill("")
        self.move(self._place(near))
        self.show()
        self.raise_()
        self.box.setFocus()

    def _place(self, near: QRect | None) -> QPoint:
        """Where the picker goes: beside the text it acts on (below it, else above it, as tall as the room
        there allows, down to ``SHORTEST``), inside its parent; at the top when nothing is selected."""
        parent = self.parentWidget()
        self.setFixedHeight(TALLEST)
        if near is None:
            return QPoint(max(0, (parent.width() - self.width()) // 2), 8)
        left = min(max(0, near.left()), max(0, parent.width() - self.width()))
        below, above = parent.height() - near.bottom() - 2 * GAP, near.top() - 2 * GAP
        if below >= min(TALLEST, max(above, SHORTEST)):
            self.setFixedHeight(min(TALLEST, below))
            return QPoint(left, near.bottom() + GAP)
        if above >= SHORTEST:
            self.setFixedHeight(min(TALLEST, above))
            return QPoint(left, near.top() - GAP - self.height())
        return QPoint(left, 8)

    def shown_labels(self) -> list[str]:
        """The labels the list shows now, in order."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _refill(self, text: str) -> None:
        self.list.clear()
        for name in filtered_labels(self.names, text):
            item = QListWidgetItem(name)
            colour = self.colours.get(name)
            if colour:
                item.setData(Qt.ItemDataRole.DecorationRole, _swatch(colour))
            self.list.addItem(item)
        self.list.setCurrentRow(0 if self.list.count() else -1)

    def _move(self, step: int) -> None:
        if self.list.count():
            self.list.setCurrentRow((self.list.currentRow() + step) % self.list.count())

    def _choose(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._pick(item.text())

    def _pick(self, label: str) -> None:
        self.close_picker()
        self.picked.emit(label)

    def close_picker(self) -> None:
        """Hide the picker; the document gets the keys back."""
        self.hide()
        self.closed.emit()


def _swatch(colour: str):  # noqa: ANN202 (a QColor: the list paints it as the item's icon colour)
    from PySide6.QtGui import QColor

    return QColor(colour)
