"""The SQLite store: opening a database and the functions that read and write it.

Every access goes through sqlite-utils. Each edit is one short write transaction with one
history event; the model's predictions are written once and never changed.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlite_utils import Database

from annotations import hashing, stored_json
from annotations.database_files import database_location
from annotations.migrations import KNOWN_MIGRATIONS, MIGRATION_SET, migrations
from annotations.model import (
    Answer,
    Document,
    DocumentState,
    Span,
    SpanSource,
    Token,
    span_changes,
    unchanged_ends,
)

T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = 30.0


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


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a model proposed for a document."""

    model: str
    model_version: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document ready to be stored: text, tokens, and what arrived or was predicted with it."""

    text: str
    tokens: tuple[Token, ...]
    input_hash: int
    state: DocumentState = DocumentState()
    prediction: Prediction | None = None
    task_hash: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    timestamp: float | None = None


# ---------------------------------------------------------------- opening


def open_store(path: str | os.PathLike[str], *, read_only: bool = False, upgrade: bool = True) -> Database:
    """Open (creating if needed) a spandesk database: WAL, busy timeout, schema up to date.

    ``read_only`` opens it so that nothing can be written (commands that only read); a database
    from an older spandesk is first upgraded, unless ``upgrade`` is False (``check`` looks at it as
    it is). A file that is not a regular file, not an SQLite database, or another application's
    database is refused untouched: nothing here opens the file but SQLite itself.
    """
    location = _location(path)
    if read_only and upgrade and _needs_upgrade(location):
        open_store(location).close()
    db = Database(_connect(location, read_only), execute_plugins=False)
    try:
        _check_is_spandesk(db, location, read_only)
        _check_not_newer(db, location)
        if not read_only:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            # Some builds (Debian's) zero every freed page, which doubled what an edit of a long
            # document writes; FAST still zeroes deleted content where that costs no extra I/O.
            db.execute("PRAGMA secure_delete=FAST")
            _migrate(db, location)
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError(f"{location}: {describe_error(error)}") from error
    except StoreError:
        db.close()
        raise
    return db


def _location(path: str | os.PathLike[str]) -> Path:
    """The database's absolute path; StoreError for a folder, FIFO, device or unusable name."""
    try:
        return database_location(path)
    except OSError as error:
        raise StoreError(f"{error.filename or path}: {error.strerror or error}") from error


def _connect(location: Path, read_only: bool) -> sqlite3.Connection:
    """A connection with a busy timeout, usable from worker threads.

    The name is always passed as a ``file:`` URI built from the absolute path, so that a path
    such as ``file:x.db?mode=memory`` is a file of that name, never SQLite URI parameters.
    """
    uri = location.as_uri() + ("?mode=ro" if read_only else "")
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        connection.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{location}: {describe_error(error)}") from error
    return connection


def _needs_upgrade(location: Path) -> bool:
    """Whether a spandesk database has migrations this version would apply (read through SQLite)."""
    if not location.exists():
        return False
    db = Database(_connect(location, read_only=True), execute_plugins=False)
    try:
        return _is_spandesk(db) and bool(migrations.pending(db))
    except sqlite3.DatabaseError:
        return False  # the read-only open that follows reports it
    finally:
        db.close()


def _is_spandesk(db: Database) -> bool:
    """Whether the database holds spandesk's schema (its migration set is recorded)."""
    if not db["_sqlite_migrations"].exists():
        return False
    return bool(
        db.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]).fetchone()
    )


def _check_is_spandesk(db: Database, location: Path, read_only: bool) -> None:
    """Refuse another application's SQLite database, or (to read) an empty one, untouched.

    Reading the schema through SQLite is also what finds a file that is not a database at all
    ("file is not a database"): the header is never read with a descriptor of our own.
    """
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if _is_spandesk(db):
        return
    if tables:
        raise StoreError(
            f"{location}: is an SQLite database of another application (it has no spandesk tables); "
            "it was left untouched"
        )
    if read_only:
        raise StoreError(f"{location}: holds no spandesk data yet (import documents into it first)")


def _check_not_newer(db: Database, location: Path) -> None:
    """Refuse a database written by a newer spandesk (migrations this version does not know)."""
    if not db["_sqlite_migrations"].exists():
        return
    applied = {m.name for m in migrations.applied(db)}
    unknown = sorted(applied - set(KNOWN_MIGRATIONS))
    if unknown:
        raise StoreError(
            f"{location}: was written by a newer spandesk (schema {unknown[-1]}); "
            "upgrade spandesk to open it. The file was left untouched."
        )


def _migrate(db: Database, location: Path) -> None:
    """Apply pending migrations holding the write lock, so windows opening a new file at once agree."""
    if db["_sqlite_migrations"].exists() and not migrations.pending(db):
        return
    with write_transaction(db):
        _check_not_newer(db, location)
        migrations.apply(db)


def describe_error(error: sqlite3.Error) -> str:
    """A short, human message for an SQLite error."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return "is corrupt or not an SQLite database (it was left untouched)"
    if "readonly" in text or "read-only" in text:
        return "is read-only; open a copy, or make the file writable"
    if "disk is full" in text or "disk I/O" in text:
        return "the disk is full or failing; nothing was written"
    if "unable to open" in text:
        return "cannot be opened (check the folder exists and is writable)"
    return text


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) and committed at the end."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.commit()
        except sqlite3.Error:
            db.rollback()
            raise


@contextmanager
def read_snapshot(db: Database) -> Iterator[Database]:
    """One read transaction: every query inside sees the database as its first query found it, whatever
    other windows commit meanwhile (nested in a transaction already open, it is that one)."""
    if db.conn.in_transaction:
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.rollback()


# ---------------------------------------------------------------- encoding


def encode_spans(spans: Iterable[Span]) -> str:
    """Spans as JSON, ``[[start, end, label, source], ...]``: what ``json.dumps`` writes for that list."""
    return _joined(map(_span_json, spans))


def _joined(pieces: Iterable[str]) -> str:
    """A JSON list of already-encoded items."""
    return "[" + ", ".join(pieces) + "]"


class _EditedSpansJson:
    """The JSON of recently written span tuples, so that an edit re-encodes only the spans it changed.

    Spans an edit leaves alone are the same objects before and after it; the JSON of the tuple
    written last is kept split into one piece per span, and the next edit splices the pieces of the
    spans it changed into it. (20,000 spans: ~1 ms instead of ~14 ms per edit.)
    """

    KEEP = 8

    def __init__(self) -> None:
        self._recent: dict[int, tuple[tuple[Span, ...], list[str]]] = {}

    def remember(self, spans: tuple[Span, ...]) -> None:
        """Split the JSON of spans just loaded, so that their first edit is spliced too."""
        self._keep(spans, [_span_json(span) for span in spans])

    def _keep(self, spans: tuple[Span, ...], pieces: list[str]) -> None:
        if len(self._recent) >= self.KEEP:
            self._recent.clear()
        self._recent[id(spans)] = (spans, pieces)

    def encode(self, spans: tuple[Span, ...], previous: tuple[Span, ...], ends: tuple[int, int]) -> str:
        """The JSON of ``spans``, reusing what ``previous`` (the spans before the edit) was written as.

        ``ends`` is ``unchanged_ends(previous, spans)``.
        """
        pieces = self._pieces(spans, previous, ends)
        self._keep(spans, pieces)
        return _joined(pieces)

    def _pieces(
        self, spans: tuple[Span, ...], previous: tuple[Span, ...], ends: tuple[int, int]
    ) -> list[str]:
        cached = self._recent.get(id(previous))
        if cached is None or cached[0] is not previous:
            return [_span_json(span) for span in spans]
        prefix, suffix = ends
        old = cached[1]
        middle = [_span_json(span) for span in spans[prefix : len(spans) - suffix]]
        return [*old[:prefix], *middle, *old[len(old) - suffix :]]


def _span_json(span: Span) -> str:
    """One span's piece of ``encode_spans``' output (the characters ``json.dumps`` writes for it).

    Formatted directly, with each label's JSON worked out once (20,000 spans: ~6 ms, against ~60 ms
    with one ``json.dumps`` per span); edits splice these pieces (``_EditedSpansJson``).
    """
    return f"[{span.start}, {span.end}, {_label_json(span.label)}, {_SOURCE_JSON[span.source]}]"


@functools.lru_cache(maxsize=1024)
def _label_json(label: str) -> str:
    return json.dumps(label, ensure_ascii=False)


_SOURCE_JSON = {source: json.dumps(source.value) for source in SpanSource}


_edited_spans_json = _EditedSpansJson()


def prepare_to_edit(document: Document) -> None:
    """Get ready for edits of a document just opened (its first edit then costs what any edit costs)."""
    _edited_spans_json.remember(document.spans)


def decode_spans(raw: str | None) -> tuple[Span, ...]:
    """Spans from their JSON form."""
    if not raw:
        return ()
    sources = _SOURCES
    return tuple(Span(s, e, label, sources[source]) for s, e, label, source in orjson.loads(raw))


_SOURCES = {source.value: source for source in SpanSource}


def encode_tokens(tokens: Sequence[Token]) -> str:
    """Tokens as a flat JSON list of offsets ``[s0, e0, s1, e1, ...]``."""
    return json.dumps([offset for t in tokens for offset in (t.start, t.end)])


def decode_tokens(raw: str) -> tuple[Token, ...]:
    """Tokens from their flat JSON form."""
    return tuple(map(Token, *decode_token_offsets(raw)))


def decode_token_offsets(raw: str) -> tuple[list[int], list[int]]:
    """The tokens' starts and ends from their flat JSON form (no object per token)."""
    flat = orjson.loads(raw)
    return flat[0::2], flat[1::2]


def decode_span_keys(raw: str | None) -> list[tuple[int, int, str]]:
    """The spans' ``(start, end, label)`` from their JSON form, in stored order (no Span objects)."""
    if not raw:
        return []
    return list(map(_SPAN_KEY, orjson.loads(raw)))


_SPAN_KEY = operator.itemgetter(0, 1, 2)  # [start, end, label, source] -> (start, end, label)


def decode_object(raw: str) -> dict[str, Any]:
    """A stored JSON object column (meta, extra)."""
    return {} if raw == "{}" else json.loads(raw)


def encode_change(spans: Iterable[Span], answer: Answer | None) -> str:
    """One side of a history event: the spans it removed (or added) and the answer before (or after)."""
    return json.dumps({"spans": json.loads(encode_spans(spans)), "answer": answer.value if answer else None})


def decode_change(raw: str) -> tuple[tuple[Span, ...], Answer | None]:
    """One side of a history event, decoded."""
    change = json.loads(raw)
    return decode_spans(json.dumps(change["spans"])), Answer(change["answer"]) if change["answer"] else None


# ---------------------------------------------------------------- datasets and documents


def ensure_dataset(db: Database, name: str) -> int:
    """The id of the dataset called ``name``, created if needed."""
    row = next(db.query("SELECT id FROM datasets WHERE name = ?", [name]), None)
    if row:
        return int(row["id"])
    return int(db["datasets"].insert({"name": name, "created": time.time()}).last_pk)


def dataset_names(db: Database) -> list[str]:
    """All dataset names, oldest first."""
    return [row["name"] for row in db.query("SELECT name FROM datasets ORDER BY id")]


def dataset_id(db: Database, name: str) -> int | None:
    """The id of a dataset, or None if there is none by that name."""
    row = next(db.query("SELECT id FROM datasets WHERE name = ?", [name]), None)
    return int(row["id"]) if row else None


def insert_documents(
    db: Database, dataset: int, documents: Iterable[NewDocument], skipped: list[int] | None = None
) -> int:
    """Store new documents (call inside a transaction); skip those whose text is already in the dataset
    (their positions are added to ``skipped`` when given)."""
    now = time.time()
    inserted = 0
    for position, document in enumerate(documents):
        cursor = db.execute(
            "INSERT OR IGNORE INTO documents (dataset_id, text_digest, input_hash, task_hash, text, meta,"
            " extra, tokens, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset,
                hashing.text_digest(document.text),
                document.input_hash,
                document.task_hash,
                document.text,
                json.dumps(document.meta, ensure_ascii=False),
                json.dumps(document.extra, ensure_ascii=False),
                encode_tokens(document.tokens),
                now,
            ],
        )
        if cursor.rowcount == 0:
            if skipped is not None:
                skipped.append(position)
            continue
        _insert_annotation_rows(db, int(cursor.lastrowid or 0), document, now)
        inserted += 1
    return inserted


def _insert_annotation_rows(db: Database, document_id: int, document: NewDocument, now: float) -> None:
    """The prediction (if any) and the initial human state of a new document."""
    if document.prediction is not None:
        db.execute(
            "INSERT INTO predictions (document_id, model, model_version, spans, created)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                document_id,
                document.prediction.model,
                document.prediction.model_version,
                encode_spans(document.prediction.spans),
                now,
            ],
        )
    answer = document.state.answer.value if document.state.answer else None
    db.execute(
        "INSERT INTO annotations (document_id, annotator, spans, answer, rev, updated)"
        " VALUES (?, ?, ?, ?, 0, ?)",
        [document_id, document.annotator, encode_spans(document.state.spans), answer, document.timestamp],
    )


# Every document with its dataset and its annotation (exactly one each): the FROM of document queries.
_DOCUMENTS = """
    FROM documents d
    JOIN datasets ds ON ds.id = d.dataset_id
    JOIN annotations a ON a.document_id = d.id
"""
_PREDICTED = "(SELECT p.spans FROM predictions p WHERE p.document_id = d.id ORDER BY p.created DESC LIMIT 1)"
_DOCUMENT_SELECT = (
    """
    SELECT d.id, ds.name AS dataset, d.text, d.tokens, d.meta, d.extra, d.input_hash, d.task_hash,
           a.spans, a.answer, a.rev, a.annotator, a.updated, {predicted} AS predicted
"""
    + _DOCUMENTS
)


def _document_from_row(row: dict[str, Any]) -> Document:
    """A Document from a row of ``_DOCUMENT_SELECT``; DamagedRow if a JSON column cannot be read."""
    try:
        return _decoded_document(row)
    except DECODE_ERRORS as error:
        raise damaged_document(row) from error


def _decoded_document(row: dict[str, Any]) -> Document:
    answer = Answer(row["answer"]) if row["answer"] else None
    spans = decode_spans(row["spans"])
    if spans:
        check_stored_span_bounds(spans[0].start, spans[-1].end, row["text"])
    return Document(
        id=row["id"],
        dataset=row["dataset"],
        text=row["text"],
        tokens=decode_tokens(row["tokens"]),
        state=DocumentState(spans, answer),
        predicted=decode_spans(row["predicted"]),
        meta=decode_object(row["meta"]),
        input_hash=row["input_hash"],
        task_hash=row["task_hash"],
        rev=row["rev"],
        annotator=row["annotator"],
        updated=row["updated"],
        extra=decode_object(row["extra"]),
    )


def check_stored_span_bounds(first_start: int, last_end: int, text: str) -> None:
    """ValueError unless a person's stored spans (sorted, so two numbers bound them all) lie inside
    the text: spans past its end, decoded, would crash whatever slices the text with them."""
    if first_start < 0 or last_end > len(text):
        raise ValueError("spans outside the text")


def damaged_document(row: dict[str, Any] | DocumentRow) -> DamagedRow:
    """The DamagedRow naming the first damaged JSON column of a document row that failed to decode.

    Only called once decoding failed, so decoding itself does no validation work.
    """
    columns = row if isinstance(row, dict) else row._asdict()
    length = len(columns["text"]) if isinstance(columns["text"], str) else 0
    problems = (
        ("documents.tokens", lambda: stored_json.tokens_problem(columns["tokens"], length)),
        ("annotations.spans", lambda: stored_json.spans_problem(columns["spans"], length)),
        ("predictions.spans", lambda: _prediction_problem(columns.get("predicted"), length)),
        ("documents.meta", lambda: stored_json.object_problem(columns["meta"])),
        ("documents.extra", lambda: stored_json.object_problem(columns["extra"])),
    )
    where = f"documents {columns['id']}"
    for column, problem_of in problems:
        problem = problem_of()
        if problem is not None:
            return DamagedRow(where, column, problem)
    return DamagedRow(where, "a JSON column", "cannot be read")


def _prediction_problem(raw: str | None, text_length: int) -> str | None:
    """What is wrong with the predicted spans a document row holds (None: it has no prediction)."""
    return None if raw is None else stored_json.spans_problem(raw, text_length, ordered=False)


def load_document(db: Database, document_id: int) -> Document:
    """One document with its current state; KeyError if there is none with that id."""
    row = next(
        db.query(_DOCUMENT_SELECT.format(predicted=_PREDICTED) + " WHERE d.id = ?", [document_id]), None
    )
    if row is None:
        raise KeyError(document_id)
    return _document_from_row(row)


def iter_documents(
    db: Database,
    dataset: str | None = None,
    answers: Iterable[Answer] | None = None,
    include_unanswered: bool = False,
    with_predictions: bool = True,
) -> Iterator[Document]:
    """Stream documents in import order, filtered by dataset and answer, never all in memory.

    ``with_predictions=False`` leaves ``Document.predicted`` empty (exports do not need it).
    """
    select = _DOCUMENT_SELECT.format(predicted=_PREDICTED if with_predictions else "NULL")
    where, params = _document_filter(dataset, answers, include_unanswered)
    for row in db.query(select + where, params):
        yield _document_from_row(row)


class DocumentRow(NamedTuple):
    """A stored document's columns as an export needs them, JSON columns still encoded.

    Exports of many documents read these instead of Documents: no Token or Span objects are built.
    """

    text: str
    tokens: str  # the flat JSON offsets (decode_token_offsets)
    spans: str  # the human's spans (decode_span_keys, decode_spans)
    answer: str | None
    input_hash: int
    task_hash: int | None
    annotator: str | None
    updated: float | None
    meta: str  # a JSON object
    extra: str  # a JSON object
    id: int  # the document's id (for messages)


_ROW_SELECT = (
    """
    SELECT d.text, d.tokens, a.spans, a.answer, d.input_hash, d.task_hash, a.annotator, a.updated,
           d.meta, d.extra, d.id
"""
    + _DOCUMENTS
)


def iter_document_rows(
    db: Database,
    dataset: str | None = None,
    answers: Iterable[Answer] | None = None,
    include_unanswered: bool = False,
) -> Iterator[DocumentRow]:
    """``iter_documents``' documents (same filter, same order, streamed) as raw DocumentRows."""
    where, params = _document_filter(dataset, answers, include_unanswered)
    return map(DocumentRow._make, db.execute(_ROW_SELECT + where, params))


def _document_filter(
    dataset: str | None, answers: Iterable[Answer] | None, include_unanswered: bool
) -> tuple[str, list[Any]]:
    """The WHERE and ORDER BY clauses (and their parameters) of ``iter_documents``' selection."""
    where, params = _answer_filter(answers, include_unanswered)
    if dataset is not None:
        where.append("ds.name = ?")
        params.append(dataset)
    return (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.id", params


def _answer_filter(answers: Iterable[Answer] | None, include_unanswered: bool) -> tuple[list[str], list[Any]]:
    """SQL conditions selecting documents by answer.

    ``+a.answer`` keeps SQLite off the answer index: with it, SQLite gathered the rows answer by
    answer and then sorted all of them (whole texts and tokens) in a temporary b-tree for
    ``ORDER BY d.id``; scanning documents in id order and testing each answer streams instead
    (100,000 documents, all answers: 0.29 s instead of 0.68 s, and no temporary file).
    """
    chosen = [a.value for a in (answers if answers is not None else Answer)]
    clause = f"+a.answer IN ({', '.join('?' for _ in chosen)})" if chosen else "0"
    if include_unanswered:
        clause = f"({clause} OR +a.answer IS NULL)"
    return [clause], list(chosen)


def document_ids(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    offset: int = 0,
    limit: int = -1,
) -> list[int]:
    """A page of document ids in queue order; ``status`` holds answers, None meaning pending."""
    where, params = _queue_filter(dataset, status, search)
    sql = (
        "SELECT d.id"
        + _DOCUMENTS
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY d.id LIMIT ? OFFSET ?"
    )
    return [row[0] for row in db.execute(sql, [*params, limit, offset])]


def count_queue(
    db: Database, dataset: str | None = None, status: Sequence[str | None] | None = None, search: str = ""
) -> int:
    """How many documents the queue shows with these filters."""
    if not search:  # every document has exactly one annotation: the kept answer counts say it
        counts = answer_counts(db, dataset)
        return (
            sum(counts.values()) if status is None else sum(counts.get(answer, 0) for answer in set(status))
        )
    where, params = _queue_filter(dataset, status, search)
    sql = "SELECT count(*)" + _DOCUMENTS + "WHERE " + " AND ".join(where)
    return int(db.execute(sql, params).fetchone()[0])


def _queue_filter(
    dataset: str | None, status: Sequence[str | None] | None, search: str
) -> tuple[list[str], list[Any]]:
    """SQL conditions for the document queue."""
    where: list[str] = []
    params: list[Any] = []
    if dataset is not None:
        where.append("ds.name = ?")
        params.append(dataset)
    if status is not None:
        answers = [s for s in status if s is not None]
        parts = [f"a.answer IN ({', '.join('?' for _ in answers)})"] if answers else []
        if None in status:
            parts.append("a.answer IS NULL")
        where.append("(" + " OR ".join(parts or ["0"]) + ")")
        params.extend(answers)
    if search:
        where.append("instr(lower(d.text), lower(?)) > 0")
        params.append(search)
    return where, params


def queue_rows(db: Database, ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """For each id: its answer and the first 200 characters of its text (for the queue)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = (
        "SELECT d.id, a.answer, substr(d.text, 1, 200) FROM documents d "
        f"JOIN annotations a ON a.document_id = d.id WHERE d.id IN ({marks})"
    )
    return {row[0]: (row[1], row[2]) for row in db.execute(sql, list(ids))}


def model_names(db: Database) -> list[str]:
    """The models (name and version) whose predictions the database holds.

    A skip scan of the ``predictions_model`` index: one index search per model and per version, never
    a read of every prediction. (A row-value ``(model, model_version) > (?, ?)`` search looked
    the same but read every entry of the current model.)
    """
    names: list[str] = []
    model = _first(db, "SELECT model FROM predictions ORDER BY model LIMIT 1")
    while model is not None:
        version = _first(db, _FIRST_VERSION, [model])
        while version is not None:
            names.append(f"{model} {version}")
            version = _first(db, _NEXT_VERSION, [model, version])
        model = _first(db, "SELECT model FROM predictions WHERE model > ? ORDER BY model LIMIT 1", [model])
    return names


_FIRST_VERSION = "SELECT model_version FROM predictions WHERE model = ? ORDER BY model_version LIMIT 1"
_NEXT_VERSION = (
    "SELECT model_version FROM predictions WHERE model = ? AND model_version > ? "
    "ORDER BY model_version LIMIT 1"
)


def _first(db: Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the query's first row, or None when it has no row."""
    row = db.execute(sql, params).fetchone()
    return None if row is None else row[0]


def answer_counts(db: Database, dataset: str | None = None) -> dict[str | None, int]:
    """How many documents have each answer (None: pending); answers no document has are left out.

    Read from the ``answer_counts`` table that triggers keep (a few rows, whatever the corpus size); a
    database from before that table, opened read-only (so not upgraded), is counted row by row.
    """
    if not db["answer_counts"].exists():
        chosen = None if dataset is None else dataset_id(db, dataset)
        counted: dict[str | None, int] = {}
        for (in_dataset, answer), documents in counted_answers(db).items():
            if dataset is None or in_dataset == chosen:
                counted[answer] = counted.get(answer, 0) + documents
        return counted
    sql = "SELECT c.answer, sum(c.documents) FROM answer_counts c"
    if dataset is not None:
        sql += " JOIN datasets ds ON ds.id = c.dataset_id WHERE ds.name = ?"
    rows = db.execute(sql + " GROUP BY c.answer", [dataset] if dataset is not None else [])
    return {answer or None: documents for answer, documents in rows if documents}


def counted_answers(db: Database) -> dict[tuple[int, str | None], int]:
    """Documents per dataset and answer, counted from the annotations themselves (for ``check``)."""
    sql = (
        "SELECT d.dataset_id, a.answer, count(*) FROM annotations a JOIN documents d ON d.id = a.document_id "
        "GROUP BY d.dataset_id, a.answer"
    )
    return {(dataset_id, answer): documents for dataset_id, answer, documents in db.execute(sql)}


# ---------------------------------------------------------------- edits


def _as_store_error(function: Callable[..., T]) -> Callable[..., T]:
    """Turn SQLite's operational errors (disk full, read-only file, I/O) into a StoreError naming the file."""

    @functools.wraps(function)
    def storing(db: Database, *args: Any, **kwargs: Any) -> T:
        try:
            return function(db, *args, **kwargs)
        except sqlite3.OperationalError as error:
            raise StoreError(f"{database_file(db)}: {describe_error(error)}") from error

    return storing


@_as_store_error
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
    spans = _edited_spans_json.encode(state.spans, before.spans, ends)
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


class HistoryMismatch(StoreError):
    """A document's history does not lead to its stored state (which would mean a lost update)."""

    def __init__(self, document_id: int, event_id: int) -> None:
        super().__init__(f"document {document_id}: event {event_id} does not lead to the next state")
        self.document_id = document_id
        self.event_id = event_id


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


# ---------------------------------------------------------------- labels and settings


def labels(db: Database) -> list[tuple[str, str]]:
    """The label set in display order, as (name, colour) pairs."""
    return [
        (row["name"], row["colour"])
        for row in db.query("SELECT name, colour FROM labels ORDER BY position, name")
    ]


def add_labels(db: Database, names: Iterable[str], colours: dict[str, str] | None = None) -> None:
    """Add labels not yet known, at the end of the label set, with a colour each."""
    from annotations.labels import colour_for

    known = {name for name, _ in labels(db)}
    position = len(known)
    for name in names:
        if name in known:
            continue
        colour = (colours or {}).get(name) or colour_for(name)
        db.execute("INSERT INTO labels (name, colour, position) VALUES (?, ?, ?)", [name, colour, position])
        known.add(name)
        position += 1


def set_label_colour(db: Database, name: str, colour: str) -> None:
    """Change one label's colour."""
    db.execute("UPDATE labels SET colour = ? WHERE name = ?", [colour, name])


def get_setting(db: Database, key: str, default: str | None = None) -> str | None:
    """A stored setting, or ``default``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: Database, key: str, value: str) -> None:
    """Store a setting."""
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])


def database_file(db: Database) -> str:
    """The file a connection has open (for messages)."""
    rows = db.execute("PRAGMA database_list").fetchall()
    return next((row[2] for row in rows if row[1] == "main" and row[2]), "the database")


def backup(db: Database, target: str | os.PathLike[str]) -> None:
    """Write a consistent copy of the database to the new file ``target`` (SQLite's online backup API).

    The copy is written to a temporary beside ``target`` and named only when complete; an existing
    ``target`` is refused (OutputError, as for a target that is one of the database's own files).
    """
    from annotations.output_file import write_backup

    write_backup(db, Path(target))
