"""A reviewer's session: the reviewed version of each document, made on the first look, edited like any other.

The reviewed version (``REVIEW``) starts as the pre-merged state of ``annotations.review`` (what all counted
annotators agree on, and majority proposals), stored as rev 0 in a transaction of its own the first time a
reviewer opens the document. From then on every change, including taking an annotator's proposal at a
disagreement, is an ``Edit`` applied through ``Session.apply``: one transaction and one history event each,
undone like any edit.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from annotations import store
from annotations.model import REVIEW, Document
from annotations.review import Disagreement, Review, build_review, take
from annotations.session import Edit, Session

if TYPE_CHECKING:
    from sqlite_utils import Database


def review_of(db: Database, document_id: int) -> Review:
    """The review of a document as its annotators' versions stand now."""
    return build_review({row.version: row.state for row in store.versions(db, document_id)})


def start_review(db: Database, document_id: int, reviewer: str) -> bool:
    """Store the reviewed version of a document (its pre-merged state, rev 0, made by ``reviewer``) unless it
    has one; True when this call made it. One transaction: another window making it meanwhile is no error."""
    if store.version_id(db, document_id, REVIEW) is not None:
        return False
    try:
        with store.write_transaction(db):
            if store.version_id(db, document_id, REVIEW) is not None:
                return False
            state = review_of(db, document_id).state
            store.insert_version(db, document_id, REVIEW, state, reviewer, time.time())
    except sqlite3.IntegrityError:  # made by another window between the two reads: theirs stands
        return False
    return True


class ReviewSession(Session):
    """A reviewer's session: it edits each document's reviewed version and knows its disagreements."""

    def __init__(self, db: Database, reviewer: str, dataset: str | None = None) -> None:
        super().__init__(db, reviewer, dataset, version=REVIEW)
        self.review: Review | None = None  # the current document's review (its disagreements)
        self._reviewed_revs: tuple[tuple[str, int, float], ...] = ()  # the versions ``review`` was made of
        self.started = False  # whether the last ``open`` made the document's reviewed version

    def open(self, document_id: int) -> Document:
        """Make the document's reviewed version if it has none yet, then load it and its disagreements."""
        self.started = start_review(self.db, document_id, self.annotator)
        self._reviewed_revs = store.annotator_revs(self.db, document_id)
        self.review = review_of(self.db, document_id)
        return super().open(document_id)

    def writes_on_open(self, document_id: int) -> bool:
        """Whether opening the document makes its reviewed version (the first look at it)."""
        return store.version_id(self.db, document_id, REVIEW) is None

    def annotators_changed(self) -> bool:
        """Whether the annotators' versions of the current document changed since it was opened (a merge
        brought another person's, or someone edited theirs): its disagreements are then out of date."""
        document = self.document
        return document is not None and store.annotator_revs(self.db, document.id) != self._reviewed_revs

    def take(self, disagreement: int, proposal: int) -> Edit | None:
        """Take proposal ``proposal`` (0: the first annotator's) at disagreement ``disagreement`` of the
        current document; None when there is no such disagreement or proposal."""
        document = self._current()
        if self.review is None or not 0 <= disagreement < len(self.review.disagreements):
            return None
        chosen = self.review.disagreements[disagreement]
        if not 0 <= proposal < len(chosen.proposals):
            return None
        owner = chosen.proposals[proposal].owner
        after = take(document.state, chosen, proposal)
        return self._edit("take", f"take {owner}'s proposal at {_where(document, chosen)}", after)


def _where(document: Document, disagreement: Disagreement) -> str:
    snippet = " ".join(document.text[disagreement.start : disagreement.end].split())
    return f"“{snippet if len(snippet) <= 30 else snippet[:29] + '…'}”"
