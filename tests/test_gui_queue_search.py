"""The queue's filter, search and order are read off the GUI thread: the window stays usable while a slow
search runs, the newest search wins, and a failure is a message."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from gui_helpers import (
    _new,
    berlin_paris_database,
    key,
    make_database,
    open_window,
    queue_read,
    review_database,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotations import store
from annotations.model import REVIEW
from gui.left_off import keep_left_off
from gui.queue_model import PAGE_SIZE, QueueModel, StatusRole
from gui.queue_panel import total_text
from gui.queue_query import QueueQuery

# a statement of several seconds (30 million steps), unless the reader stops it
LONG = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3e7) SELECT count(*) FROM n"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return berlin_paris_database(tmp_path / "queue.db")


class SlowSearches:
    """Makes the first page of chosen searches slow: ``endless`` ones first run an SQL statement of several
    seconds (``stopped`` lists those it stopped); ``held`` ones wait (in Python, not stoppable) for
    ``release``."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, endless: frozenset = frozenset(), held: frozenset = frozenset()
    ):
        self.endless, self.held = endless, held
        self.entered = threading.Event()
        self.release = threading.Event()
        self.threads: list[bool] = []  # per slow page: whether it ran off the GUI thread
        self.stopped: list[str] = []
        original = QueueQuery.page

        def page(query: QueueQuery, db, after, limit):
            if query.search in self.endless | self.held:
                self.threads.append(threading.current_thread() is not threading.main_thread())
                self.entered.set()
                if query.search in self.endless:
                    try:
                        db.execute(LONG).fetchone()
                    except sqlite3.OperationalError:
                        self.stopped.append(query.search)
                        raise
                else:
                    self.release.wait(20)
            return original(query, db, after, limit)

        monkeypatch.setattr(QueueQuery, "page", page)


def type_search(qtbot, window, text: str) -> None:
    """Type into the queue's search box and let its pause pass (the search starts)."""
    window.queue_panel.search_box.setText(text)
    window.queue_panel._search_timer.timeout.emit()


def shown_ids(window) -> list[int]:
    model = window.queue_model
    return [model.document_id(row) for row in range(model.rowCount())]


def test_while_a_search_runs_the_window_stays_usable_and_says_it_is_searching(qtbot, path, monkeypatch):
    slow = SlowSearches(monkeypatch, endless=frozenset({"paris"}))
    window = open_window(qtbot, path)
    before = shown_ids(window)
    type_search(qtbot, window, "paris")
    assert slow.entered.wait(5)
    assert slow.threads == [True]  # read by the reader thread, never the GUI thread
    panel = window.queue_panel
    assert panel.searching and panel.count_text.text() == "Searching for “paris”…"
    assert shown_ids(window) == before  # the previous rows stay, greyed, until the new ones come
    assert window.queue_model.index(0).data(Qt.ItemDataRole.ForegroundRole) == QColor("#8c959f")
    key(window.view, Qt.Key.Key_Right)  # next document, an answer, typing: all while it searches
    assert window.current_document.id == 2
    key(window.view, Qt.Key.Key_A)
    assert window.current_document.id == 3 and store.load_document(window.db, 2).state.answer == "accept"
    key(window.view, Qt.Key.Key_Left)  # previous document
    assert window.current_document.id == 2
    panel.search_box.setText("berli")
    assert panel.search_box.text() == "berli" and panel.searching
    panel.stop_search()
    assert slow.stopped == ["paris"] and not panel.searching


def test_a_newer_search_stops_the_running_one_and_is_the_one_shown(qtbot, path, monkeypatch):
    slow = SlowSearches(monkeypatch, endless=frozenset({"paris"}))
    window = open_window(qtbot, path)
    type_search(qtbot, window, "paris")
    assert slow.entered.wait(5)
    type_search(qtbot, window, "berlin")
    queue_read(qtbot, window)
    assert slow.stopped == ["paris"]  # not read to its end
    assert window.queue_model.index(0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert window.queue_model.search == "berlin" and window.queue_model.total == 414
    assert window.queue_panel.count_text.text() == "414 documents hold “berlin”"


def test_an_older_slower_search_never_overwrites_a_newer_one(qtbot, path, monkeypatch):
    slow = SlowSearches(monkeypatch, held=frozenset({"paris"}))
    window = open_window(qtbot, path)
    shown = []
    window.queue_panel.search.page_ready.connect(lambda first: shown.append(first.query.search))
    type_search(qtbot, window, "paris")
    assert slow.entered.wait(5)
    type_search(qtbot, window, "berlin")
    slow.release.set()  # "paris" finishes after "berlin" was asked for: its rows are dropped
    queue_read(qtbot, window)
    qtbot.wait(50)  # anything still queued from "paris" arrives now
    assert shown == ["berlin"]
    assert window.queue_model.search == "berlin" and window.queue_model.total == 414


@pytest.mark.parametrize(
    ("status", "search", "order"),
    [
        (None, "berlin", "id"),
        (None, "number 12", "id"),
        ("Pending", "", "id"),
        ("Accepted", "", "id"),  # nothing accepted: no page read at all
        (None, "ab", "doubt"),
        ("Pending", "paris", "doubt"),
    ],
)
def test_the_queue_read_off_the_gui_thread_is_the_synchronous_queue(qtbot, path, status, search, order):
    window = open_window(qtbot, path)
    panel = window.queue_panel
    panel.order_choice.setCurrentIndex(0 if order == "id" else 1)
    panel.status_filter.setCurrentText(status or "All documents")
    type_search(qtbot, window, search)
    queue_read(qtbot, window)
    db = store.open_store(path, read_only=True)
    synchronous = QueueModel(db, "tester")
    synchronous.order = store.BY_ID if order == "id" else store.BY_DOUBT
    synchronous.set_filter(None if status is None else [status.lower()], search)
    expected = [synchronous.document_id(row) for row in range(synchronous.rowCount())]
    assert shown_ids(window)[: len(expected)] == expected
    assert window.queue_model.total == synchronous.total
    assert window.queue_model.counted
    db.close()


def test_the_first_page_is_shown_before_the_count_is_done(qtbot, path, monkeypatch):
    counting, release = threading.Event(), threading.Event()
    original = QueueQuery.count

    def count(query: QueueQuery, db) -> int:
        if query.search == "berlin" and threading.current_thread() is not threading.main_thread():
            counting.set()
            release.wait(20)
        return original(query, db)

    monkeypatch.setattr(QueueQuery, "count", count)
    window = open_window(qtbot, path)
    type_search(qtbot, window, "berlin")
    qtbot.waitUntil(lambda: window.queue_model.search == "berlin", timeout=5000)
    assert counting.wait(5)
    assert window.queue_model.rowCount() == PAGE_SIZE and not window.queue_model.counted
    assert window.queue_panel.count_text.text() == "200+ documents hold “berlin”; counting…"
    assert "Berlin" in window.queue_model.index(0).data()
    release.set()
    queue_read(qtbot, window)
    assert window.queue_panel.count_text.text() == "414 documents hold “berlin”"
    assert window.queue_model.total == 414


def test_closing_the_window_while_it_searches_stops_the_search(qtbot, path, monkeypatch):
    slow = SlowSearches(monkeypatch, endless=frozenset({"paris"}))
    window = open_window(qtbot, path)
    type_search(qtbot, window, "paris")
    assert slow.entered.wait(5)
    thread = window.queue_panel.search._thread
    window.close()
    assert slow.stopped == ["paris"]
    assert thread is not None and thread.isFinished()
    assert window.queue_panel.search.reader is None


def test_a_database_error_during_the_search_is_a_message(qtbot, path, monkeypatch):
    original = QueueQuery.page

    def page(query: QueueQuery, db, after, limit):
        if query.search == "berlin":
            raise sqlite3.DatabaseError("database disk image is malformed")
        return original(query, db, after, limit)

    monkeypatch.setattr(QueueQuery, "page", page)
    window = open_window(qtbot, path)
    before = shown_ids(window)
    type_search(qtbot, window, "berlin")
    queue_read(qtbot, window)
    text = window.queue_panel.count_text.text()
    assert text.startswith(f"Could not read the queue: {path}: is corrupt")
    assert "Traceback" not in text and shown_ids(window) == before
    type_search(qtbot, window, "paris")  # the next search works again
    queue_read(qtbot, window)
    assert (
        window.queue_model.total == 826
        and window.queue_panel.count_text.text() == "826 documents hold “paris”"
    )


def test_a_database_replaced_under_the_window_is_not_searched(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    other = tmp_path / "other.db"
    make_database(other, ["Berlin elsewhere"])
    other.replace(path)
    type_search(qtbot, window, "berlin")
    queue_read(qtbot, window)
    assert "is no longer the database this window has open" in window.queue_panel.count_text.text()
    assert window.queue_model.search == ""


@pytest.mark.parametrize(
    ("statuses", "search", "total", "counted", "said"),
    [
        (None, "", 1240, True, "1,240 documents"),
        (None, "the", 836385, True, "836,385 documents hold “the”"),
        (None, "qz", 0, True, "No document holds “qz”"),
        (("pending",), "", 1, True, "1 pending document"),
        (("accepted",), "paris", 7, True, "7 accepted documents hold “paris”"),
        (None, "the", 201, False, "200+ documents hold “the”; counting…"),
    ],
)
def test_the_count_line_says_how_many_documents_the_list_holds(statuses, search, total, counted, said):
    query = QueueQuery(statuses=statuses, search=search)
    assert total_text(query, total, counted, min(total, PAGE_SIZE)) == said


def test_coming_back_to_the_window_does_not_count_a_search_again_unless_documents_came(
    qtbot, path, monkeypatch
):
    window = open_window(qtbot, path)
    type_search(qtbot, window, "berlin")
    queue_read(qtbot, window)
    counted_here = []
    original = QueueQuery.count

    def count(query: QueueQuery, db) -> int:
        counted_here.append(threading.current_thread() is threading.main_thread())
        return original(query, db)

    monkeypatch.setattr(QueueQuery, "count", count)
    window._on_application_state(Qt.ApplicationState.ApplicationActive)  # back from another program
    assert counted_here == []  # a search's count reads every text: not again for nothing
    db = store.open_store(path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "test")
        store.insert_documents(db, dataset, [_new("Berlin, again", 0, ())])
    db.close()
    window._on_application_state(Qt.ApplicationState.ApplicationActive)  # `spandesk import` ran meanwhile
    assert counted_here == [True] and window.queue_model.total == 415


@pytest.mark.parametrize(("search", "marked"), [("paris", True), ("berlin", False)])
def test_the_document_on_screen_is_found_in_the_new_list_off_the_gui_thread(
    qtbot, path, monkeypatch, search, marked
):
    window = open_window(qtbot, path)
    window.controller.open(1001)  # "Document number 1000 about Paris", past the first pages
    pages_here = []
    original = QueueQuery.page

    def page(query: QueueQuery, db, after, limit):
        pages_here.append(threading.current_thread() is threading.main_thread())
        return original(query, db, after, limit)

    monkeypatch.setattr(QueueQuery, "page", page)
    type_search(qtbot, window, search)
    queue_read(qtbot, window)
    assert True not in pages_here and len(pages_here) > 1  # pages up to it, all read by the reader
    current = window.queue_panel.queue_view.currentIndex()
    if marked:
        assert window.queue_model.document_id(current.row()) == 1001
        assert window.queue_panel.absent_note.isHidden()
    else:
        assert not current.isValid()
        assert "its text does not hold the search" in window.queue_panel.absent_note.text()


def test_a_document_opened_while_the_search_ran_is_marked_in_its_result(qtbot, path, monkeypatch):
    slow = SlowSearches(monkeypatch, held=frozenset({"paris"}))
    window = open_window(qtbot, path)
    type_search(qtbot, window, "paris")
    assert slow.entered.wait(5)
    window.controller.open(1001)  # "Document number 1000 about Paris", far past the pages being read
    slow.release.set()
    queue_read(qtbot, window)
    current = window.queue_panel.queue_view.currentIndex()
    assert window.queue_model.document_id(current.row()) == 1001
    assert window.queue_panel.absent_note.isHidden()


def rows_read_then_held(monkeypatch: pytest.MonkeyPatch, search: str) -> tuple[threading.Event, ...]:
    """Hold the reader after it read ``search``'s rows (their answers) until released: (read, release)."""
    read, release = threading.Event(), threading.Event()
    original = QueueQuery.rows

    def rows(query: QueueQuery, db, ids):
        found = original(query, db, ids)
        if query.search == search:
            read.set()
            release.wait(20)
        return found

    monkeypatch.setattr(QueueQuery, "rows", rows)
    return read, release


@pytest.mark.parametrize("undone", [False, True])
def test_an_answer_given_or_undone_while_the_search_ran_shows_in_its_result(qtbot, path, monkeypatch, undone):
    read, release = rows_read_then_held(monkeypatch, "paris")
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_Right)
    assert window.current_document.id == 2  # "about Paris"
    if undone:
        key(window.view, Qt.Key.Key_A)  # accepted before the search: its rows say so
    type_search(qtbot, window, "paris")
    assert read.wait(5)  # the rows are read: the answer changes only now
    if undone:
        key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    else:
        key(window.view, Qt.Key.Key_A)
    assert store.load_document(window.db, 2).state.answer == (None if undone else "accept")
    release.set()
    queue_read(qtbot, window)
    model = window.queue_model
    assert model.search == "paris" and model.row_of(2) is not None
    assert model.index(model.row_of(2)).data(StatusRole) == ("pending" if undone else "accepted")


@pytest.mark.parametrize("order", [0, 1])  # in import order, most likely wrong first (no doubts: by id)
def test_a_document_on_screen_further_down_than_was_read_is_not_said_to_miss_the_search(
    qtbot, tmp_path, order
):
    many = tmp_path / "many.db"
    make_database(many, [f"Paris note {i}" for i in range(52 * PAGE_SIZE)])  # more than the 50 pages read
    window = open_window(qtbot, many)
    window.queue_panel.order_choice.setCurrentIndex(order)
    queue_read(qtbot, window)
    last = 52 * PAGE_SIZE
    window.controller.open(last)  # holds "paris", past the pages read to find it
    type_search(qtbot, window, "paris")
    queue_read(qtbot, window)
    note = window.queue_panel.absent_note
    assert window.queue_model.row_of(last) is None and not note.isHidden()
    assert "does not hold the search" not in note.text()
    assert note.text() == f"Document {last}, on screen, lies further down this list than the rows read."
    type_search(qtbot, window, "berlin")  # it does not hold this one: said so
    queue_read(qtbot, window)
    assert "its text does not hold the search" in note.text()
    key(window.view, Qt.Key.Key_A)  # accepted, still on screen (the last document)
    assert window.current_document.id == last
    type_search(qtbot, window, "")
    window.queue_panel.status_filter.setCurrentIndex(1)  # pending only: it is not, whatever lies further
    queue_read(qtbot, window)
    assert (
        note.text()
        == f"Document {last}, on screen, is not in this list: the list shows pending documents only."
    )


@pytest.mark.parametrize(
    ("search", "before", "after"),
    [
        ("zebra", "No document holds “zebra”", "2 documents hold “zebra”"),
        ("", "1,240 documents", "1,242 documents"),
    ],
)
def test_documents_another_program_added_are_counted_in_the_count_line(qtbot, path, search, before, after):
    window = open_window(qtbot, path)
    type_search(qtbot, window, search)
    queue_read(qtbot, window)
    assert window.queue_panel.count_text.text() == before
    db = store.open_store(path)  # `spandesk import` beside the window
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "test")
        store.insert_documents(db, dataset, [_new("A zebra in Berlin", 0, ()), _new("Zebra crossing", 1, ())])
    db.close()
    window._on_application_state(Qt.ApplicationState.ApplicationActive)  # back to the window
    assert window.queue_model.total == (2 if search else 1242)
    assert window.queue_panel.count_text.text() == after


def test_after_an_import_a_filtered_queue_is_read_off_the_gui_thread(qtbot, path, monkeypatch):
    """An import into the open window with a search typed reads the new list off the GUI thread (a common
    word took ~2 s at a million documents, the window frozen): the document on screen stays, the list says
    it is searching, and the imported documents that match are listed once it is done."""
    window = open_window(qtbot, path)
    type_search(qtbot, window, "paris")
    queue_read(qtbot, window)
    matching, on_screen = window.queue_model.total, window.current_document.id
    db = store.open_store(path)
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "test"), [_new("Paris, once more", 0, ())])
    imported = store.newest_document_id(db)
    db.close()
    slow = SlowSearches(monkeypatch, held=frozenset({"paris"}))
    window.refresh_contents()  # what File ▸ Import does once the import is stored
    assert slow.entered.wait(5)
    assert slow.threads == [True]  # the reader thread's, not the window's
    assert window.queue_panel.searching and window.current_document.id == on_screen
    slow.release.set()
    queue_read(qtbot, window)
    assert window.queue_model.total == matching + 1
    assert window.queue_model.load_through(imported) is not None  # listed (past the first page)
    assert window.current_document.id == on_screen


def test_opening_another_database_with_a_search_reads_its_list_off_the_gui_thread(
    qtbot, path, tmp_path, monkeypatch
):
    """Another database opened while a search is typed: its list is read off the GUI thread, and the window
    opens the document the person left off at there without waiting for it (then the list marks it)."""
    window = open_window(qtbot, path)
    type_search(qtbot, window, "paris")
    queue_read(qtbot, window)
    other = berlin_paris_database(tmp_path / "other.db", count=600)
    keep_left_off(window.settings, other, window.annotator, 301)  # "Document number 300 about Berlin"
    slow = SlowSearches(monkeypatch, held=frozenset({"paris"}))
    window.switch_database(store.open_store(other), other)
    assert slow.entered.wait(5)
    assert slow.threads == [True]
    assert window.queue_panel.searching and window.current_document.id == 301
    assert window.queue_panel.absent_note.isHidden()  # nothing said of the list before it is read
    slow.release.set()
    queue_read(qtbot, window)
    assert window.queue_model.total == 400  # the Paris documents of the other database
    assert "Document 301, on screen, is not in this list" in window.queue_panel.absent_note.text()
    window.open_row(0)  # the list is the other database's
    assert window.current_document.text == "Document number 1 about Paris"


def test_review_mode_with_a_search_reads_its_list_off_the_gui_thread(qtbot, tmp_path, monkeypatch):
    """Review mode entered while a search is typed: the review queue is read off the GUI thread and the
    document on screen, which it holds, is shown reviewed at once."""
    window = open_window(qtbot, review_database(tmp_path / "review.db"))
    type_search(qtbot, window, "merkel")
    queue_read(qtbot, window)
    assert window.current_document.id == 1
    slow = SlowSearches(monkeypatch, held=frozenset({"merkel"}))
    window.set_review_mode(True)
    assert slow.entered.wait(5)
    assert slow.threads == [True]
    assert window.reviewing and window.current_document.id == 1 and window.current_document.version == REVIEW
    slow.release.set()
    queue_read(qtbot, window)
    assert shown_ids(window) == [1]
    assert window.queue_panel.absent_note.isHidden()
