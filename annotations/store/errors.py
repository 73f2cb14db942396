"""What goes wrong with a store, as exceptions naming the file, the row or the document."""

from __future__ import annotations


class StoreError(Exception):
    """A database that cannot be used as it is; the message says why, naming the file."""


class EditConflict(StoreError):
    """The document was changed elsewhere since this session loaded it."""

    def __init__(self, document_id: int, expected_rev: int, actual_rev: int) -> None:
        super().__init__(
            f"document {document_id} was changed elsewhere (revision {actual_rev}, "
            f"this window had {expected_rev})"
        )
        self.document_id = document_id
        self.actual_rev = actual_rev


class DamagedRow(StoreError):
    """A stored row whose JSON cannot be read: the message names the row and the column."""

    def __init__(self, row: str, column: str, problem: str) -> None:
        super().__init__(f"{row}: {column} {problem}; run `spandesk check` to list every damaged row")
        self.row = row
        self.column = column


# What a decoder raises on JSON it cannot read or of the wrong shape (orjson's error is a ValueError).
DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError)


class HistoryMismatch(StoreError):
    """A document's history does not lead to its stored state (which would mean a lost update)."""

    def __init__(self, document_id: int, event_id: int) -> None:
        super().__init__(f"document {document_id}: event {event_id} does not lead to the next state")
        self.document_id = document_id
        self.event_id = event_id
