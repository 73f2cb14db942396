"""An annotation session: the document on screen and the edits a person makes to it.

The GUI turns gestures into ``Edit`` values built here and applies them through ``Session.apply``;
every applied edit is one transaction with one history event, so nothing depends on a save.
Undo applies the reverse edit, which is the same mechanism.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from annotations import store
from annotations.edit_changes import Change
from annotations.model import (
    Answer,
    Document,
    DocumentState,
    InvalidSpan,
    Span,
    SpanSource,
    Token,
    Version,
    check_span,
    unchanged_ends,
)
from annotations.text import tokens_for_spans, visible_edges

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to one document: its state before and after, and a short description."""

    document_id: int
    kind: str
    description: str
    before: DocumentState
    after: DocumentState
    # How many spans at the start and at the end the edit leaves alone (``unchanged_ends``),
    # worked out once here for the store, the view and the span list.
    unchanged: tuple[int, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "unchanged", unchanged_ends(self.before.spans, self.after.spans))

    def reversed(self) -> Edit:
        """The edit that undoes this one."""
        return Edit(
            self.document_id, f"undo {self.kind}", f"Undo {self.description}", self.after, self.before
        )


# ---------------------------------------------------------------- pure edit builders


def overlapping(spans: tuple[Span, ...], start: int, end: int) -> range:
    """Indices of the sorted, non-overlapping ``spans`` that share a character with ``start:end``."""
    first = bisect.bisect_right(spans, start, key=_span_end)
    last = bisect.bisect_left(spans, end, lo=first, key=_span_start)
    return range(first, max(first, last))


def index_of_range(spans: tuple[Span, ...], start: int, end: int) -> int | None:
    """The index of the span over exactly ``start:end`` in sorted, non-overlapping ``spans``, if any."""
    index = bisect.bisect_left(spans, start, key=_span_start)
    if index < len(spans) and spans[index].start == start and spans[index].end == end:
        return index
    return None


def _span_start(span: Span) -> int:
    return span.start


def _span_end(span: Span) -> int:
    return span.end


def with_span(state: DocumentState, span: Span) -> tuple[DocumentState, tuple[Span, ...]]:
    """The state with ``span`` added, and the spans it replaced because they overlap it."""
    spans = state.spans
    hit = overlapping(spans, span.start, span.end)
    replaced = spans[hit.start : hit.stop]
    return replace(state, spans=(*spans[: hit.start], span, *spans[hit.stop :])), replaced


def without_span(state: DocumentState, span: Span) -> DocumentState:
    """The state with ``span`` removed."""
    spans = state.spans
    hit = overlapping(spans, span.start, span.end)
    kept = tuple(s for s in spans[hit.start : hit.stop] if s.key() != span.key())
    return replace(state, spans=(*spans[: hit.start], *kept, *spans[hit.stop :]))


def token_edges(document: Document, spans: tuple[Span, ...] | None = None) -> tuple[Token, ...]:
    """The document's tokens split at every span edge (so spans inside a token are whole tokens)."""
    return tokens_for_spans(document.tokens, document.spans if spans is None else spans)


def moved_edge(tokens: tuple[Token, ...], span: Span, edge: str, step: int) -> tuple[int, int] | None:
    """The span's range with its ``start`` or ``end`` edge moved by ``step`` tokens; None if impossible."""
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    if edge == "end":
        index = _index_of(ends, span.end) + step
        if not 0 <= index < len(tokens) or ends[index] <= span.start:
            return None
        return span.start, ends[index]
    index = _index_of(starts, span.start) + step
    if not 0 <= index < len(tokens) or starts[index] >= span.end:
        return None
    return starts[index], span.end


def _index_of(offsets: list[int], offset: int) -> int:
    """The index of the nearest token edge at or before ``offset``."""
    return max(0, bisect.bisect_right(offsets, offset) - 1)


# ---------------------------------------------------------------- the session


class Session:
    """The current document of one annotator and the edits applied to it.

    The annotator sees and edits their own version of each document: while they have none, the base (as
    imported); their first edit makes their version, from what they saw, in the edit's transaction.
    """

    def __init__(
        self, db: Database, annotator: str, dataset: str | None = None, version: Version | None = None
    ) -> None:
        self.db = db
        self.annotator = annotator
        # the version edited: the annotator's own, or (a reviewer) the document's reviewed version
        self.version = version or Version.of(annotator)
        self.dataset = dataset
        self.document: Document | None = None

    # -- navigation

    def open(self, document_id: int) -> Document:
        """Load a document (fresh from the store) and make it current."""
        if self.version.kind == "annotator":
            self.document = store.load_document(self.db, document_id, viewer=self.version.owner)
        else:
            self.document = store.load_document(self.db, document_id, self.version)
        store.prepare_to_edit(self.document)
        return self.document

    def writes_on_open(self, document_id: int) -> bool:
        """Whether opening the document writes to the database (a person's session never does)."""
        return False

    def reload(self) -> Document | None:
        """Reload the current document from the store (after a conflict, or a change elsewhere)."""
        return self.open(self.document.id) if self.document else None

    def _current(self) -> Document:
        """The current document; a clear error if none is open."""
        if self.document is None:
            raise RuntimeError("no document is open")
        return self.document

    # -- building edits (nothing is written until ``apply``)

    def add_span(self, start: int, end: int, label: str) -> Edit:
        """Label ``text[start:end]`` (without white space or invisible characters at its edges); spans it
        overlaps are replaced."""
        document = self._current()
        start, end = visible_edges(document.text, start, end)
        span = Span(start, end, label, SpanSource.HUMAN)
        check_span(span, len(document.text))
        after, replaced = with_span(document.state, span)
        note = f" (replacing {len(replaced)})" if replaced else ""
        return self._edit("add", f"add {label} {_quote(document.text, start, end)}{note}", after)

    def remove_span(self, span: Span) -> Edit:
        """Delete a span."""
        document = self._current()
        after = without_span(document.state, span)
        return self._edit(
            "remove", f"delete {span.label} {_quote(document.text, span.start, span.end)}", after
        )

    def relabel(self, span: Span, label: str) -> Edit:
        """Give a span another label."""
        document = self._current()
        after, _ = with_span(without_span(document.state, span), span.with_label(label))
        quoted = _quote(document.text, span.start, span.end)
        return self._edit("relabel", f"relabel {quoted} {span.label} → {label}", after)

    def resize(self, span: Span, start: int, end: int) -> Edit:
        """Move a span's edges (not onto white space or invisible characters); spans the new range overlaps
        are replaced."""
        document = self._current()
        start, end = visible_edges(document.text, start, end)
        moved = span.with_range(start, end)
        check_span(moved, len(document.text))
        after, _ = with_span(without_span(document.state, span), moved)
        return self._edit("resize", f"resize {span.label} to {_quote(document.text, start, end)}", after)

    def nudge(self, span: Span, edge: str, step: int) -> Edit | None:
        """Move one edge of a span by ``step`` tokens (past tokens of white space, such as spaCy's blank
        lines); None when it cannot move that way."""
        document = self._current()
        tokens = token_edges(document)
        for steps in range(step, step + len(tokens) * (1 if step > 0 else -1), 1 if step > 0 else -1):
            moved = moved_edge(tokens, span, edge, steps)
            if moved is None:
                return None
            if visible_edges(document.text, *moved) != (span.start, span.end):
                return self.resize(span, *moved)
        return None

    def set_answer(self, answer: Answer | None) -> Edit:
        """Accept, reject or ignore the document (None: back to pending)."""
        document = self._current()
        after = replace(document.state, answer=answer)
        return self._edit("answer", f"answer {answer.value if answer else 'pending'}", after)

    def _edit(self, kind: str, description: str, after: DocumentState) -> Edit:
        document = self._current()
        return Edit(document.id, kind, description, document.state, after)

    # -- applying

    def apply(self, edit: Edit) -> Document:
        """Store an edit (one transaction, one event) and make its document current.

        Raises store.EditConflict, reloading the document, when it was changed elsewhere.
        """
        document = self._document_for(edit)
        if document.state is not edit.before and document.state.key() != edit.before.key():
            self.open(document.id)
            raise store.EditConflict(
                document.id, document.rev, store.current_rev(self.db, document.id, self.version)
            )
        own = document.version == self.version
        try:
            rev = store.write_state(
                self.db,
                edit.document_id,
                edit.after,
                kind=edit.kind,
                annotator=self.annotator,
                expected_rev=document.rev if own else None,
                before=edit.before,
                unchanged=edit.unchanged,
                version=self.version,
            )
        except store.EditConflict:
            self.open(document.id)
            raise
        version_id = document.version_id if own else store.version_id(self.db, document.id, self.version)
        self.document = replace(
            document,
            state=edit.after,
            rev=rev,
            annotator=self.annotator,
            version=self.version,
            version_id=version_id,
        )
        return self.document

    def edit_for(self, change: Change) -> Edit:
        """The edit ``change`` makes, rebuilt on its document's current state (the undo history keeps
        changes, not documents). Raises store.EditConflict, reloading the document, when that state is
        not the one the change was made on: the same refusal as ``apply`` of a stale edit."""
        document = self._document_for(change)
        after = change.after_state(document.state)
        if after is None:
            self.open(document.id)
            raise store.EditConflict(
                document.id, document.rev, store.current_rev(self.db, document.id, self.version)
            )
        return Edit(change.document_id, change.kind, change.description, document.state, after)

    def _document_for(self, edit: Edit | Change) -> Document:
        """The edit's document: the current one, or loaded fresh (undo across documents)."""
        if self.document is not None and self.document.id == edit.document_id:
            return self.document
        return self.open(edit.document_id)


def _quote(text: str, start: int, end: int, limit: int = 40) -> str:
    """The spanned text in quotes, shortened for menus and messages."""
    snippet = " ".join(text[start:end].split())
    return f"“{snippet if len(snippet) <= limit else snippet[: limit - 1] + '…'}”"


__all__ = [
    "Change",
    "Edit",
    "InvalidSpan",
    "Session",
    "moved_edge",
    "token_edges",
    "with_span",
    "without_span",
]
