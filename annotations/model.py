"""The data model: spans, tokens, documents and answers, as small frozen values.

Offsets are Python ``str`` indices (code points) into the document's text, end exclusive.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import compress, count, islice
from typing import Any, NamedTuple


class Answer(StrEnum):
    """The annotator's decision about a whole document (Prodigy's three answers)."""

    ACCEPT = "accept"
    REJECT = "reject"
    IGNORE = "ignore"


class SpanSource(StrEnum):
    """Who proposed a span: the model (unchanged since) or a person."""

    MODEL = "model"
    HUMAN = "human"


class InvalidSpan(ValueError):
    """A span that cannot exist in its document (outside the text, empty, overlapping)."""


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A labelled character range ``text[start:end]``."""

    start: int
    end: int
    label: str
    source: SpanSource = field(default=SpanSource.HUMAN, compare=False)

    def overlaps(self, other: Span | tuple[int, int]) -> bool:
        """Whether the two ranges share at least one character."""
        start, end = (other.start, other.end) if isinstance(other, Span) else other
        return self.start < end and start < self.end

    def with_label(self, label: str) -> Span:
        """The same range with another label, now the human's."""
        return replace(self, label=label, source=SpanSource.HUMAN)

    def with_range(self, start: int, end: int) -> Span:
        """The same label over another range, now the human's."""
        return replace(self, start=start, end=end, source=SpanSource.HUMAN)

    def key(self) -> tuple[int, int, str]:
        """The span's identity for comparisons that ignore who made it."""
        return (self.start, self.end, self.label)


class Token(NamedTuple):
    """A token's character range; its text is ``document.text[start:end]``.

    A named tuple rather than a dataclass: documents hold many thousands, built on every load.
    """

    start: int
    end: int


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """Whose version of a document a state is: the ``base`` (as imported, before anyone's edits), one
    annotator's (``owner``: their name), or the ``review`` (at most one per document)."""

    kind: str = "base"
    owner: str = ""

    @staticmethod
    def of(annotator: str) -> Version:
        """The version of the person called ``annotator``."""
        if not annotator:
            raise ValueError("an annotator's version needs the annotator's name")
        return Version("annotator", annotator)

    @property
    def label(self) -> str:
        """How the version is named to a person: the annotator's name, "as imported" or "reviewed"."""
        return {"base": "as imported", "review": "reviewed"}.get(self.kind, self.owner)


BASE = Version("base")
REVIEW = Version("review")


@dataclass(frozen=True, slots=True)
class DocumentState:
    """What a person can change about a document: its spans and its answer."""

    spans: tuple[Span, ...] = ()
    answer: Answer | None = None

    def key(self) -> tuple[tuple[tuple[int, int, str], ...], Answer | None]:
        """What two states hold alike when their content is the same: the spans' offsets and labels (not
        who made them) and the answer."""
        return tuple(span.key() for span in self.spans), self.answer


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document with its tokens, the model's proposal and the human's current state."""

    id: int
    dataset: str
    text: str
    tokens: tuple[Token, ...]
    state: DocumentState
    predicted: tuple[Span, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    input_hash: int = 0
    task_hash: int | None = None
    rev: int = 0
    annotator: str | None = None
    updated: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    predicted_by: str | None = None  # the model of ``predicted`` ("name version"), when it was asked for
    # the keys a file brought on spans beyond their own, by (start, end, label): ``annotations.span_extra``
    span_extra: dict[tuple[int, int, str], dict[str, Any]] = field(default_factory=dict, compare=False)
    version: Version = BASE  # whose version ``state`` is
    version_id: int | None = None  # that version's row (None: the version does not exist yet)

    @property
    def spans(self) -> tuple[Span, ...]:
        """The human's current spans, sorted by start."""
        return self.state.spans

    @property
    def answer(self) -> Answer | None:
        """The human's answer, or None while the document is pending."""
        return self.state.answer


def check_span(span: Span, text_length: int) -> None:
    """Raise InvalidSpan unless the span is a non-empty range inside the text."""
    if not span.label:
        raise InvalidSpan(f"span {span.start}-{span.end} has no label")
    if span.start < 0 or span.end > text_length:
        raise InvalidSpan(
            f"span {span.start}-{span.end} ({span.label}) lies outside the text (length {text_length})"
        )
    if span.end <= span.start:
        raise InvalidSpan(f"span {span.start}-{span.end} ({span.label}) ends before it starts")


def check_spans(spans: Sequence[Span], text_length: int) -> tuple[Span, ...]:
    """Validate entity spans (inside the text, non-empty, not overlapping); return them sorted."""
    ordered = tuple(sorted(spans))
    for span in ordered:
        check_span(span, text_length)
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.end:  # sorted, non-empty: ``before.overlaps(after)``, without its call
            raise InvalidSpan(
                f"spans {before.start}-{before.end} ({before.label}) and "
                f"{after.start}-{after.end} ({after.label}) overlap"
            )
    return ordered


def unchanged_ends(before: Sequence[Span], after: Sequence[Span]) -> tuple[int, int]:
    """How many spans at the start and at the end two versions share (the very same objects).

    Spans an edit did not touch are the same objects before and after it, so this finds the
    changed middle without comparing every span; both scans stop at the first difference.
    """
    shorter = min(len(before), len(after))
    prefix = next(compress(count(), map(operator.is_not, before, after)), shorter)
    rest = shorter - prefix
    from_end = islice(map(operator.is_not, reversed(before), reversed(after)), rest)
    suffix = next(compress(count(), from_end), rest)
    return prefix, suffix


def span_changes(
    before: Sequence[Span], after: Sequence[Span], ends: tuple[int, int] | None = None
) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The spans only ``before`` has and those only ``after`` has (both sorted).

    ``ends``: ``unchanged_ends(before, after)`` when the caller has it already.
    """
    prefix, suffix = ends if ends is not None else unchanged_ends(before, after)
    removed = tuple(before[prefix : len(before) - suffix])
    added = tuple(after[prefix : len(after) - suffix])
    removed_ids = set(map(_span_identity, removed))
    added_ids = set(map(_span_identity, added))
    return (
        tuple(span for span in removed if _span_identity(span) not in added_ids),
        tuple(span for span in added if _span_identity(span) not in removed_ids),
    )


# a span's range, label and maker: what ``span_changes`` compares (20,000 calls of ``key()`` cost ~10 ms more)
_span_identity = operator.attrgetter("start", "end", "label", "source")
