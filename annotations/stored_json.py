"""What the JSON columns of the store must hold: one validator per kind of column.

Each returns None when the value is well-formed, else what is wrong with it, worded to follow the
column's name ("annotations.spans is not valid JSON (truncated?)"). ``check`` runs them on every
row; the decoders run them only on a row they failed to decode, to say which column is damaged.
"""

from __future__ import annotations

import operator
from typing import Any

import orjson

from annotations.counting import counted
from annotations.model import Answer, SpanSource

NOT_JSON = "is not valid JSON (truncated?)"
_SOURCES = frozenset(source.value for source in SpanSource)
_ANSWERS = frozenset(answer.value for answer in Answer)


def spans_problem(raw: Any, text_length: int, *, ordered: bool = True) -> str | None:
    """What is wrong with a spans column, ``[[start, end, label, source], ...]``; ``ordered``: sorted
    and not overlapping, as a person's spans are."""
    value, problem = _loaded(raw)
    return problem or span_list_problem(value, text_length, ordered=ordered)


def span_list_problem(value: Any, text_length: int, *, ordered: bool = True) -> str | None:
    """What is wrong with decoded spans."""
    if not isinstance(value, list):
        return "is not a list of spans"
    if _all_well_formed(value, text_length, ordered):
        return None
    previous_end = 0
    for index, span in enumerate(value):
        problem = _span_problem(span, text_length)
        if problem is not None:
            return f"span {index} {problem}"
        if ordered and span[0] < previous_end:
            return f"span {index} ({span[0]}-{span[1]}) overlaps or comes before the span before it"
        previous_end = span[1]
    return None


def _all_well_formed(spans: list[Any], text_length: int, ordered: bool) -> bool:
    """Whether every span is well-formed, tested column by column in C (``check`` reads millions);
    when not, the caller looks span by span for the first that is not."""
    if not spans:
        return True
    if not set(map(type, spans)) <= {list} or not set(map(len, spans)) <= {4}:
        return False
    starts, ends, labels, sources = (list(map(operator.itemgetter(i), spans)) for i in range(4))
    return (
        set(map(type, starts)) | set(map(type, ends)) <= {int}
        and set(map(type, labels)) <= {str}
        and "" not in labels
        and set(map(type, sources)) <= {str}
        and set(sources) <= _SOURCES
        and min(starts) >= 0
        and max(ends) <= text_length
        and all(map(operator.lt, starts, ends))
        and (not ordered or all(map(operator.le, ends[:-1], starts[1:])))
    )


def _span_problem(span: Any, text_length: int) -> str | None:
    """What is wrong with one decoded span."""
    if not isinstance(span, list) or len(span) != 4:
        return f"is not [start, end, label, source]: {_shown(span)}"
    start, end, label, source = span
    if not (_is_int(start) and _is_int(end)):
        return f"has offsets that are not integers: {_shown(span)}"
    if not 0 <= start < end <= text_length:
        return f"({start}-{end}) is not a range inside the text ({text_length} characters)"
    if not isinstance(label, str) or not label:
        return f"has no label: {_shown(span)}"
    if source not in _SOURCES:
        return f"has an unknown source: {_shown(span)}"
    return None


def tokens_problem(raw: Any, text_length: int) -> str | None:
    """What is wrong with a tokens column, a flat list of offsets ``[s0, e0, s1, e1, ...]``."""
    value, problem = _loaded(raw)
    if problem is not None:
        return problem
    if not isinstance(value, list) or not set(map(type, value)) <= {int}:
        return "is not a flat list of integer offsets"
    if len(value) % 2:
        return f"holds an odd number of offsets ({len(value)})"
    starts, ends = value[0::2], value[1::2]
    if value and (min(value) < 0 or max(value) > text_length or not all(map(operator.le, starts, ends))):
        index = next(i for i, (s, e) in enumerate(zip(starts, ends)) if not 0 <= s <= e <= text_length)
        token = f"token {index} ({starts[index]}-{ends[index]})"
        return f"{token} is not a range inside the text ({text_length} characters)"
    return None


def object_problem(raw: Any) -> str | None:
    """What is wrong with a JSON object column (meta, extra)."""
    value, problem = _loaded(raw)
    if problem is None and not isinstance(value, dict):
        return f"is not a JSON object: {_shown(value)}"
    return problem


def change_problem(raw: Any, text_length: int) -> str | None:
    """What is wrong with one side of a history event, ``{"spans": [...], "answer": ...}``."""
    value, problem = _loaded(raw)
    if problem is not None:
        return problem
    if not isinstance(value, dict) or "spans" not in value or "answer" not in value:
        return 'is not {"spans": [...], "answer": ...}'
    if value["answer"] is not None and value["answer"] not in _ANSWERS:
        return f"holds an unknown answer: {_shown(value['answer'])}"
    return span_list_problem(value["spans"], text_length)


def scores_problem(raw: Any, spans: Any) -> str | None:
    """What is wrong with a prediction's scores column (NULL: no scores; else one number from 0 to 1, or
    null, per span of the ``spans`` column beside it)."""
    if raw is None:
        return None
    value, problem = _loaded(raw)
    if problem is not None:
        return problem
    if not isinstance(value, list):
        return "is not a list of scores"
    predicted, _ = _loaded(spans)
    if isinstance(predicted, list) and len(value) != len(predicted):
        return f"holds {counted(len(value), 'score')} for {counted(len(predicted), 'span')}"
    for index, score in enumerate(value):
        if score is not None and (type(score) not in (int, float) or not 0.0 <= score <= 1.0):
            return f"score {index} ({_shown(score)}) is not a number from 0 to 1"
    return None


def _loaded(raw: Any) -> tuple[Any, str | None]:
    """The decoded value, or what stops it being decoded."""
    if raw is None:
        return None, "is missing (NULL)"
    if not isinstance(raw, str | bytes):
        return None, f"is not text but {type(raw).__name__}: {_shown(raw)}"
    try:
        return orjson.loads(raw), None
    except orjson.JSONDecodeError:
        return None, NOT_JSON


def _is_int(value: Any) -> bool:
    return type(value) is int


def _shown(value: Any, limit: int = 60) -> str:
    """A value for a message, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
