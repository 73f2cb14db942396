"""What a person at the keyboard met when the database misbehaved or changed under the window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window, stored, stored_keys
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from annotations import store
from annotations.hashing import input_hash
from annotations.model import DocumentState, Span
from annotations.store import NewDocument
from annotations.text import whitespace_tokens
from gui.app import build_window

TEXTS = ["Angela Merkel visited Paris", "Olaf Scholz stayed in Berlin"]
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "hostile.db"
    make_database(database, TEXTS, [[Span(0, 13, "PERSON")], [Span(0, 11, "PERSON")]])
    return database


def _stored_colour(path: Path, label: str) -> str:
    db = store.open_store(path)
    try:
        return dict(store.labels(db))[label]
    finally:
        db.close()


def test_a_colour_the_database_refuses_is_reported_not_raised(qtbot, path):
    window = open_window(qtbot, path)
    before = _stored_colour(path, "ORG")
    window.db.execute("PRAGMA query_only = ON")  # SQLite now refuses every write, as on a read-only file
    window.label_bar.colour_changed.emit("ORG", "#123456")  # raised out of the slot before: stderr only
    message = window.statusBar().currentMessage()
    assert "Could not change the label's colour" in message and "read-only" in message
    assert window.files.failure_box.isVisible()
    assert window.files.failure_box.textFormat() == Qt.TextFormat.PlainText
    assert window.colours["ORG"] == before  # the window does not show a colour that was not kept
    window.db.execute("PRAGMA query_only = OFF")
    assert _stored_colour(path, "ORG") == before


def test_a_database_that_cannot_be_written_still_opens(qtbot, path, monkeypatch, tmp_path):
    def refused(*_args, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store, "set_setting", refused)  # the first start stores the annotator's name
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = build_window(path, settings)  # a traceback and no window before
    assert window is not None
    qtbot.addWidget(window)
    assert window.annotator
    assert window.current_document is not None and window.current_document.text == TEXTS[0]


def _add_document_elsewhere(path: Path, text: str) -> None:
    """What ``spandesk import`` does beside the window: another connection adds a document."""
    db = store.open_store(path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "test")
        document = NewDocument(text, whitespace_tokens(text), input_hash(text), DocumentState(), None)
        store.insert_documents(db, dataset, [document])
    db.close()


def test_documents_imported_beside_the_window_are_reached_at_the_end_of_the_queue(qtbot, path):
    window = open_window(qtbot, path)
    _add_document_elsewhere(path, "Emmanuel Macron flew to Rome")
    key(window.view, Qt.Key.Key_Right)
    assert window.current_document.text == TEXTS[1]
    key(window.view, Qt.Key.Key_Right)  # "That was the last document" before, until the window reopened
    assert window.current_document.text == "Emmanuel Macron flew to Rome"
    assert window.queue_model.rowCount() == 3
    assert window.queue_panel.progress_text.text() == "0 of 3 done"
    key(window.view, Qt.Key.Key_Right)
    assert window.statusBar().currentMessage() == "That was the last document in the queue."


def test_undo_and_redo_say_what_they_did(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    assert window.statusBar().currentMessage() == "Document accepted."
    key(window.view, Qt.Key.Key_Z, CTRL)  # the status bar still said "Document accepted." before
    assert window.statusBar().currentMessage() == "Undid: answer accept"
    key(window.view, Qt.Key.Key_Y, CTRL)
    assert window.statusBar().currentMessage() == "Redid: answer accept"
    key(window.view, Qt.Key.Key_Right)
    assert window.current_document.text == TEXTS[1]
    key(window.view, Qt.Key.Key_Tab)
    key(window.view, Qt.Key.Key_Delete)
    key(window.view, Qt.Key.Key_Z, CTRL)
    assert window.statusBar().currentMessage() == "Undid: delete PERSON “Olaf Scholz”"
    assert stored_keys(path, 2) == [(0, 11, "PERSON")]
    key(window.view, Qt.Key.Key_Z, CTRL)
    key(window.view, Qt.Key.Key_Z, CTRL)
    assert window.statusBar().currentMessage() == "Nothing to undo."


def test_a_database_deleted_under_the_window_is_told_and_a_backup_keeps_the_edits(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)  # a clean-up script, or the person in a file manager
    key(window.view, Qt.Key.Key_Tab)
    key(window.view, Qt.Key.Key_Delete)  # stored into a file no name leads to: lost at close, silently
    message = window.statusBar().currentMessage()
    assert "The database file is gone" in message and "File ▸ Back up database…" in message
    assert window.files.failure_box.isVisible()
    key(window.view, Qt.Key.Key_A)
    assert window.files.failure_box.text().count("deleted, moved or replaced") == 1  # said once
    import_run = window.files.start_import([_jsonl(tmp_path)], "test")  # by name: a new, empty file
    with qtbot.waitSignal(import_run.done, timeout=20_000):
        pass
    assert not path.exists()
    assert "deleted, moved or replaced" in window.files.failure_box.text()
    rescue = tmp_path / "rescued.db"
    assert window.files.start_backup(rescue) is None  # from the window's own connection, at once
    assert window.statusBar().currentMessage() == f"Backed up to {rescue}"
    assert stored_keys(rescue, 1) == []  # the deleted span stays deleted in the copy
    assert stored(rescue, 1).answer is not None


def _jsonl(folder: Path) -> Path:
    source = folder / "more.jsonl"
    source.write_text('{"text": "Giorgia Meloni spoke in Rome"}\n', encoding="utf-8")
    return source


def test_a_database_replaced_under_the_window_is_told_when_the_person_comes_back(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    other = tmp_path / "other.db"
    make_database(other, ["Something else entirely"])
    other.replace(path)  # e.g. a backup copied back over the open database
    QApplication.instance().applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    assert "The database file is gone" in window.statusBar().currentMessage()


def test_a_recent_database_that_is_gone_is_reported_not_made_again_empty(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    other = tmp_path / "other.db"
    make_database(other, ["Completely different text"])
    assert window.files.open_database(other)
    path.unlink()  # moved to another folder by the person, say
    recent = window.files.recent_menu.actions()[1]
    assert recent.text() == str(path.resolve())
    recent.trigger()  # made a new, empty database of that name and showed it before
    assert not path.exists()
    assert window.db_path == other and window.current_document.text == "Completely different text"
    message = window.statusBar().currentMessage()
    assert "Cannot open database" in message and "no longer exists" in message


def test_escape_clears_a_select_all(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A, CTRL)  # the text's own select-all: every label hidden under blue
    assert window.view.textCursor().hasSelection()
    key(window.view, Qt.Key.Key_Escape)  # stayed selected before, whatever the person pressed
    assert not window.view.textCursor().hasSelection()
    assert stored_keys(path, 1) == [(0, 13, "PERSON")]


def test_an_import_that_ends_after_switching_database_names_where_it_went(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    other = tmp_path / "other.db"
    make_database(other, ["Completely different text"])
    run = window.files.start_import([_jsonl(tmp_path)], "test")
    assert window.files.open_database(other)  # while the import runs
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Imported 1 document into {path} ")  # "Imported 1 document(s)" before
    assert window.queue_model.rowCount() == 1  # the database on screen did not change
    assert stored(path, 3).text == "Giorgia Meloni spoke in Rome"
