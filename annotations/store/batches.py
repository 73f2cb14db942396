"""Batches: changes made to many documents at once (apply everywhere, its undo), one history event per
document, each naming its batch; and the reads that planning and undoing such a change need."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotations.model import BASE, Answer, DocumentState, Version
from annotations.store.encoding import decode_spans, decode_token_offsets

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class Batch:
    """One change made to many documents: who, when, what, and which batch it undoes (if any)."""

    id: int
    at: float
    annotator: str | None
    description: str
    undoes: int | None
    events: int  # how many documents it changed
    undone_by: int | None  # the batch that undid it, if one did


@dataclass(frozen=True, slots=True)
class SeenState:
    """A document as one person sees it: the state of their version, or of the base while they have none."""

    document_id: int
    text: str
    token_starts: list[int]
    token_ends: list[int]
    version: Version
    state: DocumentState
    rev: int


@dataclass(frozen=True, slots=True)
class VersionState:
    """One version's stored state and revision, by its row id."""

    version_id: int
    document_id: int
    version: Version
    state: DocumentState
    rev: int


def _ids_json(ids: Collection[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _answer(raw: str | None) -> Answer | None:
    return Answer(raw) if raw else None


_SEEN = """
SELECT d.id, {columns}, p.id IS NOT NULL,
       CASE WHEN p.id IS NULL THEN b.spans ELSE p.spans END,
       CASE WHEN p.id IS NULL THEN b.answer ELSE p.answer END,
       CASE WHEN p.id IS NULL THEN b.rev ELSE p.rev END
FROM json_each(?) j JOIN documents d ON d.id = j.value
JOIN annotations b ON b.document_id = d.id AND b.kind = 'base' AND b.owner = ''
LEFT JOIN annotations p ON p.document_id = d.id AND p.kind = ? AND p.owner = ?
ORDER BY d.id"""


def seen_states(db: Database, document_ids: Collection[int], version: Version) -> list[SeenState]:
    """The documents as the owner of ``version`` sees them (their version, else the base), in id order."""
    sql = _SEEN.format(columns="d.text, d.tokens")
    rows = db.execute(sql, [_ids_json(document_ids), version.kind, version.owner])
    return [
        SeenState(
            document_id,
            text,
            *decode_token_offsets(tokens),
            version if own else BASE,
            DocumentState(decode_spans(spans), _answer(answer)),
            rev,
        )
        for document_id, text, tokens, own, spans, answer, rev in rows
    ]


def seen_revs(
    db: Database, document_ids: Collection[int], version: Version
) -> dict[int, tuple[Version, int]]:
    """Which version the owner of ``version`` sees of each document (theirs, else the base) and its rev."""
    sql = _SEEN.format(columns="NULL")
    rows = db.execute(sql, [_ids_json(document_ids), version.kind, version.owner])
    return {row[0]: (version if row[2] else BASE, row[5]) for row in rows}


def new_batch(db: Database, annotator: str | None, description: str, undoes: int | None = None) -> int:
    """Record a batch (inside the caller's transaction); return its id, for ``apply_state(batch_id=...)``."""
    cursor = db.execute(
        "INSERT INTO batches (at, annotator, description, undoes) VALUES (?, ?, ?, ?)",
        [time.time(), annotator, description, undoes],
    )
    return int(cursor.lastrowid)


_BATCHES = """
SELECT b.id, b.at, b.annotator, b.description, b.undoes,
       (SELECT count(*) FROM events e WHERE e.batch_id = b.id),
       (SELECT max(u.id) FROM batches u WHERE u.undoes = b.id)
FROM batches b {where} ORDER BY b.id DESC LIMIT ?"""


def batch(db: Database, batch_id: int) -> Batch | None:
    """One batch, or None when there is none with that id (none has an id past SQLite's integers)."""
    if not -(2**63) <= batch_id < 2**63:
        return None
    rows = db.execute(_BATCHES.format(where="WHERE b.id = ?"), [batch_id, 1]).fetchall()
    return Batch(*rows[0]) if rows else None


def recent_batches(db: Database, annotator: str | None = None, limit: int = 20) -> list[Batch]:
    """The most recent batches (of ``annotator``, or of everyone), newest first."""
    where, params = ("WHERE b.annotator = ?", [annotator]) if annotator is not None else ("", [])
    return [Batch(*row) for row in db.execute(_BATCHES.format(where=where), [*params, limit])]


def last_undoable_batch(db: Database, annotator: str) -> Batch | None:
    """The newest batch of ``annotator`` that is not an undo and has not been undone."""
    row = db.execute(
        "SELECT b.id FROM batches b WHERE b.annotator = ? AND b.undoes IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM batches u WHERE u.undoes = b.id) ORDER BY b.id DESC LIMIT 1",
        [annotator],
    ).fetchone()
    return batch(db, row[0]) if row else None


def batch_events(db: Database, batch_id: int) -> list[dict[str, Any]]:
    """The events of a batch, in order."""
    return list(db.query("SELECT * FROM events WHERE batch_id = ? ORDER BY id", [batch_id]))


def latest_events(db: Database, version_ids: Collection[int]) -> dict[int, int]:
    """The id of the newest event of each version."""
    rows = db.execute(
        "SELECT j.value, (SELECT max(e.id) FROM events e WHERE e.version_id = j.value) FROM json_each(?) j",
        [_ids_json(version_ids)],
    )
    return {version_id: event_id for version_id, event_id in rows}


def version_states(db: Database, version_ids: Sequence[int]) -> dict[int, VersionState]:
    """The stored state and rev of each version, by row id."""
    rows = db.execute(
        "SELECT a.id, a.document_id, a.kind, a.owner, a.spans, a.answer, a.rev"
        " FROM json_each(?) j JOIN annotations a ON a.id = j.value",
        [_ids_json(version_ids)],
    )
    return {
        row_id: VersionState(
            row_id,
            document_id,
            Version(kind, owner),
            DocumentState(decode_spans(spans), _answer(answer)),
            rev,
        )
        for row_id, document_id, kind, owner, spans, answer, rev in rows
    }


def forget_change_time(db: Database, version_id: int) -> None:
    """A version a batch made, the batch undone: it holds nothing of its person's own, so it no longer
    counts as the one changed last (which makes it the document's current version, over another
    person's answered work)."""
    db.execute("UPDATE annotations SET updated = NULL WHERE id = ?", [version_id])
