"""The window's questions about versions: whose version an export writes, and what an import does with
records whose annotator already has another version of their text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from annotations.export_versions import CURRENT, EVERY, EVERY_FORMATS, REVIEWED
from annotations.import_versions import KEEP, REPLACE
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


class VersionDialog(QDialog):
    """Asks whose version of each document to export (a combo box)."""

    def __init__(self, parent: QWidget | None, fmt: str, annotators: Sequence[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {fmt}: whose versions")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Export each document's version by:"))
        self.combo = QComboBox()
        for text, value in version_items(fmt, annotators):
            self.combo.addItem(text, value)
        layout.addWidget(self.combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choice(self) -> str:
        """The ``--version`` value chosen."""
        return str(self.combo.currentData())


def ask_version(parent: QWidget | None, fmt: str, annotators: Sequence[str]) -> str | None:
    """Whose versions to export (None: cancelled); ``current`` without asking when nobody has a version."""
    if not annotators:
        return CURRENT
    dialog = VersionDialog(parent, fmt, annotators)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


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
    return {KEEP_TEXT: KEEP, REPLACE_TEXT: REPLACE}.get(text)
