"""Hugging Face token classification: JSONL rows of tokens with integer tags, the tag names beside them.

Written: one row per document, ``{"id", "tokens", "ner_tags", "text", "offsets"}``, and ``labels.json``
beside it, the tag names in id order (``["O", "B-ORG", "I-ORG", ...]``, or with ``L-``/``U-`` for
BILUO). The tags of the database's labels come first, in its order, so ids are the same in every export
of it. Tokens are the stored ones laid out as for the other exports (a span inside a token splits it);
white-space tokens outside every span are left out. ``text`` and ``offsets`` (each token's
``[start, end]`` in it) make the round trip exact; every row has the same keys and types, which is what
``datasets.load_dataset("json", ...)`` needs. ``id`` is the one the row came with (an integer one as a
string), else the document's position in the export.

Read: such rows, their tag names from ``labels.json`` (a list in id order, or an object of ids and names)
or a ``dataset_infos.json``/``dataset_info.json`` beside the file; tags may be strings instead. The text
is ``text`` when the row has it (tokens found at ``offsets``, or in order), else the tokens joined by
single spaces. Tags may be IOB2, IOB1, BILUO or BIOES. Keys other than the tokens, tags, text and
offsets (``id`` too) are kept as the document's extra keys.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from annotations.formats import Piece, WriteOptions
from annotations.formats.fields import (
    check_no_surrogates_anywhere,
    checked_spans,
    fail,
    is_int,
    json_type,
    label_problem,
    shown,
)
from annotations.formats.jsonl import decode_line, parse_json
from annotations.formats.layout import export_layout
from annotations.model import Document, Span, Token
from annotations.records import Record, RecordError

LAYOUT = "file"
LABELS_FILE = "labels.json"
INFO_FILES = ("dataset_infos.json", "dataset_info.json")
SIDE_FILES = (LABELS_FILE, *INFO_FILES)  # read beside the rows, never imported as documents
OWN_KEYS = ("tokens", "ner_tags", "text", "offsets")
PREFIXES = {"iob2": ("B", "I"), "biluo": ("B", "I", "L", "U")}
_STARTS = frozenset("BUS")  # a tag that always starts an entity
_ENDS = frozenset("LUES")  # a tag that always ends one
_KEY = re.compile(rb'"(tokens|ner_tags)"\s*:')
_STRING_TOKENS = re.compile(rb'^\{\s*(?:"id"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?\d+)\s*,\s*)?"tokens"\s*:\s*\[\s*"')
_LABELS_HINT = 'a JSON list of the tag names in id order, such as ["O", "B-ORG", "I-ORG"]'


# ---------------------------------------------------------------- writing


def tag_names(labels: Iterable[str], scheme: str = "iob2") -> list[str]:
    """The tag names in id order: ``O``, then each label's ``B-``, ``I-`` (BILUO adds ``L-``, ``U-``)."""
    names = ["O"]
    for label in labels:
        names.extend(f"{prefix}-{label}" for prefix in PREFIXES[scheme])
    return names


def write(documents: Iterable[Document], options: WriteOptions) -> Iterator[Piece]:
    """``labels.json`` (first, so an export to a stream fails before writing), then one row per
    document; ``labels.json`` again at the end if a document held a label the label set lacks."""
    labels = list(dict.fromkeys(options.labels))
    ids = {name: number for number, name in enumerate(tag_names(labels, options.scheme))}
    yield LABELS_FILE, _labels_json(ids)
    grown = False
    for position, document in enumerate(documents):
        row = document_row(document, position, options.scheme)
        for label in _labels_of(row["ner_tags"]):
            if f"B-{label}" not in ids:
                for name in tag_names([label], options.scheme)[1:]:
                    ids[name] = len(ids)
                grown = True
        row["ner_tags"] = [ids[tag] for tag in row["ner_tags"]]
        yield "", _json_line(row)
    if grown:
        yield LABELS_FILE, _labels_json(ids)


def document_row(document: Document, position: int, scheme: str = "iob2") -> dict[str, Any]:
    """A document's row, with tag names (not yet ids) in ``ner_tags``."""
    text = document.text
    keys = [span.key() for span in document.spans]
    starts = [token.start for token in document.tokens]
    ends = [token.end for token in document.tokens]
    (starts, ends, _ws), ranges = export_layout(text, starts, ends, keys)
    tags = ["O"] * len(starts)
    for (first, last), (_start, _end, label) in zip(ranges, keys):
        tags[first : last + 1] = span_tags(label, last - first + 1, scheme)
    kept = [i for i, tag in enumerate(tags) if tag != "O" or not text[starts[i] : ends[i]].isspace()]
    given = document.extra.get("id")
    return {
        "id": _row_id(given, position),
        "tokens": [text[starts[i] : ends[i]] for i in kept],
        "ner_tags": [tags[i] for i in kept],
        "text": text,
        "offsets": [[starts[i], ends[i]] for i in kept],
    }


def _row_id(given: object, position: int) -> str:
    """The row's id: the one it came with (an integer one as a string, as every row's is), else its
    position in the export."""
    if isinstance(given, str):
        return given
    if isinstance(given, int) and not isinstance(given, bool):
        return str(given)
    return str(position)


def span_tags(label: str, length: int, scheme: str = "iob2") -> list[str]:
    """The tags of an entity of ``length`` tokens."""
    if scheme == "biluo":
        if length == 1:
            return [f"U-{label}"]
        return [f"B-{label}", *[f"I-{label}"] * (length - 2), f"L-{label}"]
    return [f"B-{label}", *[f"I-{label}"] * (length - 1)]


def _labels_of(tags: Sequence[str]) -> Iterator[str]:
    """The label of each tag that is not ``O``."""
    return (tag[2:] for tag in tags if tag != "O")


def _labels_json(ids: dict[str, int]) -> bytes:
    """``labels.json``: the tag names as a JSON list in id order."""
    return json.dumps(list(ids), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _json_line(row: dict[str, Any]) -> bytes:
    """One row as a compact JSON line, with U+2028/U+2029 escaped (line breaks to many readers)."""
    line = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
    return line.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


# ---------------------------------------------------------------- reading


def sniff(path: Path, head: bytes) -> bool:
    """Whether the first line is a JSON object with ``"tokens"`` and ``"ner_tags"`` keys."""
    head = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    line, newline, _rest = head.partition(b"\n")
    if not line.startswith(b"{"):
        return False
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # a first line longer than the head
        return not newline and _long_row(line)
    return isinstance(obj, dict) and "tokens" in obj and "ner_tags" in obj


def _long_row(start: bytes) -> bool:
    """Whether the start of a long line is a row: both keys, or (their order in rows written here and
    on the Hub) an object opening with ``"tokens"`` (after an ``"id"``), a list of strings (a Prodigy
    task's tokens are objects)."""
    return {m.group(1) for m in _KEY.finditer(start)} == {b"tokens", b"ner_tags"} or bool(
        _STRING_TOKENS.match(start)
    )


def read(path: Path) -> Iterator[Record]:
    """The records of a file of rows; RecordError naming file and line for the first bad one."""
    names = tag_names_beside(path)
    found = False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            where = f"{path}:{number}"
            line = decode_line(raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw, where)
            if not line.strip():
                continue
            found = True
            obj = parse_json(line, where)
            if "\\u" in line:
                check_no_surrogates_anywhere(obj, where)
            yield parse_row(obj, where, names, path.parent / LABELS_FILE)
    if not found:
        raise RecordError(f"{path}: is empty (it holds no JSON lines)")


def tag_names_beside(path: Path) -> list[str] | None:
    """The tag names in id order from ``labels.json`` or a dataset info file beside ``path``, or None."""
    labels = path.parent / LABELS_FILE
    if labels.is_file():
        return _names_from_labels(_load_json(labels), str(labels))
    for name in INFO_FILES:
        info = path.parent / name
        if info.is_file():
            names = _names_from_info(_load_json(info))
            if names is not None:
                return names
    return None


def _load_json(path: Path) -> Any:
    """A whole JSON file's value; RecordError naming it when it cannot be read."""
    try:
        return json.loads(path.read_bytes().removeprefix(codecs.BOM_UTF8).decode("utf-8"))
    except UnicodeDecodeError:
        raise RecordError(f"{path}: is not valid UTF-8; re-save it as UTF-8") from None
    except json.JSONDecodeError as error:
        raise RecordError(
            f"{path}:{error.lineno}: invalid JSON at column {error.colno}: {error.msg}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise RecordError(f"{path}: invalid JSON ({error})") from None


def _names_from_labels(value: Any, where: str) -> list[str]:
    """Tag names from a list in id order, or an object of ids to names (``id2label``) or names to ids."""
    if isinstance(value, dict) and isinstance(value.get("id2label"), dict):
        value = value["id2label"]
    if isinstance(value, dict):
        pairs = [(k, v) for k, v in value.items()]
        if all(is_int(v) for _, v in pairs):
            pairs = [(str(v), k) for k, v in pairs]
        if not all(key.isdigit() for key, _ in pairs):
            raise fail(where, f"must be {_LABELS_HINT}, or an object of ids and names")
        ordered = dict(sorted((int(k), v) for k, v in pairs))
        if list(ordered) != list(range(len(ordered))):
            raise fail(where, f"the tag ids must be 0 to {len(ordered) - 1}, each once")
        value = list(ordered.values())
    if not isinstance(value, list):
        raise fail(where, f"must be {_LABELS_HINT}, not {json_type(value)}")
    for number, name in enumerate(value):
        if not isinstance(name, str) or not name:
            raise fail(where, f'tag {number} must be a tag name such as "B-ORG", not {shown(name)}')
    if len(set(value)) != len(value):
        raise fail(where, "names a tag twice")
    return value


def _names_from_info(value: Any) -> list[str] | None:
    """The ``names`` of the ``ner_tags`` feature anywhere in a dataset info file (a ClassLabel)."""
    if isinstance(value, dict):
        tags = value.get("ner_tags")
        names = _class_names(tags)
        if names is not None:
            return names
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    return next((names for child in children if (names := _names_from_info(child)) is not None), None)


def _class_names(feature: Any) -> list[str] | None:
    """A (sequence of) ClassLabel's names."""
    while isinstance(feature, dict):
        names = feature.get("names")
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            return names
        feature = feature.get("feature")
    return None


def parse_row(obj: Any, where: str, names: Sequence[str] | None, labels_path: Path | None = None) -> Record:
    """The Record a row describes (``names``: the tag names in id order, when known)."""
    if not isinstance(obj, dict):
        raise fail(where, f'must be a JSON object with "tokens" and "ner_tags", not {json_type(obj)}')
    tokens = _tokens(obj, where)
    tags = _tags(obj, len(tokens), where, names, labels_path)
    text, offsets = _text_and_offsets(obj, tokens, where)
    spans = [
        Span(offsets[first].start, offsets[last].end, label) for first, last, label in entities(tags, where)
    ]
    return Record(
        text=text,
        where=where,
        spans=checked_spans(spans, text, where),
        tokens=tuple(offsets),
        extra={key: value for key, value in obj.items() if key not in OWN_KEYS},
    )


def _tokens(obj: dict[str, Any], where: str) -> list[str]:
    """The row's tokens: a list of non-empty strings."""
    if "tokens" not in obj:
        raise fail(where, 'has no "tokens" key (each row needs "tokens" and "ner_tags")')
    tokens = obj["tokens"]
    if not isinstance(tokens, list):
        raise fail(where, f'"tokens" must be a list of strings, not {json_type(tokens)}')
    for number, token in enumerate(tokens, 1):
        if not isinstance(token, str) or not token:
            what = "empty" if token == "" else json_type(token)
            raise fail(where, f'"tokens" entry {number} must be a non-empty string, not {what}')
    return tokens


def _tags(
    obj: dict[str, Any], count: int, where: str, names: Sequence[str] | None, labels_path: Path | None
) -> list[str]:
    """The row's tags as names, one per token."""
    if "ner_tags" not in obj:
        raise fail(where, 'has no "ner_tags" key (each row needs "tokens" and "ner_tags")')
    tags = obj["ner_tags"]
    if not isinstance(tags, list):
        raise fail(where, f'"ner_tags" must be a list, not {json_type(tags)}')
    if len(tags) != count:
        raise fail(where, f'has {count} tokens but {len(tags)} "ner_tags" (one tag per token)')
    return [_tag_name(tag, number, where, names, labels_path) for number, tag in enumerate(tags, 1)]


def _tag_name(
    tag: Any, number: int, where: str, names: Sequence[str] | None, labels_path: Path | None
) -> str:
    """One tag's name: itself, or the name of its id."""
    if isinstance(tag, str):
        return tag
    if not is_int(tag):
        raise fail(
            where, f'"ner_tags" entry {number} must be a tag id (an integer) or name, not {shown(tag)}'
        )
    if names is None:
        beside = labels_path or LABELS_FILE
        raise fail(
            where,
            f'"ner_tags" are ids, and no file beside this one names them: write {beside}, {_LABELS_HINT} '
            "(or a dataset_infos.json with the ner_tags ClassLabel)",
        )
    if not 0 <= tag < len(names):
        raise fail(where, f'"ner_tags" entry {number} is {tag}, but there are only {len(names)} tag names')
    return names[tag]


def _text_and_offsets(obj: dict[str, Any], tokens: list[str], where: str) -> tuple[str, list[Token]]:
    """The row's text and each token's place in it: from ``text`` (and ``offsets``) when the row has
    them, else the tokens joined by single spaces."""
    text = obj.get("text")
    if text is None:
        return _joined(tokens, where)
    if not isinstance(text, str):
        raise fail(where, f'"text" must be a string, not {json_type(text)}')
    if not text:
        raise fail(where, '"text" is empty')
    if obj.get("offsets") is not None:
        return text, _given_offsets(obj["offsets"], tokens, text, where)
    return text, _found_offsets(tokens, text, where)


def _joined(tokens: list[str], where: str) -> tuple[str, list[Token]]:
    """The tokens joined by single spaces, and their places."""
    if not tokens:
        raise fail(where, 'has no tokens and no "text": there is nothing to annotate')
    offsets, position = [], 0
    for token in tokens:
        offsets.append(Token(position, position + len(token)))
        position += len(token) + 1
    return " ".join(tokens), offsets


def _given_offsets(value: Any, tokens: list[str], text: str, where: str) -> list[Token]:
    """``offsets``, checked: one ``[start, end]`` per token, where the text holds that token."""
    if not isinstance(value, list) or len(value) != len(tokens):
        found = f"{len(value)} entries" if isinstance(value, list) else json_type(value)
        raise fail(
            where, f'"offsets" must be a list of one [start, end] per token ({len(tokens)}), not {found}'
        )
    offsets = []
    for number, (pair, token) in enumerate(zip(value, tokens), 1):
        if not (isinstance(pair, list) and len(pair) == 2 and all(map(is_int, pair))):
            raise fail(where, f'"offsets" entry {number} must be [start, end], not {shown(pair)}')
        start, end = pair
        if not 0 <= start <= end <= len(text) or text[start:end] != token:
            held = shown(text[start:end]) if 0 <= start <= end <= len(text) else "nothing (outside the text)"
            raise fail(
                where, f'token {number} {shown(token)} is not at {start}-{end} of "text", which holds {held}'
            )
        if offsets and start < offsets[-1].end:
            raise fail(where, f"token {number} ({start}-{end}) overlaps or precedes the one before")
        offsets.append(Token(start, end))
    return offsets


def _found_offsets(tokens: list[str], text: str, where: str) -> list[Token]:
    """Each token's place in ``text``, looked for in order."""
    offsets, position = [], 0
    for number, token in enumerate(tokens, 1):
        start = text.find(token, position)
        if start < 0:
            raise fail(where, f'token {number} {shown(token)} is not in "text" after {position}')
        position = start + len(token)
        offsets.append(Token(start, position))
    return offsets


def entities(tags: Sequence[str], where: str) -> list[tuple[int, int, str]]:
    """Each entity's first and (inclusive) last token and label, from IOB2, IOB1, BILUO or BIOES tags."""
    found: list[tuple[int, int, str]] = []
    current: list[Any] | None = None  # [first, last, label] of the entity being read
    for index, tag in enumerate(tags):
        prefix, label = _split_tag(tag, index + 1, where)
        if current is not None and (prefix == "O" or prefix in _STARTS or label != current[2]):
            found.append((current[0], current[1], current[2]))
            current = None
        if prefix == "O":
            continue
        if current is None:
            current = [index, index, label]
        current[1] = index
        if prefix in _ENDS:
            found.append((current[0], current[1], current[2]))
            current = None
    if current is not None:
        found.append((current[0], current[1], current[2]))
    return found


def _split_tag(tag: str, number: int, where: str) -> tuple[str, str]:
    """A tag's prefix and label (``("O", "")`` for ``O``)."""
    if tag == "O":
        return "O", ""
    if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BILUES":
        raise fail(
            where,
            f'"ner_tags" entry {number} is {shown(tag)}: a tag is "O" or B-, I-, L-, U-, E- or S- '
            "and a label (such as B-ORG)",
        )
    problem = label_problem(tag[2:])
    if problem:
        raise fail(where, f'"ner_tags" entry {number} ({shown(tag)}): the label {problem}')
    return tag[0], tag[2:]
