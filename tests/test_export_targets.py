"""Export and backup write only where they are asked, safely: never over the database, through links,
straight into devices and pipes, atomically into files, with clear messages and no leftovers."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_helpers import dump, file_digest, integrity, seed_documents

from annotations import output_file
from annotations.cli import cli

ROOT = Path(__file__).resolve().parents[1]
LONG = "n" * 300  # longer than any file name may be (NAME_MAX is 255)


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _assert_clean_failure(result, *needles: str) -> None:
    """Exit 1 with a message and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for needle in needles:
        assert needle in result.output, result.output


def _export(db: Path, output: str, *more: str):
    return _run("export", "--db", str(db), "--format", "prodigy", "--all", "-o", output, *more)


def _leftovers(folder: Path) -> list[str]:
    """Hidden files an export or backup may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "e.db"
    seed_documents(path, 5)
    return path


# ---------------------------------------------------------------- never over the database


@pytest.mark.parametrize(
    "spelling", ["same name", "other spelling", "symlink", "hard link", "-wal", "-shm", "-journal"]
)
def test_export_refuses_to_write_over_the_database_or_its_files(seeded: Path, spelling: str) -> None:
    folder = seeded.parent
    if spelling == "symlink":
        (folder / "link.jsonl").symlink_to(seeded)
        output = str(folder / "link.jsonl")
    elif spelling == "hard link":
        os.link(seeded, folder / "hard.jsonl")
        output = str(folder / "hard.jsonl")
    elif spelling == "other spelling":
        (folder / "sub").mkdir()
        output = str(folder / "sub" / ".." / "." / seeded.name)
    elif spelling == "same name":
        output = str(seeded)
    else:
        output = str(seeded) + spelling
    before = dump(seeded)
    _assert_clean_failure(_export(seeded, output), "is the database being exported")
    assert dump(seeded) == before and integrity(seeded) == ["ok"]
    assert not Path(str(seeded) + "-journal").exists()


def test_export_refuses_to_write_over_another_sqlite_database(seeded: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-app.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    before = file_digest(other)
    _assert_clean_failure(_export(seeded, str(other)), "is an SQLite database", "untouched")
    assert file_digest(other) == before


def test_a_split_export_refuses_a_folder_holding_the_database(tmp_path: Path) -> None:
    """`--split` writes train.spacy and dev.spacy into -o: neither may be the database."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    database = folder / "train.spacy"  # a database that happens to carry the name
    seed_documents(database, 5)
    before = dump(database)
    result = _run(
        "export", "--db", str(database), "--format", "spacy", "--all", "--split", "0.5", "-o", str(folder)
    )
    _assert_clean_failure(result, "is the database being exported")
    assert dump(database) == before and not (folder / "dev.spacy").exists()


@pytest.mark.parametrize("name", ["e.db", "e.db-journal", "e.db-wal", "link.db"])
def test_backup_refuses_the_database_and_its_files(seeded: Path, name: str) -> None:
    (seeded.parent / "link.db").symlink_to(seeded)
    target = seeded.parent / name
    existed = os.path.lexists(target)
    before = dump(seeded)
    result = _run("backup", str(target), "--db", str(seeded))
    _assert_clean_failure(result)
    assert "already exists" in result.output or "is the database being exported" in result.output
    assert dump(seeded) == before
    if not existed and target.exists():  # the -wal SQLite itself makes on opening: no copy went there
        assert target.read_bytes()[:16] != output_file.SQLITE_HEADER


@pytest.mark.parametrize("name", ["file:evil.db", "file:mem.db?mode=memory"])
def test_a_backup_target_that_looks_like_a_uri_is_a_plain_file(
    seeded: Path, tmp_path: Path, monkeypatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("backup", name, "--db", str(seeded))
    assert result.exit_code == 0, result.output
    assert dump(tmp_path / name) == dump(seeded)
    assert not (tmp_path / "evil.db").exists() and not (tmp_path / "mem.db").exists()


# ---------------------------------------------------------------- what is at -o


def test_export_writes_into_a_fifo_instead_of_replacing_it(seeded: Path, tmp_path: Path) -> None:
    """A FIFO (like /dev/stdout in a pipe, or /dev/null, a device) is written, not replaced by a file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = _export(seeded, str(fifo))
        assert result.exit_code == 0, result.output
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received.count(b"\n") == 5


def test_export_to_dev_null_leaves_it_a_device(seeded: Path) -> None:
    result = _export(seeded, os.devnull)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_export_to_an_open_descriptor_writes_into_it(seeded: Path) -> None:
    """/proc/self/fd/N (what /dev/stdout and /dev/fd/N lead to) names a stream: write into it."""
    read_end, write_end = os.pipe()
    try:
        result = _export(seeded, f"/proc/self/fd/{write_end}")
        assert result.exit_code == 0, result.output
        os.close(write_end)
        received = os.read(read_end, 1 << 20)
    finally:
        os.close(read_end)
    assert received.count(b"\n") == 5


def test_standard_output_redirected_to_a_file_is_written_not_replaced(seeded: Path, tmp_path: Path) -> None:
    """`spandesk export -o /proc/self/fd/1 >> log`: the lines land after what the file held."""
    log = tmp_path / "log.jsonl"
    log.write_text("first line\n", encoding="utf-8")
    with open(log, "ab") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", "from annotations.cli import main; main()", "export", "--db", str(seeded)]
            + ["--format", "prodigy", "--all", "-o", "/proc/self/fd/1"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "first line" and len(lines) == 6
    assert _leftovers(tmp_path) == []


def test_dash_means_standard_output(seeded: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _export(seeded, "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 5 and not (tmp_path / "-").exists()


def test_export_writes_through_a_symlink(seeded: Path, tmp_path: Path) -> None:
    real = tmp_path / "data" / "annotations.jsonl"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    dangling = tmp_path / "next.jsonl"
    dangling.symlink_to(tmp_path / "data" / "next-target.jsonl")
    assert _export(seeded, str(link)).exit_code == 0
    assert _export(seeded, str(dangling)).exit_code == 0
    assert link.is_symlink() and dangling.is_symlink()
    assert real.read_text(encoding="utf-8").count("\n") == 5
    assert (tmp_path / "data" / "next-target.jsonl").read_text(encoding="utf-8").count("\n") == 5
    assert _leftovers(tmp_path / "data") == [] and _leftovers(tmp_path) == []


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(
    seeded: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared.jsonl"
    shared.write_text("old\n", encoding="utf-8")
    shared.chmod(0o664)
    with _umask(0o022):
        assert _export(seeded, str(shared)).exit_code == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    with _umask(0o002):
        assert _export(seeded, str(tmp_path / "new.jsonl")).exit_code == 0
        assert (
            _run(
                "export", "--db", str(seeded), "--format", "spacy", "--all", "-o", str(tmp_path / "new.spacy")
            ).exit_code
            == 0
        )
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "new.spacy").stat().st_mode) == 0o664
    assert shared.read_text(encoding="utf-8").count("\n") == 5


# ---------------------------------------------------------------- messages, never tracebacks


def test_an_existing_folder_as_output_gets_a_message(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    _assert_clean_failure(_export(seeded, str(tmp_path / "out")), "is a folder")
    spacy = _run("export", "--db", str(seeded), "--format", "spacy", "--all", "-o", str(tmp_path / "out"))
    _assert_clean_failure(spacy, "is a folder")
    split = _run(
        "export",
        "--db",
        str(seeded),
        "--format",
        "spacy",
        "--all",
        "--split",
        "0.5",
        "-o",
        str(tmp_path / "out"),
    )
    assert split.exit_code == 0, split.output  # with --split a folder is what -o names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev.spacy", "train.spacy"]


def test_a_250_character_output_name_is_written(seeded: Path, tmp_path: Path) -> None:
    name = "x" * 244 + ".jsonl"
    result = _export(seeded, str(tmp_path / name))
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text(encoding="utf-8").count("\n") == 5
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "command",
    [
        ["stats", "--db", "{long}.db"],
        ["check", "--db", "{long}.db"],
        ["export", "--format", "prodigy", "--db", "{long}.db"],
        ["import", "{source}", "--db", "{long}.db"],
        ["import", "{long}.jsonl", "--db", "{db}"],
        ["backup", "{long}.db", "--db", "{db}"],
        ["backup", "{folder}/copy.db", "--db", "{long}.db"],
        ["export", "--format", "prodigy", "--db", "{db}", "-o", "{long}.jsonl"],
        ["export", "--format", "spacy", "--db", "{db}", "-o", "{long}.spacy"],
    ],
)
def test_a_300_character_name_gets_a_message_naming_it(
    seeded: Path, tmp_path: Path, command: list[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("Hello there.\n", encoding="utf-8")
    values = {"long": str(tmp_path / LONG), "source": str(source), "db": str(seeded), "folder": str(tmp_path)}
    result = _run(*(part.format(**values) for part in command))
    _assert_clean_failure(result, LONG, "too long")


def test_a_full_disk_leaves_the_target_as_it_was(seeded: Path, tmp_path: Path, monkeypatch) -> None:
    """Writing fails with ENOSPC (JSONL and DocBin): a message, the old file intact, no temporary left."""

    def full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output_file.os, "fsync", full)
    for fmt, name in (("prodigy", "out.jsonl"), ("spacy", "out.spacy")):
        target = tmp_path / name
        target.write_bytes(b"yesterday's export\n")
        result = _run("export", "--db", str(seeded), "--format", fmt, "--all", "-o", str(target))
        _assert_clean_failure(result, str(target), "the disk is full", "left as it was")
        assert target.read_bytes() == b"yesterday's export\n"
    assert _leftovers(tmp_path) == []


def _limited_file_size(limit: int):
    """For a child process: writes past ``limit`` bytes fail (EFBIG) instead of killing it (SIGXFSZ)."""

    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["prodigy", "spacy"])
def test_a_write_the_system_refuses_midway_leaves_the_target_as_it_was(tmp_path: Path, fmt: str) -> None:
    """A real failing write in a real `spandesk export` (the file may not grow past 48 KiB)."""
    path = tmp_path / "big.db"
    seed_documents(path, 1500)
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"yesterday's export\n")
    done = subprocess.run(
        [sys.executable, "-c", "from annotations.cli import main; main()", "export", "--db", str(path)]
        + ["--format", fmt, "--all", "-o", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_limited_file_size(48 * 1024),
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and str(target) in done.stderr and "left as it was" in done.stderr
    assert target.read_bytes() == b"yesterday's export\n"
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------- killed midway


KILLED_EXPORT = """
import sys, time
from pathlib import Path
from annotations import store
from annotations.exporting import export

def progress(done, total):
    if done < total:
        print("writing", flush=True)
        time.sleep(600)

db = store.open_store(sys.argv[1])
export(db, "prodigy", Path(sys.argv[2]), include_unanswered=True, progress=progress)
"""

KILLED_BACKUP = """
import sys, time
from pathlib import Path
from annotations import store

class SlowConnection:
    def __init__(self, connection):
        self.connection = connection

    def __getattr__(self, name):
        return getattr(self.connection, name)

    def backup(self, target, **options):
        def progress(status, remaining, total):
            print("copying", flush=True)
            time.sleep(600)

        self.connection.backup(target, pages=1, progress=progress)

db = store.open_store(sys.argv[1])
db.conn = SlowConnection(db.conn)
store.backup(db, Path(sys.argv[2]))
"""


def _kill_when_it_says(script: str, word: str, *args: str) -> None:
    """Run a script in a child process and SIGKILL it once it prints ``word`` (it is then mid-write)."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    timer = threading.Timer(120, child.kill)
    timer.start()
    try:
        line = child.stdout.readline()
    finally:
        timer.cancel()
    child.kill()
    child.wait()
    assert line.strip() == word, child.stderr.read()


def test_a_killed_export_leaves_nothing_once_the_next_export_ran(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    seed_documents(path, 1200)
    out = tmp_path / "out" / "annotations.jsonl"
    out.parent.mkdir()
    _kill_when_it_says(KILLED_EXPORT, "writing", str(path), str(out))
    assert _leftovers(out.parent) != []  # the killed export's temporary
    assert not out.exists()
    result = _export(path, str(out))
    assert result.exit_code == 0, result.output
    assert _leftovers(out.parent) == []
    assert out.read_text(encoding="utf-8").count("\n") == 1200


def test_a_killed_backup_blocks_nothing_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    seed_documents(path, 300)
    target = tmp_path / "backups" / "monday.db"
    target.parent.mkdir()
    _kill_when_it_says(KILLED_BACKUP, "copying", str(path), str(target))
    assert not target.exists()  # the copy gets its name only once complete
    result = _run("backup", str(target), "--db", str(path))
    assert result.exit_code == 0, result.output
    assert _leftovers(target.parent) == []
    assert integrity(target) == ["ok"] and dump(target) == dump(path)


def test_temporaries_of_running_processes_are_left_alone(tmp_path: Path) -> None:
    """Only temporaries whose process is gone are cleared (an export running elsewhere keeps its own)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    parent_pid = os.getppid()
    (tmp_path / f".spandesk-{dead.pid}-0123abcd.tmp").write_bytes(b"x")
    (tmp_path / f".spandesk-{dead.pid}-0123abcd.tmp-journal").write_bytes(b"x")
    (tmp_path / f".spandesk-{parent_pid}-89abcdef.tmp").write_bytes(b"x")
    (tmp_path / ".annotations.jsonl.swp").write_bytes(b"x")  # not ours
    output_file.clear_stale_temporaries(tmp_path)
    assert _leftovers(tmp_path) == [".annotations.jsonl.swp", f".spandesk-{parent_pid}-89abcdef.tmp"]
