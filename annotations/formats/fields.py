"""Checks shared by the format readers: each failure is a RecordError naming where it happened."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from annotations.model import InvalidSpan, Span, check_spans
from annotations.records import RecordError

_SURROGATES = range(0xD800, 0xE000)


def fail(where: str, message: str) -> RecordError:
    """A RecordError whose message starts with the place it refers to."""
    return RecordError(f"{where}: {message}")


def is_int(value: Any) -> bool:
    """Whether ``value`` is a JSON integer (``true``/``false`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def require_text(obj: dict[str, Any], where: str) -> str:
    """The record's non-empty ``"text"`` string."""
    if "text" not in obj:
        raise fail(where, 'has no "text" key (every record needs the text to annotate)')
    text = obj["text"]
    if not isinstance(text, str):
        raise fail(where, f'"text" must be a string, not {json_type(text)}')
    if not text:
        raise fail(where, '"text" is empty')
    check_no_surrogates(text, where, '"text"')
    return text


def check_no_surrogates(text: str, where: str, what: str) -> None:
    """Refuse a string holding an unpaired surrogate (a ``\\ud800`` escape): it is not valid Unicode."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")  # fails exactly on surrogates: the loop below only runs to name the offset
        return
    except UnicodeEncodeError:
        pass
    for offset, char in enumerate(text):
        if ord(char) in _SURROGATES:
            raise fail(
                where,
                f"{what} holds an unpaired surrogate \\u{ord(char):04x} at offset {offset}, "
                "which is not valid Unicode",
            )


def check_no_surrogates_anywhere(obj: Any, where: str) -> None:
    """Refuse any string inside ``obj`` (keys included) holding an unpaired surrogate."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        message = "holds an unpaired surrogate (a \\ud800-\\udfff escape), which is not valid Unicode"
        raise fail(where, message) from None


def shown(value: Any, limit: int = 60) -> str:
    """A value as the file spells it (JSON), shortened, for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    return names.get(type(value), type(value).__name__)


def checked_spans(spans: Iterable[Span], text: str, where: str, hint: str = "") -> tuple[Span, ...]:
    """The spans sorted, or a RecordError when one lies outside the text, is empty or overlaps another
    (``hint`` is added to the message about an overlap)."""
    spans = tuple(spans)
    for span in spans:
        problem = span_problem(span, len(text))
        if problem:
            raise fail(where, problem)
    try:
        return check_spans(spans, len(text))
    except InvalidSpan as error:
        raise fail(where, f"{error}{hint}") from None


def label_problem(label: Any) -> str | None:
    """What makes a value unusable as a span's label (a button and a key in the window), or None."""
    if not isinstance(label, str):
        return f"must be a string, not {json_type(label)}"
    if not label.strip():
        return "is empty" if not label else f"is only white space ({label!r})"
    control = next((char for char in label if unicodedata.category(char) == "Cc"), None)
    if control is not None:
        return f"{label[:40]!r} holds the control character U+{ord(control):04X}"
    return None


def span_problem(span: Span, length: int) -> str | None:
    """What is wrong with a span's offsets in a text of ``length`` characters, or None."""
    start, end = span.start, span.end
    name = (
        f"span {start}-{end} ({span.label})"
        if min(start, end) >= 0
        else f"span [{start}, {end}] ({span.label})"
    )
    if min(start, end) < 0:
        return f"{name} lies outside the text (length {length}): offsets count characters from 0, never below"
    if end < start:
        return f"{name} ends before it starts (the text has {length} characters)"
    if end > length:
        return f"{name} lies outside the text (length {length}): it ends {end - length} past the end"
    if end == start:
        return f"{name} is empty: it starts and ends at {start}"
    return None


def checked_span_text(span: Span, stated: Any, text: str, where: str) -> None:
    """Refuse a span whose own ``"text"`` differs from the text at its offsets (offsets in other units)."""
    if isinstance(stated, str) and stated != text[span.start : span.end]:
        raise fail(
            where,
            f"span {span.start}-{span.end} ({span.label}) says its text is {stated!r} but the text there is "
            f"{text[span.start : span.end]!r} (offsets must count Unicode characters)",
        )


def meta_object(value: Any, where: str) -> dict[str, Any]:
    """A record's ``meta`` object (empty when absent); RecordError naming ``where`` when it is not one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(where, f'"meta" must be an object, not {json_type(value)}')
    return value
