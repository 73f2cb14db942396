"""The document queue: pages of ids in queue order, their rows, and how many documents have each answer.

Every function reads the documents as one person sees them (``viewer``: their version, else the base) or,
with no viewer, each document's current version (``documents.Versions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from annotations.store.connection import CASEFOLD
from annotations.store.documents import Versions, dataset_id, documents_from
from annotations.store.keyset import BY_ID, QueueKey, QueueOrder, RankedOrder, read_page
from annotations.store.quick_open import known_current
from annotations.store.search import holding_trigrams, index_term, without_index_if_unusable

if TYPE_CHECKING:
    from sqlite_utils import Database


def document_ids(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    after: int | None = None,
    limit: int = -1,
    viewer: str | None = None,
) -> list[int]:
    """A page of document ids in queue order, those after the id ``after``; ``status`` holds answers, None
    meaning pending."""
    page = queue_page(db, dataset, status, search, None if after is None else (after,), limit, viewer)
    return [key[-1] for key in page]


def queue_page(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    after: QueueKey | None = None,
    limit: int = -1,
    viewer: str | None = None,
    order: QueueOrder = BY_ID,
) -> list[QueueKey]:
    """A page of the queue sorted by ``order``: the key (keys..., id) of each row after the key ``after``
    (keyset paging: as fast at the millionth row as at the first)."""
    from_, join_params = documents_from(Versions.seen_by(viewer))
    filtered = (dataset is not None or status is not None) and not search
    kept = kept_size(db, dataset, status, viewer) if filtered else None
    if kept == 0:
        return []  # a status or dataset no document has: no need to read them all to find none
    few = isinstance(order, RankedOrder) and kept is not None and kept <= FEW_DOCUMENTS

    def page(indexed: bool) -> list[QueueKey]:
        where, params = queue_filter(dataset, status, search, indexed=indexed)
        return read_page(db, order, from_, (where, [*join_params, *params]), after, limit, few=few)

    return without_index_if_unusable(page)


# Up to this many documents kept by the filters, a ranked order reads them first and sorts them: walking the
# rank's index finds a page after reading ~200 x (all / kept) entries, which costs more below ~300 kept
# whatever the corpus size (100,000 documents all scored, a 50-document dataset: 37 ms vs 256 ms; 5% of them
# "ignored": 152 ms vs 32 ms; bench/README.md)
FEW_DOCUMENTS = 500


def kept_size(
    db: Database, dataset: str | None, status: Sequence[str | None] | None, viewer: str | None
) -> int | None:
    """How many documents a queue without a search holds, if the kept answer counts say it at once (None: they
    would be counted row by row: no viewer while some documents have versions beyond the base)."""
    counts = _kept_answer_counts(db, dataset, viewer)
    if counts is None:
        return None
    return sum(counts.values()) if status is None else sum(counts.get(answer, 0) for answer in set(status))


def count_queue(
    db: Database,
    dataset: str | None = None,
    status: Sequence[str | None] | None = None,
    search: str = "",
    viewer: str | None = None,
) -> int:
    """How many documents the queue shows with these filters."""
    if not search:  # every document has exactly one version seen: the kept answer counts say it
        counts = answer_counts(db, dataset, viewer=viewer)
        return (
            sum(counts.values()) if status is None else sum(counts.get(answer, 0) for answer in set(status))
        )
    from_, join_params = documents_from(Versions.seen_by(viewer))

    def count(indexed: bool) -> int:
        where, params = queue_filter(dataset, status, search, indexed=indexed)
        sql = "SELECT count(*)" + from_ + "WHERE " + " AND ".join(where)
        return int(db.execute(sql, [*join_params, *params]).fetchone()[0])

    return without_index_if_unusable(count)


def newest_document_id(db: Database) -> int:
    """The highest document id (0: no document): a document added since a queue was read has a higher one
    (read from the end of the table's index, whatever its size)."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0])


def queue_filter(
    dataset: str | None,
    status: Sequence[str | None] | None,
    search: str,
    answer: str = "a.answer",
    indexed: bool = True,
) -> tuple[list[str], list[Any]]:
    """SQL conditions for a document queue, the answer read from the column ``answer``; ``indexed``: an
    ASCII search of three characters or more first narrowed to the texts the trigram index lists (the same
    documents, without reading every text)."""
    where: list[str] = []
    params: list[Any] = []
    if dataset is not None:
        where.append("ds.name = ?")
        params.append(dataset)
    if status is not None:
        answers = [s for s in status if s is not None]
        parts = [f"{answer} IN ({', '.join('?' for _ in answers)})"] if answers else []
        if None in status:
            parts.append(f"{answer} IS NULL")
        where.append("(" + " OR ".join(parts or ["0"]) + ")")
        params.extend(answers)
    if search.isascii() and search:  # SQLite's lower(), in C: a million texts in about a second
        if indexed and len(search) >= 3:  # the index folds ASCII case as lower() does: it lists every match
            term = index_term(search.lower()[start : start + 3] for start in range(len(search) - 2))
            where.append(holding_trigrams(term or ""))
            params.append(term)
        where.append("instr(lower(d.text), lower(?)) > 0")
        params.append(search)
    elif search:  # lower() folds ASCII only (ZOË is not zoë): texts holding more are folded as Python does
        where.append(
            f"(instr(lower(d.text), lower(?)) > 0 OR (length(CAST(d.text AS BLOB)) > length(d.text) "
            f"AND instr({CASEFOLD}(d.text), ?) > 0))"
        )
        params.extend([search, search.casefold()])
    return where, params


def queue_rows(
    db: Database, ids: Sequence[int], viewer: str | None = None
) -> dict[int, tuple[str | None, str]]:
    """For each id: its answer (as ``viewer`` sees it) and the first 200 characters of its text."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    join, join_params = Versions.seen_by(viewer).join()
    sql = f"SELECT d.id, a.answer, substr(d.text, 1, 200) FROM documents d {join} WHERE d.id IN ({marks})"
    return {row[0]: (row[1], row[2]) for row in db.execute(sql, [*join_params, *ids])}


def document_previews(db: Database, ids: Sequence[int]) -> dict[int, str]:
    """For each id: the first 200 characters of its text (what a queue row shows)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = f"SELECT id, substr(text, 1, 200) FROM documents WHERE id IN ({marks})"
    return {row[0]: row[1] for row in db.execute(sql, list(ids))}


def answer_counts(
    db: Database, dataset: str | None = None, viewer: str | None = None
) -> dict[str | None, int]:
    """How many documents have each answer (None: pending); answers no document has are left out.

    As ``viewer`` sees them: the base's kept counts, plus their own versions', less the base answers their
    versions hide, all read from the ``answer_counts`` table that triggers keep (a few rows, whatever the
    corpus size). With no viewer: each document's current version, counted row by row unless no document
    has a version beyond its base. A database from before that table, opened read-only (so not
    upgraded), is counted row by row.
    """
    if not _counts_kept(db):
        return _counted_old(db, dataset)
    counted = _kept_answer_counts(db, dataset, viewer)
    return _counted_current(db, dataset) if counted is None else counted


def _kept_answer_counts(
    db: Database, dataset: str | None, viewer: str | None
) -> dict[str | None, int] | None:
    """Documents per answer as ``viewer`` sees them, from the kept counts alone; None when those do not say
    it (a database from before them, or no viewer while some documents have versions beyond the base)."""
    if not _counts_kept(db):
        return None
    kept = _kept_counts(db, dataset)
    if viewer is None and any(kind != "base" for kind, _, _ in kept):
        return None
    counted: dict[str | None, int] = {}
    for (kind, owner, answer), documents in kept.items():
        if kind == "base" or kind == "annotator" and owner == viewer:
            step = documents
        elif kind == "shadowed" and owner == viewer:
            step = -documents
        else:
            continue
        counted[answer or None] = counted.get(answer or None, 0) + step
    return {answer: documents for answer, documents in counted.items() if documents}


def _counts_kept(db: Database) -> bool:
    """Whether the database keeps answer counts per version kind (not one from before, opened read-only)."""
    return known_current(db) or (db["answer_counts"].exists() and "kind" in db["answer_counts"].columns_dict)


def _kept_counts(db: Database, dataset: str | None) -> dict[tuple[str, str, str], int]:
    """The ``answer_counts`` rows (of one dataset, or summed over all) by kind, owner and answer."""
    sql = "SELECT c.kind, c.owner, c.answer, sum(c.documents) FROM answer_counts c"
    if dataset is not None:
        sql += " JOIN datasets ds ON ds.id = c.dataset_id WHERE ds.name = ?"
    rows = db.execute(sql + " GROUP BY c.kind, c.owner, c.answer", [dataset] if dataset is not None else [])
    return {(kind, owner, answer): documents for kind, owner, answer, documents in rows if documents}


def _counted_current(db: Database, dataset: str | None) -> dict[str | None, int]:
    """Documents per answer of their current version, counted row by row."""
    from_, params = documents_from(Versions.current())
    sql = "SELECT a.answer, count(*)" + from_
    if dataset is not None:
        sql += " WHERE ds.name = ?"
        params = [*params, dataset]
    return {answer: documents for answer, documents in db.execute(sql + " GROUP BY a.answer", params)}


def _counted_old(db: Database, dataset: str | None) -> dict[str | None, int]:
    """Documents per answer in a database from before versions (one annotation per document)."""
    chosen = None if dataset is None else dataset_id(db, dataset)
    sql = (
        "SELECT d.dataset_id, a.answer, count(*) FROM annotations a JOIN documents d ON d.id = a.document_id "
        "GROUP BY d.dataset_id, a.answer"
    )
    counted: dict[str | None, int] = {}
    for in_dataset, answer, documents in db.execute(sql):
        if dataset is None or in_dataset == chosen:
            counted[answer] = counted.get(answer, 0) + documents
    return counted


def counted_answers(db: Database) -> dict[tuple[int, str, str, str], int]:
    """The kept answer counts recounted from the versions themselves (for ``check``): documents per
    dataset, version kind, owner and answer, and the base answers each owner's versions shadow."""
    counted: dict[tuple[int, str, str, str], int] = {}
    rows = db.execute(
        "SELECT d.dataset_id, a.kind, a.owner, coalesce(a.answer, ''), count(*) FROM annotations a"
        " JOIN documents d ON d.id = a.document_id GROUP BY d.dataset_id, a.kind, a.owner, a.answer"
    )
    for dataset, kind, owner, answer, documents in rows:
        counted[(dataset, kind, owner, answer)] = documents
    shadowed = db.execute(
        "SELECT d.dataset_id, a.owner, coalesce(b.answer, ''), count(*) FROM annotations a"
        " JOIN documents d ON d.id = a.document_id"
        " JOIN annotations b ON b.document_id = a.document_id AND b.kind = 'base'"
        " WHERE a.kind = 'annotator' GROUP BY d.dataset_id, a.owner, b.answer"
    )
    for dataset, owner, answer, documents in shadowed:
        counted[(dataset, "shadowed", owner, answer)] = documents
    return counted
