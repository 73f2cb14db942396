"""Predictions of several models beside each other, their confidence, each document's doubt, and which
documents are still pending (nobody answered or edited them) so that a new model may propose again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import Span, SpanSource
from annotations.store.encoding import decode_spans
from annotations.store.errors import DECODE_ERRORS, DamagedRow
from annotations.store.keyset import RankedOrder

if TYPE_CHECKING:
    from sqlite_utils import Database

REANNOTATE_EVENT = "preannotate"  # the history event of a pending base given a new model's proposal
UNDONE_REANNOTATION = f"undo {REANNOTATE_EVENT}"  # one taken back (undo-batch): the base is still nobody's


@dataclass(frozen=True, slots=True)
class ProposedBy:
    """The latest prediction of a document: by whom, with each span's score (None: no score)."""

    model: str
    model_version: str
    scores: dict[tuple[int, int, str], float | None]
    doubt: float | None

    @property
    def name(self) -> str:
        return f"{self.model} {self.model_version}"


def has_doubt(db: Database, document_id: int) -> bool:
    """Whether a model's doubt is stored for the document."""
    row = db.execute("SELECT 1 FROM document_doubt WHERE document_id = ?", [document_id]).fetchone()
    return row is not None


def models_latest_first(db: Database) -> list[tuple[str, str]]:
    """(model, version) of every model whose predictions are stored, the one that predicted last first
    (reads every prediction: for ``train``, not for the window)."""
    sql = (
        "SELECT model, model_version FROM predictions GROUP BY model, model_version"
        " ORDER BY max(created) DESC, model, model_version"
    )
    return [(row[0], row[1]) for row in db.execute(sql)]


def document_texts(db: Database, dataset: str | None = None) -> Iterator[tuple[int, str]]:
    """(id, text) of every document (of ``dataset``) in id order, streamed."""
    sql = "SELECT d.id, d.text FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
    params = [dataset] if dataset is not None else []
    yield from db.execute(
        sql + (" WHERE ds.name = ?" if dataset is not None else "") + " ORDER BY d.id", params
    )


def count_texts(db: Database, dataset: str | None = None) -> int:
    """How many documents (of ``dataset``) there are."""
    sql = "SELECT count(*) FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
    params = [dataset] if dataset is not None else []
    return int(db.execute(sql + (" WHERE ds.name = ?" if dataset is not None else ""), params).fetchone()[0])


_PENDING = f"""
    SELECT a.document_id, a.rev, a.spans FROM annotations a WHERE a.document_id = ? AND a.kind = 'base'
    AND a.answer IS NULL
    AND NOT EXISTS (SELECT 1 FROM annotations o WHERE o.document_id = a.document_id AND o.kind != 'base')
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.document_id = a.document_id
                    AND e.kind NOT IN ('{REANNOTATE_EVENT}', '{UNDONE_REANNOTATION}'))
"""


def pending_base(db: Database, document_id: int) -> tuple[int, tuple[Span, ...]] | None:
    """(rev, spans) of a document's base when nobody has answered or edited it: no version besides the
    base, no answer, no history but earlier re-annotations (or their undoing), and no span people made
    (a file's spans without an answer: a doccano export's, say); None otherwise."""
    row = db.execute(_PENDING, [document_id]).fetchone()
    if row is None:
        return None
    try:
        spans = decode_spans(row[2])
    except DECODE_ERRORS as error:
        raise DamagedRow(f"documents {document_id}", "annotations.spans", "cannot be read") from error
    if any(span.source is SpanSource.HUMAN for span in spans):
        return None
    return int(row[1]), spans


def shows_base(db: Database, document_id: int, spans: tuple[Span, ...]) -> bool:
    """Whether the document's base holds exactly these spans (offsets and labels): a model's proposal
    the document shows, or took when it was imported or re-annotated."""
    return _base_keys(db, document_id) == _keys(spans)


def _base_keys(db: Database, document_id: int) -> set[tuple[int, int, str]] | None:
    """(start, end, label) of the document's base spans; None without a base."""
    row = db.execute(
        "SELECT spans FROM annotations WHERE document_id = ? AND kind = 'base'", [document_id]
    ).fetchone()
    if row is None:
        return None
    try:
        return _keys(decode_spans(row[0]))
    except DECODE_ERRORS as error:
        raise DamagedRow(f"documents {document_id}", "annotations.spans", "cannot be read") from error


def _keys(spans: tuple[Span, ...]) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in spans}


def proposed_by(db: Database, document_id: int) -> ProposedBy | None:
    """The prediction the document's base holds (the latest such, else the latest of all), with its
    scores (None: no model proposed anything)."""
    rows = db.execute(
        "SELECT model, model_version, spans, scores, doubt FROM predictions WHERE document_id = ?"
        " ORDER BY created DESC",
        [document_id],
    ).fetchall()
    if not rows:
        return None
    base = _base_keys(db, document_id) if len(rows) > 1 else None
    try:
        row = next((r for r in rows if _keys(decode_spans(r[2])) == base), rows[0])
    except DECODE_ERRORS as error:
        raise DamagedRow(f"documents {document_id}", "predictions.spans", "cannot be read") from error
    model, version, spans_json, scores_json, doubt = row
    try:
        spans = decode_spans(spans_json)
        scores = json.loads(scores_json) if scores_json else [None] * len(spans)
    except (*DECODE_ERRORS, json.JSONDecodeError) as error:
        raise DamagedRow(f"documents {document_id}", "predictions.scores", "cannot be read") from error
    keyed = {(s.start, s.end, s.label): score for s, score in zip(spans, scores, strict=False)}
    return ProposedBy(model, version, keyed, doubt)


# Most likely wrong first: the document's doubt from high to low, read down ``document_doubt_order``;
# documents without a doubt last, by id (``keyset.RankedOrder``).
BY_DOUBT = RankedOrder(("-doubt",), table="document_doubt", column="doubt")
