"""The status bar's offer to apply a correction everywhere: its question, Preview… and ✕ (hidden at first).

The window builds it at start (the status bar is as tall as with the offer, so its coming never moves the
document's lines); ``gui.apply_everywhere``, which fills and shows it, loads after the first paint.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from gui.plain_text import plain_label


class OfferBar(QWidget):
    """The offer's question, its Preview… button and its ✕, built hidden."""

    def __init__(self) -> None:
        super().__init__(objectName="offer")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        self.label = plain_label("")
        self.label.setStyleSheet("color: #1f2328; font-weight: 600;")
        self.button = QPushButton("Preview…  Ctrl+Shift+A", focusPolicy=Qt.FocusPolicy.NoFocus)
        self.dismiss_button = QPushButton("✕", focusPolicy=Qt.FocusPolicy.NoFocus)
        self.dismiss_button.setToolTip("Do not apply it elsewhere")
        self.dismiss_button.setFixedWidth(28)
        row.addWidget(self.label)
        row.addWidget(self.button)
        row.addWidget(self.dismiss_button)
        self.label.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.setStyleSheet(
            "QWidget#offer { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 4px; }"
            " QLabel { background: transparent; }"
        )
        self.hide()
