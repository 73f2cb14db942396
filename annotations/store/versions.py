"""The versions of documents: who has one, and every version of each document (agreement, review, merge)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import Answer, DocumentState, Token, Version
from annotations.store.documents import Versions, documents_from
from annotations.store.encoding import decode_span_keys, decode_spans, decode_tokens
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


@dataclass(frozen=True, slots=True)
class DocumentVersions:
    """A document's text and tokens with several of its versions, by version."""

    id: int
    dataset: str
    text: str
    tokens: tuple[Token, ...]
    versions: dict[Version, VersionRow]

    def states(self) -> dict[Version, DocumentState]:
        """Each version's spans and answer."""
        return {version: row.state for version, row in self.versions.items()}


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
    rows = db.execute(
        _VERSION_COLUMNS + " FROM annotations a WHERE a.document_id = ?" + _ORDER, [document_id]
    )
    return [_version_row(document_id, row) for row in rows]


def annotator_revs(db: Database, document_id: int) -> tuple[tuple[str, int, float], ...]:
    """(owner, rev, updated) of each annotator's version of a document, by owner: a cheap way to see that
    they changed (an edit elsewhere, a merge) without reading their spans."""
    rows = db.execute(
        "SELECT owner, rev, updated FROM annotations WHERE document_id = ? AND kind = 'annotator'"
        " ORDER BY owner",
        [document_id],
    )
    return tuple((str(owner), int(rev or 0), float(updated or 0)) for owner, rev, updated in rows)


def document_versions(
    db: Database, dataset: str | None = None, kinds: Sequence[str] = ANNOTATOR_KINDS
) -> Iterator[DocumentVersions]:
    """Every document that has a version of one of ``kinds``, with those versions, in document order,
    streamed (never the whole corpus in memory)."""
    marks = ", ".join("?" for _ in kinds)
    sql = (
        "SELECT d.id, ds.name, d.text, d.tokens, "
        + _VERSION_COLUMNS.removeprefix("SELECT ")
        + " FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
        f" JOIN annotations a ON a.document_id = d.id AND a.kind IN ({marks})"
        + (" WHERE ds.name = ?" if dataset is not None else "")
        + " ORDER BY d.id, CASE a.kind WHEN 'base' THEN 0 WHEN 'annotator' THEN 1 ELSE 2 END, a.owner"
    )
    params = [*kinds, *([dataset] if dataset is not None else [])]
    current: DocumentVersions | None = None
    for row in db.execute(sql, params):
        document_id, dataset_name, text, tokens = row[:4]
        if current is None or current.id != document_id:
            if current is not None:
                yield current
            current = DocumentVersions(document_id, dataset_name, text, _tokens(document_id, tokens), {})
        version = _version_row(document_id, row[4:])
        current.versions[version.version] = version
    if current is not None:
        yield current


def answer_events(db: Database, owner: str) -> list[tuple[float, str]]:
    """When ``owner`` answered documents in their own versions, with each event's encoded ``after`` side
    (``decode_change``), oldest first (``kind = 'answer'``: undoing an answer is not answering)."""
    sql = (
        "SELECT e.at, e.after FROM events e JOIN annotations a ON a.id = e.version_id"
        " WHERE a.kind = 'annotator' AND a.owner = ? AND e.kind = 'answer' ORDER BY e.at, e.id"
    )
    return [(float(at), after) for at, after in db.execute(sql, [owner])]


_VERSION_COLUMNS = "SELECT a.kind, a.owner, a.spans, a.answer, a.annotator, a.rev, a.updated, a.id"
_ORDER = " ORDER BY CASE a.kind WHEN 'base' THEN 0 WHEN 'annotator' THEN 1 ELSE 2 END, a.owner"


def _version_row(document_id: int, row: Sequence) -> VersionRow:
    kind, owner, spans, answer, annotator, rev, updated, version_id = row
    try:
        state = DocumentState(decode_spans(spans), Answer(answer) if answer else None)
    except DECODE_ERRORS as error:
        where = f"documents {document_id}, version {Version(kind, owner).label!r}"
        raise DamagedRow(where, "annotations.spans", "cannot be read") from error
    return VersionRow(Version(kind, owner), state, annotator, rev, updated, version_id)


def _tokens(document_id: int, tokens: str) -> tuple[Token, ...]:
    try:
        return decode_tokens(tokens)
    except DECODE_ERRORS as error:
        raise DamagedRow(f"documents {document_id}", "documents.tokens", "cannot be read") from error


@dataclass(frozen=True, slots=True)
class TextVersions:
    """A stored document found by its text (an import bringing that text again), with every version."""

    document_id: int
    text: str
    versions: dict[Version, VersionRow]


_TEXT_BATCH = 500  # digests per query (short statements, far below SQLite's parameter limit)


def text_versions(db: Database, dataset: str, digests: Iterable[bytes]) -> dict[bytes, TextVersions]:
    """The document of ``dataset`` holding each text (by ``hashing.text_digest``), with all its versions;
    texts the dataset does not hold are left out."""
    wanted = sorted(set(digests))
    found: dict[bytes, TextVersions] = {}
    for start in range(0, len(wanted), _TEXT_BATCH):
        batch = wanted[start : start + _TEXT_BATCH]
        marks = ", ".join("?" for _ in batch)
        sql = (
            "SELECT d.text_digest, d.id, d.text, "
            + _VERSION_COLUMNS.removeprefix("SELECT ")
            + " FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
            " JOIN annotations a ON a.document_id = d.id"
            f" WHERE ds.name = ? AND d.same_text_as IS NULL AND d.text_digest IN ({marks})"
        )
        for row in db.execute(sql, [dataset, *batch]):
            digest, document_id, text = row[:3]
            entry = found.setdefault(digest, TextVersions(document_id, text, {}))
            version = _version_row(document_id, row[3:])
            entry.versions[version.version] = version
    return found


def document_of_text(db: Database, dataset: str, digest: bytes) -> int | None:
    """The id of the document of ``dataset`` holding the text of ``digest`` (None: there is none)."""
    row = db.execute(
        "SELECT d.id FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
        " WHERE ds.name = ? AND d.text_digest = ? AND d.same_text_as IS NULL ORDER BY d.id LIMIT 1",
        [dataset, digest],
    ).fetchone()
    return int(row[0]) if row else None


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
