"""Edits over a whole document at once (every span of a label, every span) and character steps.

Each bulk edit is one ``Edit``: stored in one transaction, undone by one Ctrl+Z.
"""

from __future__ import annotations

from dataclasses import replace

from annotations.counting import counted
from annotations.model import Document
from annotations.session import Edit
from annotations.text import grapheme_bounds


def without_label(document: Document, label: str) -> Edit | None:
    """Delete every span labelled ``label``; None when the document has none."""
    kept = tuple(span for span in document.spans if span.label != label)
    removed = len(document.spans) - len(kept)
    if not removed:
        return None
    after = replace(document.state, spans=kept)
    return Edit(document.id, "remove", f"delete every {label} ({removed})", document.state, after)


def without_spans(document: Document) -> Edit | None:
    """Delete every span of the document (its answer stays); None when it has none."""
    if not document.spans:
        return None
    after = replace(document.state, spans=())
    return Edit(
        document.id,
        "remove",
        f"clear the document ({counted(len(document.spans), 'span')})",
        document.state,
        after,
    )


def character_step(text: str, offset: int, step: int) -> int:
    """The offset one user-perceived character right (1) or left (-1) of ``offset`` (a Python str index)."""
    if step > 0:
        if offset >= len(text):
            return len(text)
        start, end = grapheme_bounds(text, offset + 1)
        return end if start < offset + 1 else offset + 1
    if offset <= 0:
        return 0
    return grapheme_bounds(text, offset - 1)[0]
