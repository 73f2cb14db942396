"""The window on a database with a damaged row: a message naming the row, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gui_helpers import make_database, open_window, shown_text

from annotations.model import Span


def test_choosing_a_damaged_document_says_which_row_and_keeps_the_one_shown(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "window.db"
    make_database(path, ["Angela Merkel visited Paris", "Another one"], [[Span(0, 13, "PERSON")]])
    window = open_window(qtbot, path)
    assert window.controller.document.id == 1
    connection = sqlite3.connect(path)
    connection.execute('UPDATE annotations SET spans = \'[[0, 3, "ORG", "hum\' WHERE document_id = 2')
    connection.commit()
    connection.close()
    window.next_document()
    message = "documents 2: annotations.spans is not valid JSON (truncated?); run `spandesk check`"
    assert message in window.files.failure_box.text()
    assert message in window.statusBar().currentMessage()
    assert window.controller.document.id == 1
    assert shown_text(window.view) == "Angela Merkel visited Paris"
