"""A window and `spandesk` commands on one database: nobody loses the locks that keep the WAL alive.

Closing any descriptor of a database file drops every POSIX lock the process holds on it; another
process then believes it is the last user, checkpoints and deletes the ``-wal`` the first one still
writes into. These tests look at the locks themselves (Linux ``/proc/locks``) and at what survives.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import (
    Child,
    history_problems,
    integrity,
    locks_held,
    run_spandesk,
    seed_documents,
    write_annotated_corpus,
)

from annotations import store
from annotations.importing import ImportFailure, import_sources
from annotations.model import Answer, DocumentState, Version
from annotations.session import Session

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
WINDOW_DRIVER = Path(__file__).with_name("window_driver.py")


@pytest.fixture
def open_database(tmp_path: Path):
    """A seeded database held open (and read, so its locks are taken) by this process."""
    path = tmp_path / "held.db"
    seed_documents(path, 3)
    db = store.open_store(path)
    db.execute("SELECT count(*) FROM documents").fetchone()
    assert locks_held(path), "a WAL connection holds a shared lock on its database file"
    yield path, db
    db.close()


def test_opening_the_database_again_keeps_the_first_connections_locks(open_database) -> None:
    """What a worker does (open its own connection, close it) leaves the window's locks in place."""
    path, _db = open_database
    before = locks_held(path)
    store.open_store(path).close()
    store.open_store(path, read_only=True).close()
    assert locks_held(path) == before


def test_the_database_is_refused_as_an_import_source_without_opening_it(open_database) -> None:
    """Importing the database (or its -wal) into itself is refused, and the locks stay."""
    path, db = open_database
    before = locks_held(path)
    for source in (path, Path(f"{path}-wal"), path.parent):
        with pytest.raises(ImportFailure, match="database"):
            import_sources(db, [source])
        assert locks_held(path) == before
    with pytest.raises(ImportFailure, match="database being imported into"):
        import_sources(db, [str(path)], patterns=path)
    assert locks_held(path) == before


def test_a_command_run_beside_an_open_connection_leaves_its_wal_alone(open_database) -> None:
    """`spandesk stats` beside a window that reopened the database keeps the window's edit."""
    path, db = open_database
    store.open_store(path).close()  # a worker came and went (this dropped the locks before)
    document = store.load_document(db, 1)
    store.write_state(
        db,
        1,
        DocumentState(document.spans, Answer.REJECT),
        kind="answer",
        annotator="window",
        expected_rev=document.rev,
        before=document.state,
    )
    for command in (("stats",), ("check",), ("export", "--format", "prodigy")):
        assert run_spandesk(*command, "--db", str(path)).returncode == 0
    assert Path(f"{path}-wal").exists(), "another process deleted the WAL this window writes into"
    db.close()
    assert store.load_document(store.open_store(path), 1).answer is Answer.REJECT


WINDOW = Version.of("window")  # the version the window driver edits (tests/window_driver.py)


def _cli_commands(tmp_path: Path, db_path: Path) -> list[tuple[str, ...]]:
    """The commands people run beside a window, each on the window's database."""
    corpus = write_annotated_corpus(tmp_path / "cli.jsonl", 20, start=1000)
    return [
        ("stats",),
        ("check",),
        ("export", "--format", "prodigy", "-o", str(tmp_path / "cli-export.jsonl")),
        ("export", "--format", "doccano", "--all"),
        ("import", str(corpus), "--dataset", "cli"),
        ("backup", "BACKUP"),
        ("agreement",),
        ("export", "--format", "prodigy", "--version", "every", "-o", str(tmp_path / "every.jsonl")),
        (
            "assign",
            "--dataset",
            "default",
            "--annotators",
            "p1,p2",
            "--overlap",
            "2",
            "--force",
            "--out",
            "OUT",
        ),
        ("merge", str(_person_file(tmp_path, db_path))),
    ]


def _person_file(tmp_path: Path, db_path: Path) -> Path:
    """A person's database handed out from the window's database, with an edit of theirs in it (merged back
    into the window's database, over and over, while the window edits it)."""
    folder = tmp_path / "handout"
    result = run_spandesk("assign", "--db", str(db_path), "--dataset", "default", "--annotators", "pia",
                          "--out", str(folder))  # fmt: skip
    assert result.returncode == 0, result.stderr
    person = folder / "pia.db"
    db = store.open_store(person)
    try:
        session = Session(db, "pia")
        session.open(store.document_ids(db, viewer="pia")[0])
        session.apply(session.set_answer(Answer.IGNORE))
    finally:
        db.close()
    return person


def _run_beside(tmp_path: Path, db_path: Path, command: tuple[str, ...], round_: int) -> None:
    """Run one command on the database; it must succeed."""
    if command[0] == "backup":
        command = ("backup", str(tmp_path / f"backup-{round_}.db"))
    if command[0] == "assign":
        command = (*command[:-1], str(tmp_path / f"assigned-{round_}"))
    result = run_spandesk(*command, "--db", str(db_path))
    assert result.returncode == 0, f"{command}: {result.stderr}"


@pytest.mark.slow
def test_a_window_editing_while_commands_run_beside_it_loses_nothing_when_killed(tmp_path: Path) -> None:
    """A real window (offscreen) makes edits by keyboard and exports and imports through its workers,
    while stats, check, export, import, backup, agreement, assign and merge (of a person's file, into the
    window's database) run in a loop from other processes; then it is
    killed with SIGKILL. Every edit the window had stored is there, its history replays, check is ok."""
    db_path = tmp_path / "shared.db"
    seed_documents(db_path, 30)
    write_annotated_corpus(tmp_path / "extra.jsonl", 5, start=500)
    window = Child(str(db_path), "7", str(tmp_path), driver=WINDOW_DRIVER)
    try:
        window.wait_for("READY", timeout=60)
        commands = _cli_commands(tmp_path, db_path)
        rounds = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline or len(window.acks()) < 40 or rounds < len(commands):
            _run_beside(tmp_path, db_path, commands[rounds % len(commands)], rounds)
            rounds += 1
            assert rounds < 200, "the window made too few edits"
        time.sleep(random.uniform(0, 0.3))
    finally:
        window.kill()
    assert not [line for line in window.lines if line.startswith("FAIL")]
    assert any(line.startswith("WORKER") for line in window.lines)
    last_acked = {ack["id"]: ack for ack in window.acks()}
    db = store.open_store(db_path)
    try:
        for document_id, ack in last_acked.items():
            assert store.current_rev(db, document_id, WINDOW) >= ack["rev"]
            state = store.replay_history(db, document_id, WINDOW)[
                ack["rev"] - 1
            ]  # (a later edit may be unacked)
            replayed = {"spans": [list(span.key()) for span in state.spans], "answer": _answer(state)}
            assert replayed == {"spans": ack["spans"], "answer": ack["answer"]}, json.dumps(ack)
        assert store.annotators(db) == ["pia", "window"]  # merged beside the window, nothing lost
    finally:
        db.close()
    assert integrity(db_path) == ["ok"]
    assert history_problems(db_path) == []
    assert run_spandesk("check", "--db", str(db_path)).returncode == 0


def _answer(state: DocumentState) -> str | None:
    return state.answer.value if state.answer else None
