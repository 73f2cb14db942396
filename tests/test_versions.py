"""One version of each document per annotator: stored apart, counted apart, checked, and upgraded into."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from annotations import store
from annotations.checking import check_database
from annotations.model import BASE, REVIEW, Answer, DocumentState, Span, Version
from annotations.session import Session

TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday."


def seeded(db_path: Path, count: int = 6, annotator: str | None = None) -> sqlite3.Connection:
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        documents = [
            store.NewDocument(
                f"{TEXT} ({i})",
                (),
                i,
                DocumentState((Span(0, 13, "PERSON"),), Answer.ACCEPT if i % 3 == 0 else None),
                annotator=annotator,
            )
            for i in range(count)
        ]
        store.insert_documents(db, dataset, documents)
    return db


def brute_force_counts(db, viewer: str | None) -> dict[str | None, int]:
    """What each document looks like to ``viewer``, counted one document at a time."""
    counted: dict[str | None, int] = {}
    for document_id in store.document_ids(db):
        document = store.load_document(db, document_id, viewer=viewer)
        answer = document.answer.value if document.answer else None
        counted[answer] = counted.get(answer, 0) + 1
    return counted


def test_a_file_naming_its_annotator_brings_the_base_and_that_persons_version(db_path: Path) -> None:
    db = seeded(db_path, 2, annotator="news-alex")
    assert store.annotators(db) == ["news-alex"]
    (first, *_) = store.document_versions(db)
    assert set(first.versions) == {Version.of("news-alex")}
    kinds = [row.version for row in store.versions(db, first.id)]
    assert kinds == [BASE, Version.of("news-alex")]
    assert store.load_document(db, first.id).version == Version.of("news-alex")  # the current version


def test_each_person_sees_their_own_version_or_the_base_and_counts_follow(db_path: Path) -> None:
    db = seeded(db_path)
    rng = random.Random(7)
    sessions = {name: Session(db, name) for name in ("ana", "ben", "cy")}
    for _ in range(60):
        session = sessions[rng.choice(list(sessions))]
        session.open(rng.choice(store.document_ids(db)))
        choice = rng.random()
        if choice < 0.5:
            session.apply(session.set_answer(rng.choice([Answer.ACCEPT, Answer.REJECT, Answer.IGNORE, None])))
        else:
            session.apply(session.add_span(18, 33, rng.choice(["PERSON", "ORG"])))
    for viewer in ("ana", "ben", "cy", "dora"):
        assert store.answer_counts(db, viewer=viewer) == {
            answer: n for answer, n in brute_force_counts(db, viewer).items() if n
        }
        pending = store.count_queue(db, status=[None], viewer=viewer)
        assert pending == len(store.document_ids(db, status=[None], viewer=viewer))
    assert store.answer_counts(db) == brute_force_counts(db, None)
    assert check_database(db) == []
    base = [store.load_document(db, i, BASE).state for i in store.document_ids(db)]
    assert all(state.spans == (Span(0, 13, "PERSON"),) for state in base)  # the base is never edited


def test_a_reviewed_version_is_the_current_one_and_the_latest_annotator_before_it(db_path: Path) -> None:
    db = seeded(db_path, 1)
    ana, ben = Session(db, "ana"), Session(db, "ben")
    ana.open(1)
    ana.apply(ana.add_span(18, 33, "PERSON"))
    ben.open(1)
    ben.apply(ben.add_span(18, 33, "ORG"))
    assert store.load_document(db, 1).version == Version.of("ben")
    with store.write_transaction(db):
        store.insert_version(db, 1, REVIEW, DocumentState((), Answer.ACCEPT), "rita", 1.0)
    assert store.load_document(db, 1).version == REVIEW
    assert store.load_document(db, 1, viewer="ana").version == Version.of("ana")
    assert check_database(db) == []


def test_a_changed_base_answer_moves_the_counts_of_every_version_above_it(db_path: Path) -> None:
    db = seeded(db_path, 3)
    session = Session(db, "ana")
    session.open(2)
    session.apply(session.set_answer(Answer.ACCEPT))
    db.execute("UPDATE annotations SET answer = 'ignore' WHERE kind = 'base'")
    db.conn.commit()
    assert check_database(db) == []
    assert store.answer_counts(db, viewer="ana") == brute_force_counts(db, "ana")


def test_work_from_before_versions_is_the_base_and_a_person_continues_from_it(tmp_path: Path) -> None:
    from test_identity import old_database  # a database as spandesk wrote it before text identity

    path = tmp_path / "old.db"
    old_database(path)
    before = (
        sqlite3.connect(path).execute("SELECT document_id, spans, answer, rev FROM annotations").fetchall()
    )
    db = store.open_store(path)
    after = db.execute(
        "SELECT document_id, spans, answer, rev FROM annotations WHERE kind = 'base'"
    ).fetchall()
    assert sorted(after) == sorted(before) and store.annotators(db) == []
    ana = Session(db, "ana")
    old_work = ana.open(1)
    assert old_work.version == BASE and old_work.rev == 1  # ana sees the work done before versions
    ana.apply(ana.add_span(0, 2, "ORG"))
    assert store.load_document(db, 1, viewer="ana").spans == (Span(0, 2, "ORG"),)
    assert store.load_document(db, 1, BASE).state == old_work.state
    assert check_database(db) == []
