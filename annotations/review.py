"""Reviewing several annotators' versions of a document: what they agree on, and where they disagree.

Pure functions over plain values (no store, no Qt). The rules:

- **Who counts.** The annotators who *accepted* the document; if nobody accepted it, every annotator with a
  version. A rejected or ignored version is then shown (its answer) but its spans neither make nor break
  agreement.
- **Pre-accepted.** A span every counted annotator has (same start, end and label) is in the review's starting
  state.
- **Disagreements.** Every other span of a counted annotator lies in a disagreement: overlapping such spans
  (of anyone) are grouped into one character range, and each counted annotator's proposal there is the
  spans they have in it, or nothing. A disagreement never overlaps a pre-accepted span.
- **Pre-filled.** When a strict majority of the counted annotators made the same proposal at a disagreement,
  the review starts with it there (Prodigy's review pre-fills the most common version); it is still a
  disagreement to walk. Without a majority the range starts empty.
- **The starting answer.** The answer every annotator gave, when they all gave the same one and no
  disagreement is left; otherwise pending.
- Spans of the review are the reviewer's (``SpanSource.HUMAN``), whoever proposed them.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from annotations.model import Answer, DocumentState, Span, SpanSource, Version


@dataclass(frozen=True, slots=True)
class Proposal:
    """What one annotator has at a disagreement: their spans there (empty: nothing)."""

    owner: str
    spans: tuple[Span, ...]

    def keys(self) -> tuple[tuple[int, int, str], ...]:
        """The proposal's spans as (start, end, label), for comparing proposals."""
        return tuple(span.key() for span in self.spans)

    def describe(self, text: str) -> str:
        """``PERSON “Angela Merkel”``, several joined by ``+``, or ``nothing``."""
        if not self.spans:
            return "nothing"
        return " + ".join(f"{span.label} “{_snippet(text, span)}”" for span in self.spans)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A character range where the counted annotators' spans differ, with each one's proposal."""

    start: int
    end: int
    proposals: tuple[Proposal, ...]  # one per counted annotator, by name: key 1 takes the first
    majority: int | None = None  # the index of the proposal a strict majority made, if any

    @property
    def kind(self) -> str:
        """``missing`` (someone has nothing there), ``label`` (same ranges) or ``boundaries``."""
        if any(not proposal.spans for proposal in self.proposals):
            return "missing"
        ranges = {tuple((s.start, s.end) for s in proposal.spans) for proposal in self.proposals}
        return "label" if len(ranges) == 1 else "boundaries"

    def describe(self, text: str) -> str:
        """Who proposed what: ``alice: PERSON “Angela Merkel” · bob: nothing``."""
        return " · ".join(f"{p.owner}: {p.describe(text)}" for p in self.proposals)

    def chosen(self, state: DocumentState) -> int | None:
        """The index of the proposal ``state`` holds at this range (its spans there are exactly those)."""
        present = tuple(span.key() for span in spans_in(state.spans, self.start, self.end))
        return next((i for i, p in enumerate(self.proposals) if p.keys() == present), None)


@dataclass(frozen=True, slots=True)
class Review:
    """The reviewer's starting point for one document."""

    annotators: tuple[str, ...]  # everyone with a version, by name
    counted: tuple[str, ...]  # those whose spans count (see the module's rules)
    answers: dict[str, Answer | None]  # each annotator's answer
    agreed: tuple[Span, ...]  # the spans all counted annotators share
    disagreements: tuple[Disagreement, ...]  # in text order
    state: DocumentState  # the pre-merged state the review starts with

    def at(self, offset: int) -> int | None:
        """The index of the disagreement covering ``offset``, if any."""
        return next((i for i, d in enumerate(self.disagreements) if d.start <= offset < d.end), None)


def build_review(versions: Mapping[Version, DocumentState]) -> Review:
    """The review of a document from its annotators' versions (other kinds of version are left out)."""
    states = {v.owner: s for v, s in sorted(versions.items()) if v.kind == "annotator"}
    answers = {owner: state.answer for owner, state in states.items()}
    counted = tuple(o for o, a in answers.items() if a is Answer.ACCEPT) or tuple(states)
    agreed = _shared_spans([states[owner].spans for owner in counted])
    agreed_keys = {span.key() for span in agreed}
    others = {o: tuple(s for s in states[o].spans if s.key() not in agreed_keys) for o in counted}
    ranges = _ranges(others.values())
    placed = {owner: _by_range(spans, ranges) for owner, spans in others.items()}
    disagreements = tuple(
        _disagreement({owner: placed[owner][index] for owner in others}, start, end)
        for index, (start, end) in enumerate(ranges)
    )
    prefilled = [
        span for d in disagreements if d.majority is not None for span in d.proposals[d.majority].spans
    ]
    spans = tuple(sorted(_as_reviewers((*agreed, *prefilled))))
    answer = _common_answer(answers) if not disagreements else None
    return Review(tuple(states), counted, answers, agreed, disagreements, DocumentState(spans, answer))


def take(state: DocumentState, disagreement: Disagreement, index: int) -> DocumentState:
    """``state`` with proposal ``index`` at the disagreement: the spans it has there replaced by the
    proposal's (and any span reaching into the range, made freely by the reviewer, with them)."""
    proposal = disagreement.proposals[index]
    kept = [s for s in state.spans if not s.overlaps((disagreement.start, disagreement.end))]
    return replace(state, spans=tuple(sorted([*kept, *_as_reviewers(proposal.spans)])))


def spans_in(spans: Sequence[Span], start: int, end: int) -> tuple[Span, ...]:
    """The spans that share a character with ``start:end``."""
    return tuple(span for span in spans if span.overlaps((start, end)))


def _shared_spans(span_sets: Sequence[Sequence[Span]]) -> tuple[Span, ...]:
    """The spans (by start, end, label) every set has, in the first set's order."""
    if not span_sets:
        return ()
    common = set.intersection(*({span.key() for span in spans} for spans in span_sets))
    return tuple(span for span in span_sets[0] if span.key() in common)


def _ranges(span_sets: Sequence[Sequence[Span]] | object) -> list[tuple[int, int]]:
    """The ranges covered by overlapping spans of any of the sets, merged, in text order."""
    spans = sorted(span for spans in span_sets for span in spans)  # type: ignore[union-attr]
    ranges: list[tuple[int, int]] = []
    for span in spans:
        if ranges and span.start < ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], span.end))
        else:
            ranges.append((span.start, span.end))
    return ranges


def _by_range(spans: Sequence[Span], ranges: Sequence[tuple[int, int]]) -> list[tuple[Span, ...]]:
    """Each range's spans (in text order): every span lies inside exactly one of ``ranges``, which were
    merged from these spans and others (one bisection per span, not a scan of every span per range)."""
    starts = [start for start, _end in ranges]
    buckets: list[list[Span]] = [[] for _ in ranges]
    for span in sorted(spans):
        buckets[bisect.bisect_right(starts, span.start) - 1].append(span)
    return [tuple(bucket) for bucket in buckets]


def _disagreement(proposed: Mapping[str, tuple[Span, ...]], start: int, end: int) -> Disagreement:
    """The disagreement over ``start:end`` from each counted annotator's spans there; a strict majority."""
    proposals = tuple(Proposal(owner, spans) for owner, spans in proposed.items())
    (keys, votes), *_ = Counter(p.keys() for p in proposals).most_common(1)
    majority = (
        next(i for i, p in enumerate(proposals) if p.keys() == keys) if votes * 2 > len(proposals) else None
    )
    return Disagreement(start, end, proposals, majority)


def _common_answer(answers: Mapping[str, Answer | None]) -> Answer | None:
    """The answer everyone gave, if they all gave the same one."""
    given = set(answers.values())
    return given.pop() if len(given) == 1 else None


def _as_reviewers(spans: Sequence[Span]) -> list[Span]:
    """The spans as the reviewer's own (solid, a person's), whoever proposed them."""
    return [s if s.source is SpanSource.HUMAN else replace(s, source=SpanSource.HUMAN) for s in spans]


def _snippet(text: str, span: Span, limit: int = 30) -> str:
    snippet = " ".join(text[span.start : span.end].split())
    return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"
