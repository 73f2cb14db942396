"""Paths and databases are what they look like: a name is a file name, a non-file is refused, another
application's database is never touched, commands that read never write, pipes are read as pipes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_helpers import run_spandesk, seed_documents, write_annotated_corpus

from annotations import store

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs and /dev/fd")


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths if p.exists())).hexdigest()


@pytest.mark.parametrize("name", ["file:mem.db?mode=memory", "file:evil.db", "x.db#frag", "50%.db"])
def test_a_database_name_that_looks_like_a_uri_is_a_file_of_that_name(tmp_path: Path, name: str) -> None:
    """`--db 'file:mem.db?mode=memory'` stores into a file called exactly that, and keeps it."""
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 3)
    result = run_spandesk("import", str(corpus), "--db", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).is_file()
    assert not (tmp_path / "evil.db").exists() and not (tmp_path / "mem.db").exists()
    again = run_spandesk("import", str(corpus), "--db", name, cwd=tmp_path)
    assert "0 documents" in again.stdout and "3 already there" in again.stdout


@linux_only
@pytest.mark.parametrize(
    "command", [["check"], ["stats"], ["import", "IN"], ["export", "--format", "prodigy"]]
)
def test_a_fifo_as_database_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    """A named pipe given as --db is refused with a message that says so (it used to hang `check`)."""
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 1)
    args = [str(corpus) if part == "IN" else part for part in command]
    result = run_spandesk(*args, "--db", str(fifo), timeout=60)
    assert result.returncode == 1
    assert "named pipe (FIFO), not a database file" in result.stderr
    assert "Traceback" not in result.stderr


@linux_only
def test_a_symlink_to_dev_null_is_refused_and_nothing_is_written_beside_the_device(tmp_path: Path) -> None:
    """--db a symlink to /dev/null: refused as a device; no /dev/null-journal appears."""
    link = tmp_path / "null.db"
    link.symlink_to("/dev/null")
    journal_before = Path("/dev/null-journal").exists()
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 1)
    result = run_spandesk("import", str(corpus), "--db", str(link))
    assert result.returncode == 1 and "is a device, not a database file" in result.stderr
    assert Path("/dev/null-journal").exists() == journal_before


@pytest.fixture
def foreign_database(tmp_path: Path) -> Path:
    """Another application's SQLite database (rollback journal, one table)."""
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.execute("INSERT INTO notes VALUES ('mine')")
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize(
    "command",
    [["stats"], ["check"], ["export", "--format", "prodigy"], ["backup", "BACKUP"], ["import", "IN"]],
)
def test_another_applications_database_is_refused_untouched(
    tmp_path: Path, foreign_database: Path, command: list[str]
) -> None:
    """Every command refuses a database that is not spandesk's: no tables added, no WAL switch."""
    before = _digest(foreign_database)
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 1)
    replacements = {"BACKUP": str(tmp_path / "copy.db"), "IN": str(corpus)}
    result = run_spandesk(*[replacements.get(p, p) for p in command], "--db", str(foreign_database))
    assert result.returncode == 1
    assert "another application" in result.stderr and "left untouched" in result.stderr
    assert _digest(foreign_database) == before
    assert not Path(f"{foreign_database}-wal").exists()
    assert not (tmp_path / "copy.db").exists()


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    """A text file given as --db is refused, byte for byte unchanged (checked through SQLite itself)."""
    path = tmp_path / "notes.db"
    path.write_text("not a database, but a person's notes\n" * 100)
    before = _digest(path)
    for command in (["stats"], ["check"], ["import", str(write_annotated_corpus(tmp_path / "in.jsonl", 1))]):
        result = run_spandesk(*command, "--db", str(path))
        assert result.returncode == 1 and "not an SQLite database" in result.stderr
    assert _digest(path) == before


def test_commands_that_only_read_write_nothing(tmp_path: Path) -> None:
    """stats, check, export and backup leave the database file byte for byte as it was."""
    path = tmp_path / "mine.db"
    seed_documents(path, 5)
    before = _digest(path)
    for command in (["stats"], ["check"], ["export", "--format", "doccano", "--all"]):
        assert run_spandesk(*command, "--db", str(path)).returncode == 0
    assert run_spandesk("backup", str(tmp_path / "copy.db"), "--db", str(path)).returncode == 0
    assert _digest(path) == before


def test_a_read_only_open_refuses_an_empty_file(tmp_path: Path) -> None:
    """An empty file holds no spandesk data: reading it says so instead of creating tables."""
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(store.StoreError, match="holds no spandesk data"):
        store.open_store(path, read_only=True)
    assert path.stat().st_size == 0


def _spandesk(*args: str, stdin: bytes | None = None, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    script = Path(sys.executable).with_name("spandesk")
    return subprocess.run([str(script), *args], input=stdin, capture_output=True, cwd=cwd, timeout=120)


def _texts(path: Path) -> list[str]:
    db = store.open_store(path, read_only=True)
    try:
        return [document.text for document in store.iter_documents(db, include_unanswered=True)]
    finally:
        db.close()


def test_dash_reads_jsonl_from_standard_input(tmp_path: Path) -> None:
    """`spandesk import -` reads standard input, and knows JSONL by its content."""
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 3)
    result = _spandesk("import", "-", "--db", "s.db", stdin=corpus.read_bytes(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(_texts(tmp_path / "s.db")) == 3 and all(
        text.startswith("Document") for text in _texts(tmp_path / "s.db")
    )


@linux_only
def test_a_pipe_of_jsonl_is_read_as_jsonl_not_as_one_text(tmp_path: Path) -> None:
    """`spandesk import <(cat x.jsonl)` (a /dev/fd pipe, no suffix) imports the records, not raw JSON."""
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 4)
    script = Path(sys.executable).with_name("spandesk")
    command = f"'{script}' import <(cat '{corpus}') --db '{tmp_path / 'p.db'}'"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    texts = _texts(tmp_path / "p.db")
    assert len(texts) == 4 and not any(text.lstrip().startswith("{") for text in texts)


def test_a_file_without_a_known_suffix_is_read_by_its_content(tmp_path: Path) -> None:
    """A JSONL file named `.log` is JSONL; an SQLite file given as a source is refused by name."""
    corpus = write_annotated_corpus(tmp_path / "records.log", 2)
    assert _spandesk("import", str(corpus), "--db", "s.db", cwd=tmp_path).returncode == 0
    assert len(_texts(tmp_path / "s.db")) == 2
    seed_documents(tmp_path / "other-spandesk.db", 1)
    refused = _spandesk("import", "other-spandesk.db", "--db", "s.db", cwd=tmp_path)
    assert refused.returncode == 1 and b"is an SQLite database, not text or JSONL" in refused.stderr


def test_a_data_folder_that_cannot_be_created_gets_a_message(tmp_path: Path) -> None:
    """XDG_DATA_HOME under a regular file: a message naming the folder, no traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = {**os.environ, "XDG_DATA_HOME": str(blocker / "data")}
    env.pop("SPANDESK_DB", None)
    corpus = write_annotated_corpus(tmp_path / "in.jsonl", 1)
    script = Path(sys.executable).with_name("spandesk")
    for command in (["import", str(corpus)], ["stats"]):
        result = subprocess.run([str(script), *command], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 1, result.stderr
        assert str(blocker) in result.stderr and "Traceback" not in result.stderr


def test_a_300_character_database_name_gets_a_message(tmp_path: Path) -> None:
    """A name longer than the system allows is refused with a message, not a traceback."""
    name = "d" * 300 + ".db"
    for command in (["stats"], ["import", str(write_annotated_corpus(tmp_path / "in.jsonl", 1))]):
        result = run_spandesk(*command, "--db", name, cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "too long" in result.stderr


def _old_spandesk_database(path: Path) -> None:
    """A database as spandesk wrote it before the answer counts (migrations m001, m002), one document."""
    from sqlite_utils import Database

    from annotations.migrations import migrations

    old = Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m003_answer_counts")
    old.execute("INSERT INTO datasets (id, name, created) VALUES (1, 'old', 0)")
    old.execute(
        "INSERT INTO documents (id, dataset_id, input_hash, text, created) VALUES (1, 1, 7, 'Old.', 0)"
    )
    old.execute("INSERT INTO annotations (document_id, answer) VALUES (1, 'accept')")
    old.conn.commit()
    old.close()


def test_check_looks_at_an_older_database_as_it_is_and_stats_upgrades_it(tmp_path: Path) -> None:
    """`check` never writes, even to upgrade; a reading command upgrades spandesk's own schema first."""
    path = tmp_path / "old.db"
    _old_spandesk_database(path)
    before = _digest(path)
    checked = run_spandesk("check", "--db", str(path))
    assert checked.returncode == 0, checked.stderr
    assert _digest(path) == before
    stats = run_spandesk("stats", "--db", str(path))
    assert stats.returncode == 0 and "1 accept" in stats.stdout
    db = store.open_store(path, read_only=True, upgrade=False)
    try:
        assert db["answer_counts"].exists()
    finally:
        db.close()
