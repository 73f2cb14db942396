"""A day's work stays light: what the window keeps alive does not grow with the documents opened."""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem

from annotations.model import DocumentState, Span
from annotations.session import Edit
from gui.queue_model import QueueModel
from tests.gui_helpers import key, make_database, open_window

WORDS = 40  # spans per document: what a leak of a document's rows or states would multiply


def _documents(count: int) -> tuple[list[str], list[list[Span]]]:
    texts, spans = [], []
    for number in range(count):
        words = [f"Word{number}x{index}" for index in range(WORDS)]
        text = " ".join(words)
        starts = [text.index(word) for word in words]
        texts.append(text)
        spans.append([Span(start, start + len(word), "PERSON") for start, word in zip(starts, words)])
    return texts, spans


def _alive(kind: type) -> int:
    """How many objects of ``kind`` are alive (the window freezes the collector: unfreeze first)."""
    gc.unfreeze()
    gc.collect()
    return sum(isinstance(thing, kind) for thing in gc.get_objects())


def _settle(qtbot, window) -> None:
    """Let the window finish what it does in the background (looking for other occurrences of a fix)."""
    qtbot.waitUntil(lambda: not window.apply_everywhere.runs, timeout=20_000)
    qtbot.wait(20)


def _day(window, steps: int) -> None:
    """``steps`` next-document steps, a relabel (key 2) before every second, an accept (A) every third."""
    for step in range(steps):
        if step % 2 == 0:
            window.keyboard.select(window.controller.document.spans[WORDS // 2])
            key(window.view, Qt.Key.Key_2)
        key(window.view, Qt.Key.Key_A if step % 3 == 0 else Qt.Key.Key_Right)


def test_documents_opened_and_edited_leave_no_rows_or_spans_behind(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    make_database(path, *_documents(80))
    window = open_window(qtbot, path)
    _day(window, 10)
    _settle(qtbot, window)
    items, spans, edits = _alive(QStandardItem), _alive(Span), window.controller.undo_stack.count()
    _day(window, 60)
    _settle(qtbot, window)
    edits = window.controller.undo_stack.count() - edits
    assert edits >= 50  # every relabel and accept is in the undo history
    # the span list holds the rows of the document on screen only
    assert _alive(QStandardItem) - items <= 2
    assert window.span_list.span_model.rowCount() == WORDS
    # the undo history holds the spans each edit changed (a relabel: the old and the new), not documents;
    # beyond that, what stays is a few documents' worth (the one on screen, the fix offered everywhere),
    # not the 60 documents opened (2,400 spans)
    assert _alive(Span) - spans <= 2 * edits + 5 * WORDS
    command = window.controller.undo_stack.command(window.controller.undo_stack.count() - 1)
    assert not any(isinstance(value, (Edit, DocumentState)) for value in vars(command).values())
    gc.freeze()


def test_opening_a_document_does_not_lay_out_the_whole_queue_again(qtbot, tmp_path, monkeypatch) -> None:
    path = tmp_path / "queue.db"
    make_database(path, *_documents(450))
    calls = {"rows": 0, "on": False}
    counted = QueueModel.rowCount

    def row_count(model, parent=None):  # noqa: ANN001, ANN202 - Qt's virtual, counted while "on"
        calls["rows"] += calls["on"]
        return counted(model) if parent is None else counted(model, parent)

    monkeypatch.setattr(QueueModel, "rowCount", row_count)  # before the view exists: Qt calls it
    window = open_window(qtbot, path)
    while window.queue_model.rowCount() < 400:
        window.queue_model.fetchMore(window.queue_model.index(-1).parent())
    _settle(qtbot, window)
    calls["on"] = True
    for move_or_accept in (Qt.Key.Key_Right, Qt.Key.Key_A, Qt.Key.Key_Right):
        key(window.view, move_or_accept)
        qtbot.wait(20)
    calls["on"] = False
    # a layout of every loaded row asks for the row count about twice per row: ~800 per step here
    assert window.queue_model.rowCount() >= 400
    assert calls["rows"] < 200
