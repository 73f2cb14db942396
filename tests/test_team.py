"""Teams without a server: `spandesk assign` hands a dataset out as one database per person, and
`spandesk merge` brings everyone's versions back, with their history, idempotently, all or nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from annotations import hashing, store
from annotations.assigning import AssignError, annotator_names, assign, split
from annotations.checking import check_database
from annotations.merging import MergeError, merge
from annotations.migrations import migrations
from annotations.model import BASE, REVIEW, Answer, DocumentState, Span, SpanSource, Version
from annotations.session import Session
from tests.reliability_helpers import locks_held, run_spandesk, sample_text

LABELS = ("PERSON", "ORG", "GPE")


def iterdump(path: Path) -> list[str]:
    """Every statement that would rebuild the database (SQLite's own dump), to compare two states."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def team_database(path: Path, count: int = 12, dataset: str = "news") -> list[int]:
    """A team database: ``count`` documents, the even ones with the model's proposal (and the base a
    file's gold answer, so that assign must not hand it out), the odd ones with no prediction."""
    db = store.open_store(path)
    documents = []
    for i in range(count):
        text = sample_text(i)
        predicted = (Span(0, 8, "ORG", SpanSource.MODEL),) if i % 2 == 0 else ()
        prediction = store.Prediction("en_test", "1.0", predicted) if predicted else None
        gold = DocumentState((Span(0, 8, "PERSON"),), Answer.ACCEPT)
        documents.append(store.NewDocument(text, (), i + 1, gold, prediction))
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, dataset), documents)
        store.add_labels(db, LABELS)
    ids = store.document_ids(db, dataset)
    db.close()
    return ids


def edit(path: Path, annotator: str, document_id: int, label: str, answer: Answer | None) -> None:
    """One person's window: relabel the first span (or add one) and answer, through a Session."""
    db = store.open_store(path)
    try:
        session = Session(db, annotator)
        document = session.open(document_id)
        if document.spans:
            session.apply(session.relabel(document.spans[0], label))
        else:
            session.apply(session.add_span(0, 8, label))
        session.apply(session.set_answer(answer))
    finally:
        db.close()


def history_keys(db, document_id: int, version: Version) -> list[tuple]:
    return [
        (e["kind"], e["annotator"], e["at"], e["before"], e["after"])
        for e in store.history(db, document_id, version)
    ]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "TEAM.db"
    team_database(path)
    return path


def assigned(team: Path, folder: Path, names: list[str], overlap: int = 1) -> dict[str, Path]:
    db = store.open_store(team, read_only=True)
    try:
        return {share.annotator: share.path for share in assign(db, "news", names, folder, overlap=overlap)}
    finally:
        db.close()


def merged(team: Path, *sources: Path) -> list:
    db = store.open_store(team)
    try:
        return merge(db, list(sources))
    finally:
        db.close()


def merged_version(path: Path, document_id: int, owner: str) -> tuple[DocumentState, int]:
    """``owner``'s version in the team's file, as its history replays to it, and its number of events;
    the revision is that number and the whole file checks clean."""
    db = store.open_store(path)
    try:
        version = Version.of(owner)
        events = len(store.history(db, document_id, version))
        assert store.current_rev(db, document_id, version) == events
        assert check_database(db) == []
        return store.replay_history(db, document_id, version)[-1], events
    finally:
        db.close()


def held(path: Path) -> list[int]:
    db = store.open_store(path, read_only=True)
    try:
        return store.document_ids(db)
    finally:
        db.close()


# ---------------------------------------------------------------- assign


def test_split_gives_each_document_to_k_consecutive_annotators_balanced() -> None:
    assert split([100, 101, 102, 103], ["a", "b", "c"], overlap=2) == {
        "a": [100, 102, 103],  # seats 0..7 to a b c, then (shifted by one) b c a, then c a
        "b": [100, 101],
        "c": [101, 102, 103],
    }
    shares = split(list(range(100, 110)), ["a", "b", "c"], overlap=2)
    assert shares == split(list(range(100, 110)), ["a", "b", "c"], overlap=2)  # deterministic
    every = Counter(i for ids in shares.values() for i in ids)
    assert set(every.values()) == {2}
    sizes = sorted(len(ids) for ids in shares.values())
    assert sizes[-1] - sizes[0] <= 1 and sum(sizes) == 20
    for count in range(1, 30):
        for overlap in (1, 2, 3, 4):
            shares = split(list(range(count)), list("abcd"), overlap)
            sizes = [len(ids) for ids in shares.values()]
            assert max(sizes) - min(sizes) <= 1, (count, overlap)
            assert all(len(set(ids)) == len(ids) for ids in shares.values())  # never one person twice
            assert Counter(i for ids in shares.values() for i in ids) == dict.fromkeys(range(count), overlap)
    with pytest.raises(AssignError, match="--overlap"):
        split([1, 2], ["a", "b"], overlap=3)


def test_assign_writes_one_database_per_person_that_opens_as_them(team: Path, tmp_path: Path) -> None:
    for document_id in held(team)[:4]:  # someone else's work in the team's file: never handed out
        edit(team, "zed", document_id, "GPE", Answer.REJECT)
    db = store.open_store(team)
    with store.write_transaction(db):
        store.insert_version(db, held(team)[0], REVIEW, DocumentState((Span(0, 3, "GPE"),)), "rita", None)
    db.close()
    out = tmp_path / "out"
    out.mkdir()
    paths = assigned(team, out, ["alice", "bob", "carol"], overlap=2)
    assert sorted(p.name for p in out.iterdir()) == ["alice.db", "bob.db", "carol.db"]
    team_ids = held(team)
    for name, path in paths.items():
        db = store.open_store(path)
        try:
            assert store.get_setting(db, "annotator") == name  # the window opens as them
            ids = store.document_ids(db)
            assert ids == split(team_ids, ["alice", "bob", "carol"], 2)[name]
            assert store.labels(db)[0][0] == "PERSON"
            for document_id in ids:
                document = store.load_document(db, document_id)
                assert document.version == BASE and document.answer is None  # pending, not the gold
                if (document_id - team_ids[0]) % 2 == 0:
                    assert [s.key() for s in document.spans] == [(0, 8, "ORG")]  # the model's proposal
                    assert document.predicted == document.spans
                else:
                    assert document.spans == ()  # no prediction: no spans (never the file's gold)
                assert document.text == sample_text(team_ids.index(document_id))
            assert store.annotators(db) == []  # nobody's version
            session = Session(db, name)
            session.open(ids[0])
            session.apply(session.set_answer(Answer.ACCEPT))
            assert store.annotators(db) == [name]
            assert check_database(db) == []
        finally:
            db.close()
        assert not Path(f"{path}-wal").exists()  # one self-contained file to send


def test_assign_refuses_to_overwrite_unless_forced_and_unsafe_names(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice", "bob"])
    before = paths["alice"].read_bytes()
    with pytest.raises(AssignError, match="already exists"):
        assigned(team, tmp_path, ["alice", "bob"])
    assert paths["alice"].read_bytes() == before
    db = store.open_store(team, read_only=True)
    try:
        assign(db, "news", ["bob", "alice"], tmp_path, replace=True)
    finally:
        db.close()
    assert held(paths["alice"]) == held(team)[1::2]  # now the second of two (bob, alice, bob, ...)
    assert annotator_names("Zoë Ruiz, bob") == ["Zoë Ruiz", "bob"]
    for bad in ("alice,,bob", "alice,alice", "a/b,a b", "..,bob", "con,bob", "al\x1bice"):
        with pytest.raises(AssignError):
            annotator_names(bad)
    assert not list(tmp_path.glob(".spandesk-*"))


def test_reassigning_keeps_a_persons_work_with_its_history(team: Path, tmp_path: Path) -> None:
    first = assigned(team, tmp_path / "one", ["alice", "bob"])
    document_id = held(first["alice"])[0]
    edit(first["alice"], "alice", document_id, "PERSON", Answer.ACCEPT)
    merged(team, first["alice"])
    again = assigned(team, tmp_path / "two", ["alice", "bob"])
    db = store.open_store(again["alice"])
    team_db = store.open_store(team, read_only=True)
    try:
        alice = Version.of("alice")
        assert store.load_document(db, document_id, viewer="alice").answer is Answer.ACCEPT
        assert history_keys(db, document_id, alice) == history_keys(team_db, document_id, alice)
        assert len(store.replay_history(db, document_id, alice)) == 2
        assert store.load_document(db, document_id, BASE).answer is None
    finally:
        db.close()
        team_db.close()


# ---------------------------------------------------------------- merge


def test_edits_in_two_person_databases_merge_into_the_team_with_history(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice", "bob"], overlap=2)
    shared = held(team)[0]
    edit(paths["alice"], "alice", shared, "PERSON", Answer.ACCEPT)
    edit(paths["bob"], "bob", shared, "GPE", Answer.REJECT)
    edit(paths["bob"], "bob", held(team)[3], "ORG", Answer.IGNORE)
    reports = merged(team, paths["alice"], paths["bob"])
    assert [
        (r.counts.documents_added, r.counts.versions_added, r.counts.versions_updated) for r in reports
    ] == [
        (0, 1, 0),
        (0, 2, 0),
    ]
    db = store.open_store(team)
    person = {name: store.open_store(path, read_only=True) for name, path in paths.items()}
    try:
        assert store.annotators(db) == ["alice", "bob"]
        for name, label in (("alice", "PERSON"), ("bob", "GPE")):
            version = Version.of(name)
            states = store.replay_history(db, shared, version)
            assert states == store.replay_history(person[name], shared, version)
            assert [s.key() for s in states[-1].spans] == [(0, 8, label)]
            assert history_keys(db, shared, version) == history_keys(person[name], shared, version)
        assert store.load_document(db, shared, BASE).answer is Answer.ACCEPT  # the team's base untouched
        seen = Counter(store.load_document(db, i, viewer="bob").answer for i in store.document_ids(db))
        assert seen == {Answer.ACCEPT: 10, Answer.REJECT: 1, Answer.IGNORE: 1}
        for answer, count in seen.items():  # the queue's counts, kept by triggers as the rows went in
            assert store.count_queue(db, "news", [answer.value], viewer="bob") == count
        assert check_database(db) == []
    finally:
        db.close()
        for connection in person.values():
            connection.close()


def test_merging_twice_changes_nothing_and_more_edits_fast_forward(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice", "bob"])
    first = held(paths["alice"])[0]
    edit(paths["alice"], "alice", first, "PERSON", Answer.ACCEPT)
    merged(team, paths["alice"], paths["bob"])
    dumped = iterdump(team)
    reports = merged(team, paths["alice"], paths["bob"])
    assert iterdump(team) == dumped
    assert [r.counts for r in reports] == [store.MergeCounts(0, 0, 0, 1), store.MergeCounts()]
    edit(paths["alice"], "alice", first, "GPE", None)  # more work after the first merge
    (report,) = merged(team, paths["alice"])
    assert report.counts == store.MergeCounts(0, 0, 1, 0)
    state, events = merged_version(team, first, "alice")
    assert [s.key() for s in state.spans] == [(0, 8, "GPE")] and state.answer is None and events == 4
    dumped = iterdump(team)
    merged(team, paths["alice"])
    assert iterdump(team) == dumped


def test_an_older_copy_of_a_persons_file_changes_nothing(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice"])
    first = held(paths["alice"])[0]
    edit(paths["alice"], "alice", first, "PERSON", Answer.ACCEPT)
    old = tmp_path / "alice-monday.db"
    db = store.open_store(paths["alice"], read_only=True)
    store.backup(db, old)
    db.close()
    edit(paths["alice"], "alice", first, "GPE", Answer.REJECT)
    merged(team, paths["alice"])
    dumped = iterdump(team)
    (report,) = merged(team, old)  # the team's history extends the old file's: nothing to do
    assert report.counts == store.MergeCounts(0, 0, 0, 1)
    assert iterdump(team) == dumped


def test_a_version_changed_on_both_sides_is_refused_and_nothing_stored(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice", "bob"])
    first = held(paths["alice"])[0]
    edit(paths["alice"], "alice", first, "PERSON", Answer.ACCEPT)
    copy = tmp_path / "copy-of-alice.db"
    db = store.open_store(paths["alice"], read_only=True)
    store.backup(db, copy)
    db.close()
    merged(team, paths["alice"])
    edit(copy, "alice", first, "GPE", Answer.REJECT)  # on the other machine ...
    edit(team, "alice", first, "ORG", Answer.IGNORE)  # ... and in the team's file
    edit(paths["bob"], "bob", held(paths["bob"])[0], "ORG", Answer.ACCEPT)
    dumped = iterdump(team)
    with pytest.raises(MergeError) as refused:
        merged(team, paths["bob"], copy)
    message = str(refused.value)
    assert f"document {first}" in message and "'alice'" in message
    assert str(copy) in message and str(team.resolve()) in message and "unchanged" in message
    assert iterdump(team) == dumped  # bob's version was not stored either


def test_a_version_changed_on_both_sides_merges_once_one_holds_the_others_and_later_edits_follow(
    team: Path, tmp_path: Path
) -> None:
    """The refusal's advice works: make the team's version hold the file's, merge; the person's later
    edits in that file are then brought forward, every time, though the two histories went apart."""
    paths = assigned(team, tmp_path, ["alice"])
    first = held(paths["alice"])[0]
    edit(paths["alice"], "alice", first, "PERSON", Answer.ACCEPT)
    merged(team, paths["alice"])
    edit(paths["alice"], "alice", first, "GPE", Answer.REJECT)  # in her file ...
    edit(team, "alice", first, "ORG", Answer.IGNORE)  # ... and in the team's
    with pytest.raises(MergeError):
        merged(team, paths["alice"])
    edit(team, "alice", first, "GPE", Answer.REJECT)  # settled: the team's now holds what her file holds
    (report,) = merged(team, paths["alice"])
    assert report.counts == store.MergeCounts(0, 0, 0, 1)
    edit(paths["alice"], "alice", first, "PERSON", None)  # she goes on in her file
    (report,) = merged(team, paths["alice"])
    assert report.counts == store.MergeCounts(0, 0, 1, 0)
    state, _ = merged_version(team, first, "alice")
    assert [s.key() for s in state.spans] == [(0, 8, "PERSON")] and state.answer is None
    dumped = iterdump(team)
    merged(team, paths["alice"])
    assert iterdump(team) == dumped


def test_documents_the_team_lacks_are_added_with_base_tokens_and_predictions(tmp_path: Path) -> None:
    team = tmp_path / "TEAM.db"
    other = tmp_path / "other.db"
    team_database(team, 4)
    team_database(other, 6)
    edit(other, "dana", held(other)[5], "GPE", Answer.ACCEPT)
    (report,) = merged(team, other)
    assert report.counts == store.MergeCounts(2, 1, 0, 0)
    db = store.open_store(team)
    try:
        added = store.document_ids(db)[4:]
        assert [store.load_document(db, i).text for i in added] == [sample_text(4), sample_text(5)]
        base = store.load_document(db, added[0], BASE)
        assert base.predicted == (Span(0, 8, "ORG", SpanSource.MODEL),) and base.answer is Answer.ACCEPT
        assert store.load_document(db, added[1], viewer="dana").spans[0].label == "GPE"
        assert check_database(db) == []
    finally:
        db.close()


def test_a_reviewed_version_is_merged_too(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["rita"])
    first = held(paths["rita"])[0]
    db = store.open_store(paths["rita"])
    with store.write_transaction(db):
        store.insert_version(db, first, REVIEW, DocumentState(), "rita", None)
    session = Session(db, "rita", version=REVIEW)
    session.open(first)
    session.apply(session.set_answer(Answer.ACCEPT))
    db.close()
    merged(team, paths["rita"])
    db = store.open_store(team, read_only=True)
    try:
        assert store.load_document(db, first).version == REVIEW
        assert len(store.replay_history(db, first, REVIEW)) == 1
    finally:
        db.close()


def test_refused_sources_newer_foreign_itself_twice(team: Path, tmp_path: Path) -> None:
    paths = assigned(team, tmp_path, ["alice"])
    newer = tmp_path / "newer.db"
    team_database(newer, 2)
    connection = sqlite3.connect(newer)
    connection.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('spandesk', 'm999_future', 'x')"
    )
    connection.commit()
    connection.close()
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    dumped = iterdump(team)
    for sources, expected in (
        ([paths["alice"], newer], "newer spandesk"),
        ([foreign], "another application"),
        ([team], "team's database itself"),
        ([paths["alice"], tmp_path / "." / "alice.db"], "same file"),
        ([tmp_path / "missing.db"], "no such database"),
    ):
        with pytest.raises(MergeError, match=expected):
            merged(team, *sources)
    assert iterdump(team) == dumped


def test_a_source_from_an_older_spandesk_is_read_from_an_upgraded_copy(team: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    connection = sqlite3.connect(old)
    from sqlite_utils import Database

    db = Database(connection)
    migrations.apply(db, stop_before="m006_versions")
    db.execute("INSERT INTO datasets (id, name, created) VALUES (1, 'news', 0)")
    db.execute(
        "INSERT INTO documents (id, dataset_id, text_digest, input_hash, text, created)"
        " VALUES (1, 1, ?, 1, ?, 0)",
        [__import__("hashlib").sha256(b"An old text.").digest(), "An old text."],
    )
    db.execute("INSERT INTO annotations (document_id, spans, answer) VALUES (1, '[]', 'reject')")
    connection.commit()
    connection.close()
    untouched = old.read_bytes()
    (report,) = merged(team, old)
    assert report.upgraded and report.counts.documents_added == 1
    assert old.read_bytes() == untouched
    db = store.open_store(team, read_only=True)
    try:
        added = store.document_ids(db)[-1]
        assert store.load_document(db, added).text == "An old text."
        assert store.load_document(db, added).answer is Answer.REJECT
    finally:
        db.close()


def test_a_killed_merge_leaves_the_team_as_it_was(tmp_path: Path) -> None:
    team = tmp_path / "TEAM.db"
    big = tmp_path / "big.db"
    team_database(team, 10)
    filler_database(big, 200_000)
    db = store.open_store(team)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    dumped = iterdump(team)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("spandesk")), "merge", "--db", str(team), str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    shm = Path(f"{team}-shm")
    deadline = time.monotonic() + 60
    while not writing(shm, process.pid) and time.monotonic() < deadline:  # inside its write transaction
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.001)
    time.sleep(0.3)  # well into it (200,000 documents take seconds)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL  # killed mid-way, not finished
    assert iterdump(team) == dumped
    assert run_spandesk("check", "--db", str(team)).returncode == 0


def filler_database(path: Path, count: int) -> None:
    """A database of ``count`` short documents, written by SQL at once (a large merge in seconds)."""
    team_database(path, 1)
    db = store.open_store(path)
    db.conn.create_function("digest", 1, lambda text: hashing.text_digest(text), deterministic=True)
    with store.write_transaction(db):
        db.execute(
            "INSERT INTO documents (dataset_id, text_digest, input_hash, text, tokens, created)"
            " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " SELECT 1, digest('Filler text ' || i), i, 'Filler text ' || i, '[]', 0 FROM n",
            [count],
        )
        db.execute(
            "INSERT INTO annotations (document_id, kind, owner) SELECT id, 'base', '' FROM documents"
            " WHERE id > 1"
        )
    db.close()


def writing(shm: Path, pid: int) -> bool:
    """Whether process ``pid`` holds SQLite's WAL write lock (byte 120 of the ``-shm``): it is inside a
    write transaction."""
    try:
        return any(lock.startswith("WRITE") and lock.split()[-2] == "120" for lock in locks_held(shm, pid))
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- the real commands


def test_assign_then_merge_through_the_spandesk_command(team: Path, tmp_path: Path) -> None:
    out = tmp_path / "handout"
    result = run_spandesk(
        "assign", "--db", str(team), "--annotators", "alice,bob", "--overlap", "2", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert f"{out / 'alice.db'}: alice, 12 documents" in result.stdout
    again = run_spandesk("assign", "--db", str(team), "--annotators", "alice", "--out", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    edit(out / "alice.db", "alice", held(team)[0], "PERSON", Answer.ACCEPT)
    result = run_spandesk("merge", "--db", str(team), str(out / "alice.db"), str(out / "bob.db"))
    assert result.returncode == 0, result.stderr
    assert f"{out / 'alice.db'}: 0 documents added, 1 version added, 0 updated, 0 unchanged" in result.stdout
    assert f"{out / 'bob.db'}: 0 documents added, 0 versions added, 0 updated, 0 unchanged" in result.stdout
    assert run_spandesk("check", "--db", str(team)).returncode == 0
    refused = run_spandesk("merge", "--db", str(team), str(team))
    assert refused.returncode == 1 and "itself" in refused.stderr and "Traceback" not in refused.stderr
