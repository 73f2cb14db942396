"""Edits: one transaction writing a document's new state and one history event; replaying the history."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from annotations import stored_json
from annotations.model import (
    BASE,
    Answer,
    DocumentState,
    Span,
    Version,
    span_changes,
    unchanged_ends,
)
from annotations.store.connection import as_store_error, write_transaction
from annotations.store.documents import Versions, load_document
from annotations.store.encoding import decode_change, edited_spans_json, encode_change
from annotations.store.errors import DECODE_ERRORS, DamagedRow, EditConflict, HistoryMismatch
from annotations.store.new_documents import insert_version

if TYPE_CHECKING:
    from sqlite_utils import Database


@as_store_error
def write_state(
    db: Database,
    document_id: int,
    state: DocumentState,
    *,
    kind: str,
    annotator: str | None,
    expected_rev: int | None,
    before: DocumentState,
    unchanged: tuple[int, int] | None = None,
    version: Version = BASE,
) -> int:
    """Store a document's new state in one of its versions and one history event, in one transaction;
    return the new rev.

    The event records what changed: the spans removed and the answer before (``before``), the
    spans added and the answer after (``after``); ``replay_history`` rebuilds every state.
    ``unchanged`` is ``unchanged_ends(before.spans, state.spans)`` when the caller knows it.
    ``expected_rev`` None: the version does not exist yet; it is created as ``before`` (the state its
    owner saw, the base's) and the edit applied to it, in the same transaction.

    Raises EditConflict (and writes nothing) when the stored revision is not ``expected_rev`` (or the
    version exists already); StoreError (nothing written) when the file cannot be written.
    """
    with write_transaction(db):
        return apply_state(
            db,
            document_id,
            state,
            kind=kind,
            annotator=annotator,
            expected_rev=expected_rev,
            before=before,
            unchanged=unchanged,
            version=version,
        )


def apply_state(
    db: Database,
    document_id: int,
    state: DocumentState,
    *,
    kind: str,
    annotator: str | None,
    expected_rev: int | None,
    before: DocumentState,
    unchanged: tuple[int, int] | None = None,
    version: Version = BASE,
    batch_id: int | None = None,
) -> int:
    """``write_state`` inside a transaction the caller holds (an import writing many); return the new rev.

    ``batch_id``: the batch (``store.new_batch``) the event belongs to (a change made to many documents)."""
    ends = unchanged if unchanged is not None else unchanged_ends(before.spans, state.spans)
    removed, added = span_changes(before.spans, state.spans, ends)
    now = time.time()
    answer = state.answer.value if state.answer else None
    spans = edited_spans_json.encode(state.spans, before.spans, ends)
    version_id = _version_to_change(db, document_id, version, expected_rev)
    if version_id is None:  # their first edit: the version starts as ``before`` and holds the edit at rev 1
        rev = 0
        version_id = insert_version(db, document_id, version, state, annotator, now, rev=1, spans_json=spans)
    else:
        rev = expected_rev or 0
        cursor = db.execute(
            "UPDATE annotations SET spans = ?, answer = ?, annotator = ?, rev = rev + 1, updated = ? "
            "WHERE id = ? AND rev = ?",
            [spans, answer, annotator, now, version_id, rev],
        )
        if cursor.rowcount != 1:
            raise EditConflict(document_id, rev, current_rev(db, document_id, version))
    if removed or added:
        _forget_imported_task_hash(db, document_id)
    batch_column, batch_value = (", batch_id", ", ?") if batch_id is not None else ("", "")
    db.execute(
        f"INSERT INTO events (document_id, version_id, annotator, at, kind, before, after{batch_column})"
        f" VALUES (?, ?, ?, ?, ?, ?, ?{batch_value})",
        [
            document_id,
            version_id,
            annotator,
            now,
            kind,
            encode_change(removed, before.answer),
            encode_change(added, state.answer),
            *([batch_id] if batch_id is not None else []),
        ],
    )
    return rev + 1


def _version_to_change(
    db: Database, document_id: int, version: Version, expected_rev: int | None
) -> int | None:
    """The row id of the version an edit changes; None when ``expected_rev`` is None (it is to be made);
    EditConflict when it should be new but exists, or should exist but does not."""
    found = version_id(db, document_id, version)
    if expected_rev is None:
        if found is not None:
            raise EditConflict(document_id, -1, current_rev(db, document_id, version))
        return None
    if found is None:
        raise EditConflict(document_id, expected_rev, -1)
    return found


def version_id(db: Database, document_id: int, version: Version) -> int | None:
    """The row id of a version of a document, or None when it has no such version."""
    row = db.execute(
        "SELECT id FROM annotations WHERE document_id = ? AND kind = ? AND owner = ?",
        [document_id, version.kind, version.owner],
    ).fetchone()
    return int(row[0]) if row else None


def _forget_imported_task_hash(db: Database, document_id: int) -> None:
    """A task hash that arrived with the document no longer describes it once its spans change."""
    db.execute("UPDATE documents SET task_hash = NULL WHERE id = ? AND task_hash IS NOT NULL", [document_id])


def current_rev(db: Database, document_id: int, version: Version | None = None) -> int:
    """The stored revision of a version of a document (its current one by default); -1 if it has none."""
    if version is None:
        join, params = Versions.current().join()
        sql = f"SELECT a.rev FROM documents d {join} WHERE d.id = ?"
        row = db.execute(sql, [*params, document_id]).fetchone()
    else:
        row = db.execute(
            "SELECT rev FROM annotations WHERE document_id = ? AND kind = ? AND owner = ?",
            [document_id, version.kind, version.owner],
        ).fetchone()
    return int(row[0]) if row else -1


def history(db: Database, document_id: int, version: Version | None = None) -> list[dict[str, Any]]:
    """The append-only history of one version of a document (its current one by default), oldest first."""
    chosen = load_document(db, document_id, version).version_id if version is None else None
    if chosen is None:
        chosen = version_id(db, document_id, version or BASE)
    return list(db.query("SELECT * FROM events WHERE version_id = ? ORDER BY id", [chosen]))


def replay_history(db: Database, document_id: int, version: Version | None = None) -> list[DocumentState]:
    """The state of one version of a document (its current one by default) after each of its events,
    oldest first, rebuilt back from the stored one.

    Raises HistoryMismatch when an event's added spans or answer are not in the state it led to,
    DamagedRow when an event cannot be read.
    """
    document = load_document(db, document_id, version)
    return replay_events(document.state, history(db, document_id, document.version), document_id)


def replay_events(
    state: DocumentState, events: Sequence[dict[str, Any]], document_id: int
) -> list[DocumentState]:
    """The state after each event (oldest first), rebuilt back from ``state``, the one after the last."""
    states = [state]
    for event in reversed(events):
        state = state_before(state, event, document_id)
        states.append(state)
    states.reverse()
    return states[1:]


def state_before(after: DocumentState, event: dict[str, Any], document_id: int) -> DocumentState:
    """Undo one event on the state it led to, checking that it did lead there (HistoryMismatch if not)."""
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
