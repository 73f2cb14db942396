"""Where ``spandesk agreement`` reads the annotators' versions of each document from: the store's
``document_versions``, every document with at least one annotator's version, each version by its owner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from annotations import store
from annotations.agreement import AnnotatedDocument

if TYPE_CHECKING:
    from sqlite_utils import Database


def versions_by_document(db: Database, dataset: str | None = None) -> Iterator[AnnotatedDocument]:
    """Every document of ``dataset`` (None: all) with each annotator's state, in id order, streamed."""
    for document in store.document_versions(db, dataset):
        versions = {version.owner: row.state for version, row in document.versions.items()}
        yield AnnotatedDocument(document.id, document.text, document.tokens, versions)
