"""The label bar's pills: every pill in its own label's colour whatever the label is called (the colours
come from one style sheet on the pills' parent), and the pills re-flow when the filter hides or shows some."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database, open_window
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QPushButton

from annotations.model import Span

HOSTILE = [  # names that would break a style sheet they were written into
    ("PERSON", "#aa9cfc"),
    ("} QPushButton { background: red; } {", "#7aecec"),
    ("QU\"OTE'S ; /* x", "#feca74"),
    ("#pill0:hover", "#c887fb"),
    ("ÜNÎCØDE 人名 😀 עברית", "#bfe1d9"),
    ("L" * 200, "#ff9561"),
    ("", "#9cc9cc"),
]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "pills.db"
    make_database(database, ["Angela Merkel spoke"], [[Span(0, 13, "PERSON")]])
    return database


def pixel(button: QPushButton, point: QPoint) -> str:
    """The colour painted at ``point`` of the button."""
    return QColor(button.grab().toImage().pixel(point)).name()


def inside(button: QPushButton) -> QPoint:
    """A point of the pill's background, left of its text and right of its rounded border."""
    return QPoint(6, button.height() // 2)


def top_edge(button: QPushButton) -> QPoint:
    """A point of the pill's top border, half-way along."""
    return QPoint(button.width() // 2, 0)


def test_hostile_label_names_leave_every_pill_in_its_own_colour(qtbot, path):
    window = open_window(qtbot, path)
    bar = window.label_bar
    bar.set_labels(HOSTILE)
    QApplication.processEvents()
    for name, colour in HOSTILE:
        button = bar.buttons[name]
        assert pixel(button, inside(button)) == colour, name  # not red, not another label's colour
        assert name in QTextDocumentFragment.fromHtml(button.toolTip()).toPlainText()
    assert bar.active == "PERSON"
    assert pixel(bar.buttons["PERSON"], top_edge(bar.buttons["PERSON"])) == "#1f2328"  # the active's outline
    other = bar.buttons["#pill0:hover"]
    assert pixel(other, top_edge(other)) == "#c887fb"  # the others' border is their colour
    assert bar.buttons["L" * 200].width() < 320  # the long name is cut on its pill


def test_the_outline_follows_the_active_label_and_a_new_colour_repaints_its_pill(qtbot, path):
    window = open_window(qtbot, path)
    bar = window.label_bar
    bar.set_active("LOC")
    QApplication.processEvents()
    loc, person = bar.buttons["LOC"], bar.buttons["PERSON"]
    assert pixel(loc, top_edge(loc)) == "#1f2328"
    assert pixel(person, top_edge(person)) == pixel(person, inside(person))
    colours = {**window.colours, "ORG": "#123456"}
    bar.set_labels(list(colours.items()))
    QApplication.processEvents()
    org = bar.buttons["ORG"]
    assert pixel(org, inside(org)) == "#123456"
    assert pixel(bar.buttons["LOC"], top_edge(bar.buttons["LOC"])) == "#1f2328"  # still the active one


def test_the_pill_under_the_mouse_gets_a_darker_border(qtbot, path):
    window = open_window(qtbot, path)
    org = window.label_bar.buttons["ORG"]
    colour = pixel(org, inside(org))
    assert pixel(org, top_edge(org)) == colour
    qtbot.mouseMove(org, org.rect().center())
    qtbot.waitUntil(org.underMouse)
    assert pixel(org, top_edge(org)) == QColor(colour).darker(130).name()


def test_filtering_moves_the_labels_left_and_clearing_it_puts_them_back(qtbot, path):
    window = open_window(qtbot, path)
    bar = window.label_bar
    first, loc = bar.buttons[bar.names[0]], bar.buttons["LOC"]
    QApplication.processEvents()
    where = loc.pos()
    assert where.x() > first.x()
    bar.filter_box.setText("loc")
    QApplication.processEvents()
    assert loc.pos() == first.pos() and first.isHidden()  # the one label left comes first
    bar.filter_box.setText("")
    QApplication.processEvents()
    assert loc.pos() == where and not first.isHidden()


def test_more_labels_than_a_row_wrap_onto_rows_that_scroll(qtbot, path):
    window = open_window(qtbot, path)
    bar = window.label_bar
    bar.set_labels([(f"LABEL_{number}", "#a0c4ff") for number in range(50)])
    QApplication.processEvents()
    first, last = bar.buttons["LABEL_0"], bar.buttons["LABEL_49"]
    assert last.y() > first.y() + 3 * first.height()  # many rows
    assert bar._labels.height() < last.y()  # but only a few shown: the rest scroll
    qtbot.mouseClick(last, Qt.MouseButton.LeftButton)
    assert bar.active == "LABEL_49" and QApplication.focusWidget() is window.view
