"""Edits: one transaction writing a document's new state and one history event; replaying the history."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from annotations import stored_json
from annotations.model import (
    Answer,
    DocumentState,
    Span,
    span_changes,
    unchanged_ends,
)
from annotations.store.connection import as_store_error, write_transaction
from annotations.store.documents import load_document
from annotations.store.encoding import decode_change, edited_spans_json, encode_change
from annotations.store.errors import DECODE_ERRORS, DamagedRow, EditConflict, HistoryMismatch


@as_store_error
def write_state(
    db: Database,
    document_id: int,
    state: DocumentState,
    *,
    kind: str,
    annotator: str | None,
    expected_rev: int,
    before: DocumentState,
    unchanged: tuple[int, int] | None = None,
) -> int:
    """Store a document's new state and one history event in one transaction; return the new rev.

    The event records what changed: the spans removed and the answer before (``before``), the
    spans added and the answer after (``after``); ``replay_history`` rebuilds every state.
    ``unchanged`` is ``unchanged_ends(before.spans, state.spans)`` when the caller knows it.

    Raises EditConflict (and writes nothing) when the stored revision is not ``expected_rev``;
    StoreError (nothing written) when the file cannot be written: disk full, read-only, I/O error.
    """
    ends = unchanged if unchanged is not None else unchanged_ends(before.spans, state.spans)
    removed, added = span_changes(before.spans, state.spans, ends)
    now = time.time()
    answer = state.answer.value if state.answer else None
    spans = edited_spans_json.encode(state.spans, before.spans, ends)
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE annotations SET spans = ?, answer = ?, annotator = ?, rev = rev + 1, updated = ? "
            "WHERE document_id = ? AND rev = ?",
            [spans, answer, annotator, now, document_id, expected_rev],
        )
        if cursor.rowcount != 1:
            raise EditConflict(document_id, expected_rev, current_rev(db, document_id))
        if removed or added:
            _forget_imported_task_hash(db, document_id)
        db.execute(
            "INSERT INTO events (document_id, annotator, at, kind, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            [
                document_id,
                annotator,
                now,
                kind,
                encode_change(removed, before.answer),
                encode_change(added, state.answer),
            ],
        )
    return expected_rev + 1


def _forget_imported_task_hash(db: Database, document_id: int) -> None:
    """A task hash that arrived with the document no longer describes it once its spans change."""
    db.execute("UPDATE documents SET task_hash = NULL WHERE id = ? AND task_hash IS NOT NULL", [document_id])


def current_rev(db: Database, document_id: int) -> int:
    """The stored revision of a document's annotation (-1 if it has none)."""
    row = db.execute("SELECT rev FROM annotations WHERE document_id = ?", [document_id]).fetchone()
    return int(row[0]) if row else -1


def history(db: Database, document_id: int) -> list[dict[str, Any]]:
    """The append-only history of a document, oldest first."""
    return list(db.query("SELECT * FROM events WHERE document_id = ? ORDER BY id", [document_id]))


def replay_history(db: Database, document_id: int) -> list[DocumentState]:
    """The document's state after each of its events, oldest first, rebuilt back from the stored one.

    Raises HistoryMismatch when an event's added spans or answer are not in the state it led to,
    DamagedRow when an event cannot be read.
    """
    return replay_events(load_document(db, document_id).state, history(db, document_id), document_id)


def replay_events(
    state: DocumentState, events: Sequence[dict[str, Any]], document_id: int
) -> list[DocumentState]:
    """The state after each event (oldest first), rebuilt back from ``state``, the one after the last."""
    states = [state]
    for event in reversed(events):
        state = _state_before(state, event, document_id)
        states.append(state)
    states.reverse()
    return states[1:]


def _state_before(after: DocumentState, event: dict[str, Any], document_id: int) -> DocumentState:
    """Undo one event on the state it led to, checking that it did lead there."""
    removed, answer_before = _decoded_change(event, "before", document_id)
    added, answer_after = _decoded_change(event, "after", document_id)
    present = {span.key() for span in after.spans}
    if answer_after != after.answer or any(span.key() not in present for span in added):
        raise HistoryMismatch(document_id, event["id"])
    gone = {span.key() for span in added}
    spans = sorted([s for s in after.spans if s.key() not in gone] + list(removed))
    return DocumentState(tuple(spans), answer_before)


def _decoded_change(
    event: dict[str, Any], side: str, document_id: int
) -> tuple[tuple[Span, ...], Answer | None]:
    """One side of an event, decoded; DamagedRow naming the event when it cannot be."""
    try:
        return decode_change(event[side])
    except DECODE_ERRORS as error:
        problem = stored_json.change_problem(event[side], 2**63) or "cannot be read"
        raise DamagedRow(
            f"events {event['id']} (document {document_id})", f"events.{side}", problem
        ) from error
