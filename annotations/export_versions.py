"""Whose version an export writes: ``--version current|reviewed|every|NAME``.

- ``current`` (the default): each document's reviewed version, else the annotator's version changed
  last, else the base (as imported). Documents whose annotators' versions differ and that nobody
  reviewed are still written (as the version changed last), with a warning saying how many.
- ``reviewed``: the reviewed versions only; ``NAME``: that person's versions only. Documents without
  one are left out, and the export says how many.
- ``every``: one record per annotator's version, each carrying its owner (Prodigy's ``_annotator_id``
  and ``_session_id``, doccano's ``_annotator_id``, Label Studio's ``completed_by``). Formats with no
  place for who made a record (spaCy DocBin, CoNLL, Hugging Face, brat) would hold one text twice with
  nothing telling the copies apart, so they refuse it: export one person at a time (``--version NAME``).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from annotations import store
from annotations.counting import agreeing, counted
from annotations.model import REVIEW, Document, Version

if TYPE_CHECKING:
    from sqlite_utils import Database

CURRENT = "current"
REVIEWED = "reviewed"
EVERY = "every"
CHOICES = (CURRENT, REVIEWED, EVERY)
EVERY_FORMATS = ("prodigy", "doccano", "labelstudio")  # formats whose records say whose they are


class VersionChoiceError(ValueError):
    """A version choice the export cannot make; the message says what to choose instead."""


def chosen_versions(db: Database, fmt: str, dataset: str | None, choice: str) -> store.Versions:
    """The ``store.Versions`` of a ``--version`` choice; VersionChoiceError naming the annotators there
    are for an unknown name, or for ``every`` in a format that cannot say whose each record is."""
    if choice == CURRENT:
        return store.Versions.current()
    if choice == REVIEWED:
        return store.Versions.exactly(REVIEW)
    names = store.annotators(db, dataset)
    if choice == EVERY:
        if fmt not in EVERY_FORMATS:
            raise VersionChoiceError(
                f"--version every writes one record per annotator's version, and --format {fmt} has no "
                "place to say whose each one is (one text would appear several times, unnamed). Export "
                f"one annotator at a time with --version NAME ({_named(names)}), or use --format "
                f"{', '.join(EVERY_FORMATS)}"
            )
        return store.Versions.every_annotator()
    if not choice.strip():
        raise VersionChoiceError("--version needs current, reviewed, every or an annotator's name")
    choice = unicodedata.normalize("NFC", choice.strip())  # as names are kept (annotator_names)
    if choice not in names:
        where = f"dataset {dataset!r}" if dataset is not None else "the database"
        raise VersionChoiceError(
            f"nobody called {choice!r} has a version of a document in {where} ({_named(names)}); choose "
            f"{', '.join(CHOICES)} or one of them"
        )
    return store.Versions.exactly(Version.of(choice))


def _named(names: list[str]) -> str:
    return f"annotators: {', '.join(names)}" if names else "it holds no annotator's version"


SESSION_KEY = "_session_id"


class BroughtSessions:
    """Whether a version may carry the Prodigy ``_session_id`` its document's file brought (kept in the
    document's extra): only the version of the person that file named may; another annotator's version
    (added by a later file) is written with its own session."""

    def __init__(self, db: Database, dataset: str | None) -> None:
        self.db = db
        self.dataset = dataset
        self._owners: dict[int, str] | None = None  # read once, when first needed

    def foreign(self, document_id: int, kind: str, owner: str) -> bool:
        """Whether the brought session belongs to someone else than this version's owner."""
        if kind != "annotator":
            return False
        if self._owners is None:
            self._owners = store.base_annotators(self.db, self.dataset)
        return self._owners.get(document_id) != owner

    def row(self, row: store.DocumentRow) -> store.DocumentRow:
        """The row, without a session brought by another person's file."""
        if SESSION_KEY not in row.extra or not self.foreign(row.id, row.kind, row.owner):
            return row
        extra = store.decode_object(row.extra)
        extra.pop(SESSION_KEY, None)
        return row._replace(extra=json.dumps(extra, ensure_ascii=False))

    def document(self, document: Document) -> Document:
        """An annotator's version is theirs whoever changed it last (its annotator is its owner), without
        a session brought by another person's file."""
        version = document.version
        if version.kind != "annotator":
            return document
        if SESSION_KEY in document.extra and self.foreign(document.id, version.kind, version.owner):
            extra = {key: value for key, value in document.extra.items() if key != SESSION_KEY}
            document = replace(document, extra=extra)
        if document.annotator != version.owner:
            document = replace(document, annotator=version.owner)
        return document


def versions_warnings(
    db: Database, dataset: str | None, choice: str, versions: store.Versions
) -> tuple[str, ...]:
    """What the person should know about the versions written: documents left out, or written as the
    version changed last while their annotators disagree."""
    if choice == CURRENT:
        differing = store.unreviewed_disagreements(db, dataset)
        if not differing:
            return ()
        has = agreeing(differing, "has", "have")
        return (
            f"{counted(differing, 'document')} {has} "
            "versions by several annotators "
            "that differ, and no reviewed "
            "version: each was exported as the version changed last. Review them, or choose whose to "
            "export: --version NAME (one annotator's) or --version every (one record per annotator)",
        )
    missing = store.count_documents(db, dataset) - store.count_documents(db, dataset, versions)
    if not missing:
        return ()
    whose = {REVIEWED: "no reviewed version", EVERY: "no annotator's version"}.get(
        choice, f"no version by {choice}"
    )
    has, was = agreeing(missing, "has", "have"), agreeing(missing, "was", "were")
    return (f"{counted(missing, 'document')} {has} {whose} and {was} left out",)
