"""The review queue: documents two or more annotators have a version of, with the review's answer.

A document not reviewed yet (no reviewed version) is pending, like one whose review has no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from annotations.store.keyset import BY_ID, QueueKey, QueueOrder, read_page
from annotations.store.queue import queue_filter
from annotations.store.search import without_index_if_unusable

if TYPE_CHECKING:
    from sqlite_utils import Database

_FROM = """ FROM documents d JOIN datasets ds ON ds.id = d.dataset_id
    LEFT JOIN annotations r ON r.document_id = d.id AND r.kind = 'review' AND r.owner = ''
    WHERE (SELECT count(*) FROM annotations v WHERE v.document_id = d.id AND v.kind = 'annotator') >= 2"""


def review_ids(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    after: int | None = None,
    limit: int = -1,
) -> list[int]:
    """A page of the ids of documents with two or more annotators' versions, in queue order, those after
    the id ``after``; ``status`` holds answers of the reviewed version, None meaning pending (or not
    reviewed yet)."""
    page = review_page(db, dataset, status, search, None if after is None else (after,), limit)
    return [key[-1] for key in page]


def review_page(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    after: QueueKey | None = None,
    limit: int = -1,
    order: QueueOrder = BY_ID,
) -> list[QueueKey]:
    """A page of the review queue sorted by ``order``: the key (keys..., id) of each row after ``after``."""

    def page(indexed: bool) -> list[QueueKey]:
        where, params = queue_filter(dataset, status, search, answer="r.answer", indexed=indexed)
        return read_page(db, order, _FROM, (where, params), after, limit, has_where=True)

    return without_index_if_unusable(page)


def count_review_queue(
    db: Database, dataset: str | None = None, status: Sequence[str | None] | None = None, search: str = ""
) -> int:
    """How many documents the review queue shows with these filters."""

    def count(indexed: bool) -> int:
        where, params = _filter(dataset, status, search, indexed)
        return int(db.execute("SELECT count(*)" + _FROM + where, params).fetchone()[0])

    return without_index_if_unusable(count)


def review_counts(db: Database, dataset: str | None = None) -> dict[str | None, int]:
    """How many documents of the review queue have each answer in their reviewed version (None: pending or
    not reviewed yet); answers no document has are left out."""
    where, params = _filter(dataset, None, "")
    sql = "SELECT r.answer, count(*)" + _FROM + where + " GROUP BY r.answer"
    return {answer: documents for answer, documents in db.execute(sql, params)}


def count_reviewed(db: Database, dataset: str | None = None) -> int:
    """How many documents of the review queue have a reviewed version (looked at by a reviewer)."""
    where, params = _filter(dataset, None, "")
    return int(db.execute("SELECT count(r.id)" + _FROM + where, params).fetchone()[0])


def review_rows(db: Database, ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """For each id: the answer of its reviewed version (None: pending or none yet) and its first 200
    characters."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = (
        "SELECT d.id, r.answer, substr(d.text, 1, 200) FROM documents d"
        " LEFT JOIN annotations r ON r.document_id = d.id AND r.kind = 'review' AND r.owner = ''"
        f" WHERE d.id IN ({marks})"
    )
    return {row[0]: (row[1], row[2]) for row in db.execute(sql, list(ids))}


def _filter(
    dataset: str | None, status: Sequence[str | None] | None, search: str, indexed: bool = True
) -> tuple[str, list[Any]]:
    """The queue's conditions (on the review's answer) added to ``_FROM``'s WHERE, and their parameters."""
    where, params = queue_filter(dataset, status, search, answer="r.answer", indexed=indexed)
    return "".join(f" AND {condition}" for condition in where), params
