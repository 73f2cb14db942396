"""doccano sequence-labelling JSONL: one record object to a Record, one Document to a record object.

Reads ``"label"`` or ``"labels"`` (``[[start, end, label], ...]``) and the relation-extraction
``"entities"`` list; every other key its extra, except Prodigy's task keys (``answer``, ``meta``,
``_annotator_id``, ``_timestamp``, the hashes), which mean here what they mean in a Prodigy task:
checked the same way, stored in the document's fields, never in extra (a doccano file with an
``answer`` is answered, as its Prodigy export then says). Export writes ``{"text", "label":
[[start, end, label], ...]}``, the answer keys a Prodigy task would have, ``"meta"`` when not
empty, then the extra keys.
"""

from __future__ import annotations

from typing import Any

from annotations.formats import prodigy
from annotations.formats.fields import (
    checked_spans,
    fail,
    is_int,
    json_type,
    label_problem,
    require_text,
    shown,
)
from annotations.model import Document, Span
from annotations.records import Record, RecordError

LABEL_KEYS = ("label", "labels", "entities")
_OVERLAP_HINT = " (spandesk annotates named entities, which cannot overlap)"


def is_doccano(obj: dict[str, Any]) -> bool:
    """Whether a JSON object is doccano-shaped (Prodigy's top-level ``"label"`` is a string, not a list)."""
    if "spans" in obj or "tokens" in obj:
        return False
    return isinstance(obj.get("label"), list) or "labels" in obj or "entities" in obj


def parse_record(obj: dict[str, Any], where: str) -> Record:
    """The Record a doccano sequence-labelling record describes."""
    text = require_text(obj, where)
    key = _label_key(obj)
    fields = prodigy.task_fields(obj, where)
    spans = None if key is None else _spans(obj[key], key, text, where)
    if spans is None and fields["answer"] is not None:
        spans = ()
    return Record(
        text=text,
        where=where,
        spans=spans,
        extra={name: value for name, value in obj.items() if name != key and name not in prodigy.OWN_KEYS},
        **fields,
    )


def _label_key(obj: dict[str, Any]) -> str | None:
    """The key holding the record's spans: the first label key holding a list, else the first present."""
    present = [key for key in LABEL_KEYS if key in obj]
    return next((key for key in present if isinstance(obj[key], list)), present[0] if present else None)


def _spans(value: Any, key: str, text: str, where: str) -> tuple[Span, ...]:
    """The spans under one label key, validated and sorted."""
    spans = _entity_spans(value, where) if key == "entities" else _label_spans(value, key, where)
    return checked_spans(spans, text, where, _OVERLAP_HINT)


def _label_spans(value: Any, key: str, where: str) -> list[Span]:
    """Spans from ``[[start, end, label], ...]``."""
    if not isinstance(value, list):
        raise fail(where, f'"{key}" must be a list of [start, end, label], not {json_type(value)}')
    if value and all(isinstance(item, str) for item in value):
        raise fail(
            where,
            f'"{key}" holds label names {value[:3]!r}: this is a doccano text-classification file, '
            "not a sequence-labelling one (spans look like [start, end, label])",
        )
    return [_label_span(item, key, number, where) for number, item in enumerate(value, 1)]


def _label_span(item: Any, key: str, number: int, where: str) -> Span:
    """One ``[start, end, label]`` entry."""
    if not (isinstance(item, list | tuple) and len(item) == 3):
        raise fail(where, f'"{key}" entry {number} must be [start, end, label], not {shown(item)}')
    start, end, label = item
    for name, offset in (("start", start), ("end", end)):
        if not is_int(offset):
            message = f"the {name} must be an integer, not {shown(offset, 20)}"
            raise fail(where, f'"{key}" entry {number} {shown(item)}: {message}')
    _check_label(label, f'"{key}" entry {number} ({start}-{end})', where)
    return Span(start, end, label)


def _check_label(label: str, what: str, where: str) -> None:
    """Refuse a label that is blank or holds a control character."""
    problem = label_problem(label)
    if problem:
        raise fail(where, f"{what}: the label {problem}")


def _entity_spans(value: Any, where: str) -> list[Span]:
    """Spans from the relation-extraction ``"entities"`` list."""
    if not isinstance(value, list):
        raise fail(where, f'"entities" must be a list, not {json_type(value)}')
    return [_entity_span(item, number, where) for number, item in enumerate(value, 1)]


def _entity_span(item: Any, number: int, where: str) -> Span:
    """One ``{"start_offset", "end_offset", "label"}`` entity."""
    if not isinstance(item, dict):
        raise fail(where, f'"entities" entry {number} must be an object, not {json_type(item)}')
    start, end, label = item.get("start_offset"), item.get("end_offset"), item.get("label")
    if not (is_int(start) and is_int(end) and isinstance(label, str) and label):
        raise RecordError(
            f'{where}: "entities" entry {number} needs integer "start_offset" and "end_offset" '
            f'and a non-empty string "label"'
        )
    _check_label(label, f'"entities" entry {number} ({start}-{end})', where)
    return Span(start, end, label)


def record_from_document(document: Document) -> dict[str, Any]:
    """The doccano record for a document: text, ``label`` spans, meta when any, then the extra keys."""
    record: dict[str, Any] = {
        "text": document.text,
        "label": [[span.start, span.end, span.label] for span in document.spans],
    }
    answer = document.answer.value if document.answer is not None else None
    record.update(prodigy.answer_keys(answer, document.updated, document.annotator))
    if document.meta:
        record["meta"] = document.meta
    prodigy.add_extra(record, document.extra)
    return record
