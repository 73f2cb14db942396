"""The queries of corpus search: candidate texts from the trigram index (migration m007), every text when
the index cannot narrow a search, and the text and spans of the documents a search found.

What a match is, and every check of a candidate against its text, is in ``annotations.search``.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from annotations.store.documents import Versions, documents_from

if TYPE_CHECKING:
    from sqlite_utils import Database

_PROBES = 20  # documents (spread over the ids, and the newest) the check looks up in the index
_BATCH = 500  # ids per IN (...) list: well under SQLite's limit of bound parameters


def index_term(trigrams: Iterable[str]) -> str | None:
    """The FTS5 query asking for documents holding every one of ``trigrams`` (None for none at all)."""
    quoted = sorted({'"' + trigram.replace('"', '""') + '"' for trigram in trigrams})
    return " AND ".join(quoted) if quoted else None


# The tokenizer stops at a NUL: texts holding one are always read (a partial index lists them, m007).
_HOLDING_NUL = "SELECT id FROM documents WHERE instr(CAST(text AS BLOB), x'00') > 0"


def holding_trigrams(term: str) -> str:
    """The condition keeping the documents ``d`` the index says may hold ``term``'s trigrams (an
    ``index_term``; its one parameter), and those it cannot say of (texts holding a NUL)."""
    return f"d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? UNION ALL {_HOLDING_NUL})"


Found = TypeVar("Found")


def without_index_if_unusable(run: Callable[[bool], Found]) -> Found:
    """``run(True)`` (a query narrowed by the index), else ``run(False)`` when the index is missing or
    damaged (``spandesk check`` names it): a search still finds everything, reading every text."""
    try:
        return run(True)
    except sqlite3.DatabaseError as error:
        if not _index_error(error):
            raise
        return run(False)


def candidate_texts(db: Database, term: str | None, dataset: str | None = None) -> Iterator[tuple[int, str]]:
    """(id, text) of the documents whose texts the index says may hold ``term``'s trigrams, in id order;
    every document's when ``term`` is None, or when the index is missing or damaged (``spandesk check``
    names it). Only ``dataset``'s when it is given. Streamed."""

    def candidates(indexed: bool) -> sqlite3.Cursor:
        return _candidate_rows(db, term if indexed else None, dataset)

    rows = candidates(False) if term is None else without_index_if_unusable(candidates)
    # not ``yield from``: a search left unfinished (``find | head``, Ctrl+C) would close the cursor when
    # collected, after the database it belongs to was closed: "Exception ignored ... closed database"
    for row in rows:  # noqa: UP028
        yield row


def _index_error(error: sqlite3.DatabaseError) -> bool:
    """Whether ``error`` is of a missing or damaged index (not a busy, locked or interrupted database)."""
    code = getattr(error, "sqlite_errorcode", sqlite3.SQLITE_ERROR) & 0xFF
    return code in (sqlite3.SQLITE_ERROR, sqlite3.SQLITE_CORRUPT)


def _candidate_rows(db: Database, term: str | None, dataset: str | None) -> sqlite3.Cursor:
    """The query of ``candidate_texts``, executed (its first row read: an unusable index fails here)."""
    where, params = [], []
    if term is not None:
        where.append(holding_trigrams(term))
        params.append(term)
    if dataset is not None:
        where.append("d.dataset_id = (SELECT id FROM datasets WHERE name = ?)")
        params.append(dataset)
    sql = "SELECT d.id, d.text FROM documents d" + (" WHERE " + " AND ".join(where) if where else "")
    return db.execute(sql + " ORDER BY d.id", params)


def index_problem(db: Database) -> str | None:
    """What is wrong with the search index, read-only (None: it answers, and finds the newest document
    and a few others by their own texts' first trigram)."""
    if not db["documents_fts"].exists():
        return "is missing: corpus search reads every text (slower); the window's search too"
    newest = db.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
    probes = db.execute(
        "SELECT id, substr(text, 1, 3) FROM documents WHERE (id = ? OR id % ? = 0) AND length(text) >= 3"
        " AND instr(CAST(substr(text, 1, 3) AS BLOB), x'00') = 0 ORDER BY id DESC LIMIT 21",
        [newest, max(1, newest // _PROBES)],
    ).fetchall()
    try:
        db.execute("SELECT count(*) FROM documents_fts_data").fetchone()
        for document_id, piece in probes:
            term = index_term([piece])
            found = db.execute(
                "SELECT 1 FROM documents_fts WHERE documents_fts MATCH ? AND rowid = ?", [term, document_id]
            ).fetchone()
            if found is None:
                return f"does not list document {document_id}: corpus search can miss documents"
    except sqlite3.DatabaseError as error:
        return f"is damaged ({error}): corpus search reads every text (slower)"
    return None


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
