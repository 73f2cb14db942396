"""File ▸ Work as…: the name of the person at the keyboard, checked as it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from annotations.annotator_names import MAX_NAME_LENGTH, BadAnnotatorName, checked_annotator_name
from gui.plain_text import plain_label


class AnnotatorDialog(QDialog):
    """Asks for a name; OK only for a name that can be used, and the reason shown for one that cannot."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Work as")
        column = QVBoxLayout(self)
        explanation = QLabel(
            "Each person has their own version of every document. Type the name to work as: the queue, "
            "the progress and the document switch to that person's versions."
        )
        explanation.setWordWrap(True)
        column.addWidget(explanation)
        column.addWidget(plain_label(f"Working as {current} now."))
        self.name_edit = QLineEdit(current)
        self.name_edit.setMaxLength(MAX_NAME_LENGTH * 4)  # longer names are refused with a reason
        self.name_edit.selectAll()
        column.addWidget(self.name_edit)
        self.reason = plain_label()
        self.reason.setStyleSheet("color: #cf222e;")
        self.reason.setWordWrap(True)
        column.addWidget(self.reason)
        choices = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(choices)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self._check(current)
        self.resize(420, self.sizeHint().height())

    def _check(self, text: str) -> None:
        try:
            checked_annotator_name(text)
        except BadAnnotatorName as error:
            self.reason.setText(f"This name cannot be used: {error}.")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.reason.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def accept(self) -> None:
        """Close only with a name that can be used (Enter in the box with a refused name does nothing)."""
        if self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            super().accept()

    def name(self) -> str:
        """The name typed, without surrounding spaces."""
        return self.name_edit.text().strip()
