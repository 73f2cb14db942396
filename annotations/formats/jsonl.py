"""JSONL files of Prodigy tasks, plain inputs or doccano records, read one line at a time.

Each line is decoded strictly as UTF-8 (a UTF-8 BOM before the first line is allowed) and parsed
on its own; the object's keys decide the shape: doccano (a ``"label"`` list, ``"labels"`` or
``"entities"``) or Prodigy / plain input (everything else).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotations.formats import doccano, prodigy, quick_json
from annotations.formats.fields import check_no_surrogates_anywhere, fail, json_type
from annotations.records import Record, RecordError

# An escape of a surrogate (\ud800-\udfff): the only way a line read as strict UTF-8 can hold an unpaired
# one once decoded (a pair of them is a valid character: the full check tells them apart)
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# Escapes read left to right as JSON reads them: an escaped backslash, a well-formed pair of surrogate escapes
# (one character), or (group 1) a surrogate escape on its own; other escapes hold no backslash after theirs
_SURROGATE_OR_BACKSLASH = re.compile(
    r"\\(?:\\|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|(u[dD][89a-fA-F][0-9a-fA-F]{2}))"
)
NESTED_TOO_DEEPLY = "the JSON is nested too deeply to read"
ARRAY_HINT = (
    "this looks like one JSON array; spandesk reads JSON Lines, one object per line "
    "(convert it with: jq -c '.[]' FILE > FILE.jsonl)"
)


def read_jsonl(path: Path) -> Iterator[Record]:
    """The records of a JSONL file, in order; RecordError naming file and line for the first bad one."""
    with path.open("rb") as lines:
        yield from read_jsonl_lines(lines, str(path))


def read_jsonl_lines(lines: Iterable[bytes], name: str) -> Iterator[Record]:
    """The records of JSONL lines (bytes) read from ``name`` (a file, or standard input), in order."""
    found = False
    other_views: list[tuple[int, str]] = []  # (line, view) of tasks that are not span annotation
    for number, raw in enumerate(lines, 1):
        where = f"{name}:{number}"
        raw = raw[3:] if number == 1 and raw.startswith(codecs.BOM_UTF8) else raw
        line = decode_line(raw, where)
        if line and not line.isspace():  # (strip would copy every line)
            if not found and line.lstrip().startswith("["):
                _refuse_array(line, where)
            found = True
            try:
                record = _record(line, where, raw)
            except prodigy.OtherView as other:
                other_views.append((number, other.view))
                continue
            yield record
    if other_views:
        raise RecordError(other_views_message(name, other_views))
    if not found:
        raise RecordError(f"{name}: is empty (it holds no JSON lines)")


LINES_SHOWN = 5


def other_views_message(name: str, other_views: list[tuple[int, str]]) -> str:
    """Why a file of Prodigy tasks of other views than span annotation is refused: how many, of which
    views, on which lines, and how to import its span tasks."""
    first, view = other_views[0]
    views: dict[str, int] = {}
    for _, each in other_views:
        views[each] = views.get(each, 0) + 1
    counts = ", ".join(f'{count} "{each}"' for each, count in views.items())
    lines = ", ".join(str(number) for number, _ in other_views[:LINES_SHOWN])
    if len(other_views) > LINES_SHOWN:
        lines += f" and {len(other_views) - LINES_SHOWN} more"
    many = len(other_views) > 1
    found = f"{len(other_views)} tasks are" if many else "1 task is"
    keep = 'select(._view_id == "ner_manual")'
    return (
        f'{name}:{first}: is a Prodigy "{view}" task, not span annotation; {found} of other views '
        f"({counts}; line{'s' if many else ''} {lines}). spandesk imports only span annotation (the views "
        f"{', '.join(sorted(prodigy.SPAN_VIEWS))}, or no _view_id) and never reads another view's spans "
        f"as entities: leave those tasks out, e.g. jq -c '{keep}' {name}"
    )


def looks_like_jsonl(head: bytes) -> bool:
    """Whether the start of a file is JSON Lines: its first non-blank character opens an object."""
    head = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    return head.lstrip(b" \t\r\n").startswith(b"{")


def looks_like_json_array(data: bytes) -> bool:
    """Whether bytes of no known format hold one JSON array of objects (or an empty one): a JSON
    document, neither JSON Lines nor a text to annotate."""
    body = (data[3:] if data.startswith(codecs.BOM_UTF8) else data).lstrip(b" \t\r\n")
    if not body.startswith(b"["):
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, list) and all(isinstance(item, dict) for item in value[:1])


def _refuse_array(line: str, where: str) -> None:
    """A first line that opens a JSON array: the file is one JSON document, not JSON Lines."""
    try:
        json.loads(line)
    except RecursionError:
        raise fail(where, NESTED_TOO_DEEPLY) from None
    except ValueError:
        pass
    raise fail(where, ARRAY_HINT)


def parse_object(obj: Any, where: str) -> Record:
    """The Record one parsed JSON line describes, read as doccano or Prodigy by its keys."""
    if not isinstance(obj, dict):
        raise fail(where, f'must be a JSON object with a "text" key, not {json_type(obj)}')
    if doccano.is_doccano(obj):
        return doccano.parse_record(obj, where)
    return prodigy.parse_task(obj, where)


def _record(line: str, where: str, raw: bytes | None = None) -> Record:
    """The Record one line describes (``raw``: its bytes, when read from a file); its strings must all be
    valid Unicode (storable)."""
    obj = quick_json.decoded(raw) if raw is not None else quick_json.NOT_QUICK
    if obj is not quick_json.NOT_QUICK:  # orjson refused any unpaired surrogate: nothing more to check
        return parse_object(obj, where)
    obj = parse_json(line, where)
    record = parse_object(obj, where)
    if SURROGATE_ESCAPE.search(line) and _may_hold_unpaired_surrogate(line):
        check_no_surrogates_anywhere(obj, where)
    return record


def _may_hold_unpaired_surrogate(line: str) -> bool:
    """Whether a line's escapes include a surrogate not paired (emoji written by ``json.dumps`` are pairs:
    those lines skip the full check of every string)."""
    return any(match.group(1) for match in _SURROGATE_OR_BACKSLASH.finditer(line))


def decode_line(raw: bytes, where: str) -> str:
    """One line's text (strict UTF-8), with a hint when the file is UTF-16."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise fail(where, "the file is UTF-16, not UTF-8; re-save it as UTF-8") from None
        raise fail(
            where,
            f"is not valid UTF-8: byte 0x{raw[error.start]:02x} at byte {error.start} of the line; "
            "re-save the file as UTF-8",
        ) from None


def parse_json(line: str, where: str) -> Any:
    """The JSON value of one line, with the column of a syntax error."""
    try:
        value = _DECODE(line) if not line.startswith("\ufeff") else _loads(line)
    except json.JSONDecodeError as error:
        raise fail(where, f"invalid JSON at column {error.colno}: {error.msg}") from None
    except ValueError as error:
        raise fail(where, f"invalid JSON: {error}") from None
    except RecursionError:
        raise fail(where, NESTED_TOO_DEEPLY) from None
    return value


def _loads(line: str) -> Any:
    """``json.loads`` as every line is read (it names a byte order mark, which ``_DECODE`` would not)."""
    return json.loads(line, parse_constant=refuse_constant, parse_float=finite_float)


def finite_float(literal: str) -> float:
    """A JSON number as a float; refuse one too large to write back as JSON (it would become Infinity)."""
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"the number {literal[:20]} is too large")
    return value


def refuse_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity``, which JSON does not allow."""
    raise ValueError(f"{name} is not a JSON value")


# json.loads(line, parse_constant=..., parse_float=...) without building a decoder for every line
_DECODE = json.JSONDecoder(parse_constant=refuse_constant, parse_float=finite_float).decode
