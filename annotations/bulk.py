"""Apply everywhere, the plan: a correction made to one span, repeated at every other occurrence of its text.

Pure: no SQL, no Qt. The occurrences come from ``annotations.search.find``; the documents' states (in one
person's version, or the base they see while they have none) from ``annotations.bulk_apply``, which also
writes the plan. What "the same change" is, at an occurrence ``text[start:end]`` of the searched text:

- ``Relabel(old, new)``: a span over exactly the occurrence labelled ``old`` becomes ``new``. Already as
  wanted: a span over exactly it labelled ``new``. Not there: no span touches it. Conflict: a span over
  exactly it with a third label, or spans overlapping it without covering exactly it.
- ``Delete(label)``: a span over exactly the occurrence (labelled ``label``; any label when None) goes.
  Already as wanted: no span touches it. Conflict: a span over exactly it with another label, or spans
  overlapping it without covering exactly it (they are left alone: "inside PERSON 'George Washington'").
- ``Add(label)``: the occurrence gets a span labelled ``label``. Already: a span over exactly it labelled
  ``label``. Conflict: a span over exactly it with another label (unless ``relabel``: then that span is
  relabelled ``label``, as ``spandesk label-all`` does), or any span overlapping it.
- ``Resize(label, old, new, new_label)``: the searched text is the smallest text holding both ranges (the
  old text when a span shrinks, the new one when it grows); ``old`` and ``new`` are the ranges relative
  to the start of an occurrence. A span over exactly ``old`` labelled ``label`` becomes the span over
  ``new`` labelled ``new_label``. Already: a span over exactly ``new`` labelled ``new_label``. Not there:
  no span over ``old`` with that label and no span touching it. Conflict: any other span over or
  overlapping the new range, or an occurrence of another length (a regular expression's match).

An occurrence whose ends fall inside a token is planned like any other (``splits_token`` says so): a
span there is kept as a character span, and the DocBin export splits the tokens as it does for any
sub-token span. A document already answered is planned too (``DocumentPlan.answered``) but left out of
the default choice unless ``include_answered``.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from typing import Protocol

from annotations.model import DocumentState, Span, Version, check_spans


class Located(Protocol):
    """An occurrence of the searched text (``annotations.search.Occurrence``)."""

    @property
    def document_id(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Relabel:
    """A span over exactly the text labelled ``old`` is relabelled ``new``."""

    old: str
    new: str

    def describe(self, text: str) -> str:
        """What the change does, in words."""
        return f"relabel {text!r} {self.old} -> {self.new}"


@dataclass(frozen=True, slots=True)
class Delete:
    """A span over exactly the text (labelled ``label``, or any label when None) is removed."""

    label: str | None = None

    def describe(self, text: str) -> str:
        """What the change does, in words."""
        return f"remove the {self.label + ' ' if self.label else ''}spans over {text!r}"


@dataclass(frozen=True, slots=True)
class Add:
    """The text gets a span labelled ``label`` where it has none (and where it has one with another label,
    with ``relabel``)."""

    label: str
    relabel: bool = False

    def describe(self, text: str) -> str:
        """What the change does, in words."""
        return f"label {text!r} as {self.label}"


@dataclass(frozen=True, slots=True)
class Resize:
    """A span over ``old`` (offsets into an occurrence) labelled ``label`` becomes the span over ``new``."""

    label: str
    old: tuple[int, int]
    new: tuple[int, int]
    new_label: str = ""  # empty: the same label

    @property
    def label_after(self) -> str:
        """The label the resized span has."""
        return self.new_label or self.label

    def describe(self, text: str) -> str:
        """What the change does, in words."""
        old, new = text[self.old[0] : self.old[1]], text[self.new[0] : self.new[1]]
        return f"resize {self.label} {old!r} -> {self.label_after} {new!r}"


Change = Relabel | Delete | Add | Resize


class Outcome(StrEnum):
    """What planning found at one occurrence."""

    CHANGE = "change"  # the change applies here
    ALREADY = "already"  # already as wanted: nothing to do
    ABSENT = "absent"  # what the change would change is not there (no such span): nothing to do
    CONFLICT = "conflict"  # other spans are in the way; left alone (``reason`` says why)


@dataclass(frozen=True, slots=True)
class Target:
    """A document as the person sees it: its text, tokens, and the state of ``version`` at ``rev``."""

    document_id: int
    text: str
    state: DocumentState
    version: Version  # the person's own version, or the base while they have none
    rev: int
    token_starts: Sequence[int] = ()
    token_ends: Sequence[int] = ()


@dataclass(frozen=True, slots=True)
class OccurrencePlan:
    """The change planned at one occurrence: the span it removes and the one it adds (either may be None)."""

    document_id: int
    start: int
    end: int
    outcome: Outcome
    reason: str = ""
    removes: Span | None = None
    adds: Span | None = None
    splits_token: bool = False


@dataclass(frozen=True, slots=True)
class DocumentPlan:
    """Every occurrence in one document, planned on ``target``."""

    target: Target
    occurrences: tuple[OccurrencePlan, ...]

    @property
    def answered(self) -> bool:
        """Whether the person (or the import) has already answered the document."""
        return self.target.state.answer is not None

    @property
    def changes(self) -> tuple[OccurrencePlan, ...]:
        """The occurrences the change applies to."""
        return tuple(o for o in self.occurrences if o.outcome is Outcome.CHANGE)


@dataclass(frozen=True, slots=True)
class Plan:
    """The change planned at every occurrence of ``text``, per document, in ``annotator``'s versions."""

    change: Change
    text: str
    annotator: str
    documents: tuple[DocumentPlan, ...]
    include_answered: bool = False
    counts: dict[Outcome, int] = field(default_factory=dict)

    def default_choice(self) -> list[OccurrencePlan]:
        """The occurrences applied unless the person chooses: every change, in unanswered documents only
        (answered ones too with ``include_answered``)."""
        return [
            occurrence
            for document in self.documents
            if self.include_answered or not document.answered
            for occurrence in document.changes
        ]

    @property
    def answered_documents(self) -> list[DocumentPlan]:
        """The documents with changes planned that are already answered."""
        return [document for document in self.documents if document.answered and document.changes]


def correction(text: str, before: Span | None, after: Span | None) -> tuple[str, Change]:
    """The text to search for and the change, from one correction of a document's ``text``: the span
    ``before`` it (None: added) and ``after`` it (None: deleted)."""
    if before is None and after is None:
        raise ValueError("a correction changes a span: give the span before it, after it, or both")
    if before is None:
        assert after is not None
        return text[after.start : after.end], Add(after.label)
    if after is None:
        return text[before.start : before.end], Delete(before.label)
    if (before.start, before.end) == (after.start, after.end):
        return text[before.start : before.end], Relabel(before.label, after.label)
    start, end = min(before.start, after.start), max(before.end, after.end)
    old, new = (before.start - start, before.end - start), (after.start - start, after.end - start)
    new_label = after.label if after.label != before.label else ""
    return text[start:end], Resize(before.label, old, new, new_label)


def plan(
    change: Change,
    text: str,
    targets: Iterable[Target],
    occurrences: Iterable[Located],
    *,
    annotator: str,
    include_answered: bool = False,
) -> Plan:
    """Plan ``change`` at every occurrence of ``text`` in ``targets`` (planned in document order, then start;
    occurrences in documents not among ``targets`` are left out)."""
    by_id = {target.document_id: target for target in targets}
    documents = []
    counts = dict.fromkeys(Outcome, 0)
    ordered = sorted(occurrences, key=lambda o: (o.document_id, o.start))
    for document_id, found in groupby(ordered, key=lambda o: o.document_id):
        target = by_id.get(document_id)
        if target is None:
            continue
        planned = tuple(plan_occurrence(change, text, target, o.start, o.end) for o in found)
        for occurrence in planned:
            counts[occurrence.outcome] += 1
        documents.append(DocumentPlan(target, planned))
    return Plan(change, text, annotator, tuple(documents), include_answered, counts)


def plan_occurrence(change: Change, text: str, target: Target, start: int, end: int) -> OccurrencePlan:
    """What ``change`` does at the occurrence ``target.text[start:end]``."""
    spans = target.state.spans
    splits = _splits_token(target, start, end)
    if isinstance(change, Resize):
        planned = _resize(change, text, target, start, end)
    else:
        touching = _overlapping(spans, start, end)
        exact = next((s for s in touching if (s.start, s.end) == (start, end)), None)
        others = [s for s in touching if s is not exact]
        planned = _PLANNERS[type(change)](change, exact, others, target.text, start, end)
    outcome, reason, removes, adds = planned
    return OccurrencePlan(target.document_id, start, end, outcome, reason, removes, adds, splits)


_Planned = tuple[Outcome, str, Span | None, Span | None]


def _relabel(change: Relabel, exact: Span | None, others: list[Span], text: str, *_: int) -> _Planned:
    if others:
        return _conflict(others, text)
    if exact is None:
        return Outcome.ABSENT, "no span here", None, None
    if exact.label == change.new:
        return Outcome.ALREADY, f"already {change.new}", None, None
    if exact.label != change.old:
        return Outcome.CONFLICT, f"labelled {exact.label}, not {change.old}", None, None
    return Outcome.CHANGE, "", exact, exact.with_label(change.new)


def _delete(
    change: Delete, exact: Span | None, others: list[Span], text: str, start: int, end: int
) -> _Planned:
    if others:
        inside = len(others) == 1 and others[0].start <= start and end <= others[0].end
        return _conflict(others, text, verb="inside" if inside else "overlaps")
    if exact is None:
        return Outcome.ALREADY, "no span here", None, None
    if change.label is not None and exact.label != change.label:
        return Outcome.CONFLICT, f"labelled {exact.label}, not {change.label}", None, None
    return Outcome.CHANGE, "", exact, None


def _add(change: Add, exact: Span | None, others: list[Span], text: str, start: int, end: int) -> _Planned:
    if others:
        return _conflict(others, text)
    if exact is None:
        return Outcome.CHANGE, "", None, Span(start, end, change.label)
    if exact.label == change.label:
        return Outcome.ALREADY, f"already {change.label}", None, None
    if change.relabel:
        return Outcome.CHANGE, "", exact, exact.with_label(change.label)
    return Outcome.CONFLICT, f"labelled {exact.label}", None, None


_PLANNERS = {Relabel: _relabel, Delete: _delete, Add: _add}


def _resize(change: Resize, searched: str, target: Target, start: int, end: int) -> _Planned:
    if end - start != len(searched):
        return Outcome.CONFLICT, "the match is not the corrected text", None, None
    old = (start + change.old[0], start + change.old[1])
    new = (start + change.new[0], start + change.new[1])
    touching = _overlapping(target.state.spans, start, end)
    wanted = next((s for s in touching if (s.start, s.end) == new and s.label == change.label_after), None)
    if wanted is not None:
        return Outcome.ALREADY, f"already {change.label_after} over the new range", None, None
    resized = next((s for s in touching if (s.start, s.end) == old and s.label == change.label), None)
    if resized is None:
        if touching:
            return _conflict(touching, target.text)
        return Outcome.ABSENT, f"no {change.label} span here", None, None
    in_the_way = [s for s in _overlapping(target.state.spans, *new) if s is not resized]
    if in_the_way:
        return _conflict(in_the_way, target.text)
    return Outcome.CHANGE, "", resized, Span(new[0], new[1], change.label_after)


def _conflict(spans: Sequence[Span], text: str, verb: str = "overlaps") -> _Planned:
    """A conflict naming the spans in the way: "overlaps ORG 'United States Army'"."""
    named = ", ".join(f"{s.label} {text[s.start : s.end]!r}" for s in spans)
    return Outcome.CONFLICT, f"{verb} {named}", None, None


def _overlapping(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    """The spans sharing a character with ``[start, end)`` (spans sorted and not overlapping each other)."""
    index = bisect.bisect_right(spans, start, key=lambda span: span.end)
    found = []
    while index < len(spans) and spans[index].start < end:
        found.append(spans[index])
        index += 1
    return found


def _splits_token(target: Target, start: int, end: int) -> bool:
    """Whether an end of ``[start, end)`` falls strictly inside a token."""
    return _inside_token(target, start) or _inside_token(target, end)


def _inside_token(target: Target, offset: int) -> bool:
    index = bisect.bisect_right(target.token_starts, offset) - 1
    return index >= 0 and target.token_starts[index] < offset < target.token_ends[index]


def state_after(target: Target, chosen: Iterable[OccurrencePlan]) -> DocumentState:
    """The document's state with the chosen occurrences' changes made (its answer unchanged); InvalidSpan
    when they cannot all be made (occurrences of another plan, overlapping)."""
    removed = {o.removes.key() for o in chosen if o.removes is not None}
    added = [o.adds for o in chosen if o.adds is not None]
    kept = [span for span in target.state.spans if span.key() not in removed]
    return DocumentState(check_spans(kept + added, len(target.text)), target.state.answer)


def chosen_by_document(chosen: Collection[OccurrencePlan]) -> dict[int, list[OccurrencePlan]]:
    """The chosen changes grouped by document (only changes: other outcomes have nothing to apply)."""
    grouped: dict[int, list[OccurrencePlan]] = {}
    for occurrence in chosen:
        if occurrence.outcome is Outcome.CHANGE:
            grouped.setdefault(occurrence.document_id, []).append(occurrence)
    return grouped


__all__ = [
    "Add",
    "Change",
    "Delete",
    "DocumentPlan",
    "OccurrencePlan",
    "Outcome",
    "Plan",
    "Relabel",
    "Resize",
    "Target",
    "chosen_by_document",
    "correction",
    "plan",
    "plan_occurrence",
    "state_after",
]
