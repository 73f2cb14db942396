"""Review mode in the window, driven by keys: walk the disagreements, take a proposal, accept, undo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gui_helpers import REVIEW_MODEL, REVIEW_TEXT, click, key, make_database, open_window, review_database
from PySide6.QtCore import Qt

from annotations import store
from annotations.model import REVIEW, Answer, Version

Key = Qt.Key
Shift = Qt.KeyboardModifier.ShiftModifier
Ctrl = Qt.KeyboardModifier.ControlModifier
TEXT, MODEL = REVIEW_TEXT, REVIEW_MODEL  # offsets: 0 Angela, 7 Merkel, 18 Emmanuel, 27 Macron, 37 Paris


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return review_database(tmp_path / "review.db")


def open_active(qtbot, path: Path):
    """The window, made the active one so that menu shortcuts (Ctrl+R) reach their actions."""
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def pink_ranges(view) -> list[tuple[int, int]]:
    """Where the view shows a disagreement with no span of the review (a pale red background)."""
    marks = [s for s in view.extraSelections() if s.format.background().color().name() == "#ffd8d3"]
    return [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in marks]


def keys_of(spans) -> list[tuple[int, int, str]]:
    return [span.key() for span in spans]


def reviewed(path: Path):
    db = store.open_store(path)
    try:
        return store.load_document(db, 1), store.replay_history(db, 1, REVIEW)
    finally:
        db.close()


def test_review_mode_walks_disagreements_takes_bobs_proposal_and_accepts(qtbot, path):
    window = open_active(qtbot, path)
    key(window.view, Key.Key_R, Ctrl)
    assert window.reviewing and window.review_banner.isVisible() and "tester" in window.review_banner.text()
    assert window.queue_model.rowCount() == 1  # only the document two people have a version of
    assert all(action.isEnabled() for action in window.review_walk_actions)
    assert "Reviewer: tester" in window.annotator_label.text() and window.windowTitle().endswith(
        "— reviewing as tester"
    )
    assert window.current_document.version == REVIEW
    assert keys_of(window.current_document.spans) == [(18, 33, "PERSON")]  # what both kept
    assert window.view.review_marks == ((0, 13), (37, 42))
    assert pink_ranges(window.view) == [(0, 13), (37, 42)]  # neither has a span in the review yet
    key(window.view, Key.Key_Tab)
    assert window.view.current_mark == (0, 13)
    assert "[1]" in window.review_panel.text() and "alice" in window.review_panel.text()
    assert "bob: ORG “Angela Merkel”" in window.statusBar().currentMessage()
    key(window.view, Key.Key_Tab)
    assert window.view.current_mark == (37, 42)  # the next disagreement, not Macron's span
    key(window.view, Key.Key_Tab)
    assert window.view.current_mark == (0, 13)  # round again
    key(window.view, Key.Key_2)  # bob's: ORG
    assert keys_of(window.current_document.spans) == [(0, 13, "ORG"), (18, 33, "PERSON")]
    assert pink_ranges(window.view) == [(37, 42)]  # Merkel has bob's span now; Paris still nothing
    key(window.view, Key.Key_Backtab)
    key(window.view, Key.Key_1)  # alice's Paris
    key(window.view, Key.Key_A)
    document, history = reviewed(path)
    assert document.version == REVIEW and document.answer is Answer.ACCEPT
    assert keys_of(document.spans) == [(0, 13, "ORG"), (18, 33, "PERSON"), (37, 42, "GPE")]
    assert [keys_of(state.spans) for state in history] == [
        [(0, 13, "ORG"), (18, 33, "PERSON")],
        [(0, 13, "ORG"), (18, 33, "PERSON"), (37, 42, "GPE")],
        [(0, 13, "ORG"), (18, 33, "PERSON"), (37, 42, "GPE")],
    ]
    assert history[-1].answer is Answer.ACCEPT
    assert "1 accepted" in window.counts_label.text()


def test_a_take_is_undone_like_any_edit(qtbot, path):
    window = open_active(qtbot, path)
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_1)  # alice's PERSON
    assert keys_of(reviewed(path)[0].spans) == [(0, 13, "PERSON"), (18, 33, "PERSON")]
    key(window.view, Key.Key_Z, Ctrl)
    assert keys_of(reviewed(path)[0].spans) == [(18, 33, "PERSON")]
    assert keys_of(window.current_document.spans) == [(18, 33, "PERSON")]
    key(window.view, Key.Key_Z, Ctrl | Shift)
    assert keys_of(reviewed(path)[0].spans) == [(0, 13, "PERSON"), (18, 33, "PERSON")]


def test_number_keys_are_labels_again_on_a_selected_span_and_free_edits_go_to_the_review(qtbot, path):
    window = open_active(qtbot, path)
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)
    click(window.view, 20)  # Macron: a span selected, so 2 is the label key ORG
    key(window.view, Key.Key_2)
    assert keys_of(reviewed(path)[0].spans) == [(18, 33, "ORG")]
    key(window.view, Key.Key_Delete)
    assert keys_of(reviewed(path)[0].spans) == []


def test_leaving_review_mode_shows_the_persons_own_version_again(qtbot, path):
    window = open_active(qtbot, path)
    key(window.view, Key.Key_R, Ctrl)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_2)
    key(window.view, Key.Key_R, Ctrl)
    assert not window.reviewing and not window.review_banner.isVisible()
    assert window.queue_model.rowCount() == 3
    assert window.current_document.version.kind == "base"  # tester has no version of their own
    assert window.view.review_marks == ()
    assert "Annotator: tester" in window.annotator_label.text()
    assert not any(action.isEnabled() for action in window.review_walk_actions)
    key(window.view, Key.Key_Tab)
    assert window.view.selected.key() == (0, 13, "PERSON")  # Tab selects spans again


def test_nothing_to_review_says_so_and_stays_out_of_review_mode(qtbot, tmp_path):
    database = tmp_path / "alone.db"
    make_database(database, [TEXT], [MODEL])
    window = open_active(qtbot, database)
    key(window.view, Key.Key_R, Ctrl)
    assert not window.reviewing and not window.review_action.isChecked()
    assert "Nothing to review" in window.statusBar().currentMessage()
    db = store.open_store(database)
    try:
        assert store.versions(db, 1)[0].version.kind == "base" and len(store.versions(db, 1)) == 1
        assert Version.of("tester") not in {row.version for row in store.versions(db, 1)}
    finally:
        db.close()


def test_a_review_that_cannot_be_stored_is_explained_not_raised(qtbot, path, monkeypatch):
    window = open_active(qtbot, path)

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store, "insert_version", refuse)
    window.set_review_mode(True)
    assert window.files.failure_box.isVisible()
    assert (
        "read-only" in window.statusBar().currentMessage()
        or "readonly" in window.statusBar().currentMessage()
    )
    db = store.open_store(path)
    try:
        assert store.version_id(db, 1, REVIEW) is None  # nothing half-written
    finally:
        db.close()


def test_a_take_after_a_merge_changed_the_proposals_shows_them_anew_and_takes_nothing(qtbot, path):
    """alice's version changed since the document was opened (a merge): "1" would store a proposal she no
    longer makes; the window shows the disagreements as they are now instead."""
    from annotations.session import Session

    window = open_active(qtbot, path)
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)  # Merkel: alice PERSON, bob ORG
    db = store.open_store(path)  # meanwhile, another program
    try:
        alice = Session(db, "alice")
        alice.open(1)
        merkel = next(s for s in alice.document.spans if s.start == 0)
        alice.apply(alice.relabel(merkel, "NORP"))
    finally:
        db.close()
    key(window.view, Key.Key_1)
    assert keys_of(reviewed(path)[0].spans) == [(18, 33, "PERSON")]  # nothing taken
    assert "versions of this document changed" in window.statusBar().currentMessage()
    key(window.view, Key.Key_Tab)
    assert "NORP" in window.review_panel.text()  # alice's proposal as it is now
