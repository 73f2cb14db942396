"""Edits as the undo history keeps them: what changed, never the whole document.

An ``Edit`` holds its document's state before and after (every span, twice); a day of edits kept that
way holds every document edited, and a 100,000-word document costs megabytes per edit. A ``Change``
keeps only the spans the edit removed and added, the answers, and a fingerprint of the state before
and after, so its size depends on the edit, not on the document. ``edit_on(state)`` rebuilds the
``Edit`` on the document's current state when that state is the one the change was made on (same
fingerprint), exactly as the edit was; otherwise there is nothing to rebuild: another window changed
the document, a conflict (``Session.edit_for``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from annotations.model import Answer, DocumentState, Span, span_changes

_MASK = (1 << 64) - 1


def span_fingerprint(span: Span) -> int:
    """One span's share of a state's fingerprint (its key: range and label, as conflicts compare)."""
    return hash(span.key()) & _MASK


def fingerprint(state: DocumentState) -> tuple[int, int, Answer | None]:
    """What must match for a change to apply to ``state``: how many spans, the sum of their keys'
    hashes (the spans of a state never overlap, so the set of keys is the sorted tuple), the answer."""
    return len(state.spans), _spans_total(state.spans), state.answer


# The sums of the last few span tuples seen, by identity: a window's next edit starts from the state the
# last one made (the same tuple), so a relabel on a 20,000-span document sums the keys of the spans it
# changed, not of all of them. The tuples are held here, so an identity is never reused while listed;
# tuples and spans are immutable, so a listed sum never goes stale.
_KNOWN_TOTALS: list[tuple[tuple[Span, ...], int]] = []
_KNOWN_LIMIT = 8


def _spans_total(spans: tuple[Span, ...]) -> int:
    for known, total in _KNOWN_TOTALS:
        if known is spans:
            return total
    total = sum(map(span_fingerprint, spans)) & _MASK
    _remember(spans, total)
    return total


def _remember(spans: tuple[Span, ...], total: int) -> None:
    _KNOWN_TOTALS.insert(0, (spans, total))
    del _KNOWN_TOTALS[_KNOWN_LIMIT:]


@dataclass(frozen=True, slots=True)
class Change:
    """One edit of one document as the spans and answer it changed (see the module's docstring)."""

    document_id: int
    kind: str
    description: str
    removed: tuple[Span, ...]
    added: tuple[Span, ...]
    before: tuple[int, int, Answer | None]  # the fingerprint of the state it applies to
    after: tuple[int, int, Answer | None]  # the fingerprint of the state it makes

    @classmethod
    def of(cls, edit) -> Change:  # noqa: ANN001 - an annotations.session.Edit (which imports this module)
        """The change an edit makes (its states are not kept)."""
        removed, added = span_changes(edit.before.spans, edit.after.spans, edit.unchanged)
        before = fingerprint(edit.before)
        count, total, _answer = before
        total = (total - sum(map(span_fingerprint, removed)) + sum(map(span_fingerprint, added))) & _MASK
        if isinstance(edit.after.spans, tuple):
            _remember(edit.after.spans, total)
        after = (count - len(removed) + len(added), total, edit.after.answer)
        return cls(edit.document_id, edit.kind, edit.description, removed, added, before, after)

    def reversed(self) -> Change:
        """The change that undoes this one (as ``Edit.reversed``)."""
        return Change(
            self.document_id,
            f"undo {self.kind}",
            f"Undo {self.description}",
            self.added,
            self.removed,
            self.after,
            self.before,
        )

    def after_state(self, state: DocumentState) -> DocumentState | None:
        """The state this change makes of ``state``; None when ``state`` is not the one it was made on."""
        if fingerprint(state) != self.before:
            return None
        gone = {span.key() for span in self.removed}
        kept = [span for span in state.spans if span.key() not in gone] if gone else list(state.spans)
        for span in self.added:
            kept.insert(bisect.bisect_left(kept, span.start, key=_start), span)
        return DocumentState(tuple(kept), self.after[2])


def _start(span: Span) -> int:
    return span.start
