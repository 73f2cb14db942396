"""Keyset paging: a page of a queue starts after the sort key of the last row seen, never at an OFFSET.

A queue is sorted by ``QueueOrder.keys`` (SQL expressions over ``d``, ``ds`` and ``a``, each ascending),
then by the document id, which makes every key unique. A page is the rows whose (keys..., id) tuple is
greater than the last one seen, so reading the millionth row costs what reading the first does. An order
sorting a number from high to low uses its negation (``-score``); a key must never be NULL (a row value
comparison with NULL matches nothing), so wrap it in ``coalesce``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QueueKey = tuple[Any, ...]  # (keys..., document id) of one row: where the next page starts


@dataclass(frozen=True)
class QueueOrder:
    """How a queue is sorted: SQL expressions compared before the document id, each ascending."""

    keys: tuple[str, ...] = ()

    def columns(self) -> str:
        """The SELECT list giving each row's key: the expressions, then the id."""
        return ", ".join([*self.keys, "d.id"])

    def order_by(self) -> str:
        """The ORDER BY clause of the queue."""
        return " ORDER BY " + self.columns()

    def after(self, last: QueueKey) -> tuple[str, list[Any]]:
        """The condition keeping the rows after ``last`` (a key this order gave), and its parameters."""
        if len(last) != len(self.keys) + 1:
            raise ValueError(f"a key of this queue has {len(self.keys) + 1} values, not {len(last)}")
        if not self.keys:
            return "d.id > ?", [last[0]]
        marks = ", ".join("?" for _ in last)
        return f"({self.columns()}) > ({marks})", list(last)


BY_ID = QueueOrder()


def page_sql(
    order: QueueOrder, from_: str, where: list[str], after: QueueKey | None, has_where: bool = False
) -> tuple[str, list[Any]]:
    """The query of one page: ``from_`` (ending in a WHERE of its own if ``has_where``) plus ``where`` and
    the keyset condition, sorted by ``order``; the LIMIT's parameter comes last. Returns the SQL and the
    parameters of the keyset condition (to append after the caller's own)."""
    conditions = list(where)
    params: list[Any] = []
    if after is not None:
        condition, params = order.after(after)
        conditions.append(condition)
    joined = " AND ".join(conditions)
    if joined:
        joined = (" AND " if has_where else " WHERE ") + joined
    return "SELECT " + order.columns() + from_ + joined + order.order_by() + " LIMIT ?", params
