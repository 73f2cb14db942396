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

from dataclasses import replace

from sqlite_utils import Database

from annotations import store
from annotations.model import REVIEW, Document, Version

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
    if choice not in names:
        where = f"dataset {dataset!r}" if dataset is not None else "the database"
        raise VersionChoiceError(
            f"nobody called {choice!r} has a version of a document in {where} ({_named(names)}); choose "
            f"{', '.join(CHOICES)} or one of them"
        )
    return store.Versions.exactly(Version.of(choice))


def _named(names: list[str]) -> str:
    return f"annotators: {', '.join(names)}" if names else "it holds no annotator's version"


def owned(document: Document) -> Document:
    """An annotator's version is theirs whoever changed it last: its annotator is its owner."""
    if document.version.kind == "annotator" and document.annotator != document.version.owner:
        return replace(document, annotator=document.version.owner)
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
        return (
            f"{differing} document(s) have versions by several annotators that differ, and no reviewed "
            "version: each was exported as the version changed last. Review them, or choose whose to "
            "export: --version NAME (one annotator's) or --version every (one record per annotator)",
        )
    missing = store.count_documents(db, dataset) - store.count_documents(db, dataset, versions)
    if not missing:
        return ()
    whose = {REVIEWED: "no reviewed version", EVERY: "no annotator's version"}.get(
        choice, f"no version by {choice}"
    )
    return (f"{missing} document(s) have {whose} and were left out",)
