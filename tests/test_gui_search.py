"""Ctrl+F in the window: search every document, keyword-in-context hits, Enter opens one, Escape goes back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotations.model import Span
from tests.gui_helpers import key, make_database, open_window

TEXTS = [
    "Nothing to see in the first document.",
    "Officials at the Kremlin said on Monday that talks would go on.",
    "Putin spoke.\nThe Kremlin denied it, and the Kremlin press office declined to comment.",
    "Kremlinology is a field of study.",
]
MODEL = [[], [Span(17, 24, "LOC")], [Span(0, 5, "PERSON")]]


def open_active(qtbot, path):
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def search(qtbot, window, text: str) -> None:
    """Ctrl+F, type ``text``, wait for its hits."""
    key(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    panel = window.search_panel
    qtbot.waitUntil(lambda: panel.box.hasFocus())
    QTest.keyClicks(panel.box, text)
    qtbot.waitUntil(lambda: panel.found is not None and panel.found.query.text == text, timeout=10_000)


def row_cells(table, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]


def test_ctrl_f_lists_every_occurrence_in_context_and_enter_opens_the_hit(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, TEXTS, MODEL)
    window = open_active(qtbot, path)
    search(qtbot, window, "Kremlin")
    panel = window.search_panel
    assert window.search_dock.isVisible()
    # whole words: "Kremlinology" is not a hit; three hits in two documents
    assert panel.hits.rowCount() == 3
    assert "3 occurrences in 2 documents" in panel.total.text()
    first = row_cells(panel.hits, 0)
    assert first[0] == "2"
    assert first[1].endswith("Officials at the ") and first[2] == "Kremlin" and first[3].startswith(" said")
    assert first[4] == "LOC “Kremlin”"  # the span already there
    second = row_cells(panel.hits, 1)
    assert second[1] == "Putin spoke. The "  # the line break shown as a space
    assert "PERSON “Putin”" in second[4]
    # Down goes to the hits, Enter opens the selected one with the match selected
    QTest.keyClick(panel.box, Qt.Key.Key_Down)
    QTest.keyClick(panel.hits, Qt.Key.Key_Down)
    QTest.keyClick(panel.hits, Qt.Key.Key_Down)
    QTest.keyClick(panel.hits, Qt.Key.Key_Return)
    document = window.current_document
    assert document.id == 3
    start = TEXTS[2].index("Kremlin", 20)
    assert window.view.pending == (start, start + len("Kremlin"))
    assert window.view.hasFocus()
    # a label key now labels the match
    QTest.keyClick(window.view, Qt.Key.Key_2)
    assert (start, start + 7, "ORG") in [s.key() for s in window.current_document.spans]


def test_enter_in_the_box_opens_the_first_hit_selecting_its_span_and_escape_returns(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, TEXTS, MODEL)
    window = open_active(qtbot, path)
    search(qtbot, window, "kremlin")  # case matters by default
    panel = window.search_panel
    assert panel.hits.rowCount() == 0 and "not found" in panel.total.text()
    panel.match_case.setChecked(False)
    qtbot.waitUntil(lambda: panel.found is not None and panel.found.total == 3, timeout=10_000)
    QTest.keyClick(panel.box, Qt.Key.Key_Return)
    assert window.current_document.id == 2
    assert window.view.selected is not None and window.view.selected.key() == (17, 24, "LOC")
    key(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(panel.box.hasFocus)
    assert panel.box.selectedText() == "kremlin"  # typing replaces the last search
    QTest.keyClick(panel.box, Qt.Key.Key_Escape)
    assert window.view.hasFocus() and window.search_dock.isVisible()  # back, the hits still there
    key(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(panel.box.hasFocus)
    panel.box.clear()
    QTest.keyClick(panel.box, Qt.Key.Key_Escape)  # nothing to search for: the panel closes too
    assert window.view.hasFocus() and not window.search_dock.isVisible()


def test_whole_words_off_and_regular_expressions(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, TEXTS, MODEL)
    window = open_active(qtbot, path)
    panel = window.search_panel
    search(qtbot, window, "Kremlin")
    panel.whole_words.setChecked(False)
    qtbot.waitUntil(lambda: panel.found is not None and panel.found.total == 4, timeout=10_000)
    assert row_cells(panel.hits, 3)[0] == "4"
    panel.regex.setChecked(True)
    panel.box.setText("Kremlin(")
    qtbot.waitUntil(lambda: "Cannot search" in panel.total.text(), timeout=10_000)
    assert "bad regular expression" in panel.total.text() and panel.hits.rowCount() == 0
    panel.box.setText(r"(Putin|Monday)")
    qtbot.waitUntil(lambda: panel.found is not None and panel.found.total == 2, timeout=10_000)
    assert [row_cells(panel.hits, row)[2] for row in range(2)] == ["Monday", "Putin"]


def test_typing_on_while_a_search_runs_ends_with_the_hits_of_the_last_text(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, [f"Document {i} mentions the Kremlin and Moscow." for i in range(3000)])
    window = open_active(qtbot, path)
    panel = window.search_panel
    key(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    for text in ("Kre", "Kremlin", "Mos", "Moscow"):
        panel.box.setText(text)
        panel.search_now()  # as if the typing pause had passed each time
    qtbot.waitUntil(lambda: panel.found is not None and panel.run is None, timeout=20_000)
    assert panel.found.query.text == "Moscow"
    assert panel.found.total == 3000 and panel.hits.rowCount() == 500
    assert "the first 500 listed" in panel.total.text()


def test_a_correction_searches_again_keeping_the_hit_walked_to(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, TEXTS, MODEL)
    window = open_active(qtbot, path)
    search(qtbot, window, "Kremlin")
    panel = window.search_panel
    QTest.keyClick(panel.box, Qt.Key.Key_Down)
    QTest.keyClick(panel.hits, Qt.Key.Key_Down)
    QTest.keyClick(panel.hits, Qt.Key.Key_Return)  # the second hit: document 3's first Kremlin
    QTest.keyClick(window.view, Qt.Key.Key_4)  # labelled LOC
    qtbot.waitUntil(lambda: panel.found is not None and panel.run is None, timeout=10_000)
    assert row_cells(panel.hits, 1)[4].startswith("LOC “Kremlin”")  # the hits show the spans as they are now
    assert panel.hits.currentRow() == 1  # still where the person was
