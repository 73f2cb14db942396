"""The team commands (import of versions, export --version, assign, merge, agreement) used the way a
demanding user or an attacker would: names that are not what they look like, files that lie."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import dump, run_spandesk, seed_documents

from annotations import store
from annotations.model import REVIEW, Answer
from annotations.session import Session

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


# ---------------------------------------------------------------- merge: what a person's file brings


def _edit(path: Path, annotator: str, document_id: int, label: str = "GPE") -> None:
    """A person's window: add a span and accept, through a Session."""
    db = store.open_store(path)
    try:
        session = Session(db, annotator)
        session.open(document_id)
        session.apply(session.add_span(0, 8, label))
        session.apply(session.set_answer(Answer.ACCEPT))
    finally:
        db.close()


def _iterdump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def team_and_person(tmp_path: Path) -> tuple[Path, Path]:
    """TEAM.db with 3 documents; carol.db with those 3 and 3 more (ids 4-6), carol's versions of 1 and 5."""
    team, person = tmp_path / "TEAM.db", tmp_path / "carol.db"
    seed_documents(team, 3, "news")
    seed_documents(person, 6, "news")
    _edit(person, "carol", 1)
    _edit(person, "carol", 5)
    return team, person


_LATEST_EVENT = "(SELECT max(id) FROM events)"
DAMAGES = {
    "spans cut short": (
        "UPDATE annotations SET spans = '[[0,' WHERE owner = 'carol' AND document_id = 1",
        "annotations (document 1, version 'carol'): spans is not valid JSON",
    ),
    "span beyond the text": (
        "UPDATE annotations SET spans = '[[0, 9999, \"GPE\", \"human\"]]' WHERE owner = 'carol'"
        " AND document_id = 5",
        "annotations (document 5, version 'carol'): spans span 0",
    ),
    "owner holding a line break": (
        "UPDATE annotations SET owner = 'car' || char(10) || 'ol' WHERE owner = 'carol' AND document_id = 5",
        "owner 'car\\nol' cannot be a person's name",
    ),
    "event cut short": (
        "DROP TRIGGER events_append_only_update;"
        f" UPDATE events SET after = '{{bad' WHERE id = {_LATEST_EVENT}",
        "events (id 4, document 5): after is not valid JSON",
    ),
    "event deleted": (
        f"DROP TRIGGER events_append_only_delete; DELETE FROM events WHERE id = {_LATEST_EVENT}",
        "annotations (document 5, version 'carol'): is at revision 2 but its history holds 1 events",
    ),
    "state changed without an event": (
        "UPDATE annotations SET answer = 'reject' WHERE owner = 'carol' AND document_id = 1",
        "events (id 2, document 1): does not lead to the state after it",
    ),
    "new document's tokens": (
        "UPDATE documents SET tokens = '[0, 3' WHERE id = 6",
        "documents (id 6): tokens is not valid JSON",
    ),
    "new document's meta": (
        "UPDATE documents SET meta = '[1]' WHERE id = 4",
        "documents (id 4): meta is not a JSON object",
    ),
    "new document's digest": (
        "UPDATE documents SET text_digest = x'00' WHERE id = 4",
        "documents (id 4): text is not the text it was imported as",
    ),
    "new document's prediction": (
        "INSERT INTO predictions (document_id, model, model_version, spans, created)"
        " VALUES (6, 'm', '1', '[[0, 1, \"X\"', 0)",
        "predictions (document 6, model 'm'): spans is not valid JSON",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_merge_refuses_a_person_file_whose_rows_it_would_copy_are_damaged(
    team_and_person: tuple[Path, Path], damage: str
) -> None:
    """Merging copies rows file to file: a damaged row of a person's file would become one of the team's
    (and `check` of the team's file would then fail). Refused, naming the file and the row; nothing stored."""
    team, person = team_and_person
    sql, needle = DAMAGES[damage]
    connection = sqlite3.connect(person)
    connection.executescript(sql)
    connection.close()
    before = _iterdump(team)
    result = run_spandesk("merge", "--db", str(team), str(person))
    _clean_failure(result, f"{person}: ", needle, "is unchanged")
    assert _iterdump(team) == before
    assert run_spandesk("check", "--db", str(team)).returncode == 0


def test_merge_of_a_sound_person_file_still_passes_check(team_and_person: tuple[Path, Path]) -> None:
    team, person = team_and_person
    result = run_spandesk("merge", "--db", str(team), str(person))
    assert result.returncode == 0, result.stderr
    assert "3 documents added, 2 versions added" in result.stdout
    assert run_spandesk("check", "--db", str(team)).returncode == 0


# ---------------------------------------------------------------- assign --force over a file in use

_WINDOW = """
import os, sys
from annotations import store
from annotations.session import Session
db = store.open_store(sys.argv[1])
session = Session(db, "alice")
for document_id in store.document_ids(db):
    session.open(document_id)
    session.apply(session.add_span(0, 3, "GPE"))
print("edited", flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), 9)
sys.stdin.read()  # a window left open
"""


@pytest.mark.parametrize("how", ["open", "kill"])
def test_assign_force_refuses_a_person_file_a_window_has_open_or_left_unclosed(
    tmp_path: Path, how: str
) -> None:
    """Replacing alice.db while its -wal holds her work (a window open, or killed) would lose that work,
    and SQLite would later replay the old -wal onto the new file: a corrupt database."""
    team, out = tmp_path / "TEAM.db", tmp_path / "out"
    seed_documents(team, 40, "news")
    assert (
        run_spandesk("assign", "--db", str(team), "--annotators", "alice,bob", "--out", str(out)).returncode
        == 0
    )
    seed_documents(tmp_path / "more.db", 45, "news")  # the team's file changes before handing out again
    assert run_spandesk("merge", "--db", str(team), str(tmp_path / "more.db")).returncode == 0
    window = subprocess.Popen(
        [sys.executable, "-c", _WINDOW, str(out / "alice.db"), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert window.stdout is not None and window.stdout.readline() == "edited\n"
        if how == "kill":
            window.wait(timeout=30)
        handed_out = {path.name: path.read_bytes() for path in out.iterdir()}
        result = run_spandesk(
            "assign", "--db", str(team), "--annotators", "bob,alice", "--out", str(out), "--force"
        )
        _clean_failure(
            result, "alice.db: is open in spandesk, or was not closed cleanly", "nothing was written"
        )
        assert {path.name: path.read_bytes() for path in out.iterdir()} == handed_out
    finally:
        if window.poll() is None:
            window.communicate("", timeout=30)
    assert run_spandesk("check", "--db", str(out / "alice.db")).returncode == 0


# ---------------------------------------------------------------- agreement


def test_agreement_refuses_a_label_nobody_uses_instead_of_printing_empty_figures(
    team_and_person: tuple[Path, Path],
) -> None:
    """`--label GEP` (a typo) gave a table of n/a that looks like a result."""
    team, person = team_and_person
    _edit(team, "dave", 1, "ORG")
    assert run_spandesk("merge", "--db", str(team), str(person)).returncode == 0
    result = run_spandesk("agreement", "--db", str(team), "--label", "GEP,GPE")
    _clean_failure(result, "no label called 'GEP'", "GPE")
    assert result.stdout == ""
    fine = run_spandesk("agreement", "--db", str(team), "--label", "GPE", "--json")
    assert fine.returncode == 0, fine.stderr
    assert json.loads(fine.stdout)["pairwise"][0]["annotators"] == ["carol", "dave"]


def test_merge_says_a_dataset_it_adds_is_kept_apart_from_one_named_alike(tmp_path: Path) -> None:
    """A person's file whose dataset is 'News' (the team's is 'news'): its texts were silently stored a
    second time, in a dataset the merge never named."""
    team, person = tmp_path / "TEAM.db", tmp_path / "pat.db"
    seed_documents(team, 3, "news")
    seed_documents(person, 3, "News")
    _edit(person, "pat", 1)
    result = run_spandesk("merge", "--db", str(team), str(person))
    assert result.returncode == 0, result.stderr
    assert "new dataset 'News', kept apart from the team's 'news'" in result.stdout
    other = tmp_path / "other.db"
    seed_documents(other, 2, "sports")
    result = run_spandesk("merge", "--db", str(team), str(other))
    assert result.stdout.splitlines()[-1] == f"{other}: new dataset 'sports'"


def _killed_window(database: Path) -> None:
    """A window that edited ``database`` and was killed: its -wal and -shm are left beside it."""
    window = subprocess.run(
        [sys.executable, "-c", _WINDOW, str(database), "kill"], capture_output=True, text=True
    )
    assert window.stdout == "edited\n", window.stderr


def test_a_new_database_file_is_refused_where_an_earlier_ones_wal_was_left(tmp_path: Path) -> None:
    """alice.db deleted after a crash, its -wal left: a new alice.db (assign) or copy.db (backup) would
    get that -wal replayed into it by SQLite at its first open, a corrupt database."""
    team, out = tmp_path / "TEAM.db", tmp_path / "out"
    seed_documents(team, 40, "news")
    assert (
        run_spandesk("assign", "--db", str(team), "--annotators", "alice", "--out", str(out)).returncode == 0
    )
    _killed_window(out / "alice.db")
    (out / "alice.db").unlink()
    seed_documents(tmp_path / "more.db", 45, "news")
    assert run_spandesk("merge", "--db", str(team), str(tmp_path / "more.db")).returncode == 0
    result = run_spandesk("assign", "--db", str(team), "--annotators", "alice", "--out", str(out))
    _clean_failure(result, "alice.db: alice.db-wal, alice.db-shm of an earlier file", "nothing was written")
    assert not (out / "alice.db").exists()
    copy = tmp_path / "copy.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").write_bytes(Path(f"{out / 'alice.db'}{suffix}").read_bytes())
    _clean_failure(run_spandesk("backup", str(copy), "--db", str(team)), "copy.db: copy.db-wal")
    assert not copy.exists()


def test_merge_names_a_reviewed_version_changed_on_both_sides_in_plain_words(tmp_path: Path) -> None:
    """It said "'reviewed''s version of document 1"."""
    team, copy = tmp_path / "TEAM.db", tmp_path / "rita.db"
    seed_documents(team, 3, "news")
    db = store.open_store(team)
    with store.write_transaction(db):
        store.insert_version(db, 1, REVIEW, store.load_document(db, 1).state, "rita", 1.0)
    db.close()
    assert run_spandesk("backup", str(copy), "--db", str(team)).returncode == 0
    for path, label in ((team, "GPE"), (copy, "ORG")):
        db = store.open_store(path)
        session = Session(db, "rita", version=REVIEW)
        session.open(1)
        session.apply(session.add_span(10, 12, label))
        db.close()
    result = run_spandesk("merge", "--db", str(team), str(copy))
    _clean_failure(result, f"{copy}: the reviewed version of document 1 (dataset 'news'", "is unchanged")


def test_import_refuses_an_annotator_spelt_in_another_case_than_one_already_there(tmp_path: Path) -> None:
    """'Alice' in one file and 'alice' in another were kept as two people, each with half the work (and
    agreement computed between them); assign already refuses such names."""
    database = tmp_path / "t.db"
    first = _records(tmp_path / "a.jsonl", _record("Alice met Bob.", "alice"))
    assert run_spandesk("import", str(first), "--db", str(database)).returncode == 0
    before = dump(database)
    second = _records(tmp_path / "b.jsonl", _record("Carol.", "bob"), _record("Alice met Bob.", "Alice"))
    _clean_failure(
        run_spandesk("import", str(second), "--db", str(database)),
        "b.jsonl:2: its annotator 'Alice' differs only in case from 'alice' (who has versions here already)",
    )
    within = _records(tmp_path / "c.jsonl", _record("Dan is here.", "Bo"), _record("Eve is here.", "BO"))
    _clean_failure(run_spandesk("import", str(within), "--db", str(database)), "'Bo' (named at")
    assert dump(database) == before
    fixed = run_spandesk(
        "import", str(second), "--db", str(database), "--annotator", "alice", "--existing", "keep"
    )
    assert fixed.returncode == 0, fixed.stderr
    assert _annotators(database) == ["alice"]
