"""A hostile pass on the command line of search and apply everywhere: white-space texts, other people's
batches, numbers past SQLite's integers, and a search whose reader goes away."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.cli import cli
from annotations.model import DocumentState, Span, SpanSource
from annotations.text import whitespace_tokens
from tests.reliability_helpers import dump, run_spandesk, seed_documents

TEXTS = ("The Kremlin said that Putin would travel.", "A spokesman for the Kremlin denied it.")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.db"
    db = store.open_store(path)
    documents = [
        store.NewDocument(
            text,
            whitespace_tokens(text),
            i + 1,
            DocumentState((Span(4, 11, "FAC", SpanSource.MODEL),) if i == 0 else (), None),
        )
        for i, text in enumerate(TEXTS)
    ]
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "news"), documents)
        store.set_setting(db, "annotator", "alice")
    db.close()
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("text", [" ", "   ", "\t\n", "Kremlin ", " Kremlin", "\r\nKremlin"])
def test_label_all_refuses_text_with_white_space_at_its_ends(db_path: Path, text: str) -> None:
    before = dump(db_path)
    code, output = run("label-all", text, "--label", "ORG", "--db", str(db_path))
    assert code == 2
    assert "white space" in output and "TEXT" in output
    if text.strip():
        assert "'Kremlin'" in output  # the text it would have to be
    assert dump(db_path) == before


def test_undo_batch_refuses_another_persons_batch(db_path: Path) -> None:
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path), "--annotator", "bob")
    assert code == 0, output
    before = dump(db_path)
    code, output = run("undo-batch", "1", "--db", str(db_path))  # alice, the database's annotator
    assert code == 1
    assert "batch 1" in output and "bob's versions" in output and "--annotator bob" in output
    assert dump(db_path) == before
    code, output = run("undo-batch", "1", "--db", str(db_path), "--annotator", "bob")
    assert code == 0 and "Undid batch 1" in output


@pytest.mark.parametrize(
    "args",
    [
        ("undo-batch", "99999999999999999999"),
        ("batches", "--limit", "99999999999999999999"),
        ("find", "Kremlin", "--limit", "99999999999999999999"),
        ("find", "Kremlin", "--context", "99999999999999999999"),
    ],
)
def test_numbers_past_sqlite_integers_are_named_not_a_traceback(db_path: Path, args: tuple[str, ...]) -> None:
    before = dump(db_path)
    result = run_spandesk(*args, "--db", str(db_path))
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert "99999999999999999999" in result.stderr  # the number is named
    assert dump(db_path) == before


def test_find_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    seed_documents(path, 3000)
    script = run_spandesk("--version").args[0]  # the same console script run_spandesk uses
    for extra in ((), ("--json",)):
        process = subprocess.Popen(
            [script, "find", "Document", "--db", str(path), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(100)  # `| head -c 100`
        process.stdout.close()
        errors = process.stderr.read().decode()
        process.wait(timeout=60)
        assert "Traceback" not in errors and "Exception ignored" not in errors, errors


DAMAGE = {
    "dropped": "DROP TABLE documents_fts",
    "garbled": "UPDATE documents_fts_data SET block = x'0102030405' WHERE id > 1",
    "pages gone": "DELETE FROM documents_fts_data WHERE id > 10",
    "no config": "DELETE FROM documents_fts_config",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_still_finds_everything_and_check_names_it(db_path: Path, damage: str) -> None:
    import sqlite3

    connection = sqlite3.connect(db_path)
    connection.executescript(DAMAGE[damage])
    connection.close()
    found = run_spandesk("find", "Kremlin", "--db", str(db_path))
    assert found.returncode == 0, found.stderr
    assert "2 occurrences in 2 documents" in found.stdout
    labelled = run_spandesk("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))
    assert labelled.returncode == 0, labelled.stderr
    assert "Changed 2 occurrences in 2 documents" in labelled.stdout
    checked = run_spandesk("check", "--db", str(db_path))
    assert checked.returncode == 1
    assert "search index documents_fts" in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr


def test_check_names_a_document_the_index_does_not_list(db_path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(db_path)
    newest = connection.execute("SELECT max(id) FROM documents").fetchone()[0]
    connection.execute(
        "INSERT INTO documents_fts (documents_fts, rowid, text) SELECT 'delete', id, text"
        " FROM documents WHERE id = ?",
        [newest],
    )
    connection.commit()
    connection.close()
    checked = run_spandesk("check", "--db", str(db_path))
    assert checked.returncode == 1
    assert f"does not list document {newest}" in checked.stdout + checked.stderr


def test_check_of_a_sound_index_is_quiet(db_path: Path) -> None:
    assert run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))[0] == 0
    checked = run_spandesk("check", "--db", str(db_path))
    assert checked.returncode == 0 and "ok" in checked.stdout


@pytest.mark.parametrize(
    ("label", "named"), [("\udcff", "not UTF-8"), ("A\nB", "control character"), ("O\x1b[31mRG", "U+001B")]
)
def test_a_label_holding_a_control_character_or_a_bad_byte_is_refused(
    db_path: Path, label: str, named: str
) -> None:
    before = dump(db_path)
    for command in ("label-all", "unlabel-all"):
        result = run_spandesk(command, "Kremlin", "--label", label, "--db", str(db_path))
        assert result.returncode == 2, result.stdout
        assert named in result.stderr and "--label" in result.stderr
        assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert dump(db_path) == before


def test_an_annotator_name_that_is_not_utf8_is_refused(db_path: Path) -> None:
    before = dump(db_path)
    for args in (("label-all", "Kremlin", "--label", "ORG"), ("undo-batch",)):
        result = run_spandesk(*args, "--annotator", "\udcff", "--db", str(db_path))
        assert result.returncode == 2
        assert "not UTF-8" in result.stderr and "Traceback" not in result.stderr
    assert dump(db_path) == before


def test_label_all_on_a_database_another_program_holds_waits_says_so_then_applies(db_path: Path) -> None:
    """Another program's write (an import of a million documents holds the lock for minutes): label-all
    waits for it, naming the file, instead of being refused after the busy timeout."""
    import sqlite3
    import threading

    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: (holder.execute("ROLLBACK"), holder.close()))
    release.start()
    try:
        code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))
    finally:
        release.join()
    assert code == 0, output
    assert f"Waiting for another program to finish writing to {db_path}" in output
    assert "The change is stored as soon as it has finished; Ctrl+C stops, storing nothing." in output
    assert "spandesk check" not in output  # nothing is damaged


def test_a_regular_expression_that_backtracks_forever_is_stopped_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from annotations import find_command

    path = tmp_path / "long.db"
    db = store.open_store(path)
    texts = ["a" * 40 + "!", "the end"]
    with store.write_transaction(db):
        key = store.ensure_dataset(db, "d")
        store.insert_documents(db, key, [store.NewDocument(t, (), i) for i, t in enumerate(texts)])
    db.close()
    monkeypatch.setattr(find_command, "REGEX_SECONDS", 0.5)
    started = time.monotonic()
    code, output = run("find", "(a+)+$", "--regex", "--db", str(path))
    assert time.monotonic() - started < 10
    assert code == 1
    assert "'(a+)+$'" in output and "stopped" in output
    code, output = run("find", "end$", "--regex", "--db", str(path))  # an ordinary one is not bounded away
    assert code == 0 and "1 occurrence in 1 document" in output


def test_one_document_is_not_counted_as_documents(db_path: Path) -> None:
    code, output = run("label-all", "Putin", "--label", "PERSON", "--db", str(db_path), "--dry-run")
    assert "1 occurrence in 1 document:" in output
    assert "would change 1 occurrence in 1 document;" in output
    code, output = run("label-all", "Putin", "--label", "PERSON", "--db", str(db_path))
    assert "Changed 1 occurrence in 1 document as batch 1" in output
    code, output = run("batches", "--db", str(db_path))
    assert "alice  1 document  label 'Putin' as PERSON" in output
    code, output = run("undo-batch", "--db", str(db_path))
    assert "Undid batch 1: 1 document back as they were" in output


def test_label_all_refuses_a_label_the_database_does_not_have(tmp_path: Path) -> None:
    """A typo (`PERSN`) would make spans of a label the window cannot offer and exports would list: refused,
    naming the labels there are; nothing is written."""
    db_path = tmp_path / "labels.db"
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        store.add_labels(db, ["PERSON", "ORG"])
        store.insert_documents(db, dataset, [store.NewDocument("Ada met Bob.", (), 1)])
    db.close()
    result = CliRunner().invoke(cli, ["label-all", "Bob", "--label", "PERSN", "--db", str(db_path)])
    assert (
        result.exit_code == 2
        and "'PERSN' is not one of this database's labels (PERSON, ORG)" in result.output
    )
    db = store.open_store(db_path)
    try:
        assert store.annotators(db) == [] and db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    finally:
        db.close()
