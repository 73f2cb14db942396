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


@dataclass(frozen=True, slots=True)
class EncodedDocument:
    """A new document as the columns of its rows, encoded before the write transaction begins, so that an
    import holds the write lock for SQL only (encoding was a third of its transaction)."""

    digest: bytes  # ``hashing.text_digest`` of the text
    document: tuple[Any, ...]  # the ``documents`` columns after id and dataset, ``created`` last
    prediction: tuple[Any, ...] | None  # model, model version, spans
    versions: tuple[tuple[Any, ...], ...]  # kind, owner, annotator, spans, answer, rev, updated


def encode_documents(
    documents: Iterable[NewDocument], digests: Sequence[bytes] | None = None
) -> list[EncodedDocument]:
    """New documents as the rows ``insert_documents`` stores (no database needed: run it before the lock)."""
    documents = list(documents)
    if digests is None:
        digests = [hashing.text_digest(document.text) for document in documents]
    now = time.time()
    return [_encoded(document, digest, now) for document, digest in zip(documents, digests, strict=True)]


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
    return insert_encoded(db, dataset, encode_documents(documents, digests), skipped)


def insert_encoded(
    db: Database, dataset: int, encoded: Sequence[EncodedDocument], skipped: list[int] | None = None
) -> int:
    """``insert_documents`` of documents ``encode_documents`` made already (an import encodes them before
    it takes the write lock)."""
    if not db.conn.in_transaction:
        from annotations.store.connection import write_transaction

        with write_transaction(db):
            return insert_encoded(db, dataset, encoded, skipped)
    rows: list[tuple[Any, ...]] = []
    predictions: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    with search_index_batched(db) as stored:
        ids = document_batch.new_ids(db, dataset, [document.digest for document in encoded])
        for position, (document, document_id) in enumerate(zip(encoded, ids, strict=True)):
            if document_id is None:
                if skipped is not None:
                    skipped.append(position)
                continue
            rows.append((document_id, dataset, *document.document))
            if document.prediction is not None:
                predictions.append((document_id, *document.prediction))
            versions.extend((document_id, *version) for version in document.versions)
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


def _encoded(document: NewDocument, digest: bytes, now: float) -> EncodedDocument:
    """A new document's rows: its ``documents`` columns, its prediction (if any) and its first versions: the
    base (what the file brought), and, when the file named its annotator, that person's (the same state)."""
    columns = (
        digest,
        document.input_hash,
        document.task_hash,
        document.text,
        _encode_object(document.meta),
        _encode_object(document.extra),
        encode_tokens(document.tokens),
        now,
    )
    prediction = document.prediction
    predicted = (
        (prediction.model, prediction.model_version, encode_spans(prediction.spans), now)
        if prediction is not None
        else None
    )
    answer = document.state.answer.value if document.state.answer else None
    spans = edited_spans_json.encode_known(document.state.spans)
    owners = [BASE] + ([Version.of(document.annotator)] if document.annotator else [])
    versions = tuple(
        (version.kind, version.owner, document.annotator, spans, answer, 0, document.timestamp)
        for version in owners
    )
    return EncodedDocument(digest, columns, predicted, versions)


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), built once


def _encode_object(value: dict[str, Any]) -> str:
    """A meta or extra object as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    return _ENCODE(value) if value else "{}"


def _insert_annotation_rows(
    db: Database, predictions: list[tuple[Any, ...]], versions: list[tuple[Any, ...]]
) -> None:
    """Store predictions and versions in their order (the ids one INSERT per row would give)."""
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
