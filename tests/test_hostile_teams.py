"""The team commands (import of versions, export --version, assign, merge, agreement) used the way a
demanding user or an attacker would: names that are not what they look like, files that lie."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import dump, run_spandesk, seed_documents

from annotations import store

NFC = unicodedata.normalize("NFC", "Zoë")
NFD = unicodedata.normalize("NFD", "Zoë")


def _records(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _record(text: str, annotator: Any, label: str = "PERSON", answer: str = "accept") -> dict[str, Any]:
    return {
        "text": text,
        "spans": [{"start": 0, "end": 5, "label": label}],
        "answer": answer,
        "_annotator_id": annotator,
    }


def _clean_failure(result, *needles: str) -> None:
    """Exit 1 or 2, the needles in the message, no traceback."""
    assert result.returncode in (1, 2), (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def _annotators(path: Path) -> list[str]:
    db = store.open_store(path, read_only=True)
    try:
        return store.annotators(db)
    finally:
        db.close()


# ---------------------------------------------------------------- annotator names


def test_one_person_spelt_two_unicode_ways_in_files_is_one_annotator(tmp_path: Path) -> None:
    """macOS file names and some editors write é as e + combining accent: the same person, one version."""
    database = tmp_path / "t.db"
    first = _records(tmp_path / "a.jsonl", _record("Alice met Bob.", NFC))
    second = _records(tmp_path / "b.jsonl", _record("Alice met Bob.", NFD), _record("Carol.", f" {NFD} "))
    assert run_spandesk("import", str(first), "--db", str(database)).returncode == 0
    result = run_spandesk("import", str(second), "--db", str(database))
    assert result.returncode == 0, result.stderr
    assert _annotators(database) == [NFC]
    exported = run_spandesk("export", "--db", str(database), "--format", "prodigy", "--version", NFD)
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(line)["_annotator_id"] for line in exported.stdout.splitlines()] == [NFC, NFC]


@pytest.mark.parametrize(
    "name, shown",
    [
        ("a\nb", "U+000A"),  # would split the stats table and every message naming it
        ("\x1b[31mred", "U+001B"),  # a terminal escape
        ("\u202eevil", "U+202E"),  # right-to-left override: shows another name than it is
        ("every", "export uses"),  # `export --version every` could never choose this person
        ("Reviewed", "export uses"),
        ("x" * 300, "at most"),
    ],
)
def test_a_file_naming_an_annotator_that_cannot_be_a_person_is_refused_naming_the_line(
    tmp_path: Path, name: Any, shown: str
) -> None:
    database = tmp_path / "t.db"
    seed_documents(database, 2)
    before = dump(database)
    source = _records(tmp_path / "a.jsonl", _record("Fine text.", "alice"), _record("Alice met Bob.", name))
    result = run_spandesk("import", str(source), "--db", str(database))
    _clean_failure(result, "a.jsonl:2", "annotator", shown, "Nothing was imported")
    assert dump(database) == before


@pytest.mark.parametrize("name", ["current", "every", "reviewed", "bad\tname"])
def test_import_and_assign_refuse_an_annotator_name_export_could_not_choose(
    tmp_path: Path, name: str
) -> None:
    database = tmp_path / "t.db"
    seed_documents(database, 2, "news")
    source = _records(tmp_path / "a.jsonl", _record("Alice met Bob.", None))
    before = dump(database)
    imported = run_spandesk("import", str(source), "--db", str(database), "--annotator", name)
    _clean_failure(imported, "--annotator")
    out = str(tmp_path / "o")
    _clean_failure(
        run_spandesk("assign", "--db", str(database), "--annotators", f"bob,{name}", "--out", out), repr(name)
    )
    assert dump(database) == before
    assert not (tmp_path / "o").exists()


def test_import_keeps_the_annotator_name_given_without_surrounding_spaces(tmp_path: Path) -> None:
    database = tmp_path / "t.db"
    source = _records(tmp_path / "a.jsonl", _record("Alice met Bob.", None))
    result = run_spandesk("import", str(source), "--db", str(database), "--annotator", f"  {NFD} ")
    assert result.returncode == 0, result.stderr
    assert _annotators(database) == [NFC]
