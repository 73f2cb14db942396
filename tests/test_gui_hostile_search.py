"""A person abusing the window's corpus search and apply everywhere: hostile cases found under Xvfb."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotations import store
from annotations.model import Span
from annotations.search import Query
from annotations.session import Session
from gui.corpus_search import search_job
from tests.gui_helpers import key, make_database, open_window

# Every text holds words but no seven digits: the regular expression below backtracks through each one and
# matches nothing, so a search yields no occurrence at all until it has read the last text.
WORDS = " ".join(f"word{i % 97} and more" for i in range(50))
SLOW = Query(r"(\w+\s)+\d{7}", regex=True)


def test_a_cancelled_search_matching_nothing_stops_without_reading_every_text(tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, [f"{WORDS} {n}." for n in range(150)])
    db = store.open_store(path)
    try:
        started = time.perf_counter()
        full = search_job(SLOW, "tester")(db, lambda done, total: None, lambda: False)
        whole = time.perf_counter() - started
        assert full is not None and full.total == 0
        started = time.perf_counter()
        # cancelled at once (the person typed on, closed the panel or the window): nothing comes back, soon
        assert search_job(SLOW, "tester")(db, lambda done, total: None, lambda: True) is None
        assert time.perf_counter() - started < whole / 5
    finally:
        db.close()


KREMLIN = ["Officials at the Kremlin said no.", "The Kremlin denied it.", "Kremlin staff left."]


def kremlin(text: str) -> Span:
    start = text.index("Kremlin")
    return Span(start, start + 7, "LOC")


def open_active(qtbot, path):
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def test_entering_review_mode_takes_the_apply_everywhere_offer_away(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, KREMLIN, [[kremlin(t)] for t in KREMLIN])
    db = store.open_store(path)
    for name, label in (("alice", "ORG"), ("bob", "FAC")):  # document 1 is in the review queue
        session = Session(db, name)
        session.open(1)
        session.apply(session.relabel(session.document.spans[0], label))
    db.close()
    window = open_active(qtbot, path)
    key(window.view, Qt.Key.Key_Tab)
    QTest.keyClick(window.view, Qt.Key.Key_2)  # ORG, in tester's own version
    qtbot.waitUntil(lambda: window.apply_everywhere.offering, timeout=10_000)
    key(window.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.reviewing and window.controller.document.id == 1  # the same document, now the review's
    # the offer was about tester's own versions: in review mode its Ctrl+Shift+A would change those
    assert not window.apply_everywhere.offering
    assert not window.apply_everywhere.bar.isVisible()
    key(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.apply_everywhere.dialog is None
    assert window.controller.undo_stack.count() == 0


def test_the_search_panel_leaves_the_document_most_of_a_small_window(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, KREMLIN, [[kremlin(t)] for t in KREMLIN])
    window = open_active(qtbot, path)
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    before = window.view.height()
    key(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_panel.box.hasFocus())
    QTest.qWait(50)
    # seen under Xvfb at 1000x700: the panel took the middle, the document showed one line of its text
    assert window.view.height() >= before * 0.5
    assert window.search_dock.height() >= 150  # the box, the total and a few hits


def test_what_apply_everywhere_did_is_not_cut_off_by_the_names_in_the_status_bar(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, KREMLIN, [[kremlin(t)] for t in KREMLIN])
    window = open_active(qtbot, path)
    window.resize(1000, 700)
    key(window.view, Qt.Key.Key_Tab)
    QTest.keyClick(window.view, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: window.apply_everywhere.offering, timeout=10_000)
    key(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.apply_everywhere.dialog is not None, timeout=10_000)
    QTest.keyClick(window.apply_everywhere.dialog, Qt.Key.Key_Return)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Applied to 2 occurrences"))
    message = bar.currentMessage()
    shown = [
        w for w in (window.model_label, window.dataset_label, window.annotator_label, window.counts_label)
    ]
    taken = sum(w.width() for w in shown if w.isVisible())
    assert bar.fontMetrics().horizontalAdvance(message) < bar.width() - taken  # read whole, "Ctrl+Z" included
    bar.clearMessage()
    assert window.model_label.isVisible() and window.dataset_label.isVisible()  # back once it is gone
