"""Type-to-find in the open document: "/", a few letters, Enter selects the span or token where they start.

Escape cancels; Tab is Enter; "/" then Enter, or F3 (Shift+F3: the previous one), finds the next place of
the last text. Ctrl+Enter (or Enter with Edit ▸ Select characters on) selects exactly the text found, which
may lie inside a token: a span inside ``borderPutin`` is "/", "putin", Ctrl+Enter, a label key.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from gui.plain_text import tooltip

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent


def find_next(text: str, needle: str, offset: int) -> tuple[int, int] | None:
    """Where ``needle`` occurs first at or after ``offset`` (wrapping round to the top), as str offsets.

    Case is ignored unless the needle has a capital letter (as in vim's smartcase).
    """
    if not needle:
        return None
    pattern = _pattern(needle)
    match = pattern.search(text, max(0, min(offset, len(text)))) or pattern.search(text)
    return (match.start(), match.end()) if match else None


def find_previous(text: str, needle: str, offset: int) -> tuple[int, int] | None:
    """Where ``needle`` occurs last before ``offset`` (wrapping round to the end), as str offsets."""
    if not needle:
        return None
    matches = [(m.start(), m.end()) for m in _pattern(needle).finditer(text)]
    before = [match for match in matches if match[0] < offset]
    return (before or matches or [None])[-1]


def _pattern(needle: str) -> re.Pattern[str]:
    """The needle as a pattern: case ignored unless it has a capital letter; a run of white space in it
    matches any run of white space (a no-break space, a line break, CRLF, U+2028), which one cannot type."""
    flags = 0 if any(ch.isupper() for ch in needle) else re.IGNORECASE
    words = re.split(r"\s+", needle)
    return re.compile(r"\s+".join(re.escape(word) for word in words), flags)


class FindBox(QLineEdit):
    """The small find box over the document; it has the keys only while it is open."""

    found = Signal(str, bool)  # the text to find (the last one when empty), exact (Ctrl+Enter)
    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.last = ""
        self.setPlaceholderText("Find in this document…")
        self.setToolTip(
            tooltip("Enter: the span or token there · Ctrl+Enter: exactly the text · Esc: cancel")
        )
        self.setFixedWidth(260)
        self.setStyleSheet("QLineEdit { border: 2px solid #3b82f6; border-radius: 6px; padding: 3px 6px; }")
        self.hide()

    def open(self) -> None:
        """Show the box at the top right of the document, empty, with the keys."""
        parent = self.parentWidget()
        self.move(max(0, parent.width() - self.width() - 24), 6)
        self.setPlaceholderText(
            f"Find: Enter finds “{self.last}” again" if self.last else "Find in this document…"
        )
        self.clear()
        self.show()
        self.raise_()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_Backtab:
            return  # stays in the box
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
            needle = self.text() or self.last
            self.last = needle
            exact = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.hide()
            self.closed.emit()
            self.found.emit(needle, exact)
            return
        if key == Qt.Key.Key_Escape:
            self.hide()
            self.closed.emit()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, _next: bool) -> bool:  # noqa: N802
        return False  # Tab finds like Enter (keyPressEvent), never sends the keys off to the queue

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        if self.isVisible() and not self.hasFocus():  # a click elsewhere: the box goes, nothing is found
            self.hide()
