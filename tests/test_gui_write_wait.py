"""A change made while another program writes to the database waits, with the window alive, and is saved
the moment that program is done; the person can give it up instead. Before, the window froze in SQLite's
busy wait for up to 30 s and then refused the change (an import of a million documents writes for over a
minute). The other program here is a real process holding SQLite's write lock, as an import does.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from gui_helpers import drag, key, make_database, open_window, review_database, stored, stored_keys
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from reliability_helpers import OtherWriter

from annotations import store
from annotations.model import REVIEW, Answer

Key = Qt.Key
TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "wait.db"
    make_database(database, [TEXT, "Second document about Berlin", "Third one"])
    return database


@pytest.fixture
def writers():
    started: list[OtherWriter] = []
    yield started
    for writer in started:
        writer.release()


def _wait_dialog(window) -> QDialog | None:
    dialog = window.findChild(QDialog, "write_wait")
    return dialog if dialog is not None and dialog.isVisible() else None


def _waiting_after(qtbot, path: Path, writers: list, pressed: Qt.Key) -> tuple:
    """The window, another program holding the write lock, and the wait dialog ``pressed`` brought up."""
    window = open_window(qtbot, path)
    writers.append(writer := OtherWriter(path))
    key(window.view, pressed)
    dialog = _wait_dialog(window)
    assert dialog is not None, "no word of the wait"
    return window, writer, dialog


def _ticks_while(qtbot, milliseconds: int) -> int:
    """How often a 50 ms timer fired on the GUI thread meanwhile (the window is alive if it keeps firing)."""
    ticks = []
    timer = QTimer(interval=50)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(milliseconds)
    timer.stop()
    return len(ticks)


def test_an_answer_waits_alive_while_another_program_writes_and_is_saved_once_done(qtbot, path, writers):
    window = open_window(qtbot, path)
    writers.append(writer := OtherWriter(path))
    started = time.monotonic()
    key(window.view, Key.Key_A)
    assert time.monotonic() - started < 3  # not SQLite's 30 s busy wait
    dialog = _wait_dialog(window)
    assert dialog is not None, "no word of the wait"
    said = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Accept the document" in said and "The database is busy" in said
    assert _ticks_while(qtbot, 600) >= 6  # the window keeps running its event loop
    assert stored(path, 1).answer is None and window.controller.document.id == 1
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    assert stored(path, 1).answer == Answer.ACCEPT
    assert window.controller.document.id == 2  # and it moved on, as an answer does
    assert window.queue_panel.isEnabled()


def test_a_span_added_while_another_program_writes_is_shown_only_once_stored(qtbot, path, writers):
    window = open_window(qtbot, path)
    writers.append(writer := OtherWriter(path))
    drag(window.view, 0, 13)
    key(window.view, Key.Key_1)
    assert _wait_dialog(window) is not None
    assert stored_keys(path, 1) == [] and window.controller.document.spans == ()
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    [(start, end, _label)] = stored_keys(path, 1)
    assert (start, end) == (0, 13)
    assert [span.key() for span in window.controller.document.spans] == stored_keys(path, 1)
    assert window.controller.undo_stack.canUndo()


def test_a_waiting_change_given_up_stores_nothing_even_after_the_other_program_is_done(qtbot, path, writers):
    window, writer, dialog = _waiting_after(qtbot, path, writers, Key.Key_A)
    QTest.keyClick(dialog, Key.Key_Escape)
    assert _wait_dialog(window) is None
    assert "Not saved: Accept the document" in window.statusBar().currentMessage()
    writer.release()
    qtbot.wait(500)
    assert stored(path, 1).answer is None and window.controller.document.id == 1
    key(window.view, Key.Key_A)  # nothing holds the lock now: saved at once
    assert stored(path, 1).answer == Answer.ACCEPT


def test_an_undo_waits_too(qtbot, path, writers):
    window = open_window(qtbot, path)
    key(window.view, Key.Key_A)
    assert stored(path, 1).answer == Answer.ACCEPT
    writers.append(writer := OtherWriter(path))
    window.undo()
    assert _wait_dialog(window) is not None
    assert stored(path, 1).answer == Answer.ACCEPT
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    assert stored(path, 1).answer is None
    assert window.controller.undo_stack.canRedo()
    assert window.statusBar().currentMessage().startswith("Undid")


def test_a_lock_held_for_a_moment_is_waited_for_without_a_dialog(qtbot, path, writers):
    window = open_window(qtbot, path)
    writers.append(OtherWriter(path, seconds=0.1))  # another window saving an edit
    key(window.view, Key.Key_A)
    assert window.findChild(QDialog, "write_wait") is None
    assert stored(path, 1).answer == Answer.ACCEPT


def _close_question(window):
    from PySide6.QtWidgets import QMessageBox

    box = getattr(window, "close_question", None)
    assert isinstance(box, QMessageBox) and box.isVisible(), "closing did not ask"
    return box


def _button(box, text: str):
    return next(button for button in box.buttons() if button.text() == text)


def test_closing_while_a_change_waits_asks_and_can_close_without_it(qtbot, path, writers):
    window, writer, _dialog = _waiting_after(qtbot, path, writers, Key.Key_A)
    window.close()
    assert window.isVisible()
    box = _close_question(window)
    assert "Accept the document" in box.text()
    _button(box, "Close without it").click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    writer.release()
    qtbot.wait(400)
    assert stored(path, 1).answer is None


def test_closing_while_a_change_waits_can_keep_waiting_and_the_change_is_saved(qtbot, path, writers):
    window, writer, _dialog = _waiting_after(qtbot, path, writers, Key.Key_A)
    window.close()
    _button(_close_question(window), "Keep waiting").click()
    assert window.isVisible() and _wait_dialog(window) is not None
    writer.release()
    qtbot.waitUntil(lambda: stored(path, 1).answer == Answer.ACCEPT, timeout=5000)
    window.close()
    assert not window.isVisible()


def test_the_first_look_at_a_document_in_review_mode_waits_to_store_its_reviewed_version(
    qtbot, tmp_path, writers
):
    """Review mode stores a document's reviewed version the first time the reviewer opens it: a write too."""
    path = review_database(tmp_path / "review.db")
    window = open_window(qtbot, path)
    writers.append(writer := OtherWriter(path))
    started = time.monotonic()
    window.set_review_mode(True)
    assert time.monotonic() - started < 3
    dialog = _wait_dialog(window)
    assert dialog is not None
    assert "Start the review of document 1" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    assert window.controller.document.id == 1 and window.controller.document.version == REVIEW
    db = store.open_store(path)
    assert store.version_id(db, 1, REVIEW) is not None
    db.close()


def test_the_window_opens_at_once_while_another_program_writes(qtbot, path, writers, tmp_path):
    """``spandesk gui --annotator NAME`` keeps the name for the next start; while an import writes it is
    used without being kept, instead of the window waiting for the import to show."""
    from PySide6.QtCore import QSettings

    from gui.app import build_window

    writers.append(writer := OtherWriter(path))
    started = time.monotonic()
    window = build_window(path, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), "bob")
    qtbot.addWidget(window)
    assert time.monotonic() - started < 3
    assert window.annotator == "bob"
    writer.release()
    key(window.view, Key.Key_A)
    db = store.open_store(path)
    assert store.load_document(db, 1, viewer="bob").answer == Answer.ACCEPT
    db.close()


def test_an_import_from_the_window_says_it_waits_for_another_programs_write(qtbot, path, writers, tmp_path):
    import json

    window = open_window(qtbot, path)
    source = tmp_path / "more.jsonl"
    source.write_text(json.dumps({"text": "Olaf Scholz in Bonn", "spans": []}) + "\n", encoding="utf-8")
    writers.append(writer := OtherWriter(path))
    run = window.files.start_import([source], "more")
    dialog = window.files.progress_dialog
    qtbot.waitUntil(lambda: "Waiting" in dialog.labelText(), timeout=10_000)
    assert "another program's write" in dialog.labelText()
    with qtbot.waitSignal(run.done, timeout=60_000):
        writer.release()
    db = store.open_store(path)
    assert store.count_documents(db, "more") == 1
    db.close()


def test_keys_pressed_while_a_change_waits_do_not_give_it_up(qtbot, path, writers):
    """A person goes on typing (Space ignores a document, Enter): only Esc or a click gives the change up."""
    window, writer, dialog = _waiting_after(qtbot, path, writers, Key.Key_Space)
    for pressed in (Key.Key_Space, Key.Key_Return, Key.Key_Enter, Key.Key_A, Key.Key_Tab, Key.Key_Space):
        QTest.keyClick(QApplication.focusWidget() or dialog, pressed)
    assert _wait_dialog(window) is not None
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    assert stored(path, 1).answer == Answer.IGNORE
    assert stored(path, 2).answer is None  # the keys pressed meanwhile did nothing


def test_a_label_colour_chosen_while_another_program_writes_waits_too(qtbot, path, writers):
    window = open_window(qtbot, path)
    label = window.label_bar.active
    writers.append(writer := OtherWriter(path))
    window.set_label_colour(label, "#123456")
    assert _wait_dialog(window) is not None
    writer.release()
    qtbot.waitUntil(lambda: _wait_dialog(window) is None, timeout=5000)
    assert window.colours[label] == "#123456"
    db = store.open_store(path)
    assert dict(store.labels(db))[label] == "#123456"
    db.close()
