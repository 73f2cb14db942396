"""Stored documents found by their text, with every version (an import bringing a text again); a module of
its own, which opening the window does not load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations.model import Version
from annotations.store.versions import VERSION_COLUMNS, VersionRow, version_row

if TYPE_CHECKING:
    from sqlite_utils import Database


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
            + VERSION_COLUMNS.removeprefix("SELECT ")
            + " FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
            " JOIN annotations a ON a.document_id = d.id"
            f" WHERE ds.name = ? AND d.same_text_as IS NULL AND d.text_digest IN ({marks})"
        )
        for row in db.execute(sql, [dataset, *batch]):
            digest, document_id, text = row[:3]
            entry = found.setdefault(digest, TextVersions(document_id, text, {}))
            version = version_row(document_id, row[3:])
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
