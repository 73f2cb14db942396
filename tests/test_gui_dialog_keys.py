"""After a dialog, and while one is open, the keys go where the person looks: a dialog that is shown has
them (not the document behind it, where a letter answers it), and once it closes the window has them back
with its shortcuts (with no window manager, X left the focus on the closed dialog)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database, open_keyed
from PySide6.QtWidgets import QApplication, QFileDialog

from gui import file_dialogs
from gui.model_menu import show_train_dialog


@pytest.fixture
def window(qtbot, tmp_path: Path):
    database = tmp_path / "keys.db"
    make_database(database, ["Angela Merkel visited Paris", "Second document about Berlin"])
    return open_keyed(qtbot, database)


def test_the_shortcut_sheet_and_the_training_dialog_have_the_keys_and_give_them_back(qtbot, window) -> None:
    window.show_shortcuts()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window.shortcuts_box)
    window.shortcuts_box.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    dialog = show_train_dialog(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.view.hasFocus()


def test_a_file_dialog_gives_the_window_its_keys_back_when_it_closes(qtbot, window, monkeypatch) -> None:
    def run(dialog: QFileDialog) -> int:  # a person looks, then cancels: the closed dialog kept the focus
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        dialog.hide()
        return QFileDialog.DialogCode.Rejected

    monkeypatch.setattr(QFileDialog, "exec", run)
    dialog = file_dialogs.file_dialog(window, "Export", file_dialogs.DialogKind.SAVE)
    assert file_dialogs.ask_for_paths(dialog) == []
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
