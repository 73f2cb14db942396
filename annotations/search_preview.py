"""What a corpus search shows of each occurrence: the text around it and the spans already there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from annotations.model import Span
from annotations.search import Occurrence, context
from annotations.store import Versions, decode_spans
from annotations.store import search as indexed

if TYPE_CHECKING:
    from sqlite_utils import Database

_CHUNK = 2000  # occurrences previewed per read of their documents


@dataclass(frozen=True, slots=True)
class Preview:
    """One occurrence in context: the text before it, the match, the text after it, the document's dataset,
    the spans (document offsets) of the version shown that overlap the match or the text around it, and
    the whole text of each of those spans."""

    occurrence: Occurrence
    dataset: str
    left: str
    match: str
    right: str
    spans: tuple[Span, ...]
    span_texts: tuple[str, ...]

    @property
    def covering(self) -> tuple[Span, ...]:
        """The spans that overlap the match itself."""
        occurrence = self.occurrence
        return tuple(span for span in self.spans if span.overlaps((occurrence.start, occurrence.end)))


def previews(
    db: Database,
    occurrences: Iterable[Occurrence],
    *,
    width: int = 40,
    viewer: str | None = None,
) -> Iterator[Preview]:
    """The preview of each occurrence, in the order given: the spans are those of ``viewer``'s version
    (the base while they have none), or each document's current version when ``viewer`` is None.
    Documents are read a few thousand occurrences at a time; an occurrence whose document is gone is
    left out."""
    versions = Versions.seen_by(viewer)
    pending = iter(occurrences)
    while chunk := list(islice(pending, _CHUNK)):
        documents = indexed.found_documents(db, sorted({o.document_id for o in chunk}), versions)
        spans_of: dict[int, tuple[Span, ...]] = {}
        for occurrence in chunk:
            document = documents.get(occurrence.document_id)
            if document is None:
                continue
            spans = spans_of.get(occurrence.document_id)
            if spans is None:
                spans = spans_of[occurrence.document_id] = decode_spans(document.spans)
            yield _preview(occurrence, document, spans, width)


def _preview(
    occurrence: Occurrence, document: indexed.FoundDocument, spans: tuple[Span, ...], width: int
) -> Preview:
    """One occurrence's preview from its document."""
    left, match, right = context(document.text, occurrence.start, occurrence.end, width)
    shown = (occurrence.start - len(left), occurrence.end + len(right))
    first, last = shown
    near = tuple(span for span in spans if span.start < last and first < span.end)
    texts = tuple(document.text[span.start : span.end] for span in near)
    return Preview(occurrence, document.dataset, left, match, right, near, texts)
