"""JSONL files: read line by line, each problem reported with file, line and what is wrong."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from annotations.formats.jsonl import read_jsonl
from annotations.model import Answer
from annotations.records import RecordError


def write_lines(tmp_path: Path, *lines: str | bytes, newline: bytes = b"\n") -> Path:
    """A JSONL file holding the given lines."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(newline.join(line if isinstance(line, bytes) else line.encode() for line in lines))
    return path


def error_for(path: Path) -> str:
    """The message reading ``path`` fails with."""
    with pytest.raises(RecordError) as raised:
        list(read_jsonl(path))
    return str(raised.value)


def test_mixed_file_of_plain_prodigy_and_doccano_lines_is_read_in_order(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        json.dumps({"text": "Plain input", "meta": {"i": 1}}),
        "",
        json.dumps(
            {"text": "Ann here", "spans": [{"start": 0, "end": 3, "label": "PERSON"}], "answer": "reject"}
        ),
        "   ",
        json.dumps({"text": "EU says", "label": [[0, 2, "ORG"]]}),
    )
    records = list(read_jsonl(path))
    assert [r.text for r in records] == ["Plain input", "Ann here", "EU says"]
    assert [r.where for r in records] == [f"{path}:1", f"{path}:3", f"{path}:5"]
    assert records[0].spans is None and records[0].meta == {"i": 1}
    assert records[1].answer is Answer.REJECT
    assert [s.key() for s in records[2].spans] == [(0, 2, "ORG")]


def test_text_inside_lines_is_kept_exactly(tmp_path: Path) -> None:
    text = "\ufeffCRLF\r\nline\u2028sep \u00a0\U0001f1e9\U0001f1ea e\u0301"
    path = write_lines(tmp_path, json.dumps({"text": text}, ensure_ascii=False), json.dumps({"text": text}))
    assert [r.text for r in read_jsonl(path)] == [text, text]


def test_utf8_bom_before_first_line_and_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    path = write_lines(tmp_path, codecs.BOM_UTF8 + b'{"text": "a"}', b'{"text": "b"}', b"", newline=b"\r\n")
    assert [r.text for r in read_jsonl(path)] == ["a", "b"]


def test_bom_on_a_later_line_is_invalid_json(tmp_path: Path) -> None:
    path = write_lines(tmp_path, b'{"text": "a"}', codecs.BOM_UTF8 + b'{"text": "b"}')
    assert error_for(path).startswith(f"{path}:2: invalid JSON")


def test_records_stream_before_a_later_bad_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path, '{"text": "first"}', "{not json")
    records = read_jsonl(path)
    assert next(records).text == "first"
    with pytest.raises(RecordError, match=":2: invalid JSON"):
        next(records)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"text": "a"} {"text": "b"}', "invalid JSON at column 15: Extra data"),
        ('{"text": NaN}', "NaN is not a JSON value"),
        ('["text", "a"]', 'must be a JSON object with a "text" key, not a list'),
        ('"just a string"', "must be a JSON object"),
        ('{"content": "a"}', 'has no "text" key'),
        ('{"text": ["a"]}', '"text" must be a string, not a list'),
        ('{"text": ""}', '"text" is empty'),
        ('{"text": "ab", "spans": [{"start": 0, "end": 5, "label": "X"}]}', "0-5 (X) lies outside the text"),
        ('{"text": "ab", "answer": "yes"}', '"answer" must be "accept", "reject" or "ignore"'),
        ('{"text": "ab", "label": [[0, 1, "A"], [0, 2, "B"]]}', "0-1 (A) and 0-2 (B) overlap"),
        ('{"text": "ab", "label": ["positive"]}', "text-classification"),
        ('{"text": "a\\ud800b"}', "unpaired surrogate \\ud800 at offset 1"),
        ('{"text": "ab", "meta": {"k": "\\udc00"}}', "unpaired surrogate"),
    ],
)
def test_bad_line_is_refused_naming_file_line_and_problem(tmp_path: Path, line: str, expected: str) -> None:
    path = write_lines(tmp_path, '{"text": "fine"}', line)
    message = error_for(path)
    assert message.startswith(f"{path}:2: ")
    assert expected in message


def test_a_trailing_comma_is_refused_naming_file_line_and_column(tmp_path: Path) -> None:
    """json's own words for it changed in Python 3.13; file, line and column are named either way."""
    path = write_lines(tmp_path, '{"text": "fine"}', '{"text": "a",}')
    message = error_for(path)
    assert message.startswith(f"{path}:2: invalid JSON at column ")
    assert message.endswith(
        (
            "column 14: Expecting property name enclosed in double quotes",  # Python 3.11 and 3.12
            "column 13: Illegal trailing comma before end of object",  # Python 3.13
        )
    ), message


def test_invalid_utf8_names_the_byte_within_the_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path, b'{"text": "ok"}', b'{"text": "caf\xe9"}')
    message = error_for(path)
    assert message.startswith(f"{path}:2: is not valid UTF-8: byte 0xe9 at byte 13 of the line")
    assert "re-save the file as UTF-8" in message


def test_utf16_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes('{"text": "a"}\n'.encode("utf-16"))
    assert error_for(path) == f"{path}:1: the file is UTF-16, not UTF-8; re-save it as UTF-8"


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert error_for(path).startswith(f"{path}:1: ")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", codecs.BOM_UTF8])
def test_file_without_records_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    assert error_for(path) == f"{path}: is empty (it holds no JSON lines)"


def test_a_json_array_file_gets_a_hint_to_convert_it(tmp_path) -> None:
    import pytest

    from annotations.formats.jsonl import read_jsonl
    from annotations.records import RecordError

    path = tmp_path / "export.json"
    path.write_text('[{"text": "a"},\n {"text": "b"}]\n', encoding="utf-8")
    with pytest.raises(RecordError, match=r"export.json:1: this looks like one JSON array.*jq -c"):
        list(read_jsonl(path))
