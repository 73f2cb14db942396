"""Apply everywhere, the writing: plan a change on the stored documents, apply it as one batch (one
transaction, one history event per changed document), and undo a batch (a new batch that undoes it).

The window and ``spandesk label-all`` / ``unlabel-all`` / ``undo-batch`` call these same functions.
A document whose version moved since its plan was made is skipped and reported, never overwritten;
an undo reverses only the events whose version has not changed since (the others are reported).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotations import bulk, store
from annotations.bulk import Change, Located, OccurrencePlan, Plan, Target
from annotations.model import InvalidSpan, Version
from annotations.store import batches as batch_store
from annotations.store.edits import state_before
from annotations.store.errors import DECODE_ERRORS, HistoryMismatch
from annotations.store.predictions import UNDONE_REANNOTATION

if TYPE_CHECKING:
    from sqlite_utils import Database

APPLY_EVENT = "apply everywhere"
UNDO_EVENT = "undo apply everywhere"


class BatchError(ValueError):
    """A batch that cannot be undone (there is none with that id, or it was undone already)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A document left as it was, and why."""

    document_id: int
    reason: str


@dataclass(slots=True)
class BatchResult:
    """What applying (or undoing) did: the batch written (None when nothing was), the documents changed,
    how many occurrences that was, and the documents skipped."""

    batch_id: int | None = None
    changed: list[int] = field(default_factory=list)
    occurrences: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def plan_change(
    db: Database,
    change: Change,
    text: str,
    occurrences: Iterable[Located],
    *,
    annotator: str,
    include_answered: bool = False,
) -> Plan:
    """Plan ``change`` at every occurrence of ``text``, on the documents as ``annotator`` sees them now."""
    found = list(occurrences)
    seen = batch_store.seen_states(db, {o.document_id for o in found}, Version.of(annotator))
    targets = (
        Target(s.document_id, s.text, s.state, s.version, s.rev, s.token_starts, s.token_ends) for s in seen
    )
    return bulk.plan(change, text, targets, found, annotator=annotator, include_answered=include_answered)


def apply_plan(db: Database, planned: Plan, chosen: Collection[OccurrencePlan] | None = None) -> BatchResult:
    """Make the chosen changes (default: ``planned.default_choice()``) as one batch in one transaction.

    A document whose version moved since planning (or that its person has a version of now, when the
    plan saw the base) is skipped and reported, never overwritten.
    """
    grouped = bulk.chosen_by_document(planned.default_choice() if chosen is None else chosen)
    person = Version.of(planned.annotator)
    description = planned.change.describe(planned.text)
    result = BatchResult()
    with store.write_transaction(db):
        now = batch_store.seen_revs(db, grouped, person)
        for document in planned.documents:
            changes = grouped.get(document.target.document_id)
            if changes:
                _apply_one(db, document.target, changes, now, person, description, result)
    return result


def _apply_one(
    db: Database,
    target: Target,
    changes: list[OccurrencePlan],
    now: dict[int, tuple[Version, int]],
    person: Version,
    description: str,
    result: BatchResult,
) -> None:
    """Write one document's changes into the batch (creating the batch on its first write)."""
    seen = (target.version, target.rev)
    current = now.get(target.document_id)
    if current != seen:
        result.skipped.append(Skipped(target.document_id, _moved(seen, current, person)))
        return
    try:
        after = bulk.state_after(target, changes)
    except InvalidSpan as error:
        result.skipped.append(Skipped(target.document_id, f"the changes chosen cannot all be made: {error}"))
        return
    result.batch_id = result.batch_id or batch_store.new_batch(db, person.owner, description)
    store.apply_state(
        db,
        target.document_id,
        after,
        kind=APPLY_EVENT,
        annotator=person.owner,
        expected_rev=target.rev if target.version == person else None,
        before=target.state,
        version=person,
        batch_id=result.batch_id,
    )
    result.changed.append(target.document_id)
    result.occurrences += len(changes)


def _moved(seen: tuple[Version, int], current: tuple[Version, int] | None, person: Version) -> str:
    """Why a document changed since the plan: in words."""
    if current is None:
        return "the document is gone"
    if current[0] != seen[0]:
        return f"{person.owner} changed it since the preview (their version was made meanwhile)"
    return f"changed since the preview (revision {seen[1]}, now {current[1]})"


def undo_batch(db: Database, batch_id: int, annotator: str) -> BatchResult:
    """Reverse every event of a batch whose version has not changed since, in one transaction, as a new
    batch that ``undoes`` it; the documents changed since are skipped and reported."""
    with store.write_transaction(db):
        undone = _undoable(db, batch_id, annotator)
        events = batch_store.batch_events(db, batch_id)
        version_ids = [event["version_id"] for event in events]
        latest = batch_store.latest_events(db, version_ids)
        states = batch_store.version_states(db, version_ids)
        result = BatchResult()
        for event in events:
            _undo_one(db, event, latest, states, undone, annotator, result)
    return result


def _undoable(db: Database, batch_id: int, annotator: str) -> batch_store.Batch:
    """The batch, or BatchError when there is none, it is another person's (it changed their versions),
    or it was undone already."""
    found = batch_store.batch(db, batch_id)
    if found is None:
        raise BatchError(f"there is no batch {batch_id}")
    if found.annotator is not None and found.annotator != annotator:
        raise BatchError(
            f"batch {batch_id} ({found.description}) changed {found.annotator}'s versions, not {annotator}'s;"
            f" only {found.annotator} can undo it (--annotator {found.annotator})"
        )
    if found.undone_by is not None:
        raise BatchError(f"batch {batch_id} was undone already (by batch {found.undone_by})")
    return found


def _came_back(db: Database, event: dict, current: batch_store.VersionState) -> bool:
    """Whether a version's later events (after the batch's ``event``) led back to the state that event
    left: a later batch and its undo, an answer given and undone. HistoryMismatch when they cannot be
    replayed."""
    document_id = event["document_id"]
    later = [e for e in store.history(db, document_id, current.version) if e["id"] > event["id"]]
    state = current.state
    for later_event in reversed(later):
        state = state_before(state, later_event, document_id)
    return state.key() == current.state.key()


def _undo_one(
    db: Database,
    event: dict,
    latest: dict[int, int],
    states: dict[int, batch_store.VersionState],
    undone: batch_store.Batch,
    annotator: str,
    result: BatchResult,
) -> None:
    """Reverse one event of the batch, unless its version changed since (came back to the state the batch
    left, as when a later batch was undone, it has not)."""
    document_id = event["document_id"]
    current = states[event["version_id"]]
    try:
        if latest.get(event["version_id"]) != event["id"] and not _came_back(db, event, current):
            result.skipped.append(Skipped(document_id, "changed since the batch; left as it is"))
            return
        before = state_before(current.state, event, document_id)
    except (HistoryMismatch, *DECODE_ERRORS) as error:
        result.skipped.append(Skipped(document_id, f"its history cannot be reversed ({error})"))
        return
    result.batch_id = result.batch_id or batch_store.new_batch(
        db, annotator, f"undo batch {undone.id}: {undone.description}", undoes=undone.id
    )
    store.apply_state(
        db,
        document_id,
        before,
        kind=UNDONE_REANNOTATION if event["kind"] == store.REANNOTATE_EVENT else UNDO_EVENT,
        annotator=annotator,
        expected_rev=current.rev,
        before=current.state,
        version=current.version,
        batch_id=result.batch_id,
    )
    if current.rev == 1 and latest.get(event["version_id"]) == event["id"]:  # the batch made the version
        batch_store.forget_change_time(db, event["version_id"])
    result.changed.append(document_id)
