"""Undoable commands: one QUndoCommand per edit, persisting the edit the moment it is made."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from annotations.edit_changes import Change
from annotations.session import Edit
from annotations.store import EditConflict


class EditTarget(Protocol):
    """What a command applies its edit through (the controller, in the window)."""

    def apply(self, edit: Edit) -> object:
        """Store the edit and show its document."""
        ...

    def edit_for(self, change: Change) -> Edit:
        """The edit a change makes on its document as stored now (EditConflict if changed elsewhere)."""
        ...

    def report_conflict(self, error: EditConflict) -> None:
        """Tell the person the document changed elsewhere and was reloaded."""
        ...

    def report_failure(self, error: Exception) -> None:
        """Tell the person the edit could not be stored (disk full, read-only file, a damaged database)."""
        ...


def sentence(description: str) -> str:
    """An edit's description as the start of a sentence (``add ORG “Apple”`` -> ``Add ORG “Apple”``)."""
    return description[:1].upper() + description[1:]


class EditCommand(QUndoCommand):
    """One edit of one document: redo stores the edit, undo stores its reverse (Session.apply).

    A command whose edit cannot be stored makes itself obsolete, so the undo stack drops it instead of
    redoing or undoing it blindly later, and the person is told why; nothing is raised into Qt (an
    exception in ``QUndoCommand.redo``/``undo`` would only reach stderr).
    """

    def __init__(self, target: EditTarget, edit: Edit) -> None:
        super().__init__(sentence(edit.description))
        self.target = target
        # The history keeps what changed, not the document's states (``Change``): its memory per edit
        # does not grow with the document. The edit itself serves only the first redo (the push).
        self.change = Change.of(edit)
        self._fresh: Edit | None = edit

    def redo(self) -> None:
        """Apply the edit (the first push and every redo)."""
        fresh, self._fresh = self._fresh, None
        self._apply(self.change, fresh)

    def undo(self) -> None:
        """Apply the reverse edit."""
        self._fresh = None
        self._apply(self.change.reversed())

    def _apply(self, change: Change, edit: Edit | None = None) -> None:
        try:
            self.target.apply(edit if edit is not None else self.target.edit_for(change))
        except EditConflict as error:
            self.setObsolete(True)
            self.target.report_conflict(error)
        except Exception as error:  # noqa: BLE001 - nothing may escape into Qt's undo stack unseen
            self.setObsolete(True)
            self.target.report_failure(error)
