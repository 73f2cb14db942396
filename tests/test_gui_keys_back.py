"""After any dialog of the window closes, the document has the keys again: the window is the active one
and the view has the focus (without a window manager, X left the keys with the closed dialog)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database, open_window
from PySide6.QtWidgets import QApplication


@pytest.fixture
def window(qtbot, tmp_path: Path):
    path = tmp_path / "keys.db"
    make_database(path, ["Angela Merkel met Emmanuel Macron in Paris"])
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


@pytest.mark.parametrize("dialog", ["annotator", "agreement", "shortcuts"])
def test_closing_a_dialog_gives_the_document_the_keys_back(qtbot, window, dialog) -> None:
    opened = {
        "annotator": lambda: (window.choose_annotator(), window.annotator_dialog)[1],
        "agreement": lambda: (window.show_agreement(), window.agreement_dialog)[1],
        "shortcuts": lambda: (window.show_shortcuts(), window.shortcuts_box)[1],
    }[dialog]()
    opened.activateWindow()
    qtbot.waitUntil(opened.isActiveWindow)
    window.view.clearFocus()
    opened.reject()
    qtbot.waitUntil(window.isActiveWindow)
    assert QApplication.focusWidget() is window.view
