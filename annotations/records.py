"""Records: what a format reader yields and an importer stores, before any database is involved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotations.model import Answer, Span, Token


class RecordError(ValueError):
    """A record that cannot be imported; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Record:
    """One document as a file describes it.

    ``spans`` is None when the record says nothing about spans (it will be pre-annotated);
    an empty tuple means the record says there are none. ``extra`` holds the record's other
    top-level keys, written back by the same format on export so round trips are exact (and, under
    ``annotations.span_extra.KEY``, its spans' other keys).
    """

    text: str
    where: str
    spans: tuple[Span, ...] | None = None
    tokens: Sequence[Token] | None = None  # a tuple, or ``TokenOffsets`` (read like one)
    answer: Answer | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    input_hash: int | None = None
    task_hash: int | None = None
    annotator: str | None = None
    timestamp: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def arrives_annotated(self) -> bool:
        """Whether the record brings its own annotation (spans, or an answer) and skips the model."""
        return self.spans is not None or self.answer is not None
