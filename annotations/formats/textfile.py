"""Plain text files: one document per file, its text kept exactly as the file holds it.

UTF-8 is decoded as is (a BOM stays in the text as U+FEFF, CRLF stays CRLF). UTF-16 and UTF-32
files are recognised by their byte-order mark, which the decoding consumes. Anything else must be
valid UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from annotations.records import Record, RecordError

_RESAVE = "re-save it as UTF-8"
# UTF-32 marks first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOM_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text_file(path: Path) -> Record:
    """The document a ``.txt`` file holds; RecordError when it is empty, binary or not UTF-8."""
    return read_text_bytes(path.read_bytes(), str(path))


def read_text_bytes(data: bytes, name: str) -> Record:
    """The document that the bytes read from ``name`` (a file, or standard input) hold."""
    if not data:
        raise RecordError(f"{name}: is empty")
    text = decode_text(data, name)
    if not text or text == "\ufeff":
        raise RecordError(f"{name}: is empty")
    return Record(text=text, where=name)


def decode_text(data: bytes, where: str) -> str:
    """The text of a file's bytes: UTF-16/32 with a byte-order mark, else strict UTF-8."""
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            text = _decode_marked(data, codec, where)
            if text is not None:
                return text
    if b"\x00" in data:
        raise RecordError(_binary_message(data, where))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(_not_utf8_message(data, error.start, where)) from None


def _decode_marked(data: bytes, codec: str, where: str) -> str | None:
    """The text of a UTF-16/32 file; None when a UTF-32 mark was really a UTF-16 one."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        if codec == "utf-32":
            return None
        raise RecordError(
            f"{where}: starts with a {codec.upper()} byte-order mark but byte {error.start} is not valid "
            f"{codec.upper()}; {_RESAVE}"
        ) from None
    return text


def _binary_message(data: bytes, where: str) -> str:
    """Why a file holding NUL bytes is refused."""
    if data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4:
        return f"{where}: looks like UTF-16 without a byte-order mark; {_RESAVE}"
    return f"{where}: is a binary file (byte {data.index(0)} is a NUL byte), not text"


def _not_utf8_message(data: bytes, offset: int, where: str) -> str:
    """Where a file stops being UTF-8, with the line to look at."""
    line = data.count(b"\n", 0, offset) + 1
    return (
        f"{where}: is not valid UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} (line {line}); "
        f"{_RESAVE}"
    )
