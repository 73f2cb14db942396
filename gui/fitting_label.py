"""A one-line label that shows the longest of its texts that fits its width (never wraps, never widens
the window): a legend that reads in full on a wide screen and shortly on a small one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QWidget


class FittingLabel(QLabel):
    """Shows the first of ``texts`` (rich text, longest first) whose width fits; the first in its tooltip."""

    def __init__(self, texts: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_texts(texts)

    def set_texts(self, texts: Sequence[str]) -> None:
        """Offer these texts, longest first; the one shown is chosen now and on every resize."""
        self._texts = tuple(texts)
        self.setToolTip(self._texts[0] if self._texts else "")
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.fontMetrics().height() + 4)  # one line, whichever text is shown

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        chosen = next((text for text in self._texts if _width(text, self) <= room), "")
        if chosen != self.text():
            self.setText(chosen)


def _width(text: str, label: QLabel) -> float:
    """The width ``text`` takes on one line in ``label``'s font."""
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    document.setHtml(text)
    return document.idealWidth()


class LegendBar(QWidget):
    """A legend beside ``buttons`` when its shortest text fits there, else on a line of its own above them."""

    def __init__(self, legend: FittingLabel, buttons: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend, self.buttons = legend, buttons
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(12, 8, 12, 10)
        self._layout.addWidget(legend, 1)
        self._layout.addWidget(buttons)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        shortest = min((_width(text, self.legend) for text in self.legend._texts), default=0.0)
        beside = self.width() - self.buttons.sizeHint().width() - 40 >= shortest
        direction = QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)
