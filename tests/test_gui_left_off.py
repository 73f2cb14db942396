"""Reopening lands where the person left off (or on the first pending document), and the queue always
shows which document is on screen, or says why it is not in the list."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window, queue_read
from PySide6.QtCore import QSettings, Qt

from annotations import store
from annotations.model import Answer
from annotations.session import Session
from gui.main_window import MainWindow
from gui.queue_model import DocumentIdRole

TEXTS = [f"Document number {i} about Paris" for i in range(450)]  # more than two pages of the queue


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "left.db"
    make_database(database, TEXTS)
    return database


def reopen(qtbot, path: Path, annotator: str = "tester") -> MainWindow:
    """A new window on the database with the same settings file, as the next start of the app."""
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(path, store.open_store(path), annotator, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def marked_id(window: MainWindow) -> int | None:
    return window.queue_panel.queue_view.currentIndex().data(DocumentIdRole)


def test_reopening_shows_the_document_the_person_left_off_at(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)  # accepts 1, on to 2
    window.controller.open(321)  # far down the queue, on the second page
    window.close()  # the place is written on closing (else a moment after the last move)
    again = reopen(qtbot, path)
    assert again.current_document.id == 321
    assert marked_id(again) == 321  # the queue is scrolled to it and marks it


def test_left_off_is_kept_per_annotator(qtbot, path):
    window = open_window(qtbot, path)
    window.controller.open(7)
    window.close()
    assert reopen(qtbot, path, "somebody else").current_document.id == 1


def test_a_first_start_without_a_place_lands_on_the_first_pending_document(qtbot, path):
    session = Session(store.open_store(path), "tester")
    for document_id in (1, 2, 3):  # answered before, the place not kept (another machine's settings)
        session.open(document_id)
        session.apply(session.set_answer(Answer.ACCEPT))
    session.db.close()
    window = open_window(qtbot, path)
    assert window.current_document.id == 4


def test_with_the_pending_filter_the_current_document_is_marked_or_its_absence_said(qtbot, path):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_Right)  # on document 2, pending
    window.queue_panel.status_filter.setCurrentText("Pending")
    queue_read(qtbot, window)
    assert marked_id(window) == 2 and window.queue_panel.absent_note.isHidden()
    key(window.view, Qt.Key.Key_A)  # accept 2: on to 3, still marked
    assert window.current_document.id == 3 and marked_id(window) == 3
    window.controller.open(2)  # accepted: not in the pending list
    window.queue_panel.apply_filter()
    assert marked_id(window) is None
    note = window.queue_panel.absent_note
    assert not note.isHidden()
    assert note.text() == "Document 2, on screen, is not in this list: the list shows pending documents only."
    window.queue_panel.status_filter.setCurrentText("All documents")
    queue_read(qtbot, window)
    assert marked_id(window) == 2 and note.isHidden()


def test_a_place_kept_by_an_earlier_version_is_still_found(qtbot, path):
    """The place is kept under the SHA-1 of the database's path and the annotator's name; it is now made by
    Qt instead of hashlib, and a settings file written before must still lead back to the same document."""
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    for annotator in ("tester", "Zoë ⟨quoted⟩ 名前"):
        digest = hashlib.sha1(f"{path.resolve()}\0{annotator}".encode()).hexdigest()
        settings.setValue(f"left_off/{digest}", 7)  # as the earlier version wrote it
        settings.sync()
        window = reopen(qtbot, path, annotator)
        assert window.controller.session.document.id == 7
        window.close()
