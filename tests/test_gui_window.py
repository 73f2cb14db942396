"""The window around the document: labels and colours, conflicts, databases, menus and the shortcut sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import click, key, make_database, open_window, stored_keys
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from annotations import store
from annotations.model import Span
from annotations.session import Session
from gui import app
from gui.main_window import MainWindow
from gui.shortcuts import shortcuts_markdown

TEXT = "Angela Merkel visited Paris"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "window.db"
    make_database(database, [TEXT, "Another one"], [[Span(0, 13, "PERSON")]])
    return database


def test_label_keys_follow_the_bar_and_the_filter_box_hides_labels(qtbot, path):
    window = open_window(qtbot, path)
    assert window.label_bar.names[:4] == ["PERSON", "ORG", "GPE", "LOC"]
    key(window.view, Qt.Key.Key_3)
    assert window.label_bar.active == "GPE"
    window.label_bar.filter_box.setText("lo")
    assert [n for n, b in window.label_bar.buttons.items() if not b.isHidden()] == ["LOC"]


def test_a_new_label_colour_is_kept_in_the_database_and_painted(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    monkeypatch.setattr(QColorDialog, "getColor", lambda *args, **kwargs: QColor("#123456"))
    window.label_bar.choose_colour("PERSON")  # what right-clicking its button does
    db = store.open_store(path)
    assert dict(store.labels(db))["PERSON"] == "#123456"
    db.close()
    block = window.view.document().firstBlock()
    backgrounds = {f.format.background().color().name() for f in block.layout().formats()}
    assert "#123456" in backgrounds or any(c != "#ffffff" for c in backgrounds)
    assert window.view.style.colour("PERSON").name() == "#123456"


def test_an_edit_after_a_change_in_another_window_reloads_and_says_so(qtbot, path):
    window = open_window(qtbot, path)
    other = Session(store.open_store(path), "tester")  # the same person in another window
    other.open(1)
    other.apply(other.add_span(22, 27, "GPE"))  # labels Paris
    click(window.view, 3)
    key(window.view, Qt.Key.Key_Delete)  # this window's view is out of date
    assert "changed in another window" in window.statusBar().currentMessage()
    assert window.conflict_box.isVisible()
    assert stored_keys(path, 1) == [(0, 13, "PERSON"), (22, 27, "GPE")]
    assert [s.key() for s in window.view.span_index.spans] == stored_keys(path, 1)
    assert not window.controller.undo_stack.canUndo()


def test_a_database_that_cannot_be_opened_gets_a_message_not_a_traceback(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    broken = tmp_path / "notes.db"
    broken.write_text("these are not the droids", encoding="utf-8")
    assert app.main(broken) == 1
    assert "not an SQLite database" in shown[0]


def test_closing_the_window_leaves_the_database_whole_in_one_file(qtbot, path, tmp_path, monkeypatch):
    """After the window closes, its correction is in the database file itself: no -wal is left beside it
    (SQLite folds it in when the last connection closes), so the file alone holds everything."""
    monkeypatch.setattr(app, "FINISH_OPENING_MS", 0)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "settings"))

    def edit_then_close(_application) -> int:
        shown = QApplication.topLevelWidgets()
        window = next(w for w in shown if isinstance(w, MainWindow) and w.isVisible())
        qtbot.waitUntil(lambda: window.controller.document is not None)
        qtbot.wait(50)  # the step after the first paint runs
        click(window.view, 3)
        key(window.view, Qt.Key.Key_Delete)  # deletes PERSON 0-13
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", edit_then_close)
    assert app.main(path, "tester") == 0
    assert not Path(f"{path}-wal").exists()
    assert stored_keys(path, 1) == []


def test_opening_another_database_switches_and_remembers_it(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    other = tmp_path / "other.db"
    make_database(other, ["Completely different text"])
    assert window.files.open_database(other)
    assert window.controller.document.text == "Completely different text"
    assert window.files.recent_databases()[:2] == [str(other.resolve()), str(path.resolve())]
    assert [a.text() for a in window.files.recent_menu.actions()][:2] == window.files.recent_databases()[:2]
    assert not window.files.open_database(tmp_path)  # a folder: refused, still on the other database
    assert window.db_path == other


def test_the_annotator_is_a_setting_in_the_database(qtbot, tmp_path):
    path = tmp_path / "annotator.db"
    make_database(path, [TEXT])
    db = store.open_store(path)
    store.set_setting(db, "annotator", "ada")
    db.close()
    window = app.build_window(path, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.annotator == "ada" and "ada" in window.annotator_label.text()
    key(window.view, Qt.Key.Key_A)
    assert store.load_document(window.db, 1).annotator == "ada"


def test_the_shortcut_sheet_in_docs_matches_the_one_in_the_app(qtbot, path):
    sheet = Path(__file__).resolve().parent.parent / "docs" / "shortcuts.md"
    assert sheet.read_text(encoding="utf-8") == shortcuts_markdown()
    window = open_window(qtbot, path)
    window.show_shortcuts()
    assert "Ctrl+Shift+Left" in window.shortcuts_box.text()


def test_an_edit_that_cannot_be_stored_says_why_and_changes_nothing(qtbot, path):
    window = open_window(qtbot, path)
    window.db.execute("PRAGMA query_only = ON")  # as if the file had become read-only
    click(window.view, 3)
    key(window.view, Qt.Key.Key_Delete)
    assert "read-only" in window.statusBar().currentMessage()
    assert window.files.failure_box.isVisible()
    assert stored_keys(path, 1) == [(0, 13, "PERSON")]
    assert [s.key() for s in window.view.span_index.spans] == [(0, 13, "PERSON")]
    assert not window.controller.undo_stack.canUndo()


def test_the_window_names_documents_an_upgrade_found_holding_the_same_text(qtbot, tmp_path) -> None:
    """An older database held one text twice: the window says which documents, as stats and check do."""
    from gui_helpers import open_window
    from test_identity import old_database

    path = tmp_path / "old.db"
    old_database(path)
    window = open_window(qtbot, path)
    assert window.statusBar().currentMessage() == "Same text twice, kept from an older spandesk: 3 = 1"
