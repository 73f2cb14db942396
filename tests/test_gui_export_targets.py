"""File ▸ Export goes through the same checks as `spandesk export`: never over the open database."""

from __future__ import annotations

from gui_helpers import key, make_database, open_window
from PySide6.QtCore import Qt
from reliability_helpers import dump


def test_exporting_over_the_open_database_is_refused_in_a_message(qtbot, tmp_path):
    path = tmp_path / "window.db"
    make_database(path, ["Angela Merkel spoke", "Nobody spoke"])
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    before = dump(path)
    for output in (path, tmp_path / "window.db-wal", tmp_path / "window.db-journal"):
        messages: list[str] = []
        run = window.files.start_export("prodigy", output)
        run.failed.connect(messages.append)
        with qtbot.waitSignal(run.done, timeout=60_000):
            pass
        assert len(messages) == 1 and "is the database being exported" in messages[0]
        assert window.files.failure_box.isVisible()
    assert dump(path) == before
    assert not (tmp_path / "window.db-journal").exists()
    key(window.view, Qt.Key.Key_X)  # the window goes on storing edits
    assert dump(path) != before
