"""Keyset paging: the queue is read a page at a time after the last row seen, never at an OFFSET, so
scrolling to the end of a huge queue stays fast, every document shows once, and answering documents
while scrolling a filtered queue skips none."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from gui_helpers import make_database
from PySide6.QtCore import QModelIndex

from annotations import store
from annotations.model import Answer
from annotations.session import Session
from gui.queue_model import PAGE_SIZE, QueueModel

TEXTS = [f"Document {i} about {'Berlin' if i % 3 == 0 else 'Paris'} {'x' * (i % 7)}" for i in range(530)]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "keyset.db"
    make_database(database, TEXTS)
    return database


def answer(db, document_id: int, value: Answer, who: str = "tester") -> None:
    session = Session(db, who)
    session.open(document_id)
    session.apply(session.set_answer(value))


def all_pages(read, limit: int) -> list:
    """Every key a paged reader gives, page after page from the last key seen."""
    keys: list = []
    while page := read(keys[-1] if keys else None, limit):
        assert len(page) <= limit
        keys.extend(page)
    return keys


@pytest.mark.parametrize(
    ("status", "search"), [(None, ""), ([None], ""), (["accept"], ""), (None, "berlin"), ([None], "PARIS")]
)
def test_paging_yields_every_id_once_in_order_with_filters(path, status, search) -> None:
    db = store.open_store(path)
    for document_id in range(1, 530, 4):
        answer(db, document_id, Answer.ACCEPT)
    whole = store.document_ids(db, status=status, search=search, viewer="tester")
    paged = all_pages(
        lambda after, limit: store.document_ids(db, None, status, search, after, limit, viewer="tester"), 37
    )
    assert paged == whole and len(set(paged)) == len(paged) > 0
    db.close()


def test_an_order_key_pages_by_key_then_id(path) -> None:
    db = store.open_store(path)
    order = store.QueueOrder(("-length(d.text)",))  # longest first, ties by id
    keys = all_pages(lambda after, limit: store.queue_page(db, after=after, limit=limit, order=order), 50)
    expected = sorted(range(1, 531), key=lambda i: (-len(TEXTS[i - 1]), i))
    assert [key[-1] for key in keys] == expected
    assert keys[0] == (-len(TEXTS[expected[0] - 1]), expected[0])
    with pytest.raises(ValueError, match="2 values, not 1"):
        store.queue_page(db, after=(3,), limit=5, order=order)
    db.close()


def test_answering_documents_while_scrolling_a_pending_queue_skips_none(path) -> None:
    db = store.open_store(path)
    model = QueueModel(db, viewer="tester")
    model.set_filter(["pending"])
    assert model.rowCount() == PAGE_SIZE
    for row in range(0, 30):  # the first 30 rows answered: they leave the pending filter
        answer(db, model.document_id(row), Answer.ACCEPT)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    loaded = [model.document_id(row) for row in range(model.rowCount())]
    assert loaded == list(range(1, 531))  # an OFFSET would have skipped 30 documents after the first page
    db.close()


def two_people_disagree(db) -> None:
    """Every other document answered by alice and, otherwise, by bob: the review queue holds them."""
    for document_id in range(1, 530, 2):
        answer(db, document_id, Answer.ACCEPT, "alice")
        answer(db, document_id, Answer.REJECT, "bob")


def test_the_review_queue_pages_by_key(path) -> None:
    db = store.open_store(path)
    two_people_disagree(db)
    whole = store.review_ids(db)
    assert len(whole) == 265
    assert all_pages(lambda after, limit: store.review_ids(db, after=after, limit=limit), 40) == whole
    model = QueueModel(db, review=True)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert [model.document_id(row) for row in range(model.rowCount())] == whole
    db.close()


def test_the_last_page_of_a_big_queue_costs_what_the_first_does(tmp_path) -> None:
    database = tmp_path / "big.db"
    make_database(database, [f"Text {i}" for i in range(20_000)])
    db = store.open_store(database)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def cost(after: int | None) -> int:
        steps[0] = 0
        db.conn.set_progress_handler(count, 100)
        try:
            store.document_ids(db, status=[None], after=after, limit=PAGE_SIZE)
        finally:
            db.conn.set_progress_handler(None, 100)
        return steps[0]

    first, last = cost(None), cost(20_000 - PAGE_SIZE)
    assert last <= 2 * first + 5  # an OFFSET of 19,800 rows would step through all of them
    db.close()


def _doubts(db, ids: list[int], seed: int = 3) -> dict[int, float]:
    """A model's doubt for some documents (ties and zeros included), stored as scoring stores it."""
    rng = random.Random(seed)
    doubts = {i: rng.choice([0.0, 0.5, 2.0, round(rng.random() * 3, 3)]) for i in ids}
    with db.conn:  # the table predictions.store_prediction keeps (test set-up, not the code under test)
        db.conn.executemany("INSERT INTO document_doubt (document_id, doubt) VALUES (?, ?)", doubts.items())
    return doubts


def _by_doubt(ids: list[int], doubts: dict[int, float]) -> list[int]:
    """Most likely wrong first: highest doubt first (ties by id), then the documents without one by id."""
    return sorted(ids, key=lambda i: (0, -doubts[i], i) if i in doubts else (1, 0.0, i))


def test_most_likely_wrong_first_pages_by_doubt_then_the_rest_by_id(path) -> None:
    db = store.open_store(path)
    doubts = _doubts(db, random.Random(5).sample(range(1, 531), 300))
    for document_id in range(1, 530, 4):
        answer(db, document_id, Answer.ACCEPT)
    for status, search in [(None, ""), ([None], ""), (["accept"], ""), (None, "berlin"), ([None], "PARIS")]:
        expected = _by_doubt(store.document_ids(db, status=status, search=search, viewer="tester"), doubts)
        for size in (1, 37, PAGE_SIZE):
            keys = all_pages(
                lambda after, limit, status=status, search=search: store.queue_page(
                    db, None, status, search, after, limit, "tester", store.BY_DOUBT
                ),
                size,
            )
            assert [key[-1] for key in keys] == expected, (status, search, size)
    first = store.queue_page(db, limit=1, order=store.BY_DOUBT)[0]
    assert first == (-max(doubts.values()), _by_doubt(list(doubts), doubts)[0])
    unscored = [i for i in range(1, 531) if i not in doubts]
    assert store.queue_page(db, after=(1, unscored[-2]), limit=5, order=store.BY_DOUBT) == [(1, unscored[-1])]
    with pytest.raises(ValueError, match="2 values, not 1"):
        store.queue_page(db, after=(3,), limit=5, order=store.BY_DOUBT)
    db.close()


def test_the_review_queue_pages_most_likely_wrong_first(path) -> None:
    db = store.open_store(path)
    two_people_disagree(db)
    doubts = _doubts(db, list(range(1, 531, 3)))
    expected = _by_doubt(store.review_ids(db), doubts)
    keys = all_pages(
        lambda after, limit: store.review_page(db, after=after, limit=limit, order=store.BY_DOUBT), 40
    )
    assert [key[-1] for key in keys] == expected
    db.close()


def test_a_page_most_likely_wrong_first_costs_what_a_page_by_id_does_at_any_depth(tmp_path) -> None:
    database = tmp_path / "big.db"
    make_database(database, [f"Text {i}" for i in range(20_000)])
    db = store.open_store(database)
    doubts = _doubts(db, list(range(1, 20_001, 2)))  # half scored: both parts of the order are deep
    order = _by_doubt(list(range(1, 20_001)), doubts)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def cost(after, order_by) -> int:
        steps[0] = 0
        db.conn.set_progress_handler(count, 100)
        try:
            store.queue_page(db, after=after, limit=PAGE_SIZE, order=order_by)
        finally:
            db.conn.set_progress_handler(None, 100)
        return steps[0]

    def key(document_id: int) -> tuple:
        return (-doubts[document_id], document_id) if document_id in doubts else (1, document_id)

    by_id = cost(None, store.BY_ID)
    pages = [None, key(order[9_000]), key(order[9_999 - PAGE_SIZE // 2]), key(order[-PAGE_SIZE - 1])]
    for after in pages:  # the first page, deep in the scored part, across into the rest, the last page
        assert cost(after, store.BY_DOUBT) <= 4 * by_id + 10, after  # sorting 20,000 rows per page: ~100x
    db.close()


def test_a_queue_in_another_order_finds_the_document_on_screen_on_a_later_page(qtbot, path) -> None:
    """The window marks the document on screen in the queue: in an order other than by id (longest text
    first here, as "most likely wrong first" is), a small id may lie on a later page than larger ones."""
    db = store.open_store(path)
    model = QueueModel(db)
    model.set_order(store.QueueOrder(("-length(d.text)",)))
    order = sorted(range(1, 531), key=lambda i: (-len(TEXTS[i - 1]), i))
    wanted = next(i for i in order[PAGE_SIZE + 10 :] if i < order[PAGE_SIZE - 1])  # page 2, a small id
    assert model.load_through(wanted) == order.index(wanted)
    db.close()
