"""Most likely wrong first with a filter keeping few documents (a small dataset, a rare status): their
doubts are read and sorted, not the whole doubt index walked to find them; a filter no document has reads
nothing. The order is the same either way."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from gui_helpers import _new, make_database

from annotations import store
from annotations.model import Answer
from annotations.session import Session
from annotations.store.documents import Versions, documents_from
from annotations.store.keyset import read_page
from annotations.store.queue import FEW_DOCUMENTS, queue_filter

BIG, SMALL = 6_000, 40


@pytest.fixture
def db(tmp_path: Path):
    path = tmp_path / "ranked.db"
    make_database(path, [f"Text {i}" for i in range(BIG)])
    database = store.open_store(path)
    with store.write_transaction(database):
        small = store.ensure_dataset(database, "small")
        store.insert_documents(database, small, [_new(f"Small {i}", i, ()) for i in range(SMALL)])
    rng = random.Random(7)
    scored = [i for i in range(1, BIG + SMALL + 1) if i <= BIG or i % 4]  # a quarter of "small" unscored
    doubts = {i: rng.choice([0.0, 0.5, round(rng.random() * 3, 3)]) for i in scored}
    with database.conn:  # the table predictions.store_prediction keeps (set-up, not the code under test)
        database.conn.executemany(
            "INSERT INTO document_doubt (document_id, doubt) VALUES (?, ?)", doubts.items()
        )
    session = Session(database, "tester")
    for document_id in (BIG + 2, BIG + 3, 5):
        session.open(document_id)
        session.apply(session.set_answer(Answer.REJECT))
    database.doubts = doubts
    yield database
    database.close()


def steps_of(db, read) -> tuple[list, int]:
    """What ``read()`` returns and the SQLite steps it took (in hundreds)."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    db.conn.set_progress_handler(count, 100)
    try:
        return read(), steps[0]
    finally:
        db.conn.set_progress_handler(None, 100)


def scans_of(db, read) -> tuple[list, set[str]]:
    """What ``read()`` returns and what its queries scan from start to end (EXPLAIN QUERY PLAN's "SCAN x":
    a walk of the doubt index visits every entry in a random order of documents, the slow way to find a
    few: 100,000 documents all scored, a 50-document dataset: 190 ms of CPU, 37 ms the other way)."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        result = read()
    finally:
        db.conn.set_trace_callback(None)
    scans = set()
    for sql in statements:
        if "document_doubt" in sql and sql.lstrip().upper().startswith("SELECT"):
            for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql.replace("LIMIT 200", "LIMIT 1")):
                if row[3].startswith("SCAN"):
                    scans.add(row[3])
    return result, scans


def by_doubt(ids, doubts) -> list[int]:
    return sorted(ids, key=lambda i: (0, -doubts[i], i) if i in doubts else (1, 0.0, i))


def walked(db, dataset, status, after, limit, few: bool):
    """A page read with the plan chosen by hand."""
    from_, params = documents_from(Versions.seen_by("tester"))
    where, where_params = queue_filter(dataset, status, "")
    return read_page(db, store.BY_DOUBT, from_, (where, [*params, *where_params]), after, limit, few=few)


@pytest.mark.parametrize(("dataset", "status"), [("small", None), ("small", [None]), (None, ["reject"])])
def test_a_few_documents_come_in_the_order_of_their_doubt_without_walking_every_doubt(db, dataset, status):
    expected = by_doubt(store.document_ids(db, dataset, status, viewer="tester"), db.doubts)
    assert 0 < len(expected) <= FEW_DOCUMENTS
    for size in (1, 7, 200):
        keys: list = []
        while page := store.queue_page(
            db, dataset, status, "", keys[-1] if keys else None, size, "tester", store.BY_DOUBT
        ):
            keys.extend(page)
        assert [key[-1] for key in keys] == expected, size
        walk = []
        while page := walked(db, dataset, status, walk[-1] if walk else None, size, few=False):
            walk.extend(page)
        assert walk == keys  # the index walk gives the same rows, keys included
    first, scans = scans_of(
        db, lambda: store.queue_page(db, dataset, status, "", None, 200, "tester", store.BY_DOUBT)
    )
    assert first == keys[:200] and not any("document_doubt_order" in scan for scan in scans), scans
    _walk, scans = scans_of(db, lambda: walked(db, dataset, status, None, 200, few=False))
    assert any("document_doubt_order" in scan for scan in scans)


def test_a_filter_no_document_has_reads_no_page(db):
    assert store.count_queue(db, "small", ["accept"], viewer="tester") == 0
    for order in (store.BY_DOUBT, store.BY_ID):
        keys, steps = steps_of(
            db, lambda order=order: store.queue_page(db, "small", ["accept"], "", None, 200, "tester", order)
        )
        assert keys == [] and steps <= 1  # the kept answer counts only
    _none, walk_steps = steps_of(db, lambda: walked(db, "small", ["accept"], None, 200, few=False))
    assert _none == [] and walk_steps > 100  # the index walk reads every doubt to find none


def test_the_unfiltered_queue_still_walks_the_doubt_index(db):
    """With no filter, or one keeping many documents, a page reads ~a page of the index: sorting every
    document would cost far more."""
    for status in (None, [None]):
        keys, steps = steps_of(
            db,
            lambda status=status: store.queue_page(db, None, status, "", None, 200, "tester", store.BY_DOUBT),
        )
        _sorted, sorted_steps = steps_of(
            db, lambda status=status: walked(db, None, status, None, 200, few=True)
        )
        assert keys == _sorted and steps * 5 < sorted_steps, (steps, sorted_steps)
