"""Where ``spandesk agreement`` reads the annotators' versions of each document from.

The one place the agreement command meets the store: ``versions_by_document`` streams every document
with its annotators' states. With per-annotator versions (store.document_versions, issue 10) it yields
each annotator version of a document; until that lands, a document carries the one state it has, under
the name of the annotator who made it (so a database of this schema has at most one version per text).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from annotations import store
from annotations.agreement import AnnotatedDocument


def versions_by_document(db: Database, dataset: str | None = None) -> Iterator[AnnotatedDocument]:
    """Every document of ``dataset`` (None: all) with each annotator's state, in id order, streamed."""
    for document in store.iter_documents(db, dataset, include_unanswered=True, with_predictions=False):
        versions = {document.annotator: document.state} if document.annotator else {}
        yield AnnotatedDocument(document.id, document.text, document.tokens, versions)
