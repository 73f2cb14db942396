"""Every document with several versions, streamed with those versions (agreement, statistics); a module of
its own, which opening the window does not load."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import DocumentState, Token, Version
from annotations.store.encoding import decode_tokens
from annotations.store.errors import DECODE_ERRORS, DamagedRow
from annotations.store.versions import ANNOTATOR_KINDS, VERSION_COLUMNS, VersionRow, version_row

if TYPE_CHECKING:
    from sqlite_utils import Database


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


def document_versions(
    db: Database, dataset: str | None = None, kinds: Sequence[str] = ANNOTATOR_KINDS
) -> Iterator[DocumentVersions]:
    """Every document that has a version of one of ``kinds``, with those versions, in document order,
    streamed (never the whole corpus in memory)."""
    marks = ", ".join("?" for _ in kinds)
    sql = (
        "SELECT d.id, ds.name, d.text, d.tokens, "
        + VERSION_COLUMNS.removeprefix("SELECT ")
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
        version = version_row(document_id, row[4:])
        current.versions[version.version] = version
    if current is not None:
        yield current


def _tokens(document_id: int, tokens: str) -> tuple[Token, ...]:
    try:
        return decode_tokens(tokens)
    except DECODE_ERRORS as error:
        raise DamagedRow(f"documents {document_id}", "documents.tokens", "cannot be read") from error
