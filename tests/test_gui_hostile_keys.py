"""A hostile pass on the second round's keys: texts a person cannot type exactly (no-break spaces,
combining marks, emoji, CRLF, U+2028), large label sets and hostile label names, every key in odd states."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database, open_keyed, point_at, press, stored_keys
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QApplication

from annotations import store
from annotations.model import Span
from annotations.text import ROOM_MAKER

Key = Qt.Key
Ctrl = Qt.KeyboardModifier.ControlModifier
# "Café" and "Zoë" with combining marks, an emoji, CRLF, a no-break space and a line separator
TEXT = "Cafe\u0301 😀 Berlin\r\nNew\u00a0York is\u2028nice. borderPutin and Zoe\u0308 went"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "hostile.db"
    make_database(database, [TEXT])
    return database


def find(window, needle: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    press(window, "/")
    for character in needle:
        press(window, character)
    press(window, Key.Key_Return, modifier)


def test_exact_find_never_selects_half_a_character(qtbot, path):
    window = open_keyed(qtbot, path)
    find(window, "Cafe", Ctrl)  # the "e" carries a combining acute accent: the span takes both
    assert window.view.pending == (0, 5)
    press(window, "1")
    assert stored_keys(path, 1) == [(0, 5, "PERSON")]
    find(window, "e", Ctrl)  # the next "e" is the one of "Café"
    start, end = window.view.pending
    assert TEXT[start:end] == "e\u0301"
    find(window, "Zoe", Ctrl)
    start, end = window.view.pending
    assert TEXT[start:end] == "Zoe\u0308"


def test_a_typed_space_finds_a_no_break_space_and_line_breaks(qtbot, path):
    window = open_keyed(qtbot, path)
    find(window, "new york")
    start, end = window.view.pending
    assert TEXT[start:end] == "New"
    find(window, "berlin new", Ctrl)  # across CRLF
    start, end = window.view.pending
    assert TEXT[start:end] == "Berlin\r\nNew"
    find(window, "is nice", Ctrl)  # across U+2028
    start, end = window.view.pending
    assert TEXT[start:end] == "is\u2028nice"


def test_marks_cover_their_words_in_right_to_left_text(qtbot, tmp_path):
    text = "שלום עולם Angela Merkel met Macron in Paris."
    database = tmp_path / "rtl.db"
    make_database(database, [text], [[Span(0, 4, "PERSON"), Span(10, 23, "PERSON"), Span(38, 43, "GPE")]])
    window = open_keyed(qtbot, database)
    view = window.view
    pieces = view._mark_pieces(QRectF(view.viewport().rect()))

    def x_inside(offset: int) -> float:  # the middle of a character (never a run's ambiguous edge)
        left = view.cursorRect(view._cursor_at(view.display.to_qt(offset))).x()
        right = view.cursorRect(view._cursor_at(view.display.to_qt(offset + 1))).x()
        return (left + right) / 2

    for span_index, span in enumerate(view.span_index.spans):
        boxes = [piece.box.normalized() for piece in pieces if piece.index == span_index]
        for offset in range(1, len(text) - 1):
            if not text[offset - 1 : offset + 2].isalpha():
                continue  # next to a space: maybe a run's edge, where the caret has two places
            inside = any(box.left() < x_inside(offset) < box.right() for box in boxes)
            assert inside == (span.start <= offset < span.end), (span, offset, text[offset])


def test_only_spaces_get_the_line_spacing_after_an_emoji(qtbot, tmp_path):
    text = "talks 😀 went on 𝐀𝐁 and 😀😀 here"
    database = tmp_path / "emoji.db"
    make_database(database, [text])
    window = open_keyed(qtbot, database)
    block = window.view.document().firstBlock()
    units = block.text().encode("utf-16-le")  # Qt's positions count UTF-16 units
    spaced = "".join(
        units[2 * r.start : 2 * (r.start + r.length)].decode("utf-16-le", "replace")
        for r in block.layout().formats()
    )
    # the spaces, and the invisible room maker after the line's last character; before: half an emoji and
    # the "t" of "went" came out tall
    assert spaced == " " * text.count(" ") + ROOM_MAKER


def test_a_very_long_label_name_keeps_the_window_on_a_small_screen(qtbot, tmp_path):
    long_name = "VERY_LONG_" + "W" * 290
    database = tmp_path / "long_label.db"
    make_database(database, ["Angela Merkel spoke"], [[Span(0, 13, "PERSON")]])
    db = store.open_store(database)
    store.add_labels(db, [long_name])
    db.close()
    window = open_keyed(qtbot, database)
    assert window.minimumSizeHint().width() <= 1000  # before: 4,274 pixels, the window off the screen
    button = window.label_bar.buttons[long_name]
    assert long_name in button.toolTip()
    press(window, Key.Key_Tab)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # the full name is the label given
    assert stored_keys(database, 1) == [(0, 13, long_name)]


def test_a_click_on_the_document_closes_the_label_picker(qtbot, tmp_path):
    database = tmp_path / "picker.db"
    make_database(database, ["Angela Merkel spoke"], [[Span(0, 13, "PERSON")]])
    window = open_keyed(qtbot, database)
    picker = window.keyboard.picker
    press(window, "l")
    assert picker.isVisible()
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point_at(window.view, 15))
    # before: the picker stayed over the document, and Escape (now the document's) could not close it
    assert not picker.isVisible()
    assert QApplication.focusWidget() is window.view
    press(window, Key.Key_Tab)
    press(window, "l")
    for character in "loc":
        press(window, character)
    row = picker.list.visualItemRect(picker.list.item(0)).center()
    qtbot.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton, pos=row)  # a click in it still picks
    assert stored_keys(database, 1) == [(0, 13, "LOC")]
    assert not picker.isVisible() and QApplication.focusWidget() is window.view


def test_fifty_labels_leave_the_document_its_room(qtbot, tmp_path):
    database = tmp_path / "fifty.db"
    make_database(database, ["Angela Merkel spoke"], [[Span(0, 13, "PERSON")]])
    db = store.open_store(database)
    store.add_labels(db, [f"LABEL_{number:02d}" for number in range(46)])
    db.close()
    window = open_keyed(qtbot, database)
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() == 1000)
    QApplication.processEvents()
    row = window.label_bar.buttons["PERSON"].height()
    assert window.label_bar.height() < 6 * row  # before: 494 pixels, 70% of the window
    assert window.view.viewport().height() > 350
    last = window.label_bar.buttons["LABEL_45"]  # the rest scroll into view; the document keeps the keys
    qtbot.mouseClick(window.label_bar.buttons["PERSON"], Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is window.view
    assert last.parentWidget().parentWidget() is window.label_bar._labels.viewport()


def test_character_steps_never_leave_a_span_on_white_space(qtbot, tmp_path):
    text = "Angela met 😀 Macron in\r\nParis"
    database = tmp_path / "characters.db"
    make_database(database, [text], [[Span(13, 19, "PERSON")]])
    window = open_keyed(qtbot, database)
    press(window, "c")
    press(window, Key.Key_Tab)
    press(window, Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert stored_keys(database, 1) == [(13, 21, "PERSON")]  # "Macron i", never "Macron " (spaCy: W030)
    press(window, Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert stored_keys(database, 1) == [(13, 19, "PERSON")]
    both = Qt.KeyboardModifier.ShiftModifier | Ctrl
    press(window, Key.Key_Left, both)  # the start passes the space onto the whole emoji
    assert stored_keys(database, 1) == [(11, 19, "PERSON")]
    press(window, Key.Key_Escape)
    find(window, "in", Ctrl)  # a keyboard selection over the line break: "in" then "P", never "in\r\n"
    press(window, Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.pending == (20, 25)


def test_keys_typed_with_altgr_work(qtbot, tmp_path):
    # on a German keyboard "]" is AltGr+9 and "[" AltGr+8: X11 sends them with GroupSwitchModifier
    database = tmp_path / "altgr.db"
    spans = [Span(0, 6, "PERSON"), Span(7, 10, "ORG"), Span(11, 16, "PERSON")]
    make_database(database, ["Angela met Macon"], [spans])
    window = open_keyed(qtbot, database)
    altgr = Qt.KeyboardModifier.GroupSwitchModifier
    press(window, Key.Key_Tab)
    press(window, "]", altgr)
    assert window.view.selected.key() == (11, 16, "PERSON")  # before: the key did nothing
    press(window, "[", altgr)
    assert window.view.selected.key() == (0, 6, "PERSON")


def test_tab_in_the_find_box_or_the_picker_keeps_the_keys_in_the_document(qtbot, tmp_path):
    database = tmp_path / "tab.db"
    make_database(database, ["Angela Merkel met Macron"], [[Span(0, 13, "PERSON"), Span(18, 24, "PERSON")]])
    window = open_keyed(qtbot, database)
    press(window, "/")
    for character in "mac":
        press(window, character)
    press(window, Key.Key_Tab)  # before: the keys went to the queue's drop-down, nothing was found
    assert QApplication.focusWidget() is window.view
    assert window.view.selected.key() == (18, 24, "PERSON")
    press(window, "l")
    press(window, Key.Key_Backtab)  # before: the keys went to the span list, the picker vanished
    assert window.keyboard.picker.isVisible() and window.keyboard.picker.box.hasFocus()
    for character in "org":
        press(window, character)
    press(window, Key.Key_Tab)  # chooses, as Enter does
    assert QApplication.focusWidget() is window.view
    assert stored_keys(database, 1) == [(0, 13, "PERSON"), (18, 24, "ORG")]


def test_a_find_never_leaves_white_space_to_label(qtbot, tmp_path):
    text = "Angela  Merkel met. Macron"
    database = tmp_path / "spaces.db"
    make_database(database, [text])
    window = open_keyed(qtbot, database)
    find(window, "  ")  # before: the two spaces became the keyboard selection and "1" stored them as PERSON
    assert window.view.pending is None
    assert "white space" in window.statusBar().currentMessage()
    press(window, "1")
    assert stored_keys(database, 1) == []
    find(window, ". ", Ctrl)
    press(window, "1")
    assert stored_keys(database, 1) == [(18, 19, "PERSON")]  # the full stop, not ". "
