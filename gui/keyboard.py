"""Keyboard editing: every key of the shortcut sheet, turned into controller calls.

With a span selected, keys act on it. With none, a keyboard selection (one or more tokens,
shown in blue) is moved with Ctrl+Left/Right, grown with Shift+Left/Right and labelled with
Enter or a label key, so a whole document can be corrected without the mouse.

Getting there: "/" finds text in the document (``gui.find_in_document``), Ctrl+Down/Up go to the next or
previous paragraph, "]" / "[" to the next or previous span of the selected span's label, and token steps
skip punctuation-only tokens (``skip_punctuation``). Every label has a key: the number keys for the first
ten, "L" for the label picker (``gui.label_picker``). "C" switches character selection, where the Shift
arrows move by one character.
"""

from __future__ import annotations

import bisect
import contextlib
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from annotations.counting import counted
from annotations.label_edits import character_step, without_label, without_spans
from annotations.model import Answer, Span, Token
from annotations.text import snap_to_graphemes, trim_whitespace
from gui.controller import AnnotationController
from gui.document_view import DocumentView
from gui.label_bar import LabelBar

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent

    from gui.find_in_document import FindBox
    from gui.label_picker import LabelPicker

Key = Qt.Key
Mod = Qt.KeyboardModifier


class Navigation:
    """What the keyboard needs from the window to move between documents.

    A plain class, not a dataclass: the methods a dataclass generates cost ~1 ms when the window starts.
    """

    def __init__(
        self,
        next_document: Callable[[], None],
        previous_document: Callable[[], None],
        answered: Callable[[Answer], None],
        undo: Callable[[], None],
        redo: Callable[[], None],
    ) -> None:
        self.next_document = next_document
        self.previous_document = previous_document
        self.answered = answered
        self.undo = undo
        self.redo = redo


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
        # token steps (Ctrl+arrows, Shift+arrows) pass over tokens of punctuation alone: spans rarely
        # start or end on ".", "/" or "–", which cost a key each (Edit ▸ Token steps skip punctuation)
        self.skip_punctuation = True
        self.told: Callable[[str], None] = lambda _text: None  # a short message for the status bar
        self.characters_changed: Callable[[bool], None] = lambda _on: None  # "C" switched the mode
        self._find_box: FindBox | None = None  # made at the first "/" (or menu): its module loads then
        self._picker: LabelPicker | None = None  # made at the first "L" (or menu)
        self._pick_action: Callable[[str], None] = self.label_key
        self._exact = False
        self._found: tuple[int, int] | None = None  # where the last find found its text (F3 goes on from it)
        self._paragraphs: tuple[tuple[Token, ...] | None, list[int]] = (None, [])

    @property
    def find_box(self) -> FindBox:
        """The document's find box ("/"), made at its first use."""
        if self._find_box is None:
            from gui.find_in_document import FindBox

            self._find_box = _child(self.view, FindBox)
            _reconnect(self._find_box.found, self.find)
            _reconnect(self._find_box.closed, self.view.setFocus)
        return self._find_box

    @property
    def picker(self) -> LabelPicker:
        """The label picker ("L"), made at its first use."""
        if self._picker is None:
            from gui.label_picker import LabelPicker

            self._picker = _child(self.view, LabelPicker)
            _reconnect(self._picker.closed, self.view.setFocus)
            _reconnect(self._picker.picked, self._picked)
        return self._picker

    def handle(self, event: QKeyEvent) -> bool:
        """Act on a key press; False when the key is not ours."""
        # AltGr (GroupSwitch) types "[", "]" and "/" on German, French, Polish... layouts: not a modifier here
        modifiers = event.modifiers() & ~(Mod.KeypadModifier | Mod.GroupSwitchModifier)
        key = Key(event.key())
        if modifiers & (Mod.ControlModifier | Mod.ShiftModifier) and key in (Key.Key_Left, Key.Key_Right):
            return self._edge_key(key, modifiers)
        chord = self._chords().get((modifiers, key))
        if chord is not None:
            chord()
            return True
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
        text_action = self._text_keys().get(event.text())
        if text_action is not None:
            text_action()
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

    def _chords(self) -> dict[tuple[Mod, Key], Callable[[], None]]:
        """Keys with modifiers: paragraphs, finding again, bulk deletions."""
        control, both = Mod.ControlModifier, Mod.ControlModifier | Mod.ShiftModifier
        return {
            (control, Key.Key_Down): lambda: self.step_paragraph(1),
            (control, Key.Key_Up): lambda: self.step_paragraph(-1),
            (both, Key.Key_Delete): self.delete_label_everywhere,
            (both, Key.Key_Backspace): self.clear_document,
            (Mod.NoModifier, Key.Key_F3): lambda: self.find(self.find_box.last, self._exact, 1),
            (Mod.ShiftModifier, Key.Key_F3): lambda: self.find(self.find_box.last, self._exact, -1),
        }

    def _text_keys(self) -> dict[str, Callable[[], None]]:
        """Keys known by the character they type (the same on every keyboard layout)."""
        return {
            "/": lambda: self.find_box.open(),
            "l": self.open_picker,
            "L": self.open_picker,
            "]": lambda: self.step_label(1),
            "[": lambda: self.step_label(-1),
            "c": self.toggle_characters,
            "C": self.toggle_characters,
        }

    def _edge_key(self, key: Key, modifiers: Mod) -> bool:
        step = 1 if key == Key.Key_Right else -1
        control, shift = bool(modifiers & Mod.ControlModifier), bool(modifiers & Mod.ShiftModifier)
        edge = "start" if control else "end"
        if control and not shift:
            self.move_pending(step)
        elif self.view.selected is not None:
            self.move_character_edge(edge, step) if self.view.characters_mode else self.nudge(edge, step)
        elif self.view.pending is not None and (control or self.view.characters_mode):
            self.move_pending_edge(edge, step)
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
        """Relabel the selected span or label the keyboard selection (the active label stays as it is);
        with neither, make ``label`` the active label."""
        if self.view.selected is not None:
            self.select(self.controller.relabel(self.view.selected, label))
        elif self.view.pending is not None:
            self.label_pending(label)
        else:
            self.label_bar.set_active(label)

    def relabel_selected(self, label: str) -> bool:
        """Relabel the selected span (a click on the label bar); False when no span is selected."""
        if self.view.selected is None:
            return False
        self.select(self.controller.relabel(self.view.selected, label))
        self.view.setFocus()
        return True

    def move_character_edge(self, edge: str, step: int) -> None:
        """Move an edge of the selected span by one user-perceived character."""
        span = self.view.selected
        session = self.controller.session
        if span is None or session.document is None:
            return
        start, end = span.start, span.end
        if edge == "start":
            start = _character_edge(self.view.text, start, edge, step)
        else:
            end = _character_edge(self.view.text, end, edge, step)
        if not start < end or (start, end) == (span.start, span.end):
            return
        resized = self.controller.resize(span, start, end)
        if resized is not None:
            self.select(resized)

    # -- getting there

    def find(self, needle: str, exact: bool, step: int = 1) -> None:
        """Select the span or token where ``needle`` next occurs (exactly the text found when ``exact`` or in
        character selection); a message when it is nowhere."""
        if not needle:
            return
        self._exact = exact  # F3 finds the next place the same way
        here = self._here()
        anchored = self.view.selected is not None or self.view.pending is not None
        last = self._found if anchored and self._found and self._still_on(self._found) else None
        from gui.find_in_document import find_next, find_previous

        if step > 0:  # on from the text found last (inside the span it selected, it is not that span's start)
            found = find_next(self.view.text, needle, last[0] + 1 if last else here + 1 if anchored else here)
        else:
            found = find_previous(self.view.text, needle, last[0] if last else here)
        self.view.setFocus()
        self._found = found
        if found is None:
            self.told(f"“{needle}” is not in this document.")
            return
        start, end = trim_whitespace(self.view.text, *found)  # a label key never makes a span of spaces
        if end <= start:
            self.told("Type a few letters to find: white space alone is no place for a span.")
            return
        self.caret = start
        index = self.view.span_index.at(self.view.display.to_qt(start))
        if exact or self.view.characters_mode:  # never half a character: "e" of "é" written e + U+0301
            self.view.set_pending(snap_to_graphemes(self.view.text, start, end))
        elif index is not None:
            self.select(self.view.span_index.spans[index])
        else:
            token = self.view.token_at(start)
            self.view.set_pending((token.start, token.end) if token else (start, end))

    def _still_on(self, found: tuple[int, int]) -> bool:
        """Whether the selection is still the one a find made for text found at ``found``."""
        selected = self.view.selected
        start, end = (selected.start, selected.end) if selected else self.view.pending or (0, 0)
        return start <= found[0] < end

    def _here(self) -> int:
        if self.view.selected is not None:
            return self.view.selected.start
        if self.view.pending is not None:
            return self.view.pending[0]
        return self.caret

    def step_paragraph(self, step: int) -> None:
        """Put the keyboard selection on the first token of the next (1) or previous (-1) paragraph."""
        starts = self._paragraph_starts()
        here = self._here()
        index = bisect.bisect_right(starts, here) if step > 0 else bisect.bisect_left(starts, here) - 1
        if 0 <= index < len(starts):
            token = self.view.token_at(starts[index])
            self.caret = starts[index]
            if token is not None:
                self.view.set_pending((token.start, token.end))

    def _paragraph_starts(self) -> list[int]:
        """Where each paragraph's first word starts (a paragraph: text after a line break)."""
        tokens, starts = self._paragraphs
        if tokens is self.view.tokens:
            return starts
        text, starts, new_paragraph = self.view.text, [], True
        previous_end = 0
        for token in self.view.tokens:
            between = text[previous_end : token.start]
            previous_end = token.end
            new_paragraph = new_paragraph or _breaks_line(between)
            if text[token.start : token.end].isspace():  # spaCy keeps a blank line as a token of its own
                new_paragraph = new_paragraph or _breaks_line(text[token.start : token.end])
                continue
            if new_paragraph and not _punctuation(text, token):
                starts.append(token.start)
                new_paragraph = False
        self._paragraphs = (self.view.tokens, starts)
        return starts

    def step_label(self, step: int) -> None:
        """Select the next (1) or previous (-1) span with the selected span's label (else the active one)."""
        label = self.view.selected.label if self.view.selected is not None else self.label_bar.active
        spans = self.view.span_index.spans
        here = self._here()
        if step > 0:
            following = (s for s in spans if s.label == label and s.start > here)
            found = next(following, None)
        else:
            found = next((s for s in reversed(spans) if s.label == label and s.start < here), None)
        if found is None:
            self.told(f"No {'further' if step > 0 else 'earlier'} {label} span in this document.")
            return
        self.select(found)

    # -- labels beyond the number keys, and bulk corrections

    def open_picker(
        self, title: str = "Label… (type, Enter)", action: Callable[[str], None] | None = None
    ) -> None:
        """Open the label picker; the label chosen goes to ``action`` (default: like a label key)."""
        self._pick_action = action or self.label_key
        colours = {name: str(button.property("colour")) for name, button in self.label_bar.buttons.items()}
        self.picker.open(self.label_bar.names, colours, title, self.view.selection_rect())

    def _picked(self, label: str) -> None:
        action, self._pick_action = self._pick_action, self.label_key
        self.view.setFocus()
        action(label)

    def delete_label_everywhere(self) -> None:
        """Delete every span of the selected span's label in the document (one edit, one undo); with no
        span selected, the label picker asks which label."""
        if self.view.selected is not None:
            self.delete_label(self.view.selected.label)
        else:
            self.open_picker("Delete every span of… (type, Enter)", self.delete_label)

    def delete_label(self, label: str) -> None:
        """Delete every span labelled ``label`` in the document, as one undoable edit."""
        document = self.controller.session.document
        edit = without_label(document, label) if document is not None else None
        if edit is None:
            self.told(f"No {label} span in this document.")
            return
        self.view.select_span(None)
        self.controller.push(edit)
        count = len(edit.before.spans) - len(edit.after.spans)
        self.told(f"Deleted every {label} span ({count}); Ctrl+Z brings them back.")

    def clear_document(self) -> None:
        """Delete every span of the document, as one undoable edit."""
        document = self.controller.session.document
        edit = without_spans(document) if document is not None else None
        if edit is None:
            return
        self.view.select_span(None)
        self.view.set_pending(None)
        self.controller.push(edit)
        cleared = counted(len(edit.before.spans), "span")
        self.told(f"Cleared the document ({cleared}); Ctrl+Z brings them back.")

    def toggle_characters(self) -> None:
        """Switch between selecting whole tokens and single characters (Edit ▸ Select characters)."""
        self.view.characters_mode = not self.view.characters_mode
        self.characters_changed(self.view.characters_mode)
        mode = "single characters (Shift+arrows move by one)" if self.view.characters_mode else "whole tokens"
        self.told(f"Selections now snap to {mode}.")

    # -- the keyboard selection

    def move_pending_edge(self, edge: str, step: int) -> None:
        """Move an edge of the keyboard selection by a token, or by a character in character selection."""
        start, end = self.view.pending or (self.caret, self.caret)
        if self.view.characters_mode:
            moved = _character_edge(self.view.text, start if edge == "start" else end, edge, step)
        else:
            moved = self._token_edge(start if edge == "start" else end, edge, step)
        start, end = (moved, end) if edge == "start" else (start, moved)
        if start < end:
            self.caret = start
            self.view.set_pending((start, end))

    def _token_edge(self, offset: int, edge: str, step: int) -> int:
        """The next token start (``edge`` "start") or end after or before ``offset``, punctuation skipped."""
        tokens = self.view.tokens
        edges = [token.start if edge == "start" else token.end for token in tokens]
        index = bisect.bisect_right(edges, offset) if step > 0 else bisect.bisect_left(edges, offset) - 1
        index = self._skip(index, step)
        return edges[index] if 0 <= index < len(edges) else offset

    def _skip(self, index: int, step: int) -> int:
        """``index``, or the first token from it in ``step``'s direction that is not punctuation alone."""
        if not self.skip_punctuation:
            return index
        tokens, text = self.view.tokens, self.view.text
        while 0 <= index < len(tokens) and _punctuation(text, tokens[index]):
            index += step
        return index

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
        index = max(0, min(self._skip(index, step), len(tokens) - 1))
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
        index = self._skip(bisect.bisect_left(ends, end) + step, step)
        if 0 <= index < len(tokens) and ends[index] > start:
            self.view.set_pending((start, ends[index]))

    def label_pending(self, label: str | None = None) -> None:
        """Label the keyboard selection with ``label`` (default: the active label)."""
        if self.view.pending is None:
            return
        start, end = self.view.pending
        span = self.controller.add_span(start, end, label or self.label_bar.active)
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


def _character_edge(text: str, offset: int, edge: str, step: int) -> int:
    """A span's ``edge`` moved one character by ``step``, and on past white space: a span never starts or
    ends with a space or a line break (a drag trims them too; spaCy cannot align such a span)."""
    moved = character_step(text, offset, step)
    inside = (lambda at: text[at]) if edge == "start" else (lambda at: text[at - 1])
    while 0 < moved < len(text) and inside(moved).isspace():
        moved = character_step(text, moved, step)
    return moved


def _punctuation(text: str, token: Token) -> bool:
    """Whether a token is punctuation or symbols alone (no letter, no digit)."""
    return not any(ch.isalnum() for ch in text[token.start : token.end])


def _child(view: DocumentView, kind: type):  # noqa: ANN202 (a FindBox or a LabelPicker)
    """The view's one child of ``kind``, made on first use (a new database makes a new editor)."""
    return view.findChild(kind) or kind(view)


def _reconnect(signal, slot: Callable) -> None:  # noqa: ANN001 (a bound Qt signal)
    """Connect ``slot`` to ``signal`` instead of whatever an earlier editor connected."""
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError, TypeError):  # nothing was connected
        warnings.simplefilter("ignore")
        signal.disconnect()
    signal.connect(slot)


def _breaks_line(text: str) -> bool:
    """Whether ``text`` holds a line break (LF, CR, or a line or paragraph separator)."""
    return any(mark in text for mark in "\n\r\u2028\u2029")
