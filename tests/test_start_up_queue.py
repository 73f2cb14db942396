"""Opening the window (and entering review mode) reads the queue's first page once, not once per step of
building it (the queue was counted and paged twice on every start)."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import make_database, open_window

from annotations import store
from gui import queue_model


def test_the_queue_is_read_once_when_the_window_opens(qtbot, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "queue.db"
    make_database(path, [f"Document number {i}" for i in range(5)])
    pages: list[object] = []
    paged = store.queue_page
    monkeypatch.setattr(
        store, "queue_page", lambda *args, **kwargs: pages.append(args) or paged(*args, **kwargs)
    )
    window = open_window(qtbot, path)
    assert len(pages) == 1
    assert window.queue_model.rowCount() == 5  # and the queue shows every document
    assert window.controller.document is not None


def test_a_queue_model_made_empty_is_filled_by_its_filter(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    make_database(path, ["One", "Two"])
    db = store.open_store(path)
    try:
        model = queue_model.QueueModel(db, "tester", filled=False)
        assert model.rowCount() == 0
        model.set_filter(None)
        assert model.rowCount() == 2
        assert queue_model.QueueModel(db, "tester").rowCount() == 2  # filled at once by default
    finally:
        db.close()


def test_the_queue_is_read_once_in_the_order_chosen_last_time(qtbot, tmp_path: Path, monkeypatch) -> None:
    """A person who left the queue on "Most likely wrong first" has it read once at start too."""
    from PySide6.QtCore import QSettings

    from gui.queue_panel import ORDER_SETTING

    path = tmp_path / "queue.db"
    make_database(path, [f"Document number {i}" for i in range(5)])
    QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat).setValue(ORDER_SETTING, "doubt")
    pages: list[object] = []
    paged = store.queue_page
    monkeypatch.setattr(
        store, "queue_page", lambda *args, **kwargs: pages.append(args) or paged(*args, **kwargs)
    )
    window = open_window(qtbot, path)
    assert window.queue_model.order == store.BY_DOUBT
    assert len(pages) == 1
    assert window.queue_model.rowCount() == 5
