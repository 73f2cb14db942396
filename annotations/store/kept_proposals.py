"""How many of each model's proposals people kept (``spandesk models``); a module of its own, which opening
the window does not load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.store.documents import Versions, documents_from
from annotations.store.encoding import decode_spans
from annotations.store.errors import DECODE_ERRORS, DamagedRow

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class ModelKept:
    """One model's proposals on the answered documents, and how many people kept exactly."""

    model: str
    documents: int
    proposed: int
    kept: int


def models_kept(db: Database, dataset: str | None = None) -> list[ModelKept]:
    """For each model (name and version): its spans on the documents whose current version is answered,
    and how many of them that version holds with the same offsets and label."""
    from_, params = documents_from(Versions.current())
    sql = (
        "SELECT p.model || ' ' || p.model_version, p.spans, a.spans, d.id"
        + from_
        + " JOIN predictions p ON p.document_id = d.id WHERE a.answer IS NOT NULL"
        + (" AND ds.name = ?" if dataset is not None else "")
        + " ORDER BY p.model, p.model_version"
    )
    totals: dict[str, list[int]] = {}
    for model, proposed_json, current_json, document_id in db.execute(
        sql, [*params, *([dataset] if dataset is not None else [])]
    ):
        try:
            proposed = {(s.start, s.end, s.label) for s in decode_spans(proposed_json)}
            current = {(s.start, s.end, s.label) for s in decode_spans(current_json)}
        except DECODE_ERRORS as error:
            raise DamagedRow(f"documents {document_id}", "spans", "cannot be read") from error
        counts = totals.setdefault(model, [0, 0, 0])
        counts[0] += 1
        counts[1] += len(proposed)
        counts[2] += len(proposed & current)
    return [ModelKept(model, *counts) for model, counts in totals.items()]
