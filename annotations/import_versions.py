"""Imported records that name their annotator: each becomes that person's version of its text.

A record naming an annotator (Prodigy's ``_annotator_id``, else its ``_session_id``, or ``spandesk import
--annotator NAME`` for a whole file) whose text is already there (stored, or earlier in the same import)
adds that person's version when they have none yet. When they have one that differs (in spans or
answer), the person importing chooses (``EXISTING_CHOICES``): keep the stored version, or replace it with
the file's, written as one history event of kind ``import`` (so it replays, and nothing is lost). Without
a choice the import stores nothing and lists the records (``VersionConflicts``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from annotations import identity, store
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name
from annotations.counting import counted
from annotations.model import Answer, DocumentState, Version
from annotations.records import Record, RecordError

if TYPE_CHECKING:
    from sqlite_utils import Database

KEEP = "keep"
REPLACE = "replace"
EXISTING_CHOICES = (KEEP, REPLACE)
IMPORT_EVENT = "import"  # the history event kind of a version an import replaced


class SameDigest(ValueError):
    """Two different texts with the same digest (never seen; the import refuses rather than mix them)."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """A record bringing another version by the same annotator of a text already there."""

    where: str  # the record (file:line)
    owner: str  # whose version
    stored: str  # where the version already there came from: "document 12", or the earlier record

    def describe(self) -> str:
        """``a.jsonl:3 (bob's version differs from document 12)``."""
        return f"{self.where} ({self.owner}'s version differs from {self.stored})"


@dataclass(frozen=True, slots=True)
class VersionWrite:
    """A version the import writes: a new one, or (``replace``) over the one there."""

    digest: bytes
    version: Version
    state: DocumentState
    record: Record
    replace: bool


@dataclass(slots=True)
class VersionPlan:
    """What the records naming annotators do: the writes, the conflicts, how many were there already."""

    writes: list[VersionWrite] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class _Known:
    where: str
    version: identity.Version | None


def with_annotator(record: Record, annotator: str | None) -> Record:
    """The record as the person's (``--annotator``), when it brings an annotation; else with the name it
    carries checked (RecordError naming the record when it cannot be a person's: see ``named``)."""
    if annotator is None or not record.arrives_annotated or record.annotator == annotator:
        return named(record)
    return replace(record, annotator=annotator)


def named(record: Record) -> Record:
    """The record with its annotator's name as a person's name is kept (trimmed, one Unicode spelling:
    ``checked_annotator_name``), so that one person is one version whatever the file's spelling;
    RecordError naming the record for a name that cannot be a person's (a line break, an escape, a
    word export takes for a choice of versions)."""
    if record.annotator is None:
        return record
    try:
        name = checked_annotator_name(record.annotator)
    except BadAnnotatorName as error:
        where = f"{record.where}: its annotator {record.annotator!r}"
        raise RecordError(f"{where} cannot be used: {error}") from None
    return record if name == record.annotator else replace(record, annotator=name)


def is_versioned(record: Record) -> bool:
    """Whether a record repeating a known text is sorted here (it names its annotator and annotates)."""
    return bool(record.annotator) and record.arrives_annotated


def plan_versions(
    db: Database,
    dataset: str,
    fresh: dict[bytes, Record],
    repeats: list[tuple[bytes, Record]],
    answer: Answer | None,
    existing: str | None,
) -> VersionPlan:
    """Sort the records (``repeats``: texts already stored or first in ``fresh``, each naming its
    annotator) into new versions, versions already there, and conflicts (replaced when ``existing`` is
    ``replace``, left as stored when ``keep``)."""
    texts = {digest: record.text for digest, record in fresh.items()}
    known = _known_versions(db, dataset, fresh, repeats, answer, texts)
    plan = VersionPlan()
    for digest, record in repeats:
        if texts.get(digest, record.text) != record.text:
            raise SameDigest(
                f"{record.where}: its text differs from a stored text with the same SHA-256 digest; "
                "spandesk cannot tell them apart. Please report this."
            )
        owner = record.annotator or ""
        said = identity.version_of(record, answer)
        prior = known.get((digest, owner))
        if prior is not None and prior.version == said:
            plan.duplicates += 1
            continue
        if prior is not None:
            plan.conflicts.append(Conflict(record.where, owner, prior.where))
            if existing != REPLACE:
                continue
        state = DocumentState(record.spans or (), record.answer or answer)
        plan.writes.append(VersionWrite(digest, Version.of(owner), state, record, prior is not None))
        known[(digest, owner)] = _Known(record.where, said)
    return plan


def _known_versions(
    db: Database,
    dataset: str,
    fresh: dict[bytes, Record],
    repeats: list[tuple[bytes, Record]],
    answer: Answer | None,
    texts: dict[bytes, str],
) -> dict[tuple[bytes, str], _Known]:
    """The annotators' versions there are of the texts repeated: stored ones, and those the first
    record of a text new in this import brings."""
    known: dict[tuple[bytes, str], _Known] = {}
    for digest, record in fresh.items():
        if record.annotator and record.arrives_annotated:
            known[(digest, record.annotator)] = _Known(record.where, identity.version_of(record, answer))
    stored = store.text_versions(db, dataset, (d for d, _ in repeats if d not in fresh))
    for digest, found in stored.items():
        texts[digest] = found.text
        for version, row in found.versions.items():
            if version.kind == "annotator":
                keys = tuple(sorted(span.key() for span in row.state.spans))
                said = (keys, row.state.answer.value if row.state.answer else None)
                known[(digest, version.owner)] = _Known(f"document {found.document_id}", said)
    return known


@dataclass(slots=True)
class Applied:
    """What ``apply_versions`` wrote: new versions per annotator, and how many replaced stored ones."""

    added: Counter[str] = field(default_factory=Counter)
    replaced: int = 0


class LateConflict(Exception):
    """Another window stored a version the import meant to add, differently, while it ran."""


def apply_versions(db: Database, dataset: str, writes: list[VersionWrite]) -> Applied:
    """Write the planned versions (call inside the import's transaction, after its new documents)."""
    applied = Applied()
    documents: dict[bytes, int] = {}
    for write in writes:
        if write.digest not in documents:
            found = store.document_of_text(db, dataset, write.digest)
            if found is None:
                raise LateConflict(f"{write.record.where}: its text is no longer in dataset {dataset!r}")
            documents[write.digest] = found
        document_id = documents[write.digest]
        there = store.version_id(db, document_id, write.version)
        if there is None:
            owner = write.version.owner
            store.insert_version(db, document_id, write.version, write.state, owner, write.record.timestamp)
            applied.added[owner] += 1
            continue
        stored = store.load_document(db, document_id, write.version)
        if not write.replace:
            if _keys(stored.state) != _keys(write.state):
                raise LateConflict(
                    f"{write.record.where}: {write.version.owner}'s version of this text was stored by "
                    "another window while the import ran, differently; import again to choose"
                )
            continue
        if _keys(stored.state) != _keys(write.state):
            store.apply_state(
                db,
                document_id,
                write.state,
                kind=IMPORT_EVENT,
                annotator=write.version.owner,
                expected_rev=stored.rev,
                before=stored.state,
                version=write.version,
            )
            applied.replaced += 1
    return applied


def _keys(state: DocumentState) -> identity.Version:
    """What a state says, comparable with ``identity.version_of``."""
    return tuple(sorted(span.key() for span in state.spans)), state.answer.value if state.answer else None


def describe_conflicts(conflicts: list[Conflict], *, limit: int = 20) -> str:
    """The message of an import refused for its conflicting versions, starting with the first record's
    ``file:line`` (as every refused import does), then the others, and the two ways on."""
    first, rest = conflicts[0], conflicts[1:]
    message = f"{first.where}: {first.owner}'s version of this text differs from {first.stored}"
    if rest:
        listed = "; ".join(c.describe() for c in rest[: limit - 1])
        more = f"; and {len(rest) - (limit - 1)} more" if len(rest) > limit - 1 else ""
        message += f"; so do {counted(len(rest), 'other record')}: {listed}{more}"
    return (
        f"{message}. Choose, and import again: --existing keep (leave the versions "
        "already there) or --existing replace (write the file's over them, kept in their history)"
    )


def describe_added(added: Counter[str]) -> str:
    """``1 new version (bob)`` / ``3 new versions (alice 2, bob 1)`` ('' when none)."""
    total = sum(added.values())
    if not total:
        return ""
    if len(added) == 1:
        who = next(iter(added))
    else:
        who = ", ".join(f"{name} {n}" for name, n in sorted(added.items()))
    return f"{total} new version{'s' if total != 1 else ''} ({who})"
