"""The versions of documents: who has one, and every version of a document (review, merge); many documents'
versions are read by ``versions_by_document`` (agreement) and ``versions_by_text`` (imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import Answer, DocumentState, Version
from annotations.store.documents import Versions, documents_from
from annotations.store.encoding import decode_span_keys, decode_spans
from annotations.store.errors import DECODE_ERRORS, DamagedRow
from annotations.store.queue import answer_counts

if TYPE_CHECKING:
    from sqlite_utils import Database

ANNOTATOR_KINDS = ("annotator",)


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One stored version of a document."""

    version: Version
    state: DocumentState
    annotator: str | None  # who changed it last
    rev: int
    updated: float | None
    version_id: int


def annotators(db: Database, dataset: str | None = None) -> list[str]:
    """The people who have a version of some document (of ``dataset``), sorted by name.

    Without a dataset, a skip scan of the ``annotations_owner`` index: one index search per person, never
    a read of every version.
    """
    if dataset is not None:
        sql = (
            "SELECT DISTINCT a.owner FROM annotations a JOIN documents d ON d.id = a.document_id"
            " JOIN datasets ds ON ds.id = d.dataset_id WHERE a.kind = 'annotator' AND ds.name = ?"
        )
        return sorted(row[0] for row in db.execute(sql, [dataset]))
    names: list[str] = []
    row = db.execute(_FIRST_OWNER).fetchone()
    while row is not None:
        names.append(row[0])
        row = db.execute(_NEXT_OWNER, [row[0]]).fetchone()
    return names


_FIRST_OWNER = "SELECT owner FROM annotations WHERE kind = 'annotator' ORDER BY owner LIMIT 1"
_NEXT_OWNER = "SELECT owner FROM annotations WHERE kind = 'annotator' AND owner > ? ORDER BY owner LIMIT 1"


def versions(db: Database, document_id: int) -> list[VersionRow]:
    """Every version of a document: the base first, then the annotators' by name, then the review."""
    rows = db.execute(VERSION_COLUMNS + " FROM annotations a WHERE a.document_id = ?" + _ORDER, [document_id])
    return [version_row(document_id, row) for row in rows]


def annotator_revs(db: Database, document_id: int) -> tuple[tuple[str, int, float], ...]:
    """(owner, rev, updated) of each annotator's version of a document, by owner: a cheap way to see that
    they changed (an edit elsewhere, a merge) without reading their spans."""
    rows = db.execute(
        "SELECT owner, rev, updated FROM annotations WHERE document_id = ? AND kind = 'annotator'"
        " ORDER BY owner",
        [document_id],
    )
    return tuple((str(owner), int(rev or 0), float(updated or 0)) for owner, rev, updated in rows)


def answer_events(db: Database, owner: str) -> list[tuple[float, str]]:
    """When ``owner`` answered documents in their own versions, with each event's encoded ``after`` side
    (``decode_change``), oldest first (``kind = 'answer'``: undoing an answer is not answering)."""
    sql = (
        "SELECT e.at, e.after FROM events e JOIN annotations a ON a.id = e.version_id"
        " WHERE a.kind = 'annotator' AND a.owner = ? AND e.kind = 'answer' ORDER BY e.at, e.id"
    )
    return [(float(at), after) for at, after in db.execute(sql, [owner])]


VERSION_COLUMNS = "SELECT a.kind, a.owner, a.spans, a.answer, a.annotator, a.rev, a.updated, a.id"
_ORDER = " ORDER BY CASE a.kind WHEN 'base' THEN 0 WHEN 'annotator' THEN 1 ELSE 2 END, a.owner"


def version_row(document_id: int, row: Sequence) -> VersionRow:
    kind, owner, spans, answer, annotator, rev, updated, version_id = row
    try:
        state = DocumentState(decode_spans(spans), Answer(answer) if answer else None)
    except DECODE_ERRORS as error:
        where = f"documents {document_id}, version {Version(kind, owner).label!r}"
        raise DamagedRow(where, "annotations.spans", "cannot be read") from error
    return VersionRow(Version(kind, owner), state, annotator, rev, updated, version_id)


def chosen_answer_counts(db: Database, dataset: str | None, versions: Versions) -> dict[str | None, int]:
    """How many of the chosen versions (``Versions``: what an export writes) have each answer (None:
    pending): each document's current version from the kept counts, any other choice row by row."""
    if versions.mode == "current":
        return answer_counts(db, dataset)
    from_, params = documents_from(versions)
    sql = "SELECT a.answer, count(*)" + from_
    if dataset is not None:
        sql += " WHERE ds.name = ?"
        params = [*params, dataset]
    return {answer: n for answer, n in db.execute(sql + " GROUP BY a.answer", params)}


def count_documents(db: Database, dataset: str | None = None, versions: Versions | None = None) -> int:
    """How many documents (of ``dataset``) there are; with ``versions``, how many have a chosen version."""
    from_, params = documents_from(versions or Versions.current())
    sql = "SELECT count(DISTINCT d.id)" + from_
    if dataset is not None:
        sql += " WHERE ds.name = ?"
        params = [*params, dataset]
    return int(db.execute(sql, params).fetchone()[0])


def unreviewed_disagreements(db: Database, dataset: str | None = None) -> int:
    """How many documents have no reviewed version but several annotators' versions that differ (in
    spans or answer): the documents whose current version is only the one changed last."""
    sql = (
        "SELECT a.document_id, group_concat(a.spans, char(30)),"
        " group_concat(coalesce(a.answer, ''), char(30)) FROM annotations a"
        " JOIN documents d ON d.id = a.document_id JOIN datasets ds ON ds.id = d.dataset_id"
        " WHERE a.kind = 'annotator'"
        + (" AND ds.name = ?" if dataset is not None else "")
        + " AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.document_id = a.document_id"
        " AND r.kind = 'review')"
        " GROUP BY a.document_id"
        " HAVING count(DISTINCT coalesce(a.answer, '') || char(1) || a.spans) > 1"
    )
    differing = 0
    for document_id, spans, answers in db.execute(sql, [dataset] if dataset is not None else []):
        if len(set(answers.split("\x1e"))) > 1:
            differing += 1
            continue
        try:  # the same spans may be stored in two JSON spellings: compare what they say
            keys = {tuple(decode_span_keys(one)) for one in spans.split("\x1e")}
        except DECODE_ERRORS as error:
            raise DamagedRow(f"documents {document_id}", "annotations.spans", "cannot be read") from error
        differing += len(keys) > 1
    return differing


def base_annotators(db: Database, dataset: str | None = None) -> dict[int, str]:
    """Who the file that brought each document named (its base's annotator), by document id; documents
    whose file named nobody are left out."""
    sql = (
        "SELECT a.document_id, a.annotator FROM annotations a JOIN documents d ON d.id = a.document_id"
        " JOIN datasets ds ON ds.id = d.dataset_id WHERE a.kind = 'base' AND a.annotator IS NOT NULL"
    )
    params = [dataset] if dataset is not None else []
    return dict(db.execute(sql + (" AND ds.name = ?" if dataset is not None else ""), params).fetchall())
