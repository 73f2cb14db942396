"""Prodigy task JSONL (``ner_manual``): one task object to a Record, one Document to a task object.

``OWN_KEYS`` are never kept in ``extra`` and never written from it (a database imported before
this rule may hold them there): their meaning comes from the document's own fields.

``_view_id`` belongs to the format: it is not kept in ``extra``, and export always writes
``"ner_manual"`` (every exported task carries its complete, manually corrected spans). Only span
annotation is read (``SPAN_VIEWS``, or no ``_view_id``): a task of another view (a ``choice`` task, an
entity-linking task with ``options``) raises OtherView, and the JSONL reader refuses the file naming them.

A span's keys beyond its own (``text``, ``source``, ``score``, ...) are kept (``annotations.span_extra``)
and written back on the span while a person leaves it as it is. ``_session_id`` is written as Prodigy
writes it (``dataset-annotator``) for a document with an annotator, unless the file brought one and
nobody has changed the document since.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import count, starmap
from typing import Any

from annotations import hashing, span_extra
from annotations.formats.fields import (
    checked_span_text,
    checked_spans,
    fail,
    is_int,
    json_type,
    label_problem,
    meta_object,
    require_text,
    shown,
)
from annotations.formats.layout import SpanKey, export_layout
from annotations.model import Answer, Document, Span, Token
from annotations.records import Record, RecordError
from annotations.token_offsets import TokenOffsets

VIEW_ID = "ner_manual"
OWN_KEYS = frozenset(
    ["text", "tokens", "spans", "answer", "meta", "_input_hash", "_task_hash", "_annotator_id", "_timestamp"]
    + ["_view_id", span_extra.KEY]
)
_ANSWER_VALUES = frozenset(answer.value for answer in Answer)
SPAN_VIEWS = frozenset(["ner", "ner_manual", "spans_manual"])
OWN_SPAN_KEYS = frozenset(["start", "end", "label", "token_start", "token_end"])
_ONLY_OWN_SPAN_KEYS = OWN_SPAN_KEYS.issuperset  # of a span object: it brings no other keys to keep
SESSION_KEY = "_session_id"


class OtherView(RecordError):
    """A task of a view that is not span annotation (``view``: its ``_view_id``)."""

    def __init__(self, where: str, view: str) -> None:
        super().__init__(f'{where}: is a Prodigy "{view}" task, not span annotation')
        self.view = view


def parse_task(obj: dict[str, Any], where: str) -> Record:
    """The Record a Prodigy task (or a plain ``{"text", "meta"}`` input) describes; OtherView for a
    task of a view that is not span annotation."""
    _check_view(obj, where)
    text = require_text(obj, where)
    fields = task_fields(obj, where)
    spans = _spans(obj.get("spans"), text, where)
    if spans is None and fields["answer"] is not None:
        spans = ()
    extra = {key: value for key, value in obj.items() if key not in OWN_KEYS}
    if spans and not all(map(_ONLY_OWN_SPAN_KEYS, obj["spans"])):
        kept = span_extra.stored_form(_span_keys(obj["spans"]))
        if kept:
            extra[span_extra.KEY] = kept
    return Record(
        text=text,
        where=where,
        spans=spans,
        tokens=_tokens(obj.get("tokens"), text, where),
        extra=extra,
        **fields,
    )


def _check_view(obj: dict[str, Any], where: str) -> None:
    """OtherView unless the task is span annotation: a span view, or no view but no choice ``options``."""
    view = obj.get("_view_id")
    if view is None:
        if isinstance(obj.get("options"), list):
            raise OtherView(where, "choice")
    elif not isinstance(view, str):
        raise fail(where, f'"_view_id" must be a string, not {shown(view)}')
    elif view not in SPAN_VIEWS:
        raise OtherView(where, view)


def _span_keys(items: list[dict[str, Any]]) -> Iterator[tuple[SpanKey, dict[str, Any]]]:
    """Each validated span object's key and its keys beyond the span's own."""
    for item in items:
        yield _span_key(item), {key: value for key, value in item.items() if key not in OWN_SPAN_KEYS}


def task_fields(obj: dict[str, Any], where: str) -> dict[str, Any]:
    """The Record fields of a task's own keys besides text, spans and tokens (answer, meta, hashes,
    annotator, time), each checked. The doccano reader takes them too: a key means one thing in
    every record, so what is imported is what either format exports."""
    return {
        "answer": _answer(obj.get("answer"), where),
        "meta": meta_object(obj.get("meta"), where),
        "input_hash": _hash(obj, "_input_hash", where),
        "task_hash": _hash(obj, "_task_hash", where),
        "annotator": _annotator(obj, where),
        "timestamp": _timestamp(obj.get("_timestamp"), where),
    }


def _answer(value: Any, where: str) -> Answer | None:
    """The task's answer, or None when it has none."""
    if value is None:
        return None
    if isinstance(value, str) and value in _ANSWER_VALUES:
        return Answer(value)
    raise fail(where, f'"answer" must be "accept", "reject" or "ignore", not {shown(value)}')


def _spans(value: Any, text: str, where: str) -> tuple[Span, ...] | None:
    """The task's spans, validated and sorted; None when the task has no ``"spans"`` key."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(where, f'"spans" must be a list, not {json_type(value)}')
    checked = _well_formed_spans(value, text)
    if checked is not None:
        return checked
    spans = [_span(item, number, where) for number, item in enumerate(value, 1)]
    spans = checked_spans(spans, text, where)
    for span, item in zip(spans, sorted(value, key=_span_key), strict=True):
        checked_span_text(span, item.get("text"), text, where)
    return spans


def _well_formed_spans(value: list[Any], text: str) -> tuple[Span, ...] | None:
    """The spans, sorted, when every one is well formed and none overlaps another (the common case, checked
    in one tight loop), else None (``_spans`` then finds the first problem and names it). Returns only what
    the precise path would return."""
    keys: list[tuple[int, int, str]] = []
    length = len(text)
    try:
        for item in value:
            start, end, label = item["start"], item["end"], item["label"]
            if type(start) is not int or type(end) is not int or type(label) is not str:
                return None
            if not 0 <= start < end <= length or _known_label_problem(label) is not None:
                return None
            stated = item.get("text")
            if isinstance(stated, str) and stated != text[start:end]:
                return None
            keys.append((start, end, label))
    except (TypeError, KeyError, AttributeError):  # not an object, or without "start", "end" or "label"
        return None
    keys.sort()
    previous_end = 0
    for start, end, _ in keys:
        if start < previous_end:  # sorted by start: overlapping the one before (or the same span twice)
            return None
        previous_end = end
    return tuple(starmap(Span, keys))


def _span(item: Any, number: int, where: str) -> Span:
    """One span object: integer ``start`` and ``end`` and a non-empty string ``label``."""
    if not isinstance(item, dict):
        raise fail(where, f"span {number} must be an object, not {json_type(item)}")
    for key in ("start", "end"):
        if not is_int(item.get(key)):
            value = shown(item[key]) if key in item else "nothing"
            raise fail(where, f'span {number} needs an integer "{key}", not {value}')
    label = item.get("label")
    if not isinstance(label, str) or not label:
        raise fail(where, f'span {number} ({item["start"]}-{item["end"]}) needs a non-empty string "label"')
    problem = _known_label_problem(label)
    if problem:
        raise fail(where, f"span {number} ({item['start']}-{item['end']}): the label {problem}")
    return Span(item["start"], item["end"], label)


@lru_cache(maxsize=4096)
def _known_label_problem(label: str) -> str | None:
    """``label_problem`` of a string label, remembered: a file repeats a few labels many times."""
    return label_problem(label)


def _span_key(item: dict[str, Any]) -> tuple[int, int, str]:
    """The sort key of a validated span object (matches Span's order)."""
    return (item["start"], item["end"], item["label"])


def _tokens(value: Any, text: str, where: str) -> Sequence[Token] | None:
    """The task's tokens, checked to lie inside the text in order; None when it has none."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(where, f'"tokens" must be a list, not {json_type(value)}')
    checked = _well_formed_tokens(value, text)
    if checked is not None:
        return checked
    tokens: list[Token] = []  # something is wrong: find the first problem and name it
    for number, item in enumerate(value):
        token = _token(item, text, f"{where}: token {number}")
        if tokens and token.start < tokens[-1].end:
            raise fail(
                where, f"token {number} ({token.start}-{token.end}) overlaps or precedes the one before"
            )
        tokens.append(token)
    return tuple(tokens)


def _well_formed_tokens(value: list[Any], text: str) -> TokenOffsets | None:
    """The tokens when every one is well formed (the common case, checked in one tight loop), else None
    (``_tokens`` then finds the first problem and names it). Kept as their flat offsets, the form the
    store writes (each one an ``int``, as ``TokenOffsets`` needs)."""
    offsets: list[int] = []
    add = offsets.append
    previous_end, length = 0, len(text)
    try:
        for item in value:
            start, end = item["start"], item["end"]
            if type(start) is not int or type(end) is not int or not previous_end <= start < end <= length:
                return None
            stated = item.get("text")
            if isinstance(stated, str) and stated != text[start:end]:
                return None
            add(start)
            add(end)
            previous_end = end
    except (TypeError, KeyError, AttributeError):  # not an object, or without "start" or "end"
        return None
    return TokenOffsets(offsets)


def _token(item: Any, text: str, where: str) -> Token:
    """One token object with integer ``start`` < ``end`` inside the text."""
    if not isinstance(item, dict) or not is_int(item.get("start")) or not is_int(item.get("end")):
        raise RecordError(f'{where} must be an object with integer "start" and "end"')
    token = Token(item["start"], item["end"])
    if not 0 <= token.start < token.end <= len(text):
        offsets = f"({token.start}-{token.end})" if token.start >= 0 else f"[{token.start}, {token.end}]"
        if token.start >= token.end >= 0:
            raise RecordError(f"{where} {offsets} is empty or ends before it starts")
        raise RecordError(f"{where} {offsets} lies outside the text (length {len(text)})")
    stated = item.get("text")
    if isinstance(stated, str) and stated != text[token.start : token.end]:
        raise RecordError(
            f"{where} says its text is {stated!r} but the text at {token.start}-{token.end} is "
            f"{text[token.start : token.end]!r} (offsets must count Unicode characters)"
        )
    return token


def _hash(obj: dict[str, Any], key: str, where: str) -> int | None:
    """An integer hash the task carries, or None."""
    value = obj.get(key)
    if value is None or (is_int(value) and -(2**63) <= value < 2**63):
        return value
    raise fail(where, f'"{key}" must be an integer (64-bit at most), not {str(value)[:40]}')


def _annotator(obj: dict[str, Any], where: str) -> str | None:
    """Who made the task: its ``_annotator_id``, else its ``_session_id`` (Prodigy before v1.11 wrote only
    the session, ``DATASET-NAME`` for a named one; since, ``_annotator_id`` too); None when it names
    nobody."""
    key = "_annotator_id" if obj.get("_annotator_id") is not None else SESSION_KEY
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise fail(where, f'"{key}" must be a string, not {shown(value)}')


def _timestamp(value: Any, where: str) -> float | None:
    """The time of the answer (seconds since 1970), or None."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e15:
        return float(value)
    raise fail(where, f'"_timestamp" must be a number of seconds since 1970, not {str(value)[:40]}')


def task_from_document(document: Document) -> dict[str, Any]:
    """The Prodigy ``ner_manual`` task for a document, with tokens split at every span edge."""
    return task(
        document.text,
        [token.start for token in document.tokens],
        [token.end for token in document.tokens],
        [span.key() for span in document.spans],
        input_hash=document.input_hash,
        task_hash=document.task_hash,
        answer=document.answer.value if document.answer is not None else None,
        updated=document.updated,
        annotator=document.annotator,
        meta=document.meta,
        extra=document.extra,
        span_keys=document.span_extra,
        dataset=document.dataset,
        rev=document.rev,
    )


def task(
    text: str,
    starts: list[int],
    ends: list[int],
    spans: Sequence[SpanKey],
    *,
    input_hash: int,
    task_hash: int | None,
    answer: str | None,
    updated: float | None,
    annotator: str | None,
    meta: dict[str, Any],
    extra: dict[str, Any],
    span_keys: span_extra.SpanExtra,
    dataset: str,
    rev: int,
) -> dict[str, Any]:
    """The Prodigy ``ner_manual`` task for a document given as plain values: its text, its stored
    tokens' starts and ends, its spans' ``(start, end, label)`` in stored order, and the rest
    (``span_keys``: the spans' other keys a file brought; ``rev``: how many edits it has had).

    Builds no object per token but the token's own dict (exports call this once per document).
    """
    (starts, ends, ws), ranges = export_layout(text, starts, ends, spans)
    record: dict[str, Any] = {
        "text": text,
        "_input_hash": input_hash,
        "_task_hash": task_hash if task_hash is not None else hashing.task_hash_of_keys(input_hash, spans),
        "tokens": [
            {"text": text[start:end], "start": start, "end": end, "id": index, "ws": space}
            for index, start, end, space in zip(count(), starts, ends, ws)
        ],
        "_view_id": VIEW_ID,
        "spans": [
            {"start": start, "end": end, "token_start": first, "token_end": last, "label": label}
            for (start, end, label), (first, last) in zip(spans, ranges)
        ],
    }
    if span_keys:
        _add_span_keys(record["spans"], span_keys)
    record.update(answer_keys(answer, updated, annotator))
    if annotator:  # a session the file brought is its annotator's: kept until someone edits the document
        brought = extra.get(SESSION_KEY)
        record[SESSION_KEY] = brought if brought is not None and not rev else f"{dataset}-{annotator}"
    if meta:
        record["meta"] = meta
    add_extra(record, extra)
    return record


def _add_span_keys(written: list[dict[str, Any]], span_keys: span_extra.SpanExtra) -> None:
    """The keys a file brought on each span still as it was (never one of the span's own)."""
    for span in written:
        keys = span_keys.get((span["start"], span["end"], span["label"]))
        if keys:
            for key, value in keys.items():
                span.setdefault(key, value)


def answer_keys(answer: str | None, updated: float | None, annotator: str | None) -> dict[str, Any]:
    """A task's ``answer``, ``_timestamp`` and ``_annotator_id`` keys, those that have a value."""
    keys: dict[str, Any] = {}
    if answer is not None:
        keys["answer"] = answer
    if updated is not None:
        keys["_timestamp"] = int(updated)
    if annotator:
        keys["_annotator_id"] = annotator
    return keys


def add_extra(record: dict[str, Any], extra: dict[str, Any]) -> None:
    """The document's other keys, after the record's own (never one of ``OWN_KEYS``)."""
    for key, value in extra.items():
        if key not in OWN_KEYS:
            record.setdefault(key, value)
