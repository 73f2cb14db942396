"""Bad input through `spandesk`: a clear message naming file, line or offset; exit 1; nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_helpers import dump, run_spandesk, seed_documents

from annotations.cli import cli
from annotations.preannotate import MAX_DOCUMENT_CHARS


def _jsonl(*rows: object) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


GOOD = {"text": "Angela Merkel visited Paris.", "spans": [{"start": 0, "end": 13, "label": "PERSON"}]}
# name -> (file name, bytes, what the message must say besides the file name)
BAD_INPUTS = {
    "binary file": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    "invalid UTF-8 text": ("latin1.txt", "Zoë's café".encode("latin-1"), "byte offset 2"),
    "invalid UTF-8 JSONL": ("latin1.jsonl", _jsonl(GOOD) + '{"text": "café"}\n'.encode("latin-1"), ":2:"),
    "broken JSONL line": (
        "broken.jsonl",
        _jsonl(GOOD) + b'{"text": "half a record"\n',
        ":2: invalid JSON at column",
    ),
    "record without text": ("notext.jsonl", _jsonl(GOOD, {"meta": {"id": 1}}), ':2: has no "text"'),
    "record not an object": ("list.jsonl", _jsonl(GOOD, GOOD, ["text"]), ":3: must be a JSON object"),
    "span past the end": (
        "past.jsonl",
        _jsonl({"text": "short", "label": [[0, 99, "ORG"]]}),
        "outside the text",
    ),
    "span ending before it starts": (
        "backwards.jsonl",
        _jsonl({"text": "short text", "spans": [{"start": 6, "end": 2, "label": "ORG"}]}),
        "ends before it starts",
    ),
    "overlapping spans": (
        "overlap.jsonl",
        _jsonl({"text": "New York City", "label": [[0, 8, "GPE"], [4, 13, "GPE"]]}),
        "overlap",
    ),
    "deeply nested JSON": ("deep.jsonl", b"[" * 100_000 + b"\n", ":1: the JSON is nested too deeply"),
    "number too large": ("huge.jsonl", b'{"text": "x", "_input_hash": ' + b"9" * 30 + b"}\n", "64-bit"),
    "empty text file": ("empty.txt", b"", "is empty"),
    "empty JSONL file": ("empty.jsonl", b"\n\n", "is empty"),
    "UTF-16 JSONL": ("wide.jsonl", '{"text": "x"}\n'.encode("utf-16"), "UTF-16"),
}


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A database already holding work, to prove a failed import leaves it exactly as it was."""
    db_path = tmp_path / "work.db"
    seed_documents(db_path, 3)
    return db_path


def _import(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["import", *args, "--db", str(db_path)])


def _assert_refused(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Nothing was imported; the database is unchanged." in result.output
    for needle in needles:
        assert needle in result.output


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_files_are_refused_with_a_message_naming_the_place(
    seeded: Path, tmp_path: Path, case: str
) -> None:
    """Each kind of bad file: exit 1, file and line or offset named, no traceback, database unchanged."""
    name, content, needle = BAD_INPUTS[case]
    path = tmp_path / name
    path.write_bytes(content)
    before = dump(seeded)
    _assert_refused(_import(seeded, str(path)), str(path), needle)
    assert dump(seeded) == before


def test_a_bad_file_after_good_ones_stores_nothing_of_the_good(seeded: Path, tmp_path: Path) -> None:
    """All or nothing across files: a good file then a broken one imports neither."""
    good = tmp_path / "good.jsonl"
    good.write_bytes(_jsonl(GOOD, {"text": "Another one.", "label": []}))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(_jsonl(GOOD) + b"{oops\n")
    before = dump(seeded)
    _assert_refused(_import(seeded, str(good), str(bad)), f"{bad}:2")
    assert dump(seeded) == before


def test_a_fifty_megabyte_document_is_refused_with_the_limit(seeded: Path, tmp_path: Path) -> None:
    """A 50 MB document is refused naming the file, its size and the limit."""
    path = tmp_path / "book.txt"
    path.write_bytes(b"word " * 10_000_000)
    before = dump(seeded)
    _assert_refused(_import(seeded, str(path)), str(path), "50,000,000 characters", f"{MAX_DOCUMENT_CHARS:,}")
    assert dump(seeded) == before


def test_missing_files_and_unreadable_folders_are_named(seeded: Path, tmp_path: Path) -> None:
    """A missing file, an empty folder, a folder of non-text files, a folder whose only .txt is binary."""
    empty = tmp_path / "empty"
    empty.mkdir()
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "a.png").write_bytes(b"\x89PNG\x00\x00")
    disguised = tmp_path / "disguised"
    disguised.mkdir()
    (disguised / "notes.txt").write_bytes(b"\x00\x01\x02binary")
    before = dump(seeded)
    _assert_refused(_import(seeded, str(tmp_path / "missing.txt")), "missing.txt: no such file")
    _assert_refused(_import(seeded, str(empty)), f"{empty}: holds no files to import")
    _assert_refused(_import(seeded, str(pictures)), f"{pictures}: holds no files to import")
    _assert_refused(_import(seeded, str(disguised)), str(disguised / "notes.txt"), "binary")
    assert dump(seeded) == before


def test_labels_outside_the_label_set_are_refused_and_others_join_the_label_set(seeded: Path, tmp_path: Path):
    """With --label, a file's other labels are refused by name; without it they are added to the labels."""
    path = tmp_path / "labels.jsonl"
    path.write_bytes(_jsonl({"text": "Acme hired Zoë.", "label": [[0, 4, "COMPANY"], [11, 14, "PERSON"]]}))
    before = dump(seeded)
    _assert_refused(
        _import(seeded, str(path), "--label", "PERSON,ORG"), f"{path}:1", "COMPANY", "--label set"
    )
    assert dump(seeded) == before
    result = _import(seeded, str(path))
    assert result.exit_code == 0, result.output
    labels = [row[0] for row in dump(seeded)["labels"]]
    assert "COMPANY" in labels and "PERSON" in labels


def test_the_real_command_refuses_a_broken_file_without_a_traceback(seeded: Path, tmp_path: Path) -> None:
    """The installed `spandesk` script: exit 1, the message on stderr, no traceback, database unchanged."""
    path = tmp_path / "broken.jsonl"
    path.write_bytes(_jsonl(GOOD) + b'{"text": 5}\n' + b"[" * 100_000 + b"\n")
    before = dump(seeded)
    result = run_spandesk("import", str(path), "--db", str(seeded))
    assert result.returncode == 1
    assert f"{path}:2" in result.stderr and '"text" must be a string' in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert dump(seeded) == before
