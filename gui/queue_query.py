"""What a queue shows (its filters and order) and how to read it from any connection to the store: the queue
model reads with the window's connection, the queue's search worker with its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from annotations import store

if TYPE_CHECKING:
    from sqlite_utils import Database

STATUS_OF_ANSWER = {None: "pending", "accept": "accepted", "reject": "rejected", "ignore": "ignored"}
ANSWER_OF_STATUS = {status: answer for answer, status in STATUS_OF_ANSWER.items()}
Rows = dict[int, tuple[str | None, str]]  # per document id: its answer and the start of its text


class QueueQuery(NamedTuple):
    """A queue's filters and order: whose versions, which dataset, the review queue or not, the statuses
    shown (None: all), the text searched and the sort."""

    viewer: str | None = None
    dataset: str | None = None
    review: bool = False
    statuses: tuple[str, ...] | None = None
    search: str = ""
    order: store.QueueOrder = store.BY_ID

    @property
    def answers(self) -> list[str | None] | None:
        """The statuses as the store's answers (None: pending)."""
        return None if self.statuses is None else [ANSWER_OF_STATUS[s] for s in self.statuses]

    @property
    def cheap_count(self) -> bool:
        """Whether counting reads only the kept answer counts (no text searched, not the review queue)."""
        return not self.search and not self.review

    def count(self, db: Database) -> int:
        """How many documents the queue holds."""
        if self.review:
            return store.count_review_queue(db, self.dataset, self.answers, self.search)
        return store.count_queue(db, self.dataset, self.answers, self.search, self.viewer)

    def page(self, db: Database, after: store.QueueKey | None, limit: int) -> list[store.QueueKey]:
        """The keys (sort keys, then id) of up to ``limit`` rows after the key ``after``."""
        if self.review:
            return store.review_page(db, self.dataset, self.answers, self.search, after, limit, self.order)
        answers, search = self.answers, self.search
        return store.queue_page(db, self.dataset, answers, search, after, limit, self.viewer, self.order)

    def rows(self, db: Database, ids: Sequence[int]) -> Rows:
        """The answer and the start of the text of these documents."""
        return store.review_rows(db, ids) if self.review else store.queue_rows(db, ids, self.viewer)


class FirstPage(NamedTuple):
    """A query's first pages as read: their keys and rows, the count (None: still being counted), whether
    every row was read, the highest document id before they were read, and the document they were read up
    to (if in the list)."""

    query: QueueQuery
    keys: list[store.QueueKey]
    rows: Rows
    total: int | None
    complete: bool = True
    newest: int = 0
    through: int | None = None


def read_first_page(
    db: Database, query: QueueQuery, limit: int, through: int | None = None, max_pages: int = 50
) -> FirstPage:
    """The first page of ``query`` with its rows, and more pages up to the document ``through`` and half a
    page past it (the one on screen, to be marked in the list, not on its last rows where the list would
    fetch the next page at once; at most ``max_pages`` in all); the count too when it is cheap (it is then
    read first: a filter nothing matches needs no page at all)."""
    newest = store.newest_document_id(db)
    total = query.count(db) if query.cheap_count else None
    keys: list[store.QueueKey] = []
    complete = total == 0
    for _page in range(max_pages):
        if complete or (keys and _reached(query, keys, through, limit // 2)):
            break
        page = query.page(db, keys[-1] if keys else None, limit)
        keys.extend(page)
        complete = len(page) < limit
    if total is None and complete:
        total = len(keys)  # every row was read: no count needed
    rows = query.rows(db, [key[-1] for key in keys])
    return FirstPage(query, keys, rows, total, complete, newest, through)


def _reached(query: QueueQuery, keys: list[store.QueueKey], through: int | None, past: int) -> bool:
    """Whether the rows read hold ``past`` rows after the document ``through`` (in id order: after where it
    would be); always without one."""
    if through is None:
        return True
    by_id = query.order == store.BY_ID
    for position, key in enumerate(keys):
        if key[-1] == through or (by_id and key[-1] > through):
            return len(keys) - position > past
    return False
