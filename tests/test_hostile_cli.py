"""The command line under hostile arguments: other names of the database, options that would be
silently ignored or select nothing, names that are not what they look like."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_helpers import dump, integrity, seed_documents

from annotations.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _assert_clean_failure(result, *needles: str) -> None:
    """Exit 1 or 2 with a message and no traceback."""
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for needle in needles:
        assert needle in result.output, result.output


def _state(path: Path) -> tuple[int, bytes] | None:
    """A file's inode and content (None when absent), to see it untouched."""
    return (path.stat().st_ino, path.read_bytes()) if path.exists() else None


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "e.db"
    seed_documents(path, 5)
    return path


# ---------------------------------------------------------------- the database under another name


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_export_refuses_the_side_files_of_the_database_opened_through_a_hard_link(
    seeded: Path, suffix: str
) -> None:
    """`--db hard.db -o e.db-wal`, hard.db being e.db: the output would be e.db's own -wal (a window
    on e.db writes there), or a "hot journal" that makes the next reader of e.db fail."""
    alias = seeded.parent / "hard.db"
    os.link(seeded, alias)
    before = dump(seeded)
    output = str(seeded) + suffix
    side = _state(Path(output))
    result = _run("export", "--db", str(alias), "--format", "prodigy", "--all", "-o", output)
    _assert_clean_failure(result, "is the database being exported")
    assert _state(Path(output)) == side
    assert dump(seeded) == before and integrity(seeded) == ["ok"]


def test_import_refuses_a_side_file_of_the_database_opened_through_a_hard_link(seeded: Path) -> None:
    """Reading e.db-wal with a descriptor of our own and closing it drops the locks SQLite holds on it."""
    alias = seeded.parent / "hard.db"
    os.link(seeded, alias)
    wal = Path(str(seeded) + "-wal")
    wal.write_text('{"text": "not really a wal"}\n')
    before = dump(seeded)
    result = _run("import", str(wal), "--db", str(alias))
    _assert_clean_failure(result, "is the database being imported into")
    assert dump(seeded) == before


# ---------------------------------------------------------------- options that would do nothing


@pytest.mark.parametrize("answers", [",", "", " , "])
def test_export_refuses_an_answer_list_naming_no_answer(seeded: Path, answers: str) -> None:
    """`--answer ,` selected no answer at all: the export wrote an empty file and exited 0."""
    output = seeded.parent / "out.jsonl"
    db = str(seeded)
    result = _run("export", "--db", db, "--format", "prodigy", "--answer", answers, "-o", str(output))
    _assert_clean_failure(result, "name at least one answer")
    assert not output.exists()


@pytest.mark.parametrize("fmt", ["prodigy", "doccano"])
def test_export_refuses_split_for_a_jsonl_format(seeded: Path, fmt: str) -> None:
    """`--split 0.2` with a JSONL format was ignored without a word: one file held every document."""
    output = seeded.parent / "out.jsonl"
    result = _run("export", "--db", str(seeded), "--format", fmt, "--all", "--split", ".2", "-o", f"{output}")
    _assert_clean_failure(result, "--split divides a spaCy export")
    assert not output.exists()


# ---------------------------------------------------------------- plain columns of the wrong kind

WRONG_KINDS = {
    "task_hash text": ("UPDATE documents SET task_hash = 'abc'", "documents", "task_hash"),
    "input_hash real": ("UPDATE documents SET input_hash = 1.5", "documents", "input_hash"),
    "updated text": ("UPDATE annotations SET updated = 'yesterday'", "annotations", "updated"),
    "annotator blob": ("UPDATE annotations SET annotator = x'00ff'", "annotations", "annotator"),
}


def _damage(path: Path, sql: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute(sql + " WHERE rowid = 2")
    connection.commit()
    connection.close()


@pytest.mark.parametrize("case", sorted(WRONG_KINDS))
def test_check_names_a_plain_column_holding_a_value_of_the_wrong_kind(seeded: Path, case: str) -> None:
    """A task hash of 'abc' passed `check`, and the export wrote it into a file that does not import."""
    sql, table, column = WRONG_KINDS[case]
    _damage(seeded, sql)
    result = _run("check", "--db", str(seeded))
    _assert_clean_failure(result, "1 problem", f"{table} (row 2): {column} holds")


@pytest.mark.parametrize("fmt", ["prodigy", "doccano"])
@pytest.mark.parametrize("case", sorted(WRONG_KINDS))
def test_export_refuses_a_plain_column_of_the_wrong_kind_naming_it(seeded: Path, case: str, fmt: str) -> None:
    sql, table, column = WRONG_KINDS[case]
    _damage(seeded, sql)
    output = seeded.parent / "out.jsonl"
    result = _run("export", "--db", str(seeded), "--format", fmt, "--all", "-o", str(output))
    _assert_clean_failure(result, f"{table}.{column} holds", "spandesk check")
    assert not output.exists()


# ---------------------------------------------------------------- sources that are not what they look like


def test_import_says_a_source_is_a_symbolic_link_loop(seeded: Path) -> None:
    """A link loop was reported as 'no such file or folder', though `ls` shows it there."""
    folder = seeded.parent
    (folder / "one.jsonl").symlink_to(folder / "two.jsonl")
    (folder / "two.jsonl").symlink_to(folder / "one.jsonl")
    result = _run("import", str(folder / "one.jsonl"), "--db", str(seeded))
    _assert_clean_failure(result, "one.jsonl: cannot be read (Too many levels of symbolic links)")


def test_import_says_a_source_is_a_dangling_symbolic_link(seeded: Path) -> None:
    folder = seeded.parent
    (folder / "latest.jsonl").symlink_to(folder / "moved-away.jsonl")
    result = _run("import", str(folder / "latest.jsonl"), "--db", str(seeded))
    _assert_clean_failure(
        result, "latest.jsonl: is a symbolic link to", "moved-away.jsonl, which does not exist"
    )


@pytest.mark.parametrize("how", ["named", "standard input"])
def test_import_refuses_a_device_that_never_ends(seeded: Path, how: str) -> None:
    """`spandesk import /dev/zero` read until memory ran out (a MemoryError traceback)."""
    before = dump(seeded)
    command = [
        sys.executable,
        "-c",
        "from annotations.cli import main; main()",
        "import",
        "--db",
        str(seeded),
    ]
    with open("/dev/zero", "rb") as zero:
        source, stdin = ("/dev/zero", None) if how == "named" else ("-", zero)
        result = subprocess.run(
            [*command, source], stdin=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT
        )
    assert result.returncode == 1, result.stderr
    assert "is a device, not a file to import" in result.stderr and "Traceback" not in result.stderr
    assert dump(seeded) == before


@pytest.mark.parametrize(
    "content", ['[{"text": "one"}, {"text": "two"}]\n', '[\n  {"text": "one"}\n]\n', "[]"]
)
def test_import_of_a_pipe_holding_a_json_array_explains_instead_of_storing_it_as_text(
    seeded: Path, content: str
) -> None:
    """A JSON array through a pipe became one text document of raw JSON, pre-annotated by spaCy."""
    before = dump(seeded)
    result = CliRunner().invoke(cli, ["import", "-", "--db", str(seeded)], input=content)
    _assert_clean_failure(result, "<stdin>: this looks like one JSON array", "jq -c")
    assert dump(seeded) == before


def test_import_of_a_pipe_holding_text_that_starts_with_a_bracket_is_text(seeded: Path) -> None:
    result = CliRunner().invoke(cli, ["import", "-", "--db", str(seeded)], input="[Chorus] la la la\n")
    assert result.exit_code == 0, result.output
    assert "Imported 1 document into" in result.output


# ---------------------------------------------------------------- a backup is one file


def test_a_backup_is_one_file_not_in_wal_mode(seeded: Path) -> None:
    """A backup copied in WAL mode could not be opened where SQLite cannot create its -shm (read-only
    media, a read-only share): `check` said 'cannot be opened'."""
    target = seeded.parent / "copy.db"
    result = _run("backup", str(target), "--db", str(seeded))
    assert result.exit_code == 0, result.output
    header = target.read_bytes()[:20]
    assert (header[18], header[19]) == (1, 1)  # the rollback-journal file format, not WAL's (2, 2)
    assert not Path(str(target) + "-wal").exists()


def _mount_read_only_copy(folder: Path, file: Path) -> bool:
    """A read-only tmpfs at ``folder`` holding a copy of ``file`` (False where mounting is not allowed)."""
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)]).returncode:
        return False
    (folder / file.name).write_bytes(file.read_bytes())
    return subprocess.run(["mount", "-o", "remount,ro", str(folder)]).returncode == 0


def test_a_backup_on_read_only_media_can_be_checked_and_exported(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    assert _run("backup", str(target), "--db", str(seeded)).exit_code == 0
    media = tmp_path / "media"
    if not _mount_read_only_copy(media, target):
        pytest.skip("needs root and mount for a read-only file system")
    try:
        copy = media / target.name
        assert _run("check", "--db", str(copy)).exit_code == 0
        exported = _run("export", "--db", str(copy), "--format", "prodigy", "--all")
        assert exported.exit_code == 0 and exported.output.count("\n") >= 5, exported.output
    finally:
        subprocess.run(["umount", str(media)])


# ---------------------------------------------------------------- the files of another database


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_export_refuses_the_side_files_of_another_sqlite_database(
    seeded: Path, tmp_path: Path, suffix: str
) -> None:
    """`-o notes.sqlite-wal` replaced the WAL another program was writing into: after that program
    ended without a checkpoint (a crash), everything it had committed was gone."""
    other = tmp_path / "notes.sqlite"
    writer = sqlite3.connect(other)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE notes (body TEXT)")
        writer.execute("INSERT INTO notes VALUES ('committed')")
        writer.commit()
        side = Path(str(other) + suffix)
        before = _state(side)
        result = _run("export", "--db", str(seeded), "--format", "prodigy", "--all", "-o", str(side))
        _assert_clean_failure(result, "is a file SQLite keeps beside the database", "left untouched")
        assert _state(side) == before
        reader = sqlite3.connect(other)
        assert reader.execute("SELECT body FROM notes").fetchall() == [("committed",)]
        reader.close()
    finally:
        writer.close()


def test_export_refuses_a_wal_file_under_another_name(seeded: Path, tmp_path: Path) -> None:
    """A WAL moved aside (`mv x.db-wal saved-wal`) is still what recovers x.db's last transactions."""
    saved = tmp_path / "saved-wal"
    saved.write_bytes(b"\x37\x7f\x06\x82" + bytes(28))
    result = _run("export", "--db", str(seeded), "--format", "prodigy", "--all", "-o", str(saved))
    _assert_clean_failure(result, "is an SQLite journal or WAL file")
    assert saved.read_bytes() == b"\x37\x7f\x06\x82" + bytes(28)


def test_backup_refuses_the_name_of_another_databases_journal(seeded: Path, tmp_path: Path) -> None:
    """A backup named x.db-journal beside a database x.db would be taken for its hot journal."""
    other = tmp_path / "x.db"
    sqlite3.connect(other).execute("CREATE TABLE t (a)").connection.close()
    target = Path(str(other) + "-journal")
    result = _run("backup", str(target), "--db", str(seeded))
    _assert_clean_failure(result, "is a file SQLite keeps beside the database")
    assert not target.exists()


@pytest.mark.parametrize("name", ["", "   "])
def test_import_refuses_an_empty_dataset_name(seeded: Path, tmp_path: Path, name: str) -> None:
    """`--dataset ''` made a dataset with no name, listed as 'have: default, ' and hard to export alone."""
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Alice met Bob.", "spans": []}\n', encoding="utf-8")
    before = dump(seeded)
    result = _run("import", str(source), "--db", str(seeded), "--dataset", name)
    _assert_clean_failure(result, "is empty; name the dataset")
    assert dump(seeded) == before


# ---------------------------------------------------------------- a write interrupted in rollback mode

INTERRUPTED_WRITE = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size=1")  # spill changed pages into the file before the commit
connection.execute("BEGIN")
connection.execute("UPDATE documents SET meta = '{\\"half\\": \\"written\\"}'")
connection.execute("INSERT INTO settings VALUES ('padding', hex(randomblob(50000)))")
os._exit(0)  # killed mid-transaction: the -journal is left "hot"
"""


@pytest.mark.parametrize("command", ["stats", "check", "export"])
def test_read_only_commands_read_a_database_whose_write_was_interrupted(
    seeded: Path, tmp_path: Path, command: str
) -> None:
    """A backup (rollback-journal mode) that a program was killed while writing: every reading command
    said 'is read-only; open a copy, or make the file writable', though the file was writable."""
    copy = tmp_path / "copy.db"
    assert _run("backup", str(copy), "--db", str(seeded)).exit_code == 0
    committed = dump(copy)
    subprocess.run([sys.executable, "-c", INTERRUPTED_WRITE, str(copy)], check=True, timeout=60)
    assert Path(f"{copy}-journal").stat().st_size > 0
    args = [command, "--db", str(copy)] + (["--format", "prodigy", "--all"] if command == "export" else [])
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert "half" not in result.output
    assert dump(copy) == committed and integrity(copy) == ["ok"]


def test_an_import_of_a_file_that_is_not_there_leaves_no_database_behind(tmp_path: Path) -> None:
    """A mistyped --db, or source, left an empty database (and its folders) while saying nothing was
    imported; later commands then said it "holds none" instead of "no such database"."""
    target = tmp_path / "typo" / "new.db"
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "missing.jsonl"), "--db", str(target)])
    assert result.exit_code == 1 and "missing.jsonl: no such file or folder" in result.output
    assert "Nothing was imported" in result.output and not (tmp_path / "typo").exists()
