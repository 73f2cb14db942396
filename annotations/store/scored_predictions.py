"""Storing a model's predictions with a confidence per span, beside the other models' ones, and each
document's doubt (``spandesk reannotate``); a module of its own, which opening the window does not load."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import Span
from annotations.store.encoding import encode_spans

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class ScoredPrediction:
    """What one model (name and version) proposed for a document, with a confidence per span."""

    document_id: int
    model: str
    model_version: str
    spans: tuple[Span, ...]
    scores: tuple[float | None, ...] | None  # None: the model gives no scores at all
    doubt: float | None


def store_prediction(
    db: Database, prediction: ScoredPrediction, now: float | None = None, *, doubt: bool = True
) -> None:
    """Store a prediction (inside the caller's transaction) beside the other models' ones; the same model
    and version predicting again replaces its own; the document's doubt becomes this prediction's (unless
    not ``doubt``: a prediction that is not what the document shows)."""
    scores = None if prediction.scores is None else json.dumps(list(prediction.scores))
    db.execute(
        "INSERT OR REPLACE INTO predictions"
        " (document_id, model, model_version, spans, created, scores, doubt) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            prediction.document_id,
            prediction.model,
            prediction.model_version,
            encode_spans(prediction.spans),
            now if now is not None else time.time(),
            scores,
            prediction.doubt,
        ],
    )
    if not doubt:
        return
    if prediction.doubt is None:
        db.execute("DELETE FROM document_doubt WHERE document_id = ?", [prediction.document_id])
    else:
        db.execute(
            "INSERT OR REPLACE INTO document_doubt (document_id, doubt) VALUES (?, ?)",
            [prediction.document_id, prediction.doubt],
        )
