"""The annotation controller: the session, the undo stack and the signals the widgets follow."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotations import store
from annotations.model import Answer, Document, InvalidSpan, Span, span_changes
from annotations.session import Change, Edit, Session, index_of_range, overlapping
from annotations.store import DamagedRow, EditConflict, StoreError
from gui.commands import EditCommand, sentence

if TYPE_CHECKING:
    from sqlite_utils import Database

    from gui.write_gate import WriteGate


class AnnotationController(QObject):
    """Turns gestures into commands; every document change goes out as one signal."""

    document_opened = Signal(object)  # a Document now shown (another one than before, or reloaded)
    document_edited = Signal(object, object)  # the current Document after an Edit, and the Edit
    notice = Signal(str)  # a short message for the status bar
    conflict = Signal(str)  # the document was changed in another window and reloaded
    failure = Signal(str)  # an edit could not be stored (nothing changed)
    unreadable = Signal(str)  # a document could not be opened (its stored row is damaged)
    answers_changed = Signal()  # a document's answer changed (progress and counts are stale)
    corrected = Signal(object)  # a new Edit was made by a gesture (not an undo or redo): apply everywhere

    def __init__(
        self,
        db: Database,
        annotator: str,
        dataset: str | None = None,
        session: Session | None = None,
        gate: WriteGate | None = None,
    ) -> None:
        super().__init__()
        # the annotator's own versions, or (``session``) another kind of session: a reviewer's
        self.session = session if session is not None else Session(db, annotator, dataset)
        self.undo_stack = QUndoStack(self)
        self.gate = gate  # the window's: an edit waits there while another program writes (None: never)
        self.shown: int | None = None  # the id of the document last sent out to be shown

    @property
    def document(self) -> Document | None:
        """The document on screen."""
        return self.session.document

    def open(self, document_id: int) -> Document | None:
        """Show a document, fresh from the store; None (and a message) when it cannot be read, or (the
        gate's dialog) when opening it writes and waits for another program's write to end."""
        if self.gate is not None and self._writes_on_open(document_id):
            return self.gate.now_or_later(
                f"Start the review of document {document_id}", lambda: self._open(document_id)
            )
        return self._open(document_id)

    def _writes_on_open(self, document_id: int) -> bool:
        try:
            return self.session.writes_on_open(document_id)
        except (StoreError, sqlite3.Error):  # opening it says what is wrong
            return False

    def _open(self, document_id: int) -> Document | None:
        try:
            document = self.session.open(document_id)
        except DamagedRow as error:
            self.unreadable.emit(f"{error}\nThe other documents can be opened as usual.")
            return None
        except (StoreError, sqlite3.Error) as error:  # e.g. a reviewed version that cannot be stored
            self.unreadable.emit(
                f"{self._describe(error)}\nThe document was not opened; nothing was changed."
            )
            return None
        self._show(document)
        return document

    def _show(self, document: Document) -> None:
        """Send a document out to be shown in full (another one than before, or reloaded)."""
        self.shown = document.id
        self.document_opened.emit(document)

    # -- the one way edits are made

    def push(self, edit: Edit | None) -> bool:
        """Make an edit as an undoable command, stored at once; False when there was nothing to do, or
        when it waits (the gate's dialog) for another program's write to end."""
        if edit is None or edit.before == edit.after:
            return False
        if self.gate is None:
            return self._push(edit)
        return self.gate.run(sentence(edit.description), lambda: self._push(edit))

    def _push(self, edit: Edit) -> bool:
        self.undo_stack.push(EditCommand(self, edit))
        self.corrected.emit(edit)
        return True

    def apply(self, edit: Edit) -> Document:
        """Store an edit (called by commands) and announce the changed document."""
        document = self.session.apply(edit)
        # by what the window shows, not by the session's current document: an undo of another document's
        # edit made that one current before it came here (``edit_for``)
        if document.id == self.shown:
            self.document_edited.emit(document, edit)
        else:
            self._show(document)
        if edit.before.answer != edit.after.answer:
            self.answers_changed.emit()
        return document

    def edit_for(self, change: Change) -> Edit:
        """The edit an undo or redo makes, rebuilt on the document as stored now (see Session.edit_for)."""
        return self.session.edit_for(change)

    def report_conflict(self, error: EditConflict) -> None:
        """The document changed elsewhere: show what is stored now and say so."""
        message = (
            "This document was changed in another window and has been reloaded; "
            "your last action was not applied."
        )
        if self.session.document is not None:
            self._show(self.session.document)
        self.conflict.emit(message)

    def report_failure(self, error: Exception) -> None:
        """The edit could not be stored: show what is stored (if it can be read) and say why."""
        reason = self._describe(error)
        if self.session.document is not None:
            try:
                self.session.reload()
            except (StoreError, sqlite3.Error, KeyError) as reload_error:  # keep showing what was loaded
                reason += f"\nThe document could not be read again either: {self._describe(reload_error)}"
            self._show(self.session.document)
        self.failure.emit(f"{reason}\nThe edit was not applied; everything stored before it is safe.")

    def _describe(self, error: Exception) -> str:
        """A message for an error from the store, naming the database file for SQLite's own."""
        if isinstance(error, KeyError):
            return "the document is no longer in the database"
        return describe_store_error(self.session.db, error)

    # -- gestures

    def add_span(self, start: int, end: int, label: str) -> Span | None:
        """Label a range; spans it overlaps are replaced (and the status bar says so)."""
        if not label:
            return None
        return self._span_edit(lambda: self.session.add_span(start, end, label), start, end)

    def resize(self, span: Span, start: int, end: int) -> Span | None:
        """Move a span's edges; spans it comes to overlap are replaced (and the status bar says so)."""
        return self._span_edit(lambda: self.session.resize(span, start, end), start, end, moved=span)

    def _span_edit(
        self, make: Callable[[], Edit], start: int, end: int, moved: Span | None = None
    ) -> Span | None:
        """Make and push an edit putting a span over ``start:end`` (an invalid one is said instead)."""
        document = self.session.document
        if document is None:
            return None
        try:
            edit = make()
        except InvalidSpan as error:
            self.notice.emit(str(error))
            return None
        return self._pushed_over(edit, document, start, end, moved)

    def _pushed_over(
        self, edit: Edit, document: Document, start: int, end: int, moved: Span | None = None
    ) -> Span | None:
        """Push an edit making a span over ``start:end``; say which spans it replaced (but ``moved``, the
        span it resized); the span now stored there."""
        replaced, _added = span_changes(edit.before.spans, edit.after.spans, edit.unchanged)
        replaced = [s for s in replaced if s != moved]
        self.push(edit)
        if replaced and self.session.document is not None and self.session.document.state is edit.after:
            names = ", ".join(f"{s.label} “{document.text[s.start : s.end]}”" for s in replaced)
            self.notice.emit(f"Replaced {names} (Ctrl+Z brings it back)")
        now = self.session.document
        hit = overlapping(now.spans, start, end) if now is not None else range(0)
        return now.spans[hit.start] if hit else None

    def remove_span(self, span: Span) -> None:
        """Delete a span."""
        if self.session.document is not None:
            self.push(self.session.remove_span(span))

    def relabel(self, span: Span, label: str) -> Span | None:
        """Give a span another label; returns the span over its range as stored now: the relabelled one,
        or, when another window's change refused the edit, the one stored there (painted in its label)."""
        if span.label != label:
            self.push(self.session.relabel(span, label))
        return self.stored_over(span.start, span.end)

    def stored_over(self, start: int, end: int) -> Span | None:
        """The span of the current document over exactly ``start:end``, if any (after an edit, or its
        refusal: what the view must select is what the document holds)."""
        document = self.session.document
        if document is None:
            return None
        index = index_of_range(document.spans, start, end)
        return None if index is None else document.spans[index]

    def nudge(self, span: Span, edge: str, step: int) -> Span | None:
        """Move one edge of a span by a token; returns the moved span (None if it cannot move)."""
        document = self.session.document
        try:
            edit = self.session.nudge(span, edge, step)
        except InvalidSpan:
            return None
        if edit is None or document is None:
            return None
        added = set(edit.after.spans) - set(edit.before.spans)
        now = next(iter(added), None)
        if now is None:
            return None
        return self._pushed_over(edit, document, now.start, now.end, moved=span)

    def answer(self, answer: Answer) -> bool:
        """Store the document's answer (undoable)."""
        if self.session.document is None:
            return False
        return self.push(self.session.set_answer(answer)) or self.session.document.answer == answer


def describe_store_error(db: Database, error: Exception) -> str:
    """A message for an error from the store, naming the database file for SQLite's own."""
    if isinstance(error, sqlite3.Error):
        return f"{store.database_file(db)}: {store.describe_error(error)}"
    return str(error) or type(error).__name__
