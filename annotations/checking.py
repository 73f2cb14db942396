"""``spandesk check``: everything that must hold in a spandesk database, and where it does not.

SQLite's own integrity and foreign key checks; the triggers that keep history append-only and the
answer counts true, exactly as the migrations wrote them; every JSON column well-formed and of its
shape; every document's history replayed back from its stored state; the kept answer counts. It only
reads: one pass over documents, annotations, predictions and events, each in document order.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from annotations import store, stored_columns, stored_json
from annotations.hashing import text_digest
from annotations.migrations import migrations
from annotations.model import Answer, DocumentState, Version
from annotations.store import search as search_store


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: the table, the row in it, and what is wrong."""

    table: str
    row: str
    what: str

    def __str__(self) -> str:
        return f"{self.table} ({self.row}): {self.what}" if self.row else f"{self.table}: {self.what}"


def check_database(db: Database) -> list[Problem]:
    """Every problem found in the database, in table order; empty when all is well. Only reads."""
    problems: list[Problem] = []
    try:
        with store.read_snapshot(db):  # the counts and the rows they count, as of one moment
            parts = (
                _sqlite_problems,
                trigger_problems,
                _type_problems,
                document_problems,
                answer_count_problems,
                _search_index_problems,
            )
            for part in parts:
                problems += part(db)
    except sqlite3.DatabaseError as error:  # damage bad enough that the check itself cannot finish
        problems.append(Problem("database", "", f"the check could not finish: {error}; restore a backup"))
    return problems


def _sqlite_problems(db: Database) -> list[Problem]:
    """What SQLite's ``integrity_check`` and ``foreign_key_check`` report."""
    problems = [
        Problem("database", "integrity_check", row[0])
        for row in db.execute("PRAGMA integrity_check")
        if row[0] != "ok"
    ]
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check"):
        problems.append(Problem(table, f"row {rowid}", f"refers to a {parent} row that does not exist"))
    return problems


def _search_index_problems(db: Database) -> list[Problem]:
    """The search index (migration m007), when the database has it: missing, damaged or stale."""
    if "m007_search" not in {m.name for m in migrations.applied(db)}:
        return []
    problem = search_store.index_problem(db)
    return [Problem("schema", "search index documents_fts", problem)] if problem else []


def _type_problems(db: Database) -> list[Problem]:
    """Values of plain columns that are not of the column's kind (a task hash of 'abc')."""
    return [Problem(*problem) for problem in stored_columns.column_type_problems(db)]


# ---------------------------------------------------------------- triggers


def trigger_problems(db: Database) -> list[Problem]:
    """Triggers missing, changed, or added, against those the applied migrations create."""
    expected = expected_triggers({migration.name for migration in migrations.applied(db)})
    actual = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    problems = []
    for name, sql in expected.items():
        if name not in actual:
            problems.append(Problem("schema", f"trigger {name}", "is missing: " + _guarded_by(sql)))
        elif actual[name] != sql:
            problems.append(Problem("schema", f"trigger {name}", "is not the one spandesk created"))
    for name in sorted(actual.keys() - expected.keys()):
        problems.append(Problem("schema", f"trigger {name}", "is not one of spandesk's triggers"))
    return problems


def _guarded_by(sql: str) -> str:
    """What a trigger protects, for the message saying it is missing."""
    if " ON events" in sql:
        return "history can be changed or deleted"
    if "documents_fts" in sql:
        return "corpus search (`spandesk find`) can miss documents added or removed since"
    return "the answer counts shown as progress are no longer kept"


def expected_triggers(applied: set[str]) -> dict[str, str]:
    """The triggers (name to SQL) a database holds after the migrations ``applied``."""
    expected: dict[str, str] = {}
    for name, triggers in _triggers_after_each_migration():
        if name in applied:
            expected = triggers
    return expected


@functools.cache
def _triggers_after_each_migration() -> tuple[tuple[str, dict[str, str]], ...]:
    """Each migration's name and the triggers that exist once it has run, from an empty database in
    memory: the SQL the migrations write, compared text for text."""
    reference = Database(memory=True)
    snapshots = []
    for migration in migrations.pending(reference):
        migration.fn(reference)
        triggers = reference.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        snapshots.append((migration.name, dict(triggers.fetchall())))
    reference.close()
    return tuple(snapshots)


# ---------------------------------------------------------------- documents, their JSON and history

_DOCUMENTS = "SELECT d.id, d.text, d.tokens, d.meta, d.extra, {digest} FROM documents d ORDER BY d.id"
_PREDICTIONS = "SELECT document_id, model, spans, {scores} FROM predictions ORDER BY document_id"
_VERSIONS = (
    "SELECT document_id, id, kind, owner, spans, answer, rev FROM annotations ORDER BY document_id, id"
)
_EVENTS = "SELECT document_id, version_id, id, before, after FROM events ORDER BY document_id, id"
# a database from before versions (m006): one annotation row per document, every event its own
_OLD_VERSIONS = (
    "SELECT document_id, document_id, 'base', '', spans, answer, rev FROM annotations ORDER BY document_id"
)
_OLD_EVENTS = "SELECT document_id, document_id, id, before, after FROM events ORDER BY document_id, id"
_ANSWERS = frozenset(answer.value for answer in Answer)


def document_problems(db: Database) -> Iterator[Problem]:
    """The JSON and history problems of every document, reading each table once in document order."""
    versioned = "kind" in {column[1] for column in db.execute("PRAGMA table_info(annotations)")}
    scored = "scores" in {column[1] for column in db.execute("PRAGMA table_info(predictions)")}
    predictions = _ByDocument(db.execute(_PREDICTIONS.format(scores="scores" if scored else "NULL")))
    versions = _ByDocument(db.execute(_VERSIONS if versioned else _OLD_VERSIONS))
    events = _ByDocument(db.execute(_EVENTS if versioned else _OLD_EVENTS))
    columns = {column[1] for column in db.execute("PRAGMA table_info(documents)")}
    digest = "d.text_digest" if "text_digest" in columns else "NULL"  # NULL: from before text identity
    for row in db.execute(_DOCUMENTS.format(digest=digest)):
        document_id = row[0]
        yield from _one_document(
            row, predictions.take(document_id), versions.take(document_id), events.take(document_id)
        )


class _ByDocument:
    """The rows of a query ordered by document id (their first column), handed out document by document.

    Rows of a document id that never comes up belong to no document: ``foreign_key_check`` names them.
    """

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def take(self, document_id: int) -> list[tuple[Any, ...]]:
        """The rows of ``document_id`` (call with increasing ids)."""
        taken = []
        while self._next is not None and self._next[0] <= document_id:
            if self._next[0] == document_id:
                taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _one_document(
    row: tuple[Any, ...],
    predictions: list[tuple[Any, ...]],
    versions: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
) -> list[Problem]:
    """The problems of one document: its JSON columns, its versions, its predictions and their history."""
    document_id, text, tokens, meta, extra, digest = row
    if not isinstance(text, str):
        return [Problem("documents", f"id {document_id}", "text is not text")]
    length = len(text)
    problems = _identity_problems(document_id, text, digest)
    problems += _column_problems(
        "documents",
        f"id {document_id}",
        tokens=stored_json.tokens_problem(tokens, length),
        meta=stored_json.object_problem(meta),
        extra=stored_json.object_problem(extra),
    )
    for _, model, predicted, scores in predictions:
        problems += _column_problems(
            "predictions",
            f"document {document_id}, model {model!r}",
            spans=stored_json.spans_problem(predicted, length, ordered=False),
            scores=stored_json.scores_problem(scores, predicted),
        )
    if not versions:
        return [*problems, Problem("documents", f"id {document_id}", "has no annotations row")]
    if not any(version[2] == "base" for version in versions):
        problems.append(Problem("documents", f"id {document_id}", "has no base version (as imported)"))
    by_version: dict[int, list[tuple[Any, ...]]] = {}
    for event in events:
        by_version.setdefault(event[1], []).append(event)
    for _, version_id, kind, owner, spans, answer, rev in versions:
        where = _version_name(document_id, kind, owner)
        version_events = by_version.pop(version_id, [])
        problems += _version_problems(where, document_id, length, (spans, answer, rev), version_events)
    for stray in by_version.values():
        problems += [
            Problem(
                "events", f"id {event[2]}, document {document_id}", "belongs to no version of its document"
            )
            for event in stray
        ]
    return problems


def _version_name(document_id: int, kind: str, owner: str) -> str:
    """How a problem names one version of a document."""
    if kind == "base":
        return f"document {document_id}"
    return f"document {document_id}, version {Version(kind, owner).label!r}"


def _version_problems(
    where: str, document_id: int, length: int, stored: tuple[Any, Any, Any], events: list[tuple[Any, ...]]
) -> list[Problem]:
    """The problems of one version of a document: its spans, its answer, and its history."""
    spans, answer, rev = stored
    annotation_problems = _annotation_problems(where, spans, answer, length)
    event_problems = [problem for event in events for problem in _event_problems(event, length)]
    if annotation_problems or event_problems:
        return annotation_problems + event_problems
    return _history_problems(where, document_id, spans, answer, rev, events)


def _identity_problems(document_id: int, text: str, digest: bytes | None) -> list[Problem]:
    """A stored text must be the one its identity was computed from (stored text is never changed)."""
    if digest is None or digest == text_digest(text):
        return []
    return [Problem("documents", f"id {document_id}", "text is not the text it was imported as (its digest)")]


def _column_problems(table: str, row: str, **problems: str | None) -> list[Problem]:
    """A Problem for each column whose problem is not None."""
    return [Problem(table, row, f"{column} {what}") for column, what in problems.items() if what is not None]


def _annotation_problems(where: str, spans: Any, answer: Any, length: int) -> list[Problem]:
    """What is wrong with a version's annotation row."""
    problems = _column_problems("annotations", where, spans=stored_json.spans_problem(spans, length))
    if answer is not None and answer not in _ANSWERS:
        problems.append(Problem("annotations", where, f"answer {answer!r} is unknown"))
    return problems


def _event_problems(event: tuple[Any, ...], length: int) -> list[Problem]:
    """What is wrong with one history event's JSON."""
    document_id, _, event_id, before, after = event
    return _column_problems(
        "events",
        f"id {event_id}, document {document_id}",
        before=stored_json.change_problem(before, length),
        after=stored_json.change_problem(after, length),
    )


def _history_problems(
    where: str, document_id: int, spans: str, answer: str | None, rev: int, events: Sequence[tuple[Any, ...]]
) -> list[Problem]:
    """Whether the history leads to the stored state: one event per revision, each found in the next state."""
    problems = []
    if rev != len(events):
        problems.append(
            Problem(
                "annotations",
                where,
                f"is at revision {rev} but its history holds {len(events)} events "
                "(an event was deleted, or the annotation changed without one)",
            )
        )
    if not events:
        return problems
    state = DocumentState(store.decode_spans(spans), Answer(answer) if answer else None)
    history = [{"id": event_id, "before": before, "after": after} for _, _, event_id, before, after in events]
    try:
        store.replay_events(state, history, document_id)
    except store.HistoryMismatch as error:
        problems.append(
            Problem(
                "events",
                f"id {error.event_id}, document {document_id}",
                "does not lead to the state after it (history or annotation changed without an event)",
            )
        )
    return problems


# ---------------------------------------------------------------- answer counts


def answer_count_problems(db: Database) -> list[Problem]:
    """Kept answer counts that differ from the versions counted one by one."""
    if not db["answer_counts"].exists() or "kind" not in db["answer_counts"].columns_dict:
        return []
    rows = db.execute(
        "SELECT dataset_id, kind, owner, answer, documents FROM answer_counts WHERE documents != 0"
    )
    kept = {tuple(row[:4]): row[4] for row in rows}
    counted = store.counted_answers(db)
    problems = []
    for key in sorted(kept.keys() | counted.keys(), key=repr):
        if kept.get(key, 0) != counted.get(key, 0):
            dataset, kind, owner, answer = key
            whose = Version(kind, owner).label if kind != "shadowed" else f"base under {owner}'s versions"
            problems.append(
                Problem(
                    "answer_counts",
                    f"dataset {dataset}, {whose}, answer {answer or 'pending'}",
                    f"kept {kept.get(key, 0)} for progress, but {counted.get(key, 0)} annotations have it",
                )
            )
    return problems
