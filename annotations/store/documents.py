"""Datasets and documents: storing new ones, loading one, streaming many for export."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from annotations import hashing, span_extra, stored_columns, stored_json
from annotations.model import (
    BASE,
    Answer,
    Document,
    DocumentState,
    Span,
    Token,
    Version,
)
from annotations.store import document_batch
from annotations.store.answer_counts_batch import answer_counts_batched
from annotations.store.encoding import (
    decode_object,
    decode_spans,
    decode_tokens,
    edited_spans_json,
    encode_spans,
    encode_tokens,
)
from annotations.store.errors import DECODE_ERRORS, DamagedRow
from annotations.store.search_index_batch import search_index_batched

if TYPE_CHECKING:
    from sqlite_utils import Database


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
    tokens: Sequence[Token]  # a tuple, or ``TokenOffsets``
    input_hash: int
    state: DocumentState = DocumentState()
    prediction: Prediction | None = None
    task_hash: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    timestamp: float | None = None


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
    db: Database,
    dataset: int,
    documents: Iterable[NewDocument],
    skipped: list[int] | None = None,
    digests: Sequence[bytes] | None = None,
) -> int:
    """Store new documents (in the caller's transaction, else in one of their own); skip those whose text
    is already in the dataset (their positions are added to ``skipped`` when given). ``digests``: the
    documents' ``hashing.text_digest``, when the caller has them already."""
    if not db.conn.in_transaction:
        from annotations.store.connection import write_transaction

        with write_transaction(db):
            return insert_documents(db, dataset, documents, skipped, digests)
    documents = list(documents)
    if digests is None:
        digests = [hashing.text_digest(document.text) for document in documents]
    now = time.time()
    rows: list[tuple[Any, ...]] = []
    predictions: list[list[Any]] = []
    versions: list[list[Any]] = []
    with search_index_batched(db) as stored:
        ids = document_batch.new_ids(db, dataset, digests)
        for position, (document, digest, document_id) in enumerate(zip(documents, digests, ids)):
            if document_id is None:
                if skipped is not None:
                    skipped.append(position)
                continue
            rows.append(_document_row(document_id, dataset, digest, document, now))
            _annotation_rows(document_id, document, now, predictions, versions)
        db.conn.executemany(
            "INSERT INTO documents (id, dataset_id, text_digest, input_hash, task_hash, text, meta, extra,"
            " tokens, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if stored is not None:
            stored.extend(row[0] for row in rows)
        with answer_counts_batched(db):
            _insert_annotation_rows(db, predictions, versions)
    return len(rows)


def _document_row(
    document_id: int, dataset: int, digest: bytes, document: NewDocument, now: float
) -> tuple[Any, ...]:
    """The ``documents`` row of a new document."""
    return (
        document_id,
        dataset,
        digest,
        document.input_hash,
        document.task_hash,
        document.text,
        _encode_object(document.meta),
        _encode_object(document.extra),
        encode_tokens(document.tokens),
        now,
    )


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), built once


def _encode_object(value: dict[str, Any]) -> str:
    """A meta or extra object as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    return _ENCODE(value) if value else "{}"


def _annotation_rows(
    document_id: int,
    document: NewDocument,
    now: float,
    predictions: list[list[Any]],
    versions: list[list[Any]],
) -> None:
    """The prediction (if any) and the first versions of a new document, added to the rows to store: the
    base (what the file brought), and, when the file named its annotator, that person's version (the same
    state)."""
    if document.prediction is not None:
        prediction = document.prediction
        predictions.append(
            [document_id, prediction.model, prediction.model_version, encode_spans(prediction.spans), now]
        )
    answer = document.state.answer.value if document.state.answer else None
    spans = edited_spans_json.encode_known(document.state.spans)
    versions.append(
        [document_id, BASE.kind, BASE.owner, document.annotator, spans, answer, 0, document.timestamp]
    )
    if document.annotator:
        version = Version.of(document.annotator)
        versions.append(
            [
                document_id,
                version.kind,
                version.owner,
                document.annotator,
                spans,
                answer,
                0,
                document.timestamp,
            ]
        )


def _insert_annotation_rows(db: Database, predictions: list[list[Any]], versions: list[list[Any]]) -> None:
    """Store the rows ``_annotation_rows`` made, in their order (the ids one INSERT per row would give)."""
    db.conn.executemany(
        "INSERT INTO predictions (document_id, model, model_version, spans, created) VALUES (?, ?, ?, ?, ?)",
        predictions,
    )
    db.conn.executemany(
        "INSERT INTO annotations (document_id, kind, owner, annotator, spans, answer, rev, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        versions,
    )


def insert_version(
    db: Database,
    document_id: int,
    version: Version,
    state: DocumentState,
    annotator: str | None,
    updated: float | None,
    rev: int = 0,
    spans_json: str | None = None,
) -> int:
    """Store a new version of a document (call inside a transaction); return its row id.

    ``spans_json``: ``state.spans`` already encoded, when the caller has it. sqlite3.IntegrityError when the
    document has that version already.
    """
    answer = state.answer.value if state.answer else None
    cursor = db.execute(
        "INSERT INTO annotations (document_id, kind, owner, annotator, spans, answer, rev, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            document_id,
            version.kind,
            version.owner,
            annotator,
            spans_json if spans_json is not None else edited_spans_json.encode_known(state.spans),
            answer,
            rev,
            updated,
        ],
    )
    return int(cursor.lastrowid or 0)


@dataclass(frozen=True, slots=True)
class Versions:
    """Which version of each document a query reads.

    ``current()``: the reviewed version, else the annotator's version changed last, else the base;
    ``seen_by(name)``: that person's version, else the base (what their window shows);
    ``exactly(version)``: that version only (documents without it are left out);
    ``every_annotator()``: each annotator's version, one row each.
    """

    mode: str = "current"
    version: Version = BASE
    viewer: str = ""

    @staticmethod
    def current() -> Versions:
        return Versions()

    @staticmethod
    def seen_by(name: str | None) -> Versions:
        return Versions("viewer", viewer=name) if name else Versions()

    @staticmethod
    def exactly(version: Version) -> Versions:
        return Versions("exact", version=version)

    @staticmethod
    def every_annotator() -> Versions:
        return Versions("every")

    def join(self) -> tuple[str, list[Any]]:
        """The JOIN of ``annotations a`` (and its parameters) choosing these versions of ``documents d``."""
        if self.mode == "viewer":
            return _JOIN_SEEN_BY, [self.viewer]
        if self.mode == "exact":
            return _JOIN_EXACT, [self.version.kind, self.version.owner]
        if self.mode == "every":
            return _JOIN_EVERY, []
        return _JOIN_CURRENT, []


_JOIN_CURRENT = """JOIN annotations a ON a.id = (
        SELECT v.id FROM annotations v WHERE v.document_id = d.id
        ORDER BY CASE v.kind WHEN 'review' THEN 0 WHEN 'annotator' THEN 1 ELSE 2 END,
                 coalesce(v.updated, 0) DESC, v.id DESC LIMIT 1)"""
_JOIN_SEEN_BY = """JOIN annotations a ON a.id = coalesce(
        (SELECT v.id FROM annotations v WHERE v.document_id = d.id AND v.kind = 'annotator' AND v.owner = ?),
        (SELECT v.id FROM annotations v WHERE v.document_id = d.id AND v.kind = 'base'))"""
_JOIN_EXACT = "JOIN annotations a ON a.document_id = d.id AND a.kind = ? AND a.owner = ?"
_JOIN_EVERY = "JOIN annotations a ON a.document_id = d.id AND a.kind = 'annotator'"


def documents_from(versions: Versions) -> tuple[str, list[Any]]:
    """The FROM of document queries: every document with its dataset and the chosen version(s)."""
    join, params = versions.join()
    return f" FROM documents d JOIN datasets ds ON ds.id = d.dataset_id {join} ", params


_PREDICTED = "(SELECT p.spans FROM predictions p WHERE p.document_id = d.id ORDER BY p.created DESC LIMIT 1)"
_PREDICTED_BY = (
    "(SELECT p.model || ' ' || p.model_version FROM predictions p WHERE p.document_id = d.id"
    " ORDER BY p.created DESC LIMIT 1)"
)


_DOCUMENT_SELECT = """
    SELECT d.id, ds.name AS dataset, d.text, d.tokens, d.meta, d.extra, d.input_hash, d.task_hash,
           a.spans, a.answer, a.rev, a.annotator, a.updated, {predicted} AS predicted,
           {predicted_by} AS predicted_by, a.kind, a.owner, a.id AS version_id
"""


def _select(with_predictions: bool, versions: Versions) -> tuple[str, list[Any]]:
    """The document query, with the latest prediction and its model (or NULL for both), and its parameters."""
    if with_predictions:
        select = _DOCUMENT_SELECT.format(predicted=_PREDICTED, predicted_by=_PREDICTED_BY)
    else:
        select = _DOCUMENT_SELECT.format(predicted="NULL", predicted_by="NULL")
    from_, params = documents_from(versions)
    return select + from_, params


def _document_from_row(row: dict[str, Any]) -> Document:
    """A Document from a row of ``_DOCUMENT_SELECT``; DamagedRow if a JSON column cannot be read."""
    try:
        return _decoded_document(row)
    except DECODE_ERRORS as error:
        raise damaged_document(row) from error


def _decoded_document(row: dict[str, Any]) -> Document:
    stored_columns.check_exported_values(
        row["input_hash"], row["task_hash"], row["annotator"], row["updated"]
    )
    answer = Answer(row["answer"]) if row["answer"] else None
    spans = decode_spans(row["spans"])
    if spans:
        check_stored_span_bounds(spans[0].start, spans[-1].end, row["text"])
    extra = decode_object(row["extra"])
    spans_extra = span_extra.pop(extra)  # kept apart: no writer finds them among the other keys
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
        extra=extra,
        span_extra=spans_extra,
        predicted_by=row["predicted_by"],
        version=Version(row["kind"], row["owner"]),
        version_id=row["version_id"],
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
    wrong_kind = stored_columns.row_problem(columns, stored_columns.DOCUMENT_ROW_COLUMNS)
    if wrong_kind is not None:
        return DamagedRow(where, *wrong_kind)
    return DamagedRow(where, "a JSON column", "cannot be read")


def _prediction_problem(raw: str | None, text_length: int) -> str | None:
    """What is wrong with the predicted spans a document row holds (None: it has no prediction)."""
    return None if raw is None else stored_json.spans_problem(raw, text_length, ordered=False)


def load_document(
    db: Database, document_id: int, version: Version | None = None, *, viewer: str | None = None
) -> Document:
    """One document in one of its versions; KeyError if there is no such document (or version).

    ``version``: that version; else ``viewer``: that person's version, or the base while they have none;
    else the document's current version (``Versions.current``).
    """
    versions = Versions.exactly(version) if version is not None else Versions.seen_by(viewer)
    select, params = _select(True, versions)
    row = next(db.query(select + " WHERE d.id = ?", [*params, document_id]), None)
    if row is None:
        raise KeyError(document_id)
    return _document_from_row(row)


def iter_documents(
    db: Database,
    dataset: str | None = None,
    answers: Iterable[Answer] | None = None,
    include_unanswered: bool = False,
    with_predictions: bool = True,
    versions: Versions = Versions(),
) -> Iterator[Document]:
    """Stream documents in import order, filtered by dataset and answer, never all in memory.

    ``with_predictions=False`` leaves ``Document.predicted`` empty (exports do not need it).
    ``versions`` chooses which version of each document (one row per annotator for ``every_annotator``).
    """
    select, params = _select(with_predictions, _simplest(db, versions))
    where, where_params = _document_filter(dataset, answers, include_unanswered)
    for row in db.query(select + where + _owner_order(versions), [*params, *where_params]):
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
    dataset: str  # its dataset's name
    rev: int  # how many edits it has had (0: as imported)
    kind: str  # whose version: "base", "annotator" or "review" (``model.Version``)
    owner: str  # the annotator whose version it is ("" for the base and the review)


# An annotator's version is theirs whoever touched it last: its annotator is its owner.
_ROW_SELECT = """
    SELECT d.text, d.tokens, a.spans, a.answer, d.input_hash, d.task_hash,
           CASE a.kind WHEN 'annotator' THEN a.owner ELSE a.annotator END, a.updated,
           d.meta, d.extra, d.id, ds.name, a.rev, a.kind, a.owner
"""


def iter_document_rows(
    db: Database,
    dataset: str | None = None,
    answers: Iterable[Answer] | None = None,
    include_unanswered: bool = False,
    versions: Versions = Versions(),
) -> Iterator[DocumentRow]:
    """``iter_documents``' documents (same filter, same order, streamed) as raw DocumentRows."""
    from_, params = documents_from(_simplest(db, versions))
    where, where_params = _document_filter(dataset, answers, include_unanswered)
    sql = _ROW_SELECT + from_ + where + _owner_order(versions)
    return map(DocumentRow._make, db.execute(sql, [*params, *where_params]))


_ANY_VERSION_BEYOND_BASE = "SELECT 1 FROM annotations WHERE kind IN ('annotator', 'review') LIMIT 1"


def _simplest(db: Database, versions: Versions) -> Versions:
    """``versions``, or the base alone when that is what the current versions are: while no document has
    a version beyond its base, one index lookup per document replaces choosing among its versions."""
    if versions.mode != "current":
        return versions
    beyond_base = db.execute(
        "SELECT 1 FROM annotations WHERE kind IN ('annotator', 'review') LIMIT 1"
    ).fetchone()
    return versions if beyond_base else Versions.exactly(BASE)


def _owner_order(versions: Versions) -> str:
    """Several versions of a document come in their owners' order."""
    return ", a.owner" if versions.mode == "every" else ""


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


def holds_same_texts(db: Database) -> bool:
    """Whether a document repeats a text already in its dataset (kept by the upgrade that identified
    documents by their text; ``identity.same_text_documents`` lists them): one look at a partial index."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    if "same_text_as" not in columns:  # a read-only look at a database not yet upgraded
        return False
    return _first(db, "SELECT 1 FROM documents WHERE same_text_as IS NOT NULL LIMIT 1") is not None


_FIRST_VERSION = "SELECT model_version FROM predictions WHERE model = ? ORDER BY model_version LIMIT 1"


_NEXT_VERSION = (
    "SELECT model_version FROM predictions WHERE model = ? AND model_version > ? "
    "ORDER BY model_version LIMIT 1"
)


def _first(db: Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the query's first row, or None when it has no row."""
    row = db.execute(sql, params).fetchone()
    return None if row is None else row[0]
