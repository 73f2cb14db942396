"""Keyset paging: the queue is read a page at a time after the last row seen, never at an OFFSET, so
scrolling to the end of a huge queue stays fast, every document shows once, and answering documents
while scrolling a filtered queue skips none."""

from __future__ import annotations

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


def test_the_review_queue_pages_by_key(path) -> None:
    db = store.open_store(path)
    for document_id in range(1, 530, 2):
        answer(db, document_id, Answer.ACCEPT, "alice")
        answer(db, document_id, Answer.REJECT, "bob")
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
