"""The keys a file brought on its spans beyond their own (Prodigy's ``text``, ``source``, ``score``, ...).

They are stored in the document's ``extra`` under ``KEY`` as ``[[start, end, label, {key: value}], ...]``
(no schema change: ``extra`` is a JSON object per document) and written back on the span with the same
start, end and label: a span a person changed is a new span, and keeps none of them (a ``score`` or a
``text`` of the old span would be stale). Loaded documents hold them apart, in ``Document.span_extra``,
so no writer finds them among the document's own other keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

KEY = "_spandesk_span_keys"

SpanExtra = dict[tuple[int, int, str], dict[str, Any]]


def stored_form(pairs: Iterable[tuple[tuple[int, int, str], dict[str, Any]]]) -> list[list[Any]]:
    """The JSON form of spans' other keys (spans without any are left out)."""
    return [[start, end, label, keys] for (start, end, label), keys in pairs if keys]


def pop(extra: dict[str, Any]) -> SpanExtra:
    """Remove the spans' other keys from a document's decoded ``extra`` and return them by span.

    An entry of another shape (the column edited by hand) is left out rather than failing the export.
    """
    stored = extra.pop(KEY, None)
    if not stored or not isinstance(stored, list):
        return {}
    found: SpanExtra = {}
    for entry in stored:
        if isinstance(entry, list) and len(entry) == 4 and isinstance(entry[3], dict):
            start, end, label, keys = entry
            if isinstance(start, int) and isinstance(end, int) and isinstance(label, str):
                found[(start, end, label)] = keys
    return found
