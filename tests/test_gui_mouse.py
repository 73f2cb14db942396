"""Making and selecting spans with the mouse: snapping to tokens, to characters, double-click."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import click, drag, make_database, open_window, point_at, stored_keys
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtTest import QTest

from annotations.model import Span

TEXT = "Yesterday Angela Merkel visited Paris with borderPutin and friends."


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "mouse.db"
    make_database(database, [TEXT], [[Span(43, 54, "ORG")]])
    return database


def test_dragging_inside_words_labels_whole_tokens_with_the_active_label(qtbot, path):
    window = open_window(qtbot, path)
    window.label_bar.set_active("PERSON")
    drag(window.view, TEXT.index("ngela"), TEXT.index("erkel"))
    assert stored_keys(path, 1) == [(10, 23, "PERSON"), (43, 54, "ORG")]


def test_alt_drag_selects_characters_inside_a_token(qtbot, path):
    window = open_window(qtbot, path)
    window.label_bar.set_active("PERSON")
    start = TEXT.index("Putin")
    drag(window.view, start, start + 5, Qt.KeyboardModifier.AltModifier)
    keys = stored_keys(path, 1)
    assert (start, start + 5, "PERSON") in keys
    assert (43, 54, "ORG") not in keys  # the overlapping span was replaced


def test_double_click_labels_one_word(qtbot, path):
    window = open_window(qtbot, path)
    window.label_bar.set_active("GPE")
    at = point_at(window.view, TEXT.index("Paris") + 2)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert (32, 37, "GPE") in stored_keys(path, 1)


def test_clicking_a_span_selects_it_and_delete_removes_it(qtbot, path):
    window = open_window(qtbot, path)
    click(window.view, 46)
    assert window.view.selected is not None and window.view.selected.key() == (43, 54, "ORG")
    assert len(window.view.extraSelections()) == 1
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert stored_keys(path, 1) == []


def test_clicking_a_span_in_the_span_list_selects_it(qtbot, path):
    window = open_window(qtbot, path)
    index = window.span_list.span_model.index(0, 0)
    rect = window.span_list.visualRect(index)
    QTest.mouseClick(window.span_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.view.selected is not None and window.view.selected.key() == (43, 54, "ORG")


@pytest.mark.parametrize(
    "prefix",
    ["\ufeff", "Flags 🇩🇪🇫🇷 and 👩‍👩‍👧 then ", "Line one\r\nline two\r\n", "caf\u0065\u0301 👍🏽 "],
    ids=["bom", "flags-zwj", "crlf", "combining-emoji"],
)
def test_positions_stay_right_after_emoji_crlf_and_bom(qtbot, tmp_path, prefix):
    text = prefix + "Angela Merkel visited Paris today"
    database = tmp_path / "unicode.db"
    make_database(database, [text])
    window = open_window(qtbot, database)
    window.label_bar.set_active("GPE")
    start = text.index("Paris")
    drag(window.view, start + 1, start + 3)
    assert stored_keys(database, 1) == [(start, start + 5, "GPE")]


def test_character_selection_never_cuts_a_user_perceived_character(qtbot, tmp_path):
    text = "Team 👩‍👩‍👧🇩🇪 wins"
    database = tmp_path / "graphemes.db"
    make_database(database, [text])
    window = open_window(qtbot, database)
    window.characters_action.trigger()  # the "characters" toggle, instead of Alt
    family, flag = text.index("👩"), text.index("🇩🇪")
    drag(window.view, 3, flag)  # from the "m" of "Team" to just after the family emoji
    assert stored_keys(database, 1) == [(3, flag, "PERSON")]
    # Offsets inside a ZWJ sequence (as another tool might give) widen to the whole sequence.
    assert window.view.snapped(family + 1, family + 3, characters=True) == (family, flag)


def test_a_click_anywhere_on_a_tag_wider_than_its_span_is_a_click_on_that_span(qtbot, tmp_path):
    """The tag "PER…" over "Xi" is wider than "Xi": its overhang selects Xi, and a double-click there
    labels nothing (it labelled the word below the overhang)."""
    database = tmp_path / "tags.db"
    make_database(database, ["Putin met Xi in Beijing on Friday."], [[Span(10, 12, "PERSON")]])
    window = open_window(qtbot, database)
    view = window.view
    qtbot.waitUntil(lambda: view.viewport().isVisible())
    ((piece, _label, box),) = view._tags(view._mark_pieces(QRectF(view.viewport().rect())))
    overhang = QPoint(int(box.right()) - 2, int(box.center().y()))
    assert overhang.x() > point_at(view, 12).x()  # past the end of "Xi"
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, overhang)
    assert view.selected is not None and view.selected.key() == (10, 12, "PERSON")
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, overhang)
    assert stored_keys(database, 1) == [(10, 12, "PERSON")]
