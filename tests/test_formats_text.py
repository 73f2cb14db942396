"""Plain text files: the text arrives exactly as saved, or the user learns why it cannot."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from annotations.formats.textfile import read_text_file
from annotations.records import RecordError

SAMPLE = "\ufeffFirst line\r\nSecond\u00a0line \U0001f469\u200d\U0001f469\u200d\U0001f467\u2028e\u0301\n"


def write(tmp_path: Path, data: bytes, name: str = "doc.txt") -> Path:
    """A file holding ``data``."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_text_is_kept_exactly_with_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE.encode("utf-8"))
    record = read_text_file(path)
    assert record.text == SAMPLE
    assert record.where == str(path)
    assert record.spans is None and record.answer is None


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(tmp_path: Path, codec: str) -> None:
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    text = SAMPLE.removeprefix("\ufeff")
    assert read_text_file(write(tmp_path, bom + text.encode(codec))).text == text


def test_utf16_text_starting_with_nul_is_not_mistaken_for_utf32(tmp_path: Path) -> None:
    text = "\x00ab"
    assert read_text_file(write(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))).text == text


def test_latin1_file_is_refused_with_byte_offset_and_advice(tmp_path: Path) -> None:
    path = write(tmp_path, "Caf\u00e9 ok\nna\u00efve".encode("latin-1"))
    with pytest.raises(RecordError) as raised:
        read_text_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: is not valid UTF-8")
    assert "byte 0xe9 at byte offset 3 (line 1)" in message
    assert "re-save it as UTF-8" in message


def test_offset_and_line_point_at_the_first_bad_byte(tmp_path: Path) -> None:
    data = "\u00e9t\u00e9\n".encode() + b"ok \xff"
    with pytest.raises(RecordError, match=r"at byte offset 9 \(line 2\)"):
        read_text_file(write(tmp_path, data))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt")
    with pytest.raises(RecordError, match=r"image\.txt: is a binary file"):
        read_text_file(path)


def test_utf16_without_byte_order_mark_is_explained(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="looks like UTF-16 without a byte-order mark"):
        read_text_file(write(tmp_path, "Hello world".encode("utf-16-le")))


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    with pytest.raises(RecordError) as raised:
        read_text_file(path)
    assert str(raised.value) == f"{path}: is empty"


def test_broken_utf16_is_refused_with_offset(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8"  # a lone high surrogate
    with pytest.raises(RecordError, match="is not valid UTF-16"):
        read_text_file(write(tmp_path, data))
