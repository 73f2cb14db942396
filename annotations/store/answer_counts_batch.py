"""The answer counts of new versions added once per import instead of once per row.

``answer_counts_insert`` and ``answer_counts_shadow`` count each new version as it is stored, one trigger
program per row (10,000 posts: ~0.1 s of an import's ~1.2 s CPU). Inside a write transaction that only
adds versions, both are dropped, the versions stored, and their counts added in one statement that
makes the rows the triggers would have made, in the order they would have made them (SQLite fires the
trigger created last first: for each new version, its shadow count before its own when the shadow
trigger is the newer); the triggers are then created again from their own stored SQL, in their order.
A rollback restores everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

COUNT, SHADOW = "answer_counts_insert", "answer_counts_shadow"

_ADD_COUNTS = """
WITH new AS (
    SELECT a.id, a.document_id, a.kind, a.owner, coalesce(a.answer, '') AS answer, d.dataset_id
    FROM annotations a JOIN documents d ON d.id = a.document_id WHERE a.id >= :first
),
happened AS (
    SELECT dataset_id, kind, owner, answer, id * 2 + :count_rank AS at FROM new
    UNION ALL
    SELECT n.dataset_id, 'shadowed', n.owner,
           (SELECT coalesce(b.answer, '') FROM annotations b WHERE b.document_id = n.document_id
            AND b.kind = 'base'),
           n.id * 2 + :shadow_rank
    FROM new n WHERE n.kind = 'annotator'
)
INSERT INTO answer_counts (dataset_id, kind, owner, answer, documents)
SELECT dataset_id, kind, owner, answer, count(*) FROM happened WHERE 1
GROUP BY dataset_id, kind, owner, answer ORDER BY min(at)
ON CONFLICT (dataset_id, kind, owner, answer) DO UPDATE SET documents = documents + excluded.documents
"""


@contextmanager
def answer_counts_batched(db: Database) -> Iterator[bool]:
    """Yield True when the counts of the versions inserted meanwhile are added at the end, in one
    statement (only inserts of versions of documents already stored may happen inside), else False:
    outside a transaction, or when the database does not have both triggers."""
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?) ORDER BY rowid",
        [COUNT, SHADOW],
    ).fetchall()
    if len(triggers) != 2 or not db.conn.in_transaction:
        yield False
        return
    first = (db.execute("SELECT max(id) FROM annotations").fetchone()[0] or 0) + 1
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    try:
        yield True
    finally:
        if db.conn.in_transaction:  # else SQLite rolled it back already, the triggers with it
            shadow_fires_first = triggers[-1][0] == SHADOW  # created last: fires first
            ranks = (
                {"count_rank": 1, "shadow_rank": 0}
                if shadow_fires_first
                else {"count_rank": 0, "shadow_rank": 1}
            )
            db.execute(_ADD_COUNTS, {"first": first, **ranks})
            for _, sql in triggers:
                db.execute(sql)
