"""The document queue: pages of ids in queue order, their rows, and how many documents have each answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from annotations.store.documents import DOCUMENTS_FROM, dataset_id


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
        + DOCUMENTS_FROM
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
    sql = "SELECT count(*)" + DOCUMENTS_FROM + "WHERE " + " AND ".join(where)
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
