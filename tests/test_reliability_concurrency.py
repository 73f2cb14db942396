"""Two windows, or a window and an import, on one database: no lost update, no "database is locked"."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest
from reliability_helpers import (
    BusyWindow,
    Child,
    OtherWriter,
    history_problems,
    integrity,
    run_spandesk,
    seed_documents,
    write_annotated_corpus,
)

from annotations import store
from annotations.model import Answer
from annotations.session import Session


@pytest.fixture
def two_windows(tmp_path: Path):
    """Two sessions on two connections to one database, both showing the first document."""
    db_path = tmp_path / "shared.db"
    first = seed_documents(db_path, 3)[0]
    connections = [store.open_store(db_path), store.open_store(db_path)]
    sessions = [Session(connection, annotator) for connection, annotator in zip(connections, ("ann", "ann"))]
    for session in sessions:
        session.open(first)
    yield db_path, sessions
    for connection in connections:
        connection.close()


def test_second_window_gets_a_conflict_and_reloads_instead_of_overwriting(two_windows) -> None:
    """Window B edits a document A changed since B loaded it: B is refused and shows A's change."""
    db_path, (window_a, window_b) = two_windows
    window_a.apply(window_a.add_span(10, 16, "PERSON"))
    stale_edit = window_b.set_answer(Answer.REJECT)
    with pytest.raises(store.EditConflict) as conflict:
        window_b.apply(stale_edit)
    assert "changed elsewhere" in str(conflict.value)
    assert (10, 16, "PERSON") in [s.key() for s in window_b.document.spans]
    window_b.apply(window_b.set_answer(Answer.REJECT))
    stored = store.load_document(window_a.db, window_a.document.id)
    assert (10, 16, "PERSON") in [s.key() for s in stored.spans] and stored.answer is Answer.REJECT
    assert history_problems(db_path) == []


def test_undo_in_a_stale_window_is_refused(two_windows) -> None:
    """Undo in window A after window B changed the document does not wipe out B's work."""
    _, (window_a, window_b) = two_windows
    edit = window_a.add_span(10, 16, "PERSON")
    window_a.apply(edit)
    window_b.open(window_a.document.id)
    window_b.apply(window_b.set_answer(Answer.ACCEPT))
    with pytest.raises(store.EditConflict):
        window_a.apply(edit.reversed())
    assert store.load_document(window_a.db, window_a.document.id).answer is Answer.ACCEPT


def _hammer(db_path: Path, seed: int, ids: list[int], operations: int, errors: list[BaseException]) -> None:
    """One window making random edits on a few shared documents, retrying after each conflict."""
    db = store.open_store(db_path)
    session = Session(db, "shared")  # one person in many windows: every edit contends for one version
    rng = random.Random(seed)
    try:
        for _ in range(operations):
            session.open(rng.choice(ids))
            while True:
                edit = (
                    session.set_answer(rng.choice(list(Answer)))
                    if rng.random() < 0.5
                    else _toggle(session, rng)
                )
                try:
                    session.apply(edit)
                    break
                except store.EditConflict:
                    continue  # the session reloaded; rebuild the edit on what is stored now
    except BaseException as error:  # noqa: BLE001 - reported to the test thread
        errors.append(error)
    finally:
        db.close()


def _toggle(session: Session, rng: random.Random):
    """Add a span on a random token, or remove one."""
    document = session.document
    if document.spans and rng.random() < 0.5:
        return session.remove_span(rng.choice(document.spans))
    token = rng.choice(document.tokens)
    return session.add_span(token.start, token.end, rng.choice(("PERSON", "ORG")))


def test_windows_in_threads_editing_the_same_documents_lose_nothing(tmp_path: Path) -> None:
    """Four windows (threads) edit three documents at once: each write builds on the last, none is locked."""
    db_path = tmp_path / "threads.db"
    ids = seed_documents(db_path, 3)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_hammer, args=(db_path, seed, ids, 150, errors)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert history_problems(db_path) == []
    db = store.open_store(db_path)
    assert sum(len(store.history(db, i)) for i in ids) == 4 * 150
    db.close()


def test_windows_in_processes_editing_the_same_documents_lose_nothing(tmp_path: Path) -> None:
    """Three processes edit the same two documents: all finish, no lock errors, the history is one chain."""
    db_path = tmp_path / "processes.db"
    ids = seed_documents(db_path, 2)
    children = [Child("edits", str(db_path), str(seed), "200", ",".join(map(str, ids))) for seed in range(3)]
    for child in children:
        assert child.finish(120) == 0, child.stderr()
        assert child.wait_for("FINISHED").startswith("FINISHED 200 ")
    assert history_problems(db_path) == []
    assert integrity(db_path) == ["ok"]
    db = store.open_store(db_path)
    assert sum(len(store.history(db, i)) for i in ids) == 3 * 200
    db.close()


def test_first_opens_of_a_new_database_race_without_error(tmp_path: Path) -> None:
    """Several windows opening a brand-new database at once all get a migrated database."""
    db_path = tmp_path / "fresh.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_it() -> None:
        barrier.wait()
        try:
            store.open_store(db_path).close()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    db = store.open_store(db_path)
    assert db["documents"].exists()
    db.close()


def test_window_keeps_editing_while_the_cli_imports(tmp_path: Path) -> None:
    """A window edits while `spandesk import` writes thousands of documents: both finish, nothing locked."""
    db_path = tmp_path / "busy.db"
    ids = seed_documents(db_path, 4)
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 3000)
    with BusyWindow(db_path, ids, seed=1) as window:
        result = run_spandesk("import", str(corpus), "--db", str(db_path), "--dataset", "big")
    assert result.returncode == 0, result.stderr
    assert "Imported 3000 documents" in result.stdout
    assert window.errors == [] and window.edits > 0
    assert "locked" not in result.stderr
    assert history_problems(db_path) == []


def test_free_to_write_says_whether_another_program_holds_the_write_lock(tmp_path: Path) -> None:
    """A window asks before an edit; the answer waits no longer than asked, and the connection's usual
    busy wait is kept for every other write."""
    db_path = tmp_path / "free.db"
    seed_documents(db_path, 1)
    db = store.open_store(db_path)
    assert store.free_to_write(db, 0.0)
    writer = OtherWriter(db_path)
    try:
        started = time.monotonic()
        assert not store.free_to_write(db, 0.2)
        assert time.monotonic() - started < 5
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == int(store.BUSY_TIMEOUT_SECONDS * 1000)
    finally:
        writer.release()
    assert store.free_to_write(db, 0.0)
    assert not db.conn.in_transaction  # asking wrote nothing and left no transaction open
    db.close()


def test_free_to_write_waits_for_a_lock_released_within_the_wait(tmp_path: Path) -> None:
    db_path = tmp_path / "free.db"
    seed_documents(db_path, 1)
    db = store.open_store(db_path)
    writer = OtherWriter(db_path, seconds=0.2)
    try:
        assert store.free_to_write(db, 5.0)
    finally:
        writer.release()
        db.close()


def test_an_import_waits_past_the_busy_timeout_for_another_programs_write(tmp_path, monkeypatch) -> None:
    """Another import or a merge may hold the write lock for minutes; an import that has done its model's
    work waits for it (saying so) instead of giving up after the busy timeout and throwing the work away."""
    from annotations.importing import import_sources
    from annotations.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_SECONDS", 0.3)  # the lock below is held 5x as long
    db_path = tmp_path / "wait.db"
    seed_documents(db_path, 1)
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 20)
    db = store.open_store(db_path)
    waited: list[float] = []
    writer = OtherWriter(db_path, seconds=1.5)
    try:
        report = import_sources(db, [corpus], dataset="late", waiting=waited.append)
    finally:
        writer.release()
    assert report.added == 20 and waited
    assert store.count_documents(db, "late") == 20
    db.close()


def test_an_import_waiting_for_the_lock_can_be_cancelled_and_stores_nothing(tmp_path) -> None:
    from annotations.importing import ImportCancelled, import_sources

    db_path = tmp_path / "wait.db"
    seed_documents(db_path, 1)
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 20)
    db = store.open_store(db_path)
    waited: list[float] = []
    writer = OtherWriter(db_path)
    try:
        with pytest.raises(ImportCancelled):
            import_sources(
                db, [corpus], dataset="late", waiting=waited.append, cancelled=lambda: bool(waited)
            )
    finally:
        writer.release()
    assert store.count_documents(db, "late") == 0
    db.close()


def test_spandesk_import_says_it_waits_for_another_programs_write(tmp_path: Path) -> None:
    db_path = tmp_path / "wait.db"
    seed_documents(db_path, 1)
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", 20)
    writer = OtherWriter(db_path, seconds=2.5)
    try:
        result = run_spandesk("import", str(corpus), "--db", str(db_path), "--dataset", "late")
    finally:
        writer.release()
    assert result.returncode == 0, result.stderr
    assert "Waiting for another program to finish writing to" in result.stderr
    assert "Imported 20 documents" in result.stdout


def test_wait_to_write_reports_the_wait_and_stops_when_cancelled(tmp_path: Path) -> None:
    db_path = tmp_path / "wait.db"
    seed_documents(db_path, 1)
    db = store.open_store(db_path)
    waited: list[float] = []
    writer = OtherWriter(db_path)
    try:
        assert not store.wait_to_write(db, waited.append, lambda: len(waited) >= 2, poll_seconds=0.1)
    finally:
        writer.release()
    assert len(waited) == 2 and waited[1] > waited[0] > 0
    assert store.wait_to_write(db, waited.append)  # free now: at once, nothing more said
    assert len(waited) == 2
    db.close()


def test_label_all_waits_for_another_programs_write_and_says_so(tmp_path: Path) -> None:
    db_path = tmp_path / "wait.db"
    seed_documents(db_path, 3)
    writer = OtherWriter(db_path, seconds=2.5)
    try:
        result = run_spandesk(
            "label-all", "Document", "--label", "PERSON", "--include-answered", "--db", str(db_path)
        )
    finally:
        writer.release()
    assert result.returncode == 0, result.stderr
    assert "Waiting for another program to finish writing to" in result.stderr
    assert "The change is stored as soon as it has finished" in result.stderr
    db = store.open_store(db_path)
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    db.close()
