"""The document queue: a lazy model, status per row, filter, search and progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import _new, berlin_paris_database, key, make_database, open_window, queue_read
from PySide6.QtCore import QModelIndex, Qt

from annotations import store
from gui.queue_model import PAGE_SIZE, QueueModel, StatusRole


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return berlin_paris_database(tmp_path / "queue.db")


def test_the_queue_model_passes_qtmodeltester_and_loads_pages_lazily(qtmodeltester, path):
    db = store.open_store(path)
    model = QueueModel(db)
    assert model.rowCount() == PAGE_SIZE and model.total == 1240
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 1240
    db.close()


def test_status_filter_search_and_progress_follow_the_answers(qtbot, path):
    window = open_window(qtbot, path)
    for _ in range(37):
        key(window.view, Qt.Key.Key_A)
    key(window.view, Qt.Key.Key_X)
    assert window.queue_panel.progress_text.text() == "38 of 1,240 done"
    assert window.queue_model.index(37).data(StatusRole) == "rejected"
    window.queue_panel.status_filter.setCurrentText("Accepted")
    queue_read(qtbot, window)
    assert window.queue_model.total == 37
    assert {window.queue_model.index(r).data(StatusRole) for r in range(37)} == {"accepted"}
    window.queue_panel.status_filter.setCurrentText("All documents")
    window.queue_panel.search_box.setText("berlin")
    qtbot.waitUntil(lambda: window.queue_model.total == 414, timeout=3000)
    assert "Berlin" in window.queue_model.index(1).data()
    assert "37 accepted" in window.counts_label.text() and "1 rejected" in window.counts_label.text()


def test_clicking_a_queue_row_opens_that_document(qtbot, path):
    window = open_window(qtbot, path)
    rect = window.queue_panel.queue_view.visualRect(window.queue_model.index(4))
    from PySide6.QtTest import QTest

    QTest.mouseClick(window.queue_panel.queue_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.controller.document.id == window.queue_model.document_id(4)
    assert window.controller.document.text == "Document number 4 about Paris"


def test_enter_on_a_queue_row_opens_that_document(qtbot, path):
    """By keyboard alone: the row chosen with the arrows opens on Enter, as a click opens it."""
    window = open_window(qtbot, path)
    view = window.queue_panel.queue_view
    view.setFocus()
    view.setCurrentIndex(window.queue_model.index(3))
    key(view, Qt.Key.Key_Down)
    key(view, Qt.Key.Key_Return)
    assert window.controller.document.id == window.queue_model.document_id(4)


def test_moving_between_documents_does_not_recount_the_whole_database(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    counted = []
    original = store.answer_counts
    monkeypatch.setattr(
        store, "answer_counts", lambda *args, **kw: counted.append(args) or original(*args, **kw)
    )
    for _ in range(3):
        key(window.view, Qt.Key.Key_Right)
    assert counted == []
    key(window.view, Qt.Key.Key_A)
    assert len(counted) == 1
    assert window.queue_panel.progress_text.text() == "1 of 1,240 done"
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_panel.progress_text.text() == "0 of 1,240 done"


def test_coming_back_to_the_window_with_nothing_new_loads_no_more_rows(qtbot, path):
    """Returning from another program re-counts the queue; with no new documents it loads no page and
    recounts nothing (a queue larger than a page is not 'new documents')."""
    window = open_window(qtbot, path)
    loaded = window.queue_model.rowCount()
    assert loaded < 1240
    assert window.queue_model.take_in_new_documents() is False
    assert window.queue_model.rowCount() == loaded


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("MÜNCHEN", ["Zoë in München"]),  # SQLite's lower() alone leaves Ü and Ë as they are
        ("zoË", ["Zoë in München"]),
        ("STRAßE", ["Große Straße"]),
        ("100%", ["100% sure"]),  # the search box's text is text, never a pattern
        ("_", ["a_b"]),
        ("O'Neil", ['O\'Neil said "hi"']),
        ('"hi"', ['O\'Neil said "hi"']),
    ],
)
def test_the_search_box_finds_text_in_any_case_and_takes_characters_literally(qtbot, tmp_path, typed, found):
    database = tmp_path / "search.db"
    make_database(
        database, ["Zoë in München", "Große Straße", "100% sure", "a_b", 'O\'Neil said "hi"', "plain"]
    )
    window = open_window(qtbot, database)
    window.queue_panel.search_box.setText(typed)
    qtbot.waitUntil(lambda: window.queue_model.total == len(found), timeout=3000)
    assert [window.queue_model.index(row).data() for row in range(len(found))] == found


def test_an_answer_in_a_status_filter_keeps_the_row_but_takes_it_off_the_count(qtbot, path):
    """Pending only: the accepted document stays listed (the list does not jump), the count line no longer
    counts it and says so; its undo counts it again. Counted anew after other documents arrive, the count
    holds them and leaves the answered one out still."""
    window = open_window(qtbot, path)
    window.queue_panel.status_filter.setCurrentIndex(1)  # pending
    queue_read(qtbot, window)
    count_line = window.queue_panel.count_text
    assert count_line.text() == "1,240 pending documents"
    first = window.controller.document.id
    key(window.view, Qt.Key.Key_A)  # accept, then on to the next document
    assert window.queue_model.row_of(first) is not None
    assert count_line.text() == "1,239 pending documents (1 more listed, no longer pending)"
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert count_line.text() == "1,240 pending documents"
    key(window.view, Qt.Key.Key_A)
    make_more = store.open_store(path)  # another program imports two documents
    with store.write_transaction(make_more):
        dataset = store.ensure_dataset(make_more, "test")
        store.insert_documents(make_more, dataset, [_new(f"Late document {i}", i, ()) for i in range(2)])
    make_more.close()
    assert window.take_in_new_documents()
    assert count_line.text() == "1,241 pending documents"  # counted anew: the accepted one is not in it
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # pending again: counted again
    assert count_line.text() == "1,242 pending documents"
