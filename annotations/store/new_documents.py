"""Storing new documents (an import) and new versions of stored ones; a module of its own, which opening
the window does not load."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotations import hashing
from annotations.model import BASE, DocumentState, Span, Token, Version
from annotations.store import document_batch
from annotations.store.answer_counts_batch import answer_counts_batched
from annotations.store.encoding import edited_spans_json, encode_spans, encode_tokens
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
