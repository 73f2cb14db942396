"""Keyboard editing: every key of the shortcut sheet, turned into controller calls.

With a span selected, keys act on it. With none, a keyboard selection (one or more tokens,
shown in blue) is moved with Ctrl+Left/Right, grown with Shift+Left/Right and labelled with
Enter or a label key, so a whole document can be corrected without the mouse.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from annotations.model import Answer, Span
from gui.controller import AnnotationController
from gui.document_view import DocumentView
from gui.label_bar import LabelBar

Key = Qt.Key
Mod = Qt.KeyboardModifier


@dataclass
class Navigation:
    """What the keyboard needs from the window to move between documents."""

    next_document: Callable[[], None]
    previous_document: Callable[[], None]
    answered: Callable[[Answer], None]
    undo: Callable[[], None]
    redo: Callable[[], None]


class KeyboardEditor:
    """Handles the document view's keys (the view calls ``handle`` first)."""

    def __init__(
        self,
        view: DocumentView,
        controller: AnnotationController,
        label_bar: LabelBar,
        navigation: Navigation,
    ) -> None:
        self.view = view
        self.controller = controller
        self.label_bar = label_bar
        self.navigation = navigation
        self.caret = 0  # code-point offset the keyboard selection starts from

    def handle(self, event: QKeyEvent) -> bool:
        """Act on a key press; False when the key is not ours."""
        modifiers = event.modifiers() & ~Mod.KeypadModifier
        key = Key(event.key())
        if modifiers & (Mod.ControlModifier | Mod.ShiftModifier) and key in (Key.Key_Left, Key.Key_Right):
            return self._edge_key(key, modifiers)
        if modifiers & Mod.ControlModifier and key in (Key.Key_Z, Key.Key_Y):
            redo = key == Key.Key_Y or bool(modifiers & Mod.ShiftModifier)
            (self.navigation.redo if redo else self.navigation.undo)()
            return True
        if key == Key.Key_Backtab:
            self.step_span(-1)
            return True
        if modifiers & ~Mod.ShiftModifier:
            return False
        if event.text() and self.label_bar.label_for_key(event.text()):
            self.label_key(self.label_bar.label_for_key(event.text()) or "")
            return True
        action = self._plain_keys().get(key)
        if action is None:
            return False
        action()
        return True

    def _plain_keys(self) -> dict[Key, Callable[[], None]]:
        return {
            Key.Key_A: lambda: self.navigation.answered(Answer.ACCEPT),
            Key.Key_X: lambda: self.navigation.answered(Answer.REJECT),
            Key.Key_Space: lambda: self.navigation.answered(Answer.IGNORE),
            Key.Key_Right: self.navigation.next_document,
            Key.Key_PageDown: self.navigation.next_document,
            Key.Key_Left: self.navigation.previous_document,
            Key.Key_PageUp: self.navigation.previous_document,
            Key.Key_Delete: self.delete_selected,
            Key.Key_Backspace: self.delete_selected,
            Key.Key_Tab: lambda: self.step_span(1),
            Key.Key_Return: self.label_pending,
            Key.Key_Enter: self.label_pending,
            Key.Key_Escape: self.clear,
        }

    def _edge_key(self, key: Key, modifiers: Mod) -> bool:
        step = 1 if key == Key.Key_Right else -1
        control, shift = bool(modifiers & Mod.ControlModifier), bool(modifiers & Mod.ShiftModifier)
        if control and not shift:
            self.move_pending(step)
        elif self.view.selected is not None:
            self.nudge("start" if control else "end", step)
        elif not control:
            self.grow_pending(step)
        return True

    # -- the selected span

    def select(self, span: Span | None) -> None:
        """Select a span (None: none) and remember where the keyboard is."""
        self.view.select_span(span)
        if span is not None:
            self.caret = span.start

    def delete_selected(self) -> None:
        """Delete the selected span; the keyboard stays where it was."""
        span = self.view.selected
        if span is not None:
            self.controller.remove_span(span)
            self.view.select_span(None)

    def nudge(self, edge: str, step: int) -> None:
        """Move an edge of the selected span by a token."""
        span = self.view.selected
        moved = self.controller.nudge(span, edge, step) if span is not None else None
        if moved is not None:
            self.select(moved)

    def step_span(self, step: int) -> None:
        """Select the next (1) or previous (-1) span after the selection or keyboard position."""
        spans = self.view.span_index.spans
        if not spans:
            return
        starts = [span.start for span in spans]
        here = self.view.selected.start if self.view.selected is not None else self.caret
        index = bisect.bisect_right(starts, here) if step > 0 else bisect.bisect_left(starts, here) - 1
        if self.view.selected is None and step > 0:
            index = bisect.bisect_left(starts, here)
        if 0 <= index < len(spans):
            self.select(spans[index])

    def label_key(self, label: str) -> None:
        """Relabel the selected span, label the keyboard selection, or choose the active label."""
        self.label_bar.set_active(label)
        if self.view.selected is not None:
            self.select(self.controller.relabel(self.view.selected, label))
        elif self.view.pending is not None:
            self.label_pending()

    # -- the keyboard selection

    def move_pending(self, step: int) -> None:
        """Put the keyboard selection on the next or previous token."""
        tokens = self.view.tokens
        if not tokens:
            return
        anchor = self.view.pending or (
            (self.view.selected.start, self.view.selected.end) if self.view.selected else None
        )
        if anchor is None:
            index = self._token_index(self.caret) if step > 0 else self._token_index(self.caret) - 1
        else:
            index = self._token_index(anchor[1] if step > 0 else anchor[0] - 1)
            index = index if step > 0 else min(index, self._token_index(anchor[0]) - 1)
        index = max(0, min(index, len(tokens) - 1))
        self.caret = tokens[index].start
        self.view.set_pending((tokens[index].start, tokens[index].end))

    def grow_pending(self, step: int) -> None:
        """Grow (1) or shrink (-1) the keyboard selection's end by a token."""
        tokens = self.view.tokens
        if self.view.pending is None:
            self.move_pending(1 if step > 0 else -1)
            return
        start, end = self.view.pending
        ends = [token.end for token in tokens]
        index = bisect.bisect_left(ends, end) + step
        if 0 <= index < len(tokens) and ends[index] > start:
            self.view.set_pending((start, ends[index]))

    def label_pending(self) -> None:
        """Label the keyboard selection with the active label."""
        if self.view.pending is None:
            return
        start, end = self.view.pending
        span = self.controller.add_span(start, end, self.label_bar.active)
        self.view.set_pending(None)
        self.select(span)

    def clear(self) -> None:
        """Drop the selected span, the keyboard selection and any text selection (Ctrl+A)."""
        self.view.select_span(None)
        self.view.set_pending(None)
        cursor = self.view.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.view.setTextCursor(cursor)

    def _token_index(self, offset: int) -> int:
        """The index of the token at ``offset`` or the first one after it."""
        starts = [token.start for token in self.view.tokens]
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and self.view.tokens[index].end > offset:
            return index
        return index + 1
