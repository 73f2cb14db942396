"""Getting anywhere and giving any label by keyboard: find, paragraphs, label steps, the label picker,
character selection, bulk deletions, and label buttons that never take the keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database, open_keyed, press, stored_keys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotations import store
from annotations.model import Span
from annotations.stats import dataset_stats

Key = Qt.Key
Shift, Ctrl = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
TEXT = "Angela Merkel met Emmanuel Macron in Paris . / on Monday\nThe borderPutin talks .\nParis again"
#       0      7      14  18       27     34 37    43 45 47 50     57  61          73    79 81    87
MODEL = [Span(0, 13, "ORG"), Span(18, 33, "PERSON"), Span(37, 42, "GPE"), Span(81, 86, "GPE")]
MANY = ["PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "FAC", "EVENT", "PRODUCT", "MONEY", "TIME", "LAW"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "reach.db"
    make_database(database, [TEXT, "Second"], [MODEL])
    db = store.open_store(database)
    store.add_labels(db, MANY)
    db.close()
    return database


def type_text(window, text: str) -> None:
    for character in text:
        press(window, character)


def test_slash_finds_text_and_selects_the_span_or_token_where_it_starts(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "/")
    assert window.keyboard.find_box.hasFocus()
    type_text(window, "mac")
    press(window, Key.Key_Return)
    assert window.view.selected.key() == (18, 33, "PERSON")  # "Macron" lies in "Emmanuel Macron"
    assert window.view.hasFocus()
    press(window, "/")
    type_text(window, "mon")
    press(window, Key.Key_Return)
    assert window.view.pending == (50, 56)  # the token "Monday"
    press(window, "/")
    press(window, Key.Key_Return)  # empty: the same text again, the next place (wrapping round)
    assert window.view.pending == (50, 56)
    press(window, "/")
    type_text(window, "paris")
    press(window, Key.Key_Return)
    assert window.view.selected.key() == (81, 86, "GPE")  # the next Paris after "Monday"
    press(window, Key.Key_F3)
    assert window.view.selected.key() == (37, 42, "GPE")  # and round to the first


def test_escape_cancels_a_find_and_unknown_text_is_said(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)
    press(window, "/")
    type_text(window, "zzz")
    press(window, Key.Key_Escape)
    assert window.view.hasFocus() and window.view.selected.key() == (0, 13, "ORG")
    press(window, "/")
    type_text(window, "zzz")
    press(window, Key.Key_Return)
    assert "not in this document" in window.statusBar().currentMessage()
    assert window.view.selected.key() == (0, 13, "ORG")


def test_ctrl_enter_in_find_selects_exactly_the_text_inside_a_token(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "/")
    type_text(window, "putin")
    press(window, Key.Key_Return, Ctrl)
    assert window.view.pending == (67, 72)
    press(window, "1")
    assert (67, 72, "PERSON") in stored_keys(path, 1)
    assert window.label_bar.active == "PERSON"  # it was already; the key did not touch it


def test_ctrl_down_and_up_go_from_paragraph_to_paragraph(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Down, Ctrl)
    assert window.view.pending == (57, 60)  # "The"
    press(window, Key.Key_Down, Ctrl)
    assert window.view.pending == (81, 86)  # "Paris"
    press(window, Key.Key_Up, Ctrl)
    press(window, Key.Key_Up, Ctrl)
    assert window.view.pending == (0, 6)


def test_paragraphs_are_found_past_spacys_blank_line_tokens(qtbot, tmp_path: Path):
    """spaCy keeps "\n\n" (and "\r\n\r\n") as a token of its own: a paragraph starts after it too."""
    from annotations.hashing import input_hash
    from annotations.model import DocumentState, Token
    from annotations.store import NewDocument

    text = "First one.\n\nSecond one.\r\n\r\nThird."
    tokens = (Token(0, 5), Token(6, 9), Token(9, 10), Token(10, 12), Token(12, 18), Token(19, 22))
    tokens += (Token(22, 23), Token(23, 27), Token(27, 32), Token(32, 33))
    database = tmp_path / "paragraphs.db"
    db = store.open_store(database)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "test")
        store.insert_documents(db, dataset, [NewDocument(text, tokens, input_hash(text), DocumentState(()))])
    db.close()
    window = open_keyed(qtbot, database)
    press(window, Key.Key_Down, Ctrl)
    assert window.view.pending == (12, 18)  # "Second"
    press(window, Key.Key_Down, Ctrl)
    assert window.view.pending == (27, 32)  # "Third"
    press(window, Key.Key_Up, Ctrl)
    assert window.view.pending == (12, 18)


def test_brackets_walk_the_spans_of_one_label(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)
    press(window, Key.Key_Tab)
    press(window, Key.Key_Tab)  # Paris, GPE
    press(window, "]")
    assert window.view.selected.key() == (81, 86, "GPE")
    press(window, "[")
    assert window.view.selected.key() == (37, 42, "GPE")
    press(window, "[")  # no earlier GPE: said, the selection stays
    assert window.view.selected.key() == (37, 42, "GPE")
    assert "No earlier GPE" in window.statusBar().currentMessage()


def test_token_steps_skip_punctuation_unless_switched_off(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "/")
    type_text(window, "in")
    press(window, Key.Key_Return)
    assert window.view.pending == (34, 36)
    press(window, Key.Key_Right, Ctrl)
    press(window, Key.Key_Right, Ctrl)  # over ". /" to "on"
    assert window.view.pending == (47, 49)
    window.skip_punctuation_action.trigger()
    press(window, Key.Key_Left, Ctrl)
    assert window.view.pending == (45, 46)  # "/"


def test_the_label_picker_gives_any_label_a_key_and_a_relabel_is_counted_as_one(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)  # Angela Merkel, ORG
    press(window, "l")
    assert window.keyboard.picker.box.hasFocus()
    type_text(window, "ti")
    assert window.keyboard.picker.shown_labels() == ["TIME"]
    press(window, Key.Key_Return)
    assert window.view.hasFocus()
    assert stored_keys(path, 1)[0] == (0, 13, "TIME")
    assert window.label_bar.active == "PERSON"  # a relabel never changes the active label
    assert "New spans: PERSON" in window.label_bar.active_tag.text()


def test_the_picker_with_nothing_selected_chooses_the_active_label_and_escape_closes_it(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "L")
    type_text(window, "o")  # every label with an "o", those starting with it first
    shown = window.keyboard.picker.shown_labels()
    assert shown[0] == "ORG" and {"PERSON", "LOC", "MONEY"} <= set(shown) and "LAW" not in shown
    press(window, Key.Key_Escape)
    assert window.view.hasFocus() and window.label_bar.active == "PERSON"
    press(window, "L")
    type_text(window, "law")
    press(window, Key.Key_Return)
    assert window.label_bar.active == "LAW"
    assert "New spans: LAW" in window.label_bar.active_tag.text()


def test_a_label_key_on_a_selected_span_keeps_the_active_label(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)
    press(window, "3")  # GPE
    assert stored_keys(path, 1)[0] == (0, 13, "GPE")
    press(window, Key.Key_Escape)
    press(window, Key.Key_Right, Ctrl)
    press(window, Key.Key_Return)  # a new span gets the active label, as before the relabel
    assert (0, 6, "PERSON") in stored_keys(path, 1)


def test_character_selection_moves_edges_by_one_character(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "/")
    type_text(window, "border")
    press(window, Key.Key_Return)
    assert window.view.pending == (61, 72)  # the whole token "borderPutin"
    press(window, "c")
    assert window.characters_action.isChecked()
    for _ in range(6):
        press(window, Key.Key_Right, Ctrl | Shift)  # the start, a character at a time
    assert window.view.pending == (67, 72)
    press(window, Key.Key_Left, Shift)
    assert window.view.pending == (67, 71)
    press(window, Key.Key_Return)
    assert (67, 71, "PERSON") in stored_keys(path, 1)
    press(window, Key.Key_Right, Shift)  # the selected span's end, by a character
    assert (67, 72, "PERSON") in stored_keys(path, 1)
    press(window, "c")
    assert not window.characters_action.isChecked() and not window.view.characters_mode


def test_the_characters_menu_toggle_makes_shift_arrows_move_by_character(qtbot, path):
    window = open_keyed(qtbot, path)
    window.characters_action.trigger()
    press(window, Key.Key_Tab)  # Angela Merkel
    press(window, Key.Key_Left, Shift)
    press(window, Key.Key_Right, Ctrl | Shift)
    assert stored_keys(path, 1)[0] == (1, 12, "ORG")


def test_delete_every_span_of_a_label_is_one_step_and_one_undo(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)
    press(window, Key.Key_Tab)
    press(window, Key.Key_Tab)  # a GPE
    press(window, Key.Key_Delete, Ctrl | Shift)
    assert stored_keys(path, 1) == [(0, 13, "ORG"), (18, 33, "PERSON")]
    assert "Deleted every GPE span (2)" in window.statusBar().currentMessage()
    press(window, Key.Key_Z, Ctrl)
    assert len(stored_keys(path, 1)) == 4
    press(window, Key.Key_Escape)
    press(window, Key.Key_Delete, Ctrl | Shift)  # nothing selected: the picker asks which label
    type_text(window, "pers")
    press(window, Key.Key_Return)
    assert [k[2] for k in stored_keys(path, 1)] == ["ORG", "GPE", "GPE"]


def test_clear_the_document_from_the_edit_menu_and_by_key(qtbot, path):
    window = open_keyed(qtbot, path)
    action = next(a for a in window.menuBar().actions() if a.text() == "&Edit").menu()
    clear = next(a for a in action.actions() if a.text().startswith("C&lear the document"))
    clear.trigger()
    assert stored_keys(path, 1) == []
    press(window, Key.Key_Z, Ctrl)
    assert len(stored_keys(path, 1)) == 4
    press(window, Key.Key_Backspace, Ctrl | Shift)
    assert stored_keys(path, 1) == []
    assert window.view.hasFocus()


def test_label_buttons_never_take_the_keys_and_relabel_the_selected_span(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)  # Angela Merkel, ORG
    button = window.label_bar.buttons["LOC"]
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.hasFocus()
    assert stored_keys(path, 1)[0] == (0, 13, "LOC")
    assert window.label_bar.active == "PERSON" and button.isChecked() is False
    press(window, Key.Key_Delete)  # the document still has the keys
    assert stored_keys(path, 1)[0] == (18, 33, "PERSON")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)  # nothing selected: the active label
    assert window.label_bar.active == "LOC" and "New spans: LOC" in window.label_bar.active_tag.text()
    assert window.view.hasFocus()


def test_the_label_bar_shows_every_labels_key(qtbot, path):
    window = open_keyed(qtbot, path)
    bar = window.label_bar
    assert bar.buttons["PERSON"].text().startswith("1")
    assert bar.buttons["MONEY"].text().startswith("0")
    assert "L: any label" in bar.picker_hint.text()
    assert "press L" in bar.buttons["TIME"].toolTip()


def test_a_relabel_by_picker_is_counted_as_a_relabel_in_stats(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, Key.Key_Tab)
    press(window, "l")
    type_text(window, "law")
    press(window, Key.Key_Return)
    press(window, "a")  # accepted: stats compare answered documents
    db = store.open_store(path)
    try:
        (report,) = dataset_stats(db)
    finally:
        db.close()
    assert report.model_outcomes == {"relabelled": 1, "kept": 3}


def test_shift_f3_finds_the_previous_place_and_character_mode_finds_exactly(qtbot, path):
    window = open_keyed(qtbot, path)
    press(window, "/")
    type_text(window, "paris")
    press(window, Key.Key_Return)
    assert window.view.selected.key() == (37, 42, "GPE")
    press(window, Key.Key_F3, Shift)  # none before: round to the last one
    assert window.view.selected.key() == (81, 86, "GPE")
    press(window, Key.Key_F3, Shift)
    assert window.view.selected.key() == (37, 42, "GPE")
    press(window, "c")  # character selection: Enter selects exactly the text found
    press(window, "/")
    type_text(window, "rPu")  # a capital: case counts
    press(window, Key.Key_Return)
    assert window.view.pending == (66, 69)


def test_find_and_the_picker_are_in_the_edit_menu_and_leave_the_keys_with_the_document(qtbot, path):
    window = open_keyed(qtbot, path)
    edit = next(a for a in window.menuBar().actions() if a.text() == "&Edit").menu()
    find = next(a for a in edit.actions() if a.text().startswith("Find in this &document"))
    find.trigger()
    assert window.keyboard.find_box.hasFocus()
    press(window, Key.Key_Escape)
    assert window.view.hasFocus() and not window.keyboard.find_box.isVisible()
    pick = next(a for a in edit.actions() if a.text().startswith("Choose a &label"))
    pick.trigger()
    assert window.keyboard.picker.box.hasFocus()
    press(window, Key.Key_Escape)
    assert window.view.hasFocus() and not window.keyboard.picker.isVisible()


def test_the_label_picker_opens_beside_the_span_it_acts_on_not_over_it(qtbot, path):
    window = open_keyed(qtbot, path)
    window.resize(700, 600)  # a narrow view: the picker, centred at its top, covered the first line's words
    press(window, Key.Key_Down, Ctrl)
    press(window, Key.Key_Down, Ctrl)  # "Paris", the last line: the picker goes above it
    for position in ("first line", "last line"):
        press(window, "l")
        picker = window.keyboard.picker
        assert picker.isVisible()
        assert not picker.geometry().intersects(window.view.selection_rect()), position
        press(window, Key.Key_Escape)
        press(window, Key.Key_Up, Ctrl)
        press(window, Key.Key_Up, Ctrl)
