"""The window's questions about versions: whose version an export writes, and what an import does with
records whose annotator already has another version of their text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QFileDialog, QGridLayout, QLabel, QMessageBox, QWidget

from annotations.export_versions import CURRENT, EVERY, EVERY_FORMATS, REVIEWED
from gui.plain_text import message_box

KEEP_TEXT = "Keep theirs stored"
REPLACE_TEXT = "Replace with the file's"


def version_items(fmt: str, annotators: Sequence[str]) -> list[tuple[str, str]]:
    """The export's choices as (shown text, ``--version`` value): Current, Reviewed, Every annotator (for
    formats that say whose each record is), then each annotator by name."""
    items = [("Current (reviewed, else changed last)", CURRENT), ("Reviewed", REVIEWED)]
    if fmt in EVERY_FORMATS:
        items.append(("Every annotator (one record each)", EVERY))
    return items + [(name, name) for name in annotators]


VERSION_COMBO = "versionChoice"  # the combo box's object name


def add_version_choice(dialog: QFileDialog, fmt: str, annotators: Sequence[str]) -> QComboBox | None:
    """A "Versions:" combo box at the foot of the export's file dialog (Current, Reviewed, Every annotator,
    each annotator by name), its ``currentData()`` the ``--version`` value; None (nothing added) when
    nobody has a version: the current one is then the only one there is."""
    layout = dialog.layout()
    if not annotators or not isinstance(layout, QGridLayout):
        return None
    combo = QComboBox(dialog)
    combo.setObjectName(VERSION_COMBO)
    for text, value in version_items(fmt, annotators):
        combo.addItem(text, value)
    row = layout.rowCount()
    layout.addWidget(QLabel("Versions:", dialog), row, 0)
    layout.addWidget(combo, row, 1)
    return combo


def chosen_version(combo: QComboBox | None) -> str:
    """The ``--version`` value of ``add_version_choice``'s combo box (``current`` without one)."""
    return CURRENT if combo is None else str(combo.currentData())


def existing_box(parent: QWidget | None, message: str) -> QMessageBox:
    """The question an import asks when records bring other versions by annotators who have one:
    keep the stored versions, replace them with the file's, or cancel (the buttons' ``existing`` value
    is ``existing_choice``)."""
    box = message_box(QMessageBox.Icon.Question, "Import: versions differ", message, parent)
    box.addButton(KEEP_TEXT, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(REPLACE_TEXT, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    return box


def existing_choice(box: QMessageBox) -> str | None:
    """``keep`` or ``replace`` for the button clicked in ``existing_box`` (None: Cancel)."""
    clicked = box.clickedButton()
    text = clicked.text() if clicked is not None else ""
    from annotations.import_versions import KEEP, REPLACE  # the import's module: when a choice is asked

    return {KEEP_TEXT: KEEP, REPLACE_TEXT: REPLACE}.get(text)
