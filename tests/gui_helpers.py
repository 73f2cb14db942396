"""Helpers for the GUI tests: databases made with the core, a window on them, mouse and key gestures."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from annotations import store  # noqa: E402
from annotations.hashing import input_hash  # noqa: E402
from annotations.model import Answer, DocumentState, Span, SpanSource  # noqa: E402
from annotations.session import Session  # noqa: E402
from annotations.store import NewDocument, Prediction  # noqa: E402
from annotations.text import ROOM_MAKER, whitespace_tokens  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402

LABELS = ["PERSON", "ORG", "GPE", "LOC"]  # keys 1, 2, 3, 4 in the label bar


def shown_text(view) -> str:  # noqa: ANN001 (a DocumentView)
    """The text the document view shows, less the invisible room makers that give its lines the room for
    tags (annotations.text)."""
    return view.toPlainText().replace(ROOM_MAKER, "")


def make_database(path: Path, texts: Sequence[str], model_spans: Sequence[Sequence[Span]] = ()) -> None:
    """A database with one document per text; ``model_spans[i]`` are document i's model proposals."""
    db = store.open_store(path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "test")
        store.add_labels(db, LABELS)
        store.insert_documents(db, dataset, [_new(text, i, model_spans) for i, text in enumerate(texts)])
    db.close()


def _new(text: str, index: int, model_spans: Sequence[Sequence[Span]]) -> NewDocument:
    spans = tuple(
        Span(s.start, s.end, s.label, SpanSource.MODEL)
        for s in (model_spans[index] if index < len(model_spans) else ())
    )
    prediction = Prediction("test_model", "1.0", spans) if spans else None
    return NewDocument(text, whitespace_tokens(text), input_hash(text), DocumentState(spans), prediction)


def berlin_paris_database(path: Path, count: int = 1240) -> Path:
    """A database of ``count`` short documents, every third about Berlin, the rest about Paris."""
    texts = [f"Document number {i} about {'Berlin' if i % 3 == 0 else 'Paris'}" for i in range(count)]
    make_database(path, texts)
    return path


REVIEW_TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday"
#              0      7      14  18       27     34 37    43 46
REVIEW_MODEL = [Span(0, 13, "PERSON"), Span(18, 33, "PERSON"), Span(37, 42, "GPE")]


def review_database(path: Path) -> Path:
    """Document 1: alice and bob both keep Macron; Merkel is PERSON for alice and ORG for bob; alice keeps
    Paris, bob deletes it; both accept. Document 2 has alice's version only; document 3 none."""
    make_database(path, [REVIEW_TEXT, "Second document about Berlin", "Third one"], [REVIEW_MODEL])
    db = store.open_store(path)
    alice, bob = Session(db, "alice"), Session(db, "bob")
    alice.open(1)
    alice.apply(alice.set_answer(Answer.ACCEPT))
    alice.open(2)
    alice.apply(alice.set_answer(Answer.ACCEPT))
    bob.open(1)
    bob.apply(bob.relabel(bob.document.spans[0], "ORG"))
    bob.apply(bob.remove_span(bob.document.spans[2]))
    bob.apply(bob.set_answer(Answer.ACCEPT))
    db.close()
    return path


def open_window(qtbot, path: Path) -> MainWindow:
    """The main window on a database, shown (offscreen) and focused on the document."""
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(path, store.open_store(path), "tester", settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.view.setFocus()
    return window


def queue_read(qtbot, window: MainWindow, timeout: int = 5000) -> None:
    """Wait until the queue's filter, search or order (read off the GUI thread) is shown and counted."""
    qtbot.waitUntil(lambda: not window.queue_panel.searching, timeout=timeout)


def stored(path: Path, document_id: int):
    """What the database holds for a document, read through a connection of its own."""
    db = store.open_store(path)
    try:
        return store.load_document(db, document_id)
    finally:
        db.close()


def stored_keys(path: Path, document_id: int) -> list[tuple[int, int, str]]:
    """The stored spans of a document as (start, end, label)."""
    return [span.key() for span in stored(path, document_id).spans]


def point_at(view, offset: int) -> QPoint:
    """A viewport point just right of the caret position of a code-point offset."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.display.to_qt(offset))
    rect = view.cursorRect(cursor)
    return QPoint(rect.left() + 1, rect.center().y())


def drag(view, start: int, end: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at ``start``, move and release at ``end`` (code points) on the document."""
    view.reveal(start, end)
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, point_at(view, start))
    QTest.mouseMove(viewport, point_at(view, end))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, point_at(view, end))


def click(view, offset: int) -> None:
    """Click on the character at ``offset`` (scrolled into view first)."""
    view.reveal(offset, offset)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point_at(view, offset)
    )


def key(view, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key on the document view."""
    QTest.keyClick(view, key, modifier)


def open_keyed(qtbot, path: Path) -> MainWindow:
    """The window, active, the document holding the keys (as after a click into it)."""
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def press(window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the keyboard focus is, as a person's would land."""
    from PySide6.QtWidgets import QApplication

    QTest.keyClick(QApplication.focusWidget() or window, key, modifier)
