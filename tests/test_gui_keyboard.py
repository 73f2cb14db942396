"""Correcting a document without the mouse, answering, moving and undoing across documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import drag, key, make_database, open_keyed, open_window, shown_text, stored, stored_keys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotations import store
from annotations.model import Answer, Span
from gui.span_list import SpanRole

Key = Qt.Key
Shift, Ctrl = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday"
#       0      7      14  18       27     34 37    43 46
MODEL = [Span(0, 13, "ORG"), Span(18, 33, "PERSON"), Span(37, 42, "GPE")]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "keys.db"
    make_database(database, [TEXT, "Second document about Berlin", "Third one"], [MODEL])
    return database


def test_tab_selects_spans_and_a_label_key_relabels(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)
    assert window.view.selected.key() == (0, 13, "ORG")
    key(window.view, Key.Key_1)  # PERSON
    assert stored_keys(path, 1)[0] == (0, 13, "PERSON")
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Backtab)
    assert window.view.selected.key() == (18, 33, "PERSON")


def test_delete_and_backspace_remove_the_selected_span(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Delete)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Backspace)
    assert stored_keys(path, 1) == [(37, 42, "GPE")]


def test_shift_and_ctrl_shift_arrows_move_the_edges_by_a_token(qtbot, path):
    window = open_window(qtbot, path)
    for _ in range(3):
        key(window.view, Key.Key_Tab)  # Paris
    key(window.view, Key.Key_Right, Shift)  # end one token right: "Paris on"
    assert (37, 45, "GPE") in stored_keys(path, 1)
    key(window.view, Key.Key_Left, Shift)
    key(window.view, Key.Key_Left, Ctrl | Shift)  # start one token left: "in Paris"
    assert (34, 42, "GPE") in stored_keys(path, 1)
    key(window.view, Key.Key_Right, Ctrl | Shift)
    assert (37, 42, "GPE") in stored_keys(path, 1)


def test_a_span_is_made_with_the_keyboard_alone(qtbot, path):
    window = open_window(qtbot, path)
    for _ in range(3):
        key(window.view, Key.Key_Tab)  # Paris
    key(window.view, Key.Key_Right, Ctrl)  # the keyboard selection: "on"
    key(window.view, Key.Key_Right, Ctrl)  # "Monday"
    assert window.view.pending == (46, 52)
    window.label_bar.set_active("LOC")
    key(window.view, Key.Key_Return)
    assert (46, 52, "LOC") in stored_keys(path, 1)
    key(window.view, Key.Key_Escape)
    key(window.view, Key.Key_Left, Ctrl)  # back to "on"
    key(window.view, Key.Key_Right, Shift)  # grow to "on Monday"
    key(window.view, Key.Key_3)  # GPE: labels it, replacing "Monday"
    assert stored_keys(path, 1)[-1] == (43, 52, "GPE")


def test_a_new_span_replaces_those_it_overlaps_visibly_and_undoably(qtbot, path):
    window = open_window(qtbot, path)
    window.label_bar.set_active("LOC")
    drag(window.view, 8, 21)  # "Merkel met Emmanuel" overlaps two model spans
    assert stored_keys(path, 1) == [(7, 26, "LOC"), (37, 42, "GPE")]
    assert "Replaced" in window.statusBar().currentMessage()
    key(window.view, Key.Key_Z, Ctrl)
    assert stored_keys(path, 1) == [span.key() for span in MODEL]


@pytest.mark.parametrize(
    "letter, answer", [(Key.Key_A, "accept"), (Key.Key_X, "reject"), (Key.Key_Space, "ignore")]
)
def test_answer_keys_store_the_answer_and_move_on(qtbot, path, letter, answer):
    window = open_window(qtbot, path)
    key(window.view, letter)
    assert stored(path, 1).answer == Answer(answer)
    assert window.controller.document.id == 2
    assert window.queue_model.index(0).data(Qt.ItemDataRole.UserRole + 2) == f"{answer}ed".replace(
        "eed", "ed"
    )
    assert window.queue_panel.progress_text.text() == "1 of 3 done"


def test_arrows_and_page_keys_move_without_answering(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Right)
    key(window.view, Key.Key_PageDown)
    assert window.controller.document.id == 3
    key(window.view, Key.Key_PageUp)
    key(window.view, Key.Key_Left)
    assert window.controller.document.id == 1
    assert all(stored(path, i).answer is None for i in (1, 2, 3))


def test_undo_and_redo_work_across_documents(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Delete)
    key(window.view, Key.Key_A)  # accept document 1, now on document 2
    key(window.view, Key.Key_X)  # reject document 2, now on document 3
    for _ in range(2):
        key(window.view, Key.Key_Z, Ctrl)
    assert stored(path, 2).answer is None and stored(path, 1).answer is None
    assert window.controller.document.id == 1
    key(window.view, Key.Key_Z, Ctrl)
    assert stored_keys(path, 1) == [span.key() for span in MODEL]
    for _ in range(3):
        key(window.view, Key.Key_Z, Ctrl | Shift)
    assert stored(path, 1).answer == Answer.ACCEPT and stored(path, 2).answer == Answer.REJECT
    assert stored_keys(path, 1) == [(18, 33, "PERSON"), (37, 42, "GPE")]


def test_an_undo_of_another_documents_edit_shows_that_document_whole(qtbot, path):
    """Undo of an edit to the document before shows that document, its text and its spans, not its spans
    over the text of the one on screen (they were painted over the wrong text)."""
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_Delete)  # document 1 loses ORG "Angela Merkel"
    key(window.view, Key.Key_Right)  # on to document 2, without answering
    assert shown_text(window.view) == "Second document about Berlin"
    for undo, shown in (((Key.Key_Z, Ctrl), 1), ((Key.Key_Z, Ctrl | Shift), 1)):
        key(window.view, *undo)
        document = window.controller.document
        assert document.id == shown
        assert shown_text(window.view) == TEXT
        assert [s.key() for s in window.view.span_index.spans] == [s.key() for s in document.spans]
    key(window.view, Key.Key_Right)
    key(window.view, Key.Key_Z, Ctrl)  # the redo's undo: document 1 again, from document 2
    assert shown_text(window.view) == TEXT
    assert [s.key() for s in window.view.span_index.spans] == [span.key() for span in MODEL]


def test_every_edit_is_one_history_event_written_at_once(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_1)
    key(window.view, Key.Key_A)
    db = store.open_store(path)
    kinds = [event["kind"] for event in store.history(db, 1)]
    db.close()
    assert kinds == ["relabel", "answer"]
    assert window.windowTitle().startswith("spandesk")


def test_the_span_list_follows_the_span_selected_by_keyboard(qtbot, tmp_path):
    path = tmp_path / "list.db"
    make_database(path, ["Angela Merkel visited Paris"], [[Span(0, 13, "PERSON"), Span(22, 27, "GPE")]])
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_Tab)
    key(window.view, Qt.Key.Key_Tab)
    assert window.span_list.currentIndex().row() == 1
    key(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    selected = window.view.selected
    assert selected is not None and window.span_list.currentIndex().data(SpanRole) == selected


def test_stretching_a_span_over_its_neighbour_says_which_span_it_replaced(qtbot, path):
    """Shift+Right onto "Emmanuel Macron" replaces it, as a new span over it does: the status bar says so."""
    window = open_window(qtbot, path)
    key(window.view, Key.Key_Tab)  # ORG "Angela Merkel"
    key(window.view, Key.Key_Right, Shift)  # "met"
    key(window.view, Key.Key_Right, Shift)  # "Emmanuel": PERSON "Emmanuel Macron" is replaced
    assert stored_keys(path, 1)[:2] == [(0, 26, "ORG"), (37, 42, "GPE")]
    assert window.statusBar().currentMessage().startswith("Replaced PERSON “Emmanuel Macron”")
    assert window.view.selected.key() == (0, 26, "ORG")


def test_find_again_goes_past_a_span_the_text_was_found_inside(qtbot, tmp_path):
    """ "putin" is found inside PERSON "Vladimir Putin", which is selected: F3 goes on to the next one."""
    database = tmp_path / "again.db"
    text = "Vladimir Putin met Xi. Later Putin left."
    make_database(database, [text], [[Span(0, 14, "PERSON")]])
    window = open_keyed(qtbot, database)
    for press in ["/", *"putin", Key.Key_Return]:  # type-to-find
        QTest.keyClick(QApplication.focusWidget(), press)
    assert window.view.selected.key() == (0, 14, "PERSON")
    key(window.view, Key.Key_F3)
    later = text.index("Putin left")
    assert window.view.pending == (later, later + len("Putin"))
    key(window.view, Key.Key_F3, Shift)
    assert window.view.selected.key() == (0, 14, "PERSON")


def test_the_answer_a_document_has_shows_on_its_button(qtbot, path):
    """Back on an answered document, its button says so ("✓ Accepted"); one not answered shows none."""
    window = open_window(qtbot, path)
    assert window.answer_buttons[Answer.ACCEPT].text() == "Accept  (A)"
    key(window.view, Key.Key_A)  # accepted, on to the next
    assert not any(b.text().startswith("✓") for b in window.answer_buttons.values())
    key(window.view, Key.Key_Left)
    assert window.answer_buttons[Answer.ACCEPT].text() == "✓ Accepted  (A)"
    assert window.answer_buttons[Answer.ACCEPT].property("given") is True
    assert window.answer_buttons[Answer.REJECT].text() == "Reject  (X)"
