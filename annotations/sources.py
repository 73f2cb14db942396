"""What an import reads: the sources named (files, folders, ``-`` for standard input, pipes), and the
format each is read as: the one the person gave with ``--format``, else what its name and content say.

Every problem is a RecordError naming the source (and the line, for a bad record). The database being
imported into is refused as a source before anything opens it (``database_files``).
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from annotations.database_files import is_database_file
from annotations.formats import JSONL_FORMATS, MODULE_FORMATS, available_formats, format_module
from annotations.formats.jsonl import (
    ARRAY_HINT,
    looks_like_json_array,
    looks_like_jsonl,
    read_jsonl,
    read_jsonl_lines,
)
from annotations.formats.textfile import read_text_bytes, read_text_file
from annotations.output_file import in_temporary
from annotations.records import Record, RecordError

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
STDIN = "-"
SQLITE_HEADER = b"SQLite format 3\x00"
HEAD_BYTES = 4096  # what the format sniffers see of a file


def read(sources: Sequence[str | Path], database: Path | None = None, fmt: str = "auto") -> Iterator[Record]:
    """Every record of every source, in order.

    ``fmt`` is ``auto`` (by name and content), ``jsonl``, ``text``, or one of ``MODULE_FORMATS``.
    With ``auto``: a folder that is one document collection of a folder format (brat) is read as
    such, else its ``.txt`` and ``.jsonl`` files are; a file a format module recognises by its
    content is read by it; ``.jsonl``/``.txt`` names are read as such; anything else (a pipe,
    ``/dev/stdin``, ``-``, a file of another name) is JSONL when its first character opens an object,
    else one text document.
    """
    fmt = "jsonl" if fmt in JSONL_FORMATS else fmt
    for path in expand(sources, database, fmt):
        try:
            yield from _read_source(path, fmt)
        except OSError as error:
            raise RecordError(f"{path}: cannot be read ({error.strerror or error})") from error


def _read_source(path: Path, fmt: str) -> Iterator[Record]:
    """The records of one named source."""
    if str(path) == STDIN:
        yield from _read_bytes(_read_stream(sys.stdin.buffer, "<stdin>"), "<stdin>", fmt)
    elif not path.is_file() and not path.is_dir():  # a pipe or a terminal: it can be read only once
        with path.open("rb") as stream:
            data = _read_stream(stream, str(path))
        yield from _read_bytes(data, str(path), fmt)
    elif fmt in MODULE_FORMATS:
        yield from format_module(fmt).read(path)
    elif fmt == "auto" and (module := _recognised(path)) is not None:
        yield from _read_as_recognised(module, path)
    elif fmt == "jsonl" or (fmt == "auto" and path.suffix.lower() in JSONL_SUFFIXES):
        yield from read_jsonl(path)
    elif fmt == "text" or path.suffix.lower() in TEXT_SUFFIXES:
        yield read_text_file(path)
    else:
        yield from _read_bytes(path.read_bytes(), str(path), fmt)


def _read_as_recognised(module: Any, path: Path) -> Iterator[Record]:
    """A source read by the format its content suggested. A file whose name says text or JSONL was
    recognised by its content alone, so its failure says so, and how to read it otherwise."""
    try:
        yield from module.read(path)
    except RecordError as error:
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES | JSONL_SUFFIXES:
            raise
        name = module.__name__.rsplit(".", 1)[-1]
        raise RecordError(
            f"{error}\n({path.name} was read as {name} because of its content; "
            "--format names another way to read it, e.g. --format text)"
        ) from error


def _recognised(path: Path) -> object | None:
    """The format module that recognises a file (or folder) by its content, if any."""
    head = b""
    if path.is_file():
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    for fmt in available_formats():
        module = format_module(fmt)
        if (module.LAYOUT == "folder" or not path.is_dir()) and module.sniff(path, head):
            return module
    return None


def _read_stream(stream: BinaryIO, name: str) -> bytes:
    """All a pipe or terminal holds; a device such as /dev/zero or a disk (which never ends, or holds
    no text) is refused before anything is read."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # a stream in memory (a test's standard input): no device
        mode = 0
    if (stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) and not stream.isatty():
        raise RecordError(f"{name}: is a device, not a file to import")
    return stream.read()


def _read_bytes(data: bytes, name: str, fmt: str) -> Iterator[Record]:
    """JSONL or one text document, as ``fmt`` or the content says (formats read from a file by name
    cannot come through a pipe)."""
    if fmt in MODULE_FORMATS:
        raise RecordError(f"{name}: --format {fmt} reads files by name; save the input to a file first")
    if data.startswith(SQLITE_HEADER):
        raise RecordError(f"{name}: is an SQLite database, not text or JSONL")
    if fmt == "text":
        yield read_text_bytes(data, name)
        return
    if looks_like_json_array(data):
        raise RecordError(f"{name}: {ARRAY_HINT}")
    if fmt == "jsonl" or looks_like_jsonl(data[:HEAD_BYTES]):
        yield from read_jsonl_lines(io.BytesIO(data), name)
    else:
        yield read_text_bytes(data, name)


def expand(sources: Sequence[str | Path], database: Path | None = None, fmt: str = "auto") -> list[Path]:
    """The sources to read, in a stable order: files named, folders that are one collection (brat),
    and the text and JSONL files inside other folders named."""
    if not sources:
        raise RecordError("nothing to import: name at least one file or folder")
    files: list[Path] = []
    for source in map(Path, sources):
        if database and str(source) != STDIN and is_database_file(source, database):
            raise RecordError(f"{source}: is the database being imported into, not a file to import")
        if str(source) == STDIN:
            files.append(source)
        elif source.is_dir() and not _is_collection(source, fmt):
            files.extend(_folder_files(source, database))
        else:
            check_source_exists(source)
            files.append(source)
    return files


def _is_collection(folder: Path, fmt: str) -> bool:
    """Whether a folder is read as a whole by a folder format (given, or recognised)."""
    if fmt in MODULE_FORMATS:
        return format_module(fmt).LAYOUT == "folder"
    return fmt == "auto" and _recognised(folder) is not None


def check_source_exists(source: Path) -> None:
    """RecordError saying why a named source cannot be read: missing, a dangling link, a link loop."""
    try:
        os.stat(source)
    except FileNotFoundError:
        if os.path.islink(source):
            target = os.readlink(source)
            raise RecordError(f"{source}: is a symbolic link to {target}, which does not exist") from None
        raise RecordError(f"{source}: no such file or folder") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else error
        raise RecordError(f"{source}: cannot be read ({reason})") from None


def _folder_files(folder: Path, database: Path | None) -> list[Path]:
    """The importable files in a folder and its subfolders; RecordError when there are none."""
    wanted = JSONL_SUFFIXES | TEXT_SUFFIXES | _module_suffixes()
    side = _side_files()
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in wanted
        and p.name not in side
        and not in_temporary(p, folder)
        and not (database and is_database_file(p, database))
    )
    if not found:
        names = ", ".join(sorted(wanted))
        raise RecordError(f"{folder}: holds no files to import (looked for {names})")
    return found


def _module_suffixes() -> set[str]:
    """File name suffixes that format modules claim (``SUFFIXES``, e.g. conll's ``.conll``)."""
    return {suffix for fmt in available_formats() for suffix in getattr(format_module(fmt), "SUFFIXES", ())}


def _side_files() -> set[str]:
    """Names of files a format reads beside its own (``SIDE_FILES``, e.g. hf's labels.json): in a
    folder they are not documents to import."""
    return {name for fmt in available_formats() for name in getattr(format_module(fmt), "SIDE_FILES", ())}
