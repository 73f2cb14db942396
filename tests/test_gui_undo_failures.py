"""An edit that cannot be stored during undo or redo is shown to the person, and never redone blindly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gui_helpers import click, key, make_database, open_window, stored_keys
from PySide6.QtCore import Qt

from annotations import store
from annotations.model import Span

TEXT = "Angela Merkel visited Paris"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "undo.db"
    make_database(database, [TEXT], [[Span(0, 13, "PERSON")]])
    return database


def _fail_writes(monkeypatch, error: Exception) -> None:
    def failing(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(store, "write_state", failing)


def _delete_the_span(window) -> None:
    click(window.view, 3)
    key(window.view, Qt.Key.Key_Delete)
    assert window.controller.document.spans == ()


def test_an_undo_the_database_refuses_says_why_and_leaves_the_stack_consistent(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    _delete_the_span(window)
    _fail_writes(monkeypatch, sqlite3.DatabaseError("file is not a database"))
    key(window.view, Qt.Key.Key_Z, CTRL)  # raised inside QUndoCommand.undo before: a traceback on stderr
    message = window.statusBar().currentMessage()
    assert "Could not save the edit" in message and "corrupt or not an SQLite database" in message
    assert str(path) in message
    assert window.files.failure_box.isVisible()
    assert window.files.failure_box.textFormat() == Qt.TextFormat.PlainText
    assert stored_keys(path, 1) == []  # nothing half-done
    assert window.controller.document.spans == ()  # the window shows what is stored
    stack = window.controller.undo_stack
    assert not stack.canUndo() and not stack.canRedo()  # the failed command is gone, not redone later


def test_a_redo_the_disk_refuses_says_why_and_is_not_retried_blindly(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    _delete_the_span(window)
    key(window.view, Qt.Key.Key_Z, CTRL)
    assert stored_keys(path, 1) == [(0, 13, "PERSON")]
    _fail_writes(monkeypatch, sqlite3.OperationalError("database or disk is full"))
    key(window.view, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert "the disk is full" in window.statusBar().currentMessage()
    assert window.files.failure_box.isVisible()
    assert stored_keys(path, 1) == [(0, 13, "PERSON")]
    assert [s.key() for s in window.controller.document.spans] == [(0, 13, "PERSON")]
    assert not window.controller.undo_stack.canRedo()


def test_an_unexpected_error_in_an_undo_is_shown_not_lost(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    _delete_the_span(window)
    _fail_writes(monkeypatch, RuntimeError("something unforeseen"))
    window.undo()
    assert "something unforeseen" in window.statusBar().currentMessage()
    assert window.files.failure_box.isVisible()
    assert not window.controller.undo_stack.canUndo()


def test_an_undo_whose_document_cannot_be_read_back_still_says_why(qtbot, path, monkeypatch):
    window = open_window(qtbot, path)
    _delete_the_span(window)
    _fail_writes(monkeypatch, sqlite3.DatabaseError("database disk image is malformed"))

    def unreadable(*_args, **_kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(store, "load_document", unreadable)
    window.undo()
    message = window.statusBar().currentMessage()
    assert "corrupt" in message and "could not be read again" in message


def test_a_database_that_cannot_be_read_after_an_import_is_reported(qtbot, path, tmp_path, monkeypatch):
    window = open_window(qtbot, path)
    source = tmp_path / "more.jsonl"
    source.write_text('{"text": "Olaf Scholz visited Bonn", "spans": []}\n', encoding="utf-8")

    def unreadable(*_args, **_kwargs):
        raise sqlite3.DatabaseError("file is not a database")

    monkeypatch.setattr(window, "refresh_contents", unreadable)  # the window reads labels, queue, counts
    run = window.files.start_import([source], "more")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: window.files.failure_box is not None)
    assert "could not be read again" in window.statusBar().currentMessage()
    assert "corrupt or not an SQLite database" in window.files.failure_box.text()
