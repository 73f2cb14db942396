"""The versions of documents: who has one, and every version of each document (agreement, review, merge)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from annotations.model import Answer, DocumentState, Token, Version
from annotations.store.encoding import decode_spans, decode_tokens
from annotations.store.errors import DECODE_ERRORS, DamagedRow

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
