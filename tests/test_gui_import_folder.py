"""File ▸ Import a folder… imports a folder's files, as `spandesk import FOLDER` does."""

from __future__ import annotations

import json
from pathlib import Path

from gui_helpers import make_database, open_window
from PySide6.QtWidgets import QFileDialog, QInputDialog

from annotations import store
from gui import file_actions


def test_import_a_folder_from_the_file_menu(qtbot, tmp_path: Path, monkeypatch):
    database = tmp_path / "folder.db"
    make_database(database, ["Already here"])
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("Olaf Scholz visited Paris.", encoding="utf-8")
    (folder / "two.jsonl").write_text(
        json.dumps({"text": "Bonn is small.", "spans": []}) + "\n", encoding="utf-8"
    )
    asked = []

    def choose(dialog: QFileDialog) -> list[Path]:
        asked.append(dialog.fileMode())
        return [folder]

    monkeypatch.setattr(file_actions, "ask_for_paths", choose)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("news", True))
    window = open_window(qtbot, database)
    action = next(a for a in window.menuBar().actions() if a.text() == "&File").menu()
    folder_action = next(a for a in action.actions() if a.text().replace("&", "") == "Import a folder…")
    folder_action.trigger()
    assert asked == [QFileDialog.FileMode.Directory]  # the dialog picks folders
    qtbot.waitUntil(lambda: window.queue_model.total == 3, timeout=120_000)
    texts = {store.load_document(window.db, i).text for i in (2, 3)}
    assert texts == {"Olaf Scholz visited Paris.", "Bonn is small."}
    assert window.statusBar().currentMessage().startswith("Imported 2 documents")
