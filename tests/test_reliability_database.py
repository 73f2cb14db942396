"""The database file itself: corrupt, newer, read-only, full disk; `spandesk check` and `spandesk backup`."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_helpers import (
    BusyWindow,
    dump,
    file_digest,
    history_problems,
    integrity,
    seed_documents,
    write_annotated_corpus,
)

from annotations import store
from annotations.cli import cli
from annotations.importing import ImportFailure, import_sources
from annotations.model import Answer
from annotations.session import Session


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _assert_clean_failure(result, *needles: str) -> None:
    """Exit 1 with a message and no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for needle in needles:
        assert needle in result.output, result.output


def _damaged(tmp_path: Path, how: str) -> Path:
    """A copy of a good database damaged one way."""
    path = tmp_path / f"{how}.db"
    seed_documents(path, 200)
    data = bytearray(path.read_bytes())
    if how == "garbage page":
        data[4096 * 3 : 4096 * 3 + 2000] = b"\xff" * 2000
    elif how == "truncated":
        data = data[: len(data) // 2]
    elif how == "wiped schema":
        data[100:4096] = bytes(3996)
    else:  # not a database at all
        data = b"PK\x03\x04 this is a zip file, not a database" * 10
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["garbage page", "truncated", "wiped schema", "not sqlite"])
def test_a_damaged_file_gets_a_clear_message_and_is_left_untouched(tmp_path: Path, how: str) -> None:
    """Every command on a damaged file: exit 1, the file named, no traceback, the bytes unchanged."""
    path = _damaged(tmp_path, how)
    before = file_digest(path)
    # new texts (not the seeded ones, which are recognised as already there), so the import must write
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 3, start=1000)
    for command in (
        ["check"],
        ["stats"],
        ["import", str(corpus)],
        ["export", "--format", "doccano", "--all"],
    ):
        _assert_clean_failure(_run(*command, "--db", str(path)), str(path))
        assert file_digest(path) == before, f"`spandesk {command[0]}` changed the damaged file"


def test_check_reports_ok_for_a_sound_database(tmp_path: Path) -> None:
    """`spandesk check` says ok (exit 0) on a sound database."""
    path = tmp_path / "sound.db"
    seed_documents(path, 5)
    result = _run("check", "--db", str(path))
    assert result.exit_code == 0 and f"{path}: ok" in result.output


def test_a_database_from_a_newer_spandesk_is_refused_untouched(tmp_path: Path) -> None:
    """A schema this version does not know: a message to upgrade, and the file's bytes unchanged."""
    path = tmp_path / "newer.db"
    seed_documents(path, 3)
    db = store.open_store(path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('spandesk', 'm999_future', 'x')"
    )
    db.close()
    before = file_digest(path)
    with pytest.raises(store.StoreError, match="newer spandesk"):
        store.open_store(path)
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 3)
    for command in (["check"], ["stats"], ["import", str(corpus)]):
        _assert_clean_failure(_run(*command, "--db", str(path)), "newer spandesk", "upgrade")
    assert file_digest(path) == before


def test_a_window_on_a_read_only_database_gets_a_store_error_not_a_crash(tmp_path: Path) -> None:
    """Editing through a read-only connection: StoreError saying read-only; nothing changes."""
    path = tmp_path / "readonly.db"
    first = seed_documents(path, 3)[0]
    before = dump(path)
    db = store.open_store(path, read_only=True)
    session = Session(db, "ann")
    session.open(first)
    with pytest.raises(store.StoreError, match="read-only"):
        session.apply(session.set_answer(Answer.ACCEPT))
    db.close()
    assert dump(path) == before


@contextmanager
def _small_filesystem(tmp_path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted under tmp_path (skips the test where mounting is not allowed)."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_file_system_gets_a_clear_message(tmp_path: Path) -> None:
    """A database on a read-only file system (or a read-only file for non-root): clear message, untouched."""
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 3)
    if os.geteuid() != 0:
        path = tmp_path / "ro.db"
        seed_documents(path, 3)
        path.chmod(0o444)
        before = file_digest(path)
        _assert_clean_failure(_run("import", str(corpus), "--db", str(path)), str(path))
        assert file_digest(path) == before
        return
    with _small_filesystem(tmp_path, "4m") as mount:
        path = mount / "ro.db"
        seed_documents(path, 3)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        before = file_digest(path)
        for command in (["import", str(corpus)], ["stats"]):
            _assert_clean_failure(_run(*command, "--db", str(path)), str(path))
        assert file_digest(path) == before


def test_a_full_disk_refuses_the_import_and_loses_no_edit(tmp_path: Path) -> None:
    """The database may not grow (PRAGMA max_page_count): import stores nothing; edits stop with a message."""
    path = tmp_path / "full.db"
    ids = seed_documents(path, 20)
    db = store.open_store(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    before = dump(path)
    with pytest.raises(ImportFailure, match="disk is full"):
        import_sources(db, [write_annotated_corpus(tmp_path / "corpus.jsonl", 200)], dataset="big")
    assert dump(path) == before
    session = Session(db, "ann")
    rng = random.Random(3)
    with pytest.raises(store.StoreError, match="disk is full"):
        for _ in range(5000):
            session.open(rng.choice(ids))
            session.apply(session.add_span(0, 8, rng.choice(["PERSON", "ORG", "GPE"])))
    db.close()
    assert history_problems(path) == [] and integrity(path) == ["ok"]


def _fill(filler: Path, leave: int) -> None:
    """Write ``filler`` until the file system is full, then free ``leave`` bytes."""
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(descriptor)
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def test_a_full_file_system_refuses_the_import_cleanly(tmp_path: Path) -> None:
    """A real full file system (a small tmpfs): exit 1 with a message, the database as it was."""
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 2000)
    with _small_filesystem(tmp_path, "1m") as mount:
        path = mount / "full.db"
        seed_documents(path, 10)
        before = dump(path)
        filler = mount / "filler"
        _fill(filler, leave=64 * 1024)
        _assert_clean_failure(_run("import", str(corpus), "--db", str(path)), "full")
        assert dump(path) == before and integrity(path) == ["ok"]
        filler.unlink()
        shutil.copy(path, tmp_path / "rescued.db")
    assert dump(tmp_path / "rescued.db") == before


def test_backup_while_a_window_writes_is_consistent(tmp_path: Path) -> None:
    """`spandesk backup` while another connection keeps editing: a sound copy whose history is whole."""
    path = tmp_path / "live.db"
    ids = seed_documents(path, 30)
    with BusyWindow(path, ids, seed=5) as window:
        results = [_run("backup", str(tmp_path / f"copy{i}.db"), "--db", str(path)) for i in range(3)]
    assert window.errors == [] and window.edits > 0
    for i, result in enumerate(results):
        assert result.exit_code == 0, result.output
        copy = tmp_path / f"copy{i}.db"
        assert integrity(copy) == ["ok"] and history_problems(copy) == []
    refused = _run("backup", str(tmp_path / "copy0.db"), "--db", str(path))
    _assert_clean_failure(refused, "already exists")
