"""New documents stored a batch at a time: which of them the dataset holds already, their ids, and one
``executemany`` for all their rows.

One ``INSERT OR IGNORE`` per document, each asked whether it was stored and under which id, cost ~0.25 s
of an import of 10,000 posts. Inside the write transaction nobody else can store a document, so the
texts stored already are found by their digests (a few index lookups per 500 documents), each document
that is not is given the id SQLite would have given it (one more than the largest, in order), and all of
them are inserted with one statement: the rows are those one INSERT OR IGNORE per document made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

_LARGEST_ID = 2**63 - 1
_BATCH = 500  # digests per query (SQLite allows 32766 parameters; small batches keep statements short)


def new_ids(db: Database, dataset: int, digests: Sequence[bytes]) -> list[int | None]:
    """The id each document will have, in order, or None for one whose text the dataset holds already
    (stored before, or earlier in ``digests``). Call inside the write transaction that stores them."""
    taken = stored_digests(db, dataset, digests)
    row = db.execute("SELECT max(id) FROM documents").fetchone()
    next_id = (row[0] or 0) + 1
    if next_id + len(digests) > _LARGEST_ID:  # SQLite would pick unused ids at random: never here
        raise sqlite3.DatabaseError(f"the documents' ids reach {row[0]}, the largest SQLite allows")
    ids: list[int | None] = []
    for digest in digests:
        if digest in taken:
            ids.append(None)
            continue
        taken.add(digest)
        ids.append(next_id)
        next_id += 1
    return ids


def stored_digests(db: Database, dataset: int, digests: Sequence[bytes]) -> set[bytes]:
    """Which of ``digests`` the dataset's documents hold (those the unique index ``documents_text`` knows)."""
    any_row = db.execute("SELECT 1 FROM documents WHERE dataset_id = ? LIMIT 1", [dataset]).fetchone()
    if any_row is None:
        return set()
    found: set[bytes] = set()
    wanted = list(set(digests))
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        marks = ", ".join("?" * len(batch))
        rows = db.execute(
            "SELECT text_digest FROM documents WHERE dataset_id = ? AND same_text_as IS NULL"
            f" AND text_digest IN ({marks})",
            [dataset, *batch],
        )
        found.update(row[0] for row in rows)
    return found
