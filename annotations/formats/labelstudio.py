"""Label Studio JSON: a list of tasks with the people's spans in ``annotations`` and the model's in
``predictions``, each span a ``labels`` result ``{"from_name": "label", "to_name": "text", "type":
"labels", "value": {"start", "end", "text", "labels": [LABEL]}}``; offsets count code points.

Export: one task per document, ``{"data": {"text", ...}, "annotations": [...], "predictions": [...],
"meta"?}``, written as a JSON array, one task a line.

- An answered document has one annotation: ``accept`` is a submitted one, ``ignore`` and ``reject``
  are skipped (``"was_cancelled": true``, Label Studio's only other state; a rejected one also says
  ``"spandesk_answer": "reject"``, which Label Studio ignores, so spandesk reads it back as rejected).
  Its ``completed_by`` is ``{"email": ANNOTATOR}`` when the annotator is an email address (Label Studio
  imports an annotation by a member's email, and refuses any other name); any other annotator name
  goes in ``created_username``, which Label Studio ignores on import (it credits the importing user).
  ``ground_truth`` is false and ``updated_at`` the time of the answer.
- The model's spans are a prediction whose ``model_version`` is the model's name and version; there is
  no ``score`` (spandesk keeps none). A document not answered yet that someone worked on (a person's
  version) has their spans as a draft (``drafts``, Label Studio's unfinished annotation), naming them as
  an annotation does; another one not answered yet whose spans differ from the model's has a last
  prediction, ``model_version`` ``"spandesk"``, holding its current spans.
- ``meta`` is the task's ``meta``; the document's other keys are the task's other keys.

Import reads such files (and Label Studio's own JSON export, and JSON Lines of tasks):

- The text is ``data.text``, else the one string of ``data``; other ``data`` keys are kept.
- The spans are the ``labels`` results of the task's latest annotation (by ``updated_at``, else its
  place in the list) that was not cancelled, and the document is accepted; when every annotation was
  cancelled (skipped), the latest one gives the spans and the document is ignored. A task without
  annotations takes its spans and annotator from its latest draft (their version, not answered yet),
  else its spans from its last prediction, and stays to be answered; a task with none of them is
  annotated by the model, like a plain text.
- A result of several labels, and spans in HTML or paragraphs (``hypertextlabels``,
  ``paragraphlabels``), are refused with a message: spandesk spans have one label over plain text.
  Other results of the chosen annotation (choices, text areas, relations between its spans...) are
  kept and written back into its annotation (a relation whose span was deleted is dropped then).
  The task's other annotations and drafts are not kept (a document holds one annotation); its
  predictions other than the one read are kept and written back unchanged.
- The annotator is ``completed_by`` (its ``email`` when an object, the number of a user id as text),
  else ``created_username``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from annotations.formats import Piece, WriteOptions
from annotations.formats.fields import (
    check_no_surrogates,
    check_no_surrogates_anywhere,
    checked_spans,
    fail,
    is_int,
    json_type,
    label_problem,
    meta_object,
    shown,
)
from annotations.formats.jsonl import finite_float, refuse_constant
from annotations.formats.textfile import decode_text
from annotations.model import Answer, Document, Span
from annotations.records import Record, RecordError

LAYOUT = "file"
FROM_NAME = "label"  # the Labels control of Label Studio's NER template
TO_NAME = "text"  # its Text object
PENDING_MODEL = "spandesk"  # the model_version of an unanswered document's current spans
KEPT = "_labelstudio"  # the extra key holding what a task brought that spandesk does not edit
REJECT_MARK = "spandesk_answer"
OWN_KEYS = frozenset(["data", "annotations", "predictions", "meta", "drafts", KEPT])
_SPAN_ID = re.compile(r"s\d+-\d+\Z")
_OVERLAP_HINT = " (spandesk annotates named entities, which cannot overlap)"
_ARRAY_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\[\s*\{")
_TASK_KEY = re.compile(rb'"(?:data|annotations|predictions)"\s*:\s*[\[{]')
_DATA_KEY = re.compile(rb'"data"\s*:\s*\{')
_TEXT_KEY = re.compile(rb'"text"\s*:')
_REGION = re.compile(
    rb'\{[^{}]*"start"\s*:[^{}]*"labels"\s*:\s*\[|\{[^{}]*"labels"\s*:\s*\[[^{}]*"start"\s*:'
)


# ---------------------------------------------------------------- sniff


def sniff(path: Path, head: bytes) -> bool:
    """Whether a file holds Label Studio tasks: a JSON array of objects with a ``data``, ``annotations``
    or ``predictions`` key near its start, or JSON Lines whose first line is such a task."""
    if _ARRAY_START.match(head):
        return _TASK_KEY.search(head) is not None or _is_min_export(head)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not body.startswith(b"{"):
        return False
    first_line, newline, _ = body.partition(b"\n")
    if not newline:  # the first line goes on past the head: a "data" object before any "text" key
        data = _DATA_KEY.search(body)
        text = _TEXT_KEY.search(body)
        return data is not None and (text is None or text.start() > data.start())
    try:
        task = json.loads(first_line)
    except (ValueError, RecursionError):
        return False
    return _is_task(task)


def _is_task(task: Any) -> bool:
    """Whether a JSON value is shaped like a Label Studio task (and not like a Prodigy or doccano one)."""
    return isinstance(task, dict) and isinstance(task.get("data"), dict) and "text" not in task


def _is_min_export(head: bytes) -> bool:
    """Whether an array's start looks like JSON-MIN: a ``text`` key and regions with ``labels``."""
    return _TEXT_KEY.search(head) is not None and _REGION.search(head) is not None


# ---------------------------------------------------------------- read


def read(path: Path) -> Iterator[Record]:
    """The documents of a Label Studio JSON export (or JSON Lines of tasks), in order."""
    text = decode_text(path.read_bytes(), str(path)).removeprefix("\ufeff")
    body = text.lstrip(" \t\r\n")
    if body.startswith("["):
        tasks = _parse(text, str(path))
        if not isinstance(tasks, list):  # pragma: no cover - a text starting with [ parses to a list
            raise RecordError(f"{path}: must be a JSON array of tasks")
        if not tasks:
            raise RecordError(f"{path}: holds no tasks (an empty JSON array)")
        for number, task in enumerate(tasks, 1):
            yield parse_task(task, _task_where(str(path), number, task))
        return
    found = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            found = True
            yield parse_task(_parse(line, f"{path}:{number}"), f"{path}:{number}")
    if not found:
        raise RecordError(f"{path}: is empty (it holds no Label Studio tasks)")


def _task_where(name: str, number: int, task: Any) -> str:
    """Where a task of an array is: the file, its place (from 1) and its Label Studio id."""
    task_id = task.get("id") if isinstance(task, dict) else None
    suffix = f" (id {task_id})" if is_int(task_id) or isinstance(task_id, str) else ""
    return f"{name}: task {number}{suffix}"


def _parse(text: str, where: str) -> Any:
    """A JSON value, or a RecordError naming the line and column of the syntax error."""
    try:
        return json.loads(text, parse_constant=refuse_constant, parse_float=finite_float)
    except json.JSONDecodeError as error:
        raise fail(where, f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    except ValueError as error:
        raise fail(where, f"invalid JSON: {error}") from None
    except RecursionError:
        raise fail(where, "the JSON is nested too deeply to read") from None


def parse_task(task: Any, where: str) -> Record:
    """The Record one Label Studio task describes (of the JSON export, or of the JSON-MIN one)."""
    if not isinstance(task, dict):
        raise fail(where, f'must be a task object with a "data" key, not {json_type(task)}')
    check_no_surrogates_anywhere(task, where)
    if "data" not in task and "text" in task:
        return _parse_min_task(task, where)
    data = task.get("data")
    if not isinstance(data, dict):
        hint = ' (a task looks like {"data": {"text": ...}, "annotations": [...]})'
        missing = (
            'has no "data" object' if data is None else f'"data" must be an object, not {json_type(data)}'
        )
        raise fail(where, missing + hint)
    text_key, text = _text(data, where)
    kept: dict[str, Any] = {}
    rest = {key: value for key, value in data.items() if key != text_key}
    if rest:
        kept["data"] = rest
    spans, answer, annotator, timestamp = _annotation_fields(task, text, where, kept)
    extra = {key: value for key, value in task.items() if key not in OWN_KEYS}
    if kept:
        extra[KEPT] = kept
    return Record(
        text=text,
        where=where,
        spans=spans,
        answer=answer,
        meta=meta_object(task.get("meta"), where),
        annotator=annotator,
        timestamp=timestamp,
        extra=extra,
    )


def _parse_min_task(task: dict[str, Any], where: str) -> Record:
    """The Record of a JSON-MIN task: the data's keys and the annotation's regions side by side
    (``{"text", "label": [{"start", "end", "text", "labels"}], "annotator", ...}``)."""
    if "spans" in task or "tokens" in task:
        raise fail(where, 'has "text" and "spans" or "tokens": a Prodigy task, not a Label Studio one')
    _, text = _text(task, where, "")
    regions = [key for key, value in task.items() if _is_region_list(value)]
    spans: list[Span] = []
    for key in regions:
        spans.extend(_region_span(value, text, f"{where}, {key} {n}") for n, value in enumerate(task[key], 1))
    answered = bool(regions) or "annotation_id" in task
    annotator = task.get("annotator")
    return Record(
        text=text,
        where=where,
        spans=checked_spans(spans, text, where, _OVERLAP_HINT) if answered else None,
        answer=Answer.ACCEPT if answered else None,
        annotator=str(annotator) if is_int(annotator) or isinstance(annotator, str) and annotator else None,
        timestamp=_time(task) if answered else None,
        extra={key: value for key, value in task.items() if key not in ("text", "annotator", *regions)},
    )


def _is_region_list(value: Any) -> bool:
    """Whether a JSON-MIN value is a list of text regions (``{"start", "end", "labels"}``)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "start" in item and "labels" in item for item in value)
    )


def _text(data: dict[str, Any], where: str, prefix: str = "data.") -> tuple[str, str]:
    """The key and value of the task's text: ``data.text``, else the only string in ``data``."""
    if "text" in data:
        key = "text"
    else:
        strings = [key for key, value in data.items() if isinstance(value, str)]
        if len(strings) != 1:
            found = f"its keys are {', '.join(map(repr, data))}" if data else "it is empty"
            raise fail(where, f'"data" has no "text" key and {found}: spandesk reads the text from data.text')
        key = strings[0]
    text = data[key]
    if not isinstance(text, str):
        raise fail(where, f'"{prefix}{key}" must be a string, not {json_type(text)}')
    if not text:
        raise fail(where, f'"{prefix}{key}" is empty')
    check_no_surrogates(text, where, f'"{prefix}{key}"')
    return key, text


def _annotation_fields(
    task: dict[str, Any], text: str, where: str, kept: dict[str, Any]
) -> tuple[tuple[Span, ...] | None, Answer | None, str | None, float | None]:
    """Spans, answer, annotator and time from the task's latest annotation, else its last prediction."""
    annotations = _objects(task.get("annotations"), "annotations", where)
    predictions = _objects(task.get("predictions"), "predictions", where)
    drafts = _objects(task.get("drafts"), "drafts", where)
    if annotations or drafts:
        number, annotation = _latest(annotations) if annotations else _latest(drafts)
        at = f"{where}: {'annotation' if annotations else 'draft'} {number}"
        spans, others = _results(annotation.get("result"), text, at)
        if others:
            kept["results"] = others
        if predictions:
            kept["predictions"] = predictions
        answer = _answer(annotation, at) if annotations else None
        return spans, answer, _annotator(annotation), _time(annotation)
    if predictions:
        spans, _ = _results(predictions[-1].get("result"), text, f"{where}: prediction {len(predictions)}")
        if len(predictions) > 1:
            kept["predictions"] = predictions[:-1]
        return spans, None, None, None
    return None, None, None, None


def _objects(value: Any, key: str, where: str) -> list[dict[str, Any]]:
    """The task's annotations or predictions: a list of objects (empty when absent)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(where, f'"{key}" must be a list, not {json_type(value)}')
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise fail(where, f'"{key}" entry {number} must be an object, not {json_type(item)}')
    return value


def _latest(annotations: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """The latest annotation not cancelled (else the latest), with its place in the list (from 1)."""

    def when(entry: tuple[int, dict[str, Any]]) -> tuple[bool, str, int]:
        number, annotation = entry
        stamp = annotation.get("updated_at") or annotation.get("created_at")
        return (not annotation.get("was_cancelled"), stamp if isinstance(stamp, str) else "", number)

    return max(enumerate(annotations, 1), key=when)


def _answer(annotation: dict[str, Any], where: str) -> Answer:
    """Accept for a submitted annotation; ignore for a skipped one (reject when spandesk wrote it so)."""
    cancelled = annotation.get("was_cancelled", False)
    if not isinstance(cancelled, bool):
        raise fail(where, f'"was_cancelled" must be true or false, not {shown(cancelled)}')
    if not cancelled:
        return Answer.ACCEPT
    return Answer.REJECT if annotation.get(REJECT_MARK) == Answer.REJECT.value else Answer.IGNORE


def _annotator(annotation: dict[str, Any]) -> str | None:
    """Who made the annotation: ``completed_by`` (an email, name or user id), else ``created_username``."""
    by = annotation.get("completed_by")
    if isinstance(by, dict):
        by = by.get("email") or by.get("id")
    if isinstance(by, str) and by.strip():
        return by.strip()
    username = annotation.get("created_username")
    if isinstance(username, str) and username.strip():
        name, _, user_id = username.strip().rpartition(", ")  # Label Studio writes "EMAIL, ID"
        return name.strip() if name.strip() and user_id.isdigit() else username.strip()
    return str(by) if is_int(by) else None


def _time(annotation: dict[str, Any]) -> float | None:
    """When the annotation was last changed (seconds since 1970), if it says so in ISO 8601."""
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _results(value: Any, text: str, where: str) -> tuple[tuple[Span, ...], list[Any]]:
    """The spans of a result list (its ``labels`` results) and its other results, kept as they are
    (their references to the spans renamed to the ids spandesk writes)."""
    if value is None:
        return (), []
    if not isinstance(value, list):
        raise fail(where, f'"result" must be a list, not {json_type(value)}')
    spans: list[Span] = []
    others: list[Any] = []
    renamed: dict[Any, str] = {}
    for number, result in enumerate(value, 1):
        kind = result.get("type") if isinstance(result, dict) else None
        if kind == "labels":
            span = _span(result, text, f"{where}, result {number}")
            spans.append(span)
            if isinstance(result.get("id"), str | int):
                renamed[result["id"]] = _span_id("s", span)
        elif isinstance(kind, str) and kind.endswith("labels"):
            raise fail(
                where,
                f'result {number} is of type "{kind}" (spans in HTML, paragraphs or media): spandesk reads '
                'spans of plain text, "labels" results',
            )
        else:
            others.append(result)
    checked = checked_spans(spans, text, where, _OVERLAP_HINT)
    return checked, [_renamed(result, renamed) for result in others]


def _renamed(result: Any, renamed: dict[Any, str]) -> Any:
    """A kept result whose ``id``, ``from_id`` and ``to_id`` name spans by the ids spandesk writes."""
    if not isinstance(result, dict):
        return result
    return {
        key: renamed.get(value, value) if key in ("id", "from_id", "to_id") and _hashable(value) else value
        for key, value in result.items()
    }


def _hashable(value: Any) -> bool:
    """Whether a value can be looked up in a dict (an id is a string or a number)."""
    return isinstance(value, str | int | float | bool) or value is None


def _span(result: dict[str, Any], text: str, where: str) -> Span:
    """The span of one ``labels`` result (offsets in code points, or in UTF-16 units when only those
    match the text the result states)."""
    return _region_span(result.get("value"), text, where)


def _region_span(value: Any, text: str, where: str) -> Span:
    """The span of a ``{"start", "end", "text"?, "labels"}`` region."""
    if not isinstance(value, dict):
        raise fail(where, f'"value" must be an object with "start", "end" and "labels", not {shown(value)}')
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    for name, offset in (("start", start), ("end", end)):
        if not is_int(offset):
            raise fail(where, f'"value.{name}" must be an integer, not {shown(offset, 20)}')
    if not isinstance(labels, list) or not labels:
        raise fail(where, f'"value.labels" must be a list of one label, not {shown(labels)}')
    if len(labels) > 1:
        raise fail(
            where,
            f"span {start}-{end} has {len(labels)} labels {shown(labels)}: a spandesk span has one label "
            "(split it into one result per label, or keep one)",
        )
    label = labels[0]
    problem = label_problem(label)
    if problem:
        raise fail(where, f"span {start}-{end}: the label {problem}")
    return Span(*_offsets(start, end, value.get("text"), text, where, label), label)


def _offsets(start: int, end: int, stated: Any, text: str, where: str, label: str) -> tuple[int, int]:
    """The span's code point offsets, checked against the text the result states it covers."""
    if not isinstance(stated, str) or 0 <= start <= end <= len(text) and text[start:end] == stated:
        return start, end
    points = _utf16_to_points(text, start, end)
    if points is not None and text[points[0] : points[1]] == stated:
        return points
    here = text[start:end] if 0 <= start <= end <= len(text) else ""
    raise fail(
        where,
        f"span {start}-{end} ({label}) says its text is {stated!r} but the text there is {here!r} "
        "(offsets must count Unicode characters)",
    )


def _utf16_to_points(text: str, start: int, end: int) -> tuple[int, int] | None:
    """UTF-16 offsets (what a browser counts) as code point offsets, or None when one falls inside a
    character or past the end."""
    found: dict[int, int] = {}
    units = 0
    for index, char in enumerate(text):
        if units in (start, end):
            found[units] = index
        if units > end:
            break
        units += 2 if ord(char) > 0xFFFF else 1
    if units in (start, end):
        found[units] = len(text)
    if start in found and end in found:
        return found[start], found[end]
    return None


# ---------------------------------------------------------------- write


def write(documents: Iterable[Document], options: WriteOptions) -> Iterator[Piece]:
    """The documents as a JSON array of tasks, one task a line."""
    separator = b"[\n"
    for document in documents:
        yield "", separator + _dumps(task_from_document(document))
        separator = b",\n"
    yield "", b"[]\n" if separator == b"[\n" else b"\n]\n"


def _dumps(value: Any) -> bytes:
    """Compact JSON (orjson; the standard library for integers beyond 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def task_from_document(document: Document) -> dict[str, Any]:
    """The Label Studio task for a document."""
    kept = document.extra.get(KEPT)
    kept = kept if isinstance(kept, dict) else {}
    data = {"text": document.text}
    if isinstance(kept.get("data"), dict):
        data.update((key, value) for key, value in kept["data"].items() if key != "text")
    task: dict[str, Any] = {
        "data": data,
        "annotations": _annotations(document, kept),
        "predictions": _predictions(document, kept),
    }
    if _is_draft(document):
        task["drafts"] = [_draft(document)]
    if document.meta:
        task["meta"] = document.meta
    for key, value in document.extra.items():
        if key not in OWN_KEYS:
            task.setdefault(key, value)
    return task


def _annotations(document: Document, kept: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's annotation (none while it is not answered)."""
    if document.answer is None:
        return []
    annotation: dict[str, Any] = {
        "result": _span_results(document.text, document.spans, "s") + _kept_results(document, kept),
        "was_cancelled": document.answer is not Answer.ACCEPT,
        "ground_truth": False,
    }
    if document.answer is Answer.REJECT:
        annotation[REJECT_MARK] = Answer.REJECT.value
    annotation.update(_author(document))
    return [annotation]


def _is_draft(document: Document) -> bool:
    """Whether the document is someone's work not answered yet (written as their draft)."""
    return document.answer is None and bool(document.annotator)


def _draft(document: Document) -> dict[str, Any]:
    """An unanswered document's spans as its annotator's draft (Label Studio's unfinished annotation)."""
    return {"result": _span_results(document.text, document.spans, "d"), **_author(document)}


def _author(document: Document) -> dict[str, Any]:
    """Who made an annotation or draft, and when: ``completed_by`` for an email address, else
    ``created_username``; ``updated_at``."""
    author: dict[str, Any] = {}
    if document.annotator:
        if "@" in document.annotator:
            author["completed_by"] = {"email": document.annotator}
        else:
            author["created_username"] = document.annotator
    stamp = _iso_time(document.updated)
    if stamp is not None:
        author["updated_at"] = stamp
    return author


def _iso_time(seconds: float | None) -> str | None:
    """A time as ISO 8601 (what Label Studio writes), or None when there is none or it has no date
    (a Prodigy ``_timestamp`` may lie beyond the year 9999)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _kept_results(document: Document, kept: dict[str, Any]) -> list[Any]:
    """The other results the annotation arrived with, but those about a span no longer there."""
    results = kept.get("results")
    if not isinstance(results, list):
        return []
    present = {_span_id("s", span) for span in document.spans}

    def about_present_spans(result: Any) -> bool:
        if not isinstance(result, dict):
            return True
        ids = (result.get(key) for key in ("id", "from_id", "to_id"))
        return all(not (isinstance(i, str) and _SPAN_ID.match(i)) or i in present for i in ids)

    return [result for result in results if about_present_spans(result)]


def _predictions(document: Document, kept: dict[str, Any]) -> list[dict[str, Any]]:
    """The predictions the task arrived with, the model's, and last an unanswered document's current
    spans (unless they are the model's, just written: reading takes an unanswered task's last one)."""
    predictions = [p for p in kept.get("predictions", []) if isinstance(p, dict)]
    if document.predicted_by is not None:
        predictions.append(_prediction(document.text, document.predicted, document.predicted_by, "m"))
    if document.answer is None and not _is_draft(document):
        models_spans = document.predicted_by is not None and _keys(document.spans) == _keys(
            document.predicted
        )
        if not models_spans and (document.spans or predictions):
            predictions.append(_prediction(document.text, document.spans, PENDING_MODEL, "d"))
    return predictions


def _keys(spans: Iterable[Span]) -> list[tuple[int, int, str]]:
    """Spans as (start, end, label), ignoring who made them."""
    return [span.key() for span in spans]


def _prediction(text: str, spans: Iterable[Span], model_version: str, prefix: str) -> dict[str, Any]:
    """One prediction of spans."""
    return {"model_version": model_version, "result": _span_results(text, spans, prefix)}


def _span_results(text: str, spans: Iterable[Span], prefix: str) -> list[dict[str, Any]]:
    """Spans as ``labels`` results (ids unique within the task: a prefix per annotation or prediction)."""
    return [
        {
            "id": _span_id(prefix, span),
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {
                "start": span.start,
                "end": span.end,
                "text": text[span.start : span.end],
                "labels": [span.label],
            },
        }
        for span in spans
    ]


def _span_id(prefix: str, span: Span) -> str:
    """A result id naming a span by its place (a relation refers to spans by these)."""
    return f"{prefix}{span.start}-{span.end}"
