"""State that never surprises: a refused edit leaves the stored span selected in its own colour, the notice
is readable, and undo/redo bring the selection back and name what they did."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import click, key, make_database, open_window
from PySide6.QtCore import QRectF, Qt

from annotations import store
from annotations.model import Span
from annotations.session import Session

TEXT = "Angela Merkel visited Paris"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "focus.db"
    make_database(database, [TEXT, "Another one"], [[Span(0, 13, "PERSON")]])
    return database


def relabel_elsewhere(path: Path, label: str) -> None:
    """The same person, in another window, relabels Angela Merkel."""
    other = Session(store.open_store(path), "tester")
    document = other.open(1)
    other.apply(other.relabel(document.spans[0], label))
    other.db.close()


def selection_colour(window) -> str:
    """The fill the selected span's mark is painted with."""
    view = window.view
    pieces = view._mark_pieces(QRectF(view.viewport().rect()))
    chosen = [piece for piece in pieces if view.span_index.spans[piece.index] == view.selected]
    return chosen[0].look.fill.name()


def test_a_refused_relabel_leaves_the_stored_span_selected_in_its_own_colour(qtbot, path):
    window = open_window(qtbot, path)
    click(window.view, 3)
    relabel_elsewhere(path, "ORG")
    key(window.view, Qt.Key.Key_3)  # GPE: refused, the document is reloaded
    assert "changed in another window" in window.statusBar().currentMessage()
    assert window.view.selected is not None and window.view.selected.key() == (0, 13, "ORG")
    assert selection_colour(window) == window.view.style.colour("ORG").name()
    assert window.span_list.currentIndex().isValid()


def test_the_reloaded_notice_fits_beside_the_annotator_and_its_whole_text_is_the_tooltip(qtbot, path):
    window = open_window(qtbot, path)
    window.resize(1000, 700)
    click(window.view, 3)
    relabel_elsewhere(path, "ORG")
    key(window.view, Qt.Key.Key_Delete)
    status = window.statusBar()
    message = status.currentMessage()
    assert "your last action was not applied" in message
    taken = sum(w.width() for w in status.findChildren(type(window.counts_label)) if w.isVisible())
    assert status.fontMetrics().horizontalAdvance(message) <= status.width() - taken - 20
    assert message.replace("&", "&amp;") in status.toolTip()
    status.clearMessage()
    assert window.counts_label.isVisible() and window.model_label.isVisible()  # back once it is gone


def test_undo_and_redo_of_a_relabel_select_the_span_and_name_the_change(qtbot, path):
    window = open_window(qtbot, path)
    click(window.view, 3)
    key(window.view, Qt.Key.Key_3)  # PERSON -> GPE
    click(window.view, 18)  # somewhere else: nothing selected
    key(window.view, Qt.Key.Key_Escape)
    key(window.view, Qt.Key.Key_Z, CTRL)
    assert window.statusBar().currentMessage() == "Undid: relabel “Angela Merkel” PERSON → GPE"
    assert window.view.selected.key() == (0, 13, "PERSON")
    key(window.view, Qt.Key.Key_Y, CTRL)
    assert window.statusBar().currentMessage() == "Redid: relabel “Angela Merkel” PERSON → GPE"
    assert window.view.selected.key() == (0, 13, "GPE")
    assert window.span_list.currentIndex().data() is not None


def test_undoing_a_delete_selects_the_span_again_and_redoing_it_keeps_the_place(qtbot, path):
    window = open_window(qtbot, path)
    click(window.view, 3)
    key(window.view, Qt.Key.Key_Delete)
    assert window.view.selected is None
    key(window.view, Qt.Key.Key_Z, CTRL)
    assert window.statusBar().currentMessage() == "Undid: delete PERSON “Angela Merkel”"
    assert window.view.selected.key() == (0, 13, "PERSON")
    key(window.view, Qt.Key.Key_Y, CTRL)
    assert window.view.selected is None and window.keyboard.caret == 0
    key(window.view, Qt.Key.Key_Tab)  # the keyboard goes on from where the span was
    assert window.view.selected is None or window.view.selected.start >= 0


def test_tab_keeps_every_span_it_selects_a_few_lines_from_the_edge_of_the_view(qtbot, tmp_path):
    """Walking the spans of a long document by Tab: each one is fully in view with room around it."""
    paragraph = "Angela Merkel met the press in Berlin on Monday and spoke for a long while. " * 3
    text = "\n\n".join(paragraph.strip() for _ in range(40))
    spans = [Span(m, m + 13, "PERSON") for m in range(len(text)) if text.startswith("Angela Merkel", m)]
    database = tmp_path / "long.db"
    make_database(database, [text], [spans])
    window = open_window(qtbot, database)
    window.resize(1000, 600)
    view = window.view
    line = view.fontMetrics().lineSpacing()
    margin = 2  # lines of text at least between the span and the view's edge
    height = view.viewport().height()
    moved = 0
    for _ in range(len(spans)):
        before = view.verticalScrollBar().value()
        key(view, Qt.Key.Key_Tab)
        moved += view.verticalScrollBar().value() != before
        span = view.selected
        top = view.cursorRect(view._cursor_at(view.display.to_qt(span.start))).top()
        bottom = view.cursorRect(view._cursor_at(view.display.to_qt(span.end))).bottom()
        end_of_text = view.cursorRect(view._cursor_at(len(view.display.display))).bottom()
        at_the_end = end_of_text <= height  # no more lines below: no margin to keep
        assert top >= (0 if view.verticalScrollBar().value() == 0 else margin * line)
        assert bottom <= height - (0 if at_the_end else margin * line), (span, bottom, height)
    assert moved > 3  # the walk did scroll the view
