"""Keyset paging: a page of a queue starts after the sort key of the last row seen, never at an OFFSET.

A queue is sorted by ``QueueOrder.keys`` (SQL expressions over ``d``, ``ds`` and ``a``, each ascending),
then by the document id, which makes every key unique. A page is the rows whose (keys..., id) tuple is
greater than the last one seen, so reading the millionth row costs what reading the first does. An order
sorting a number from high to low uses its negation (``-score``); a key must never be NULL (a row value
comparison with NULL matches nothing), so wrap it in ``coalesce``.

An order by a number kept in a table of its own (``RankedOrder``: a model's doubt) reads that table's index
from the highest number down, then the documents without one by id: sorting every document by a looked-up
value would read them all for each page. When the caller knows the filters keep only a few documents
(``few``), their ranked rows are read first and sorted instead: walking the index would read all of it to
find them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

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


@dataclass(frozen=True)
class RankedOrder(QueueOrder):
    """The documents ranked in ``table`` (``document_id`` and a number ``column`` >= 0, indexed on
    (``column`` DESC, ``document_id``)) from the highest number down, then the others by id. A row's key is
    (-number, id) when ranked and (1, id) when not (``keys`` says only how long a key is)."""

    table: str = ""
    column: str = ""

    def queries(
        self, from_: str, where: list[str], after: QueueKey | None, has_where: bool, few: bool = False
    ) -> list[tuple[str, list[Any]]]:
        """The page's queries, to be run in turn until the page is full: the ranked documents after
        ``after`` (unless it is past them all), then the others; ``few``: the filtered documents are read
        first, then sorted by their number (a filter keeping a few hundred of a million documents)."""
        if after is not None and len(after) != 2:
            raise ValueError(f"a key of this queue has 2 values, not {len(after)}")
        rest_after = None if after is None or after[0] <= 0 else after[1]
        rest = [*where, f"NOT EXISTS (SELECT 1 FROM {self.table} rk WHERE rk.document_id = d.id)"]
        rest_params: list[Any] = []
        if rest_after is not None:
            rest.append("d.id > ?")
            rest_params.append(rest_after)
        unranked = "SELECT 1, d.id" + from_ + _conditions(rest, has_where) + " ORDER BY d.id LIMIT ?"
        if rest_after is not None:
            return [(unranked, rest_params)]
        ranked_where = list(where)
        ranked_params: list[Any] = []
        if after is not None:  # a ranked row: the next ones have a lower number, or the same and a higher id
            ranked_where.append(f"rk.{self.column} <= ? AND (rk.{self.column} < ? OR rk.document_id > ?)")
            ranked_params = [-after[0], -after[0], after[1]]
        if few and not has_where:  # CROSS: the documents first, their number looked up, then sorted
            joined = f"{from_}CROSS JOIN {self.table} rk ON rk.document_id = d.id"
        else:  # CROSS: read down the number's index
            joined = f" FROM {self.table} rk CROSS JOIN" + from_.replace(" FROM ", " ", 1)
            ranked_where.insert(0, "d.id = rk.document_id")
        ranked = (
            f"SELECT -rk.{self.column}, d.id"
            + joined
            + _conditions(ranked_where, has_where)
            + f" ORDER BY rk.{self.column} DESC, rk.document_id LIMIT ?"
        )
        return [(ranked, ranked_params), (unranked, rest_params)]


def read_page(
    db: Database,
    order: QueueOrder,
    from_: str,
    where: tuple[list[str], list[Any]],
    after: QueueKey | None,
    limit: int,
    has_where: bool = False,
    few: bool = False,
) -> list[QueueKey]:
    """One page of keys (keys..., id) after ``after``, at most ``limit`` (-1: all): ``from_`` (ending in a
    WHERE of its own if ``has_where``; ``where[1]`` starts with its parameters) and the conditions
    ``where[0]``, sorted by ``order``; ``few``: the conditions keep few documents (``RankedOrder``)."""
    conditions, params = where
    if isinstance(order, RankedOrder):
        queries = order.queries(from_, conditions, after, has_where, few)
    else:
        queries = [page_sql(order, from_, conditions, after, has_where)]
    keys: list[QueueKey] = []
    for sql, after_params in queries:
        wanted = limit - len(keys) if limit >= 0 else -1
        if wanted == 0:
            break
        keys.extend(tuple(row) for row in db.execute(sql, [*params, *after_params, wanted]))
    return keys


def _conditions(conditions: list[str], has_where: bool) -> str:
    """``conditions`` joined, as a WHERE of their own or added to the one ``from_`` has."""
    joined = " AND ".join(conditions)
    if not joined:
        return ""
    return (" AND " if has_where else " WHERE ") + joined


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
    return "SELECT " + order.columns() + from_ + _conditions(
        conditions, has_where
    ) + order.order_by() + " LIMIT ?", params
