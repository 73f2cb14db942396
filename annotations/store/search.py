"""The queries of corpus search: candidate texts from the trigram index (migration m007), every text when
the index cannot narrow a search, and the text and spans of the documents a search found.

What a match is, and every check of a candidate against its text, is in ``annotations.search``.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlite_utils import Database

from annotations.store.documents import Versions, documents_from

_BATCH = 500  # ids per IN (...) list: well under SQLite's limit of bound parameters


def index_term(trigrams: Iterable[str]) -> str | None:
    """The FTS5 query asking for documents holding every one of ``trigrams`` (None for none at all)."""
    quoted = sorted({'"' + trigram.replace('"', '""') + '"' for trigram in trigrams})
    return " AND ".join(quoted) if quoted else None


# The tokenizer stops at a NUL: texts holding one are always read (a partial index lists them, m007).
_HOLDING_NUL = "SELECT id FROM documents WHERE instr(CAST(text AS BLOB), x'00') > 0"


def candidate_texts(db: Database, term: str | None, dataset: str | None = None) -> Iterator[tuple[int, str]]:
    """(id, text) of the documents whose texts the index says may hold ``term``'s trigrams, in id order;
    every document's when ``term`` is None. Only ``dataset``'s when it is given. Streamed."""
    where, params = [], []
    if term is not None:
        where.append(
            f"d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? UNION ALL {_HOLDING_NUL})"
        )
        params.append(term)
    if dataset is not None:
        where.append("d.dataset_id = (SELECT id FROM datasets WHERE name = ?)")
        params.append(dataset)
    sql = "SELECT d.id, d.text FROM documents d" + (" WHERE " + " AND ".join(where) if where else "")
    # not ``yield from``: a search left unfinished (``find | head``, Ctrl+C) would close the cursor when
    # collected, after the database it belongs to was closed: "Exception ignored ... closed database"
    for row in db.execute(sql + " ORDER BY d.id", params):  # noqa: UP028
        yield row


class FoundDocument(NamedTuple):
    """A document a search found, as its preview needs it: spans still as stored JSON."""

    dataset: str
    text: str
    spans: str


def found_documents(
    db: Database, document_ids: Sequence[int], versions: Versions | None = None
) -> dict[int, FoundDocument]:
    """The documents ``document_ids`` (those that still exist) with the spans of the chosen version of
    each (default: the current one), read in batches of a few hundred ids, never one query per document."""
    from_, params = documents_from(versions or Versions.current())
    found: dict[int, FoundDocument] = {}
    for first in range(0, len(document_ids), _BATCH):
        batch = list(document_ids[first : first + _BATCH])
        marks = ", ".join("?" for _ in batch)
        sql = f"SELECT d.id, ds.name, d.text, a.spans{from_} WHERE d.id IN ({marks})"
        for document_id, dataset, text, spans in db.execute(sql, [*params, *batch]):
            found[document_id] = FoundDocument(dataset, text, spans)
    return found


def folded_alike(characters: frozenset[str]) -> bool:
    """Whether the index folds every one of ``characters`` to the same character (asked of SQLite's own
    trigram tokenizer, in a database in memory): only then can a case-insensitive search use it."""
    return _folded_alike(characters)


@functools.lru_cache(maxsize=4096)
def _folded_alike(characters: frozenset[str]) -> bool:
    if len(characters) < 2:
        return True
    probe = _probe()
    rows: list[Any] = [(index, character * 3) for index, character in enumerate(sorted(characters))]
    first = rows[0][1].replace('"', '""')
    with _PROBING:
        probe.execute("DELETE FROM probe")
        probe.executemany("INSERT INTO probe (rowid, text) VALUES (?, ?)", rows)
        matched = probe.execute("SELECT count(*) FROM probe WHERE probe MATCH ?", [f'"{first}"']).fetchone()
    return bool(matched[0] == len(rows))


_PROBING = threading.Lock()


@functools.cache
def _probe() -> sqlite3.Connection:
    """An in-memory FTS5 table tokenized as the index is (never a database file)."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.execute("CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='trigram', detail=none)")
    return connection
