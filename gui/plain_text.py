"""Data on screen as text, never as markup: names and values from a database or a file are shown literally.

Qt guesses whether a string is rich text (QLabel, QMessageBox, tooltips), reads ``&`` as a mnemonic
(menu items, buttons) and ``[*]`` as the "modified" mark (window titles). Everything that shows a
dataset, label, annotator, model, file name or message passes through one of these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:  # a message box's class loads with the first one (~1 ms of Qt enums at start-up)
    from PySide6.QtWidgets import QMessageBox

# html.escape's replacements (the html module's import, ~2 ms with its entity table, is not needed for them)
_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text literally (no HTML)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def tooltip(text: str) -> str:
    """A tooltip showing ``text`` literally (tooltips are rich text whenever they look like it)."""
    return f"<p style='white-space:pre'>{escaped(text)}</p>"


def escaped(text: str) -> str:
    """``text`` shown literally inside rich text (as ``html.escape``: ``& < > " '`` replaced)."""
    return text.translate(_MARKUP)


def menu_text(text: str) -> str:
    """Menu or button text showing ``text`` literally: ``&`` is no mnemonic, a tab no shortcut."""
    return text.replace("&", "&&").replace("\t", " ")


def window_title(text: str) -> str:
    """A window title showing ``text`` literally (``[*]`` is not the modified mark)."""
    return text.replace("[*]", "[*][*]")


def message_box(icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None) -> QMessageBox:
    """A message box whose title and message are shown literally."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(icon, window_title(title), text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
