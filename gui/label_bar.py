"""The label bar: labels in their colours with keys 1-9 and 0, a filter box, the active label.

Its buttons never take the keyboard focus: the document keeps the keys after any click. Clicking a label
with a span selected relabels the span (``relabel_hook``) and leaves the active label as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.plain_text import menu_text, tooltip, window_title

LABEL_KEYS = "1234567890"
PICKER_KEY = "L"  # opens the label picker (every label, filtered as you type)
BUTTON_TEXT_WIDTH = 260  # pixels: a longer label name is cut on its button
MAX_ROWS = 3.5  # rows of label buttons shown before they scroll  # a longer label name is cut on its button
# spaCy's most used entity labels come first, so that they get the number keys.
PREFERRED_ORDER = ("PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "FAC", "EVENT", "PRODUCT", "MONEY")


def in_key_order(labels: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The labels with spaCy's most used ones first (they get keys 1-9, 0), the rest as stored."""
    rank = {name: position for position, name in enumerate(PREFERRED_ORDER)}
    return sorted(labels, key=lambda pair: rank.get(pair[0], len(rank)))


def short_name(name: str, width: int = BUTTON_TEXT_WIDTH) -> str:
    """A label's name cut with "…" to ``width`` pixels of the buttons' font (the button's tooltip has all of
    it): one 300-character label made the window 4,000 pixels wide."""
    font = QFont()
    font.setPixelSize(11)  # as _button_style sets it
    font.setBold(True)
    return QFontMetrics(font).elidedText(name, Qt.TextElideMode.ElideRight, width)


class FlowLayout(QLayout):
    """Lays widgets out left to right, wrapping onto new rows (Qt's flow layout example).

    Qt asks for the height at a width many times per layout pass: the shown items' sizes and the height at
    the last width asked are kept until the layout is invalidated (as QBoxLayout keeps its own).
    """

    _sizes: list[tuple[QLayoutItem, int, int]] | None = None  # the shown items with their size hints
    _height_at: tuple[int, int] = (-1, 0)  # (width, height) last computed

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        item = self._items.pop(index) if 0 <= index < len(self._items) else None
        self.invalidate()
        return item

    def invalidate(self) -> None:
        """Forget the kept sizes: an item was added, shown, hidden or changed its size hint."""
        self._sizes, self._height_at = None, (-1, 0)
        super().invalidate()

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        if self._height_at[0] != width:
            self._height_at = (width, self._arrange(QRect(0, 0, width, 0), move=False))
        return self._height_at[1]

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        sizes = self._shown_sizes()
        return QSize(max((w for _, w, _ in sizes), default=0), max((h for _, _, h in sizes), default=0))

    def _shown_sizes(self) -> list[tuple[QLayoutItem, int, int]]:
        if self._sizes is None:
            hints = [(item, item.sizeHint()) for item in self._items if not item.isEmpty()]
            self._sizes = [(item, hint.width(), hint.height()) for item, hint in hints]
        return self._sizes

    def _arrange(self, rect: QRect, move: bool) -> int:
        left, right, spacing = rect.x(), rect.right(), self.spacing()
        x, y, row_height = left, rect.y(), 0
        for item, width, height in self._shown_sizes():
            if x + width > right and row_height > 0:
                x, y, row_height = left, y + row_height + spacing, 0
            if move:
                item.setGeometry(QRect(x, y, width, height))
            x += width + spacing
            row_height = max(row_height, height)
        return y + row_height - rect.y()


class LabelBar(QWidget):
    """Buttons for the labels; one is the active label new spans get."""

    active_changed = Signal(str)
    colour_changed = Signal(str, str)  # label, new colour (hex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QPushButton] = {}
        self.names: list[str] = []
        self._shown_active = ""
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._flow = FlowLayout()
        self.filter_box = QLineEdit(placeholderText="Filter labels…", clearButtonEnabled=True)
        self.filter_box.setFixedWidth(150)
        self.filter_box.textChanged.connect(self._apply_filter)
        # a click on a label with a span selected: True when the hook relabelled it
        self.relabel_hook: Callable[[str], bool] | None = None
        self.active_tag = QLabel()
        self.active_tag.setTextFormat(Qt.TextFormat.PlainText)
        self.active_tag.setStyleSheet(
            "color: #1f2328; font-size: 11px; font-weight: 600; padding: 4px 2px 0 2px;"
        )
        self.picker_hint = QLabel(f"{PICKER_KEY}: any label · / : find")
        self.picker_hint.setStyleSheet("color: #57606a; font-size: 11px; padding: 2px 2px 0 2px;")
        self.picker_hint.setToolTip(
            tooltip(f"Press {PICKER_KEY}, type a few letters of a label, Enter: every label has a key")
        )
        side_panel = QWidget()  # under the filter box: the labels keep the bar's width
        side_panel.setFixedWidth(self.filter_box.width())
        side = QVBoxLayout(side_panel)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(self.filter_box)
        side.addWidget(self.active_tag)
        side.addWidget(self.picker_hint)
        side_panel.setFixedHeight(side.sizeHint().height())
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        self._labels = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self._labels.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._labels.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the document keeps the keys
        self._labels.setStyleSheet(
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
        )
        self._pills = QWidget()  # the buttons' parent; its style sheet draws every pill
        self._pills.setLayout(self._flow)
        self._labels.setWidget(self._pills)
        row.addWidget(self._labels, 1)
        row.addWidget(side_panel, 0, Qt.AlignmentFlag.AlignTop)

    def set_labels(self, labels: list[tuple[str, str]]) -> None:
        """Show these (name, colour) labels, keeping the active one if it still exists."""
        active = self.active
        labels = in_key_order(labels)
        for button in self.buttons.values():
            self._group.removeButton(button)
            self._flow.removeWidget(button)
            button.deleteLater()
        self.buttons, self.names = {}, [name for name, _ in labels]
        self._pills.setStyleSheet(pills_style([colour for _, colour in labels]))
        for position, (name, colour) in enumerate(labels):
            self.buttons[name] = self._button(position, name, colour)
            self._flow.addWidget(self.buttons[name])
        self.set_active(active if active in self.buttons else (self.names[0] if self.names else ""))
        self._apply_filter(self.filter_box.text())

    def _button(self, position: int, name: str, colour: str) -> QPushButton:
        key = LABEL_KEYS[position] if position < len(LABEL_KEYS) else ""
        shown = short_name(name)
        button = QPushButton(menu_text(f"{key}  {shown}" if key else shown), checkable=True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the document keeps the keys after a click
        how = f"press {key}" if key else f"press {PICKER_KEY}, type “{name[:3].lower()}”, Enter"
        button.setToolTip(tooltip(f"{name}: {how} (relabels the selected span)"))
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(lambda _pos, label=name: self.choose_colour(label))
        button.clicked.connect(lambda _checked=False, label=name: self.clicked(label))
        button.setObjectName(f"pill{position}")  # its colour in pills_style; never the name: it may be "} {"
        button.setProperty("colour", colour)
        self._group.addButton(button)
        return button

    @property
    def active(self) -> str:
        """The label new spans get."""
        checked = self._group.checkedButton()
        return next((name for name, button in self.buttons.items() if button is checked), "")

    def set_active(self, label: str) -> None:
        """Make ``label`` the active label (shown on the bar)."""
        if label in self.buttons and label != self.active:
            self.buttons[label].setChecked(True)
            self._labels.ensureWidgetVisible(self.buttons[label], 0, 0)  # scrolled into the rows shown
            self.active_changed.emit(label)
        self._show_active()

    def clicked(self, label: str) -> None:
        """A click on a label: relabel the selected span (the active label stays), or else make it active."""
        before = self._shown_active
        if self.relabel_hook is not None and self.relabel_hook(label):
            if before in self.buttons:  # the group checked the clicked button: the active one stays
                self.buttons[before].setChecked(True)
            self._show_active()
            return
        if before in self.buttons and label != before:
            self.buttons[before].setChecked(True)  # so that set_active sees a change and announces it
        self.set_active(label)

    def _show_active(self) -> None:
        self._shown_active = self.active
        self.active_tag.setText(f"New spans: {self._shown_active or '—'}")

    def label_for_key(self, text: str) -> str | None:
        """The label bound to a key 1-9 or 0, if there is one."""
        position = LABEL_KEYS.find(text) if len(text) == 1 and text.isdigit() else -1
        return self.names[position] if 0 <= position < len(self.names) else None

    def choose_colour(self, label: str) -> None:
        """Ask for a new colour for ``label`` (right-click on its button)."""
        button = self.buttons[label]
        current = QColor(button.property("colour") or "#d9d9d9")
        from PySide6.QtWidgets import QColorDialog  # loaded with the first colour chosen

        colour = QColorDialog.getColor(current, self, window_title(f"Colour of {label}"))
        self.window().activateWindow()  # with no window manager X leaves the focus on the closed dialog
        if colour.isValid():
            self.colour_changed.emit(label, colour.name())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for name, button in self.buttons.items():
            button.setVisible(not needle or needle in name.lower())
        self._flow.invalidate()
        self._fit_height()

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the labels need, at most ``MAX_ROWS`` rows (then they scroll; the filter box and the
        picker reach the rest): 50 labels took half a 700-pixel window from the document."""
        buttons = [button for button in self.buttons.values() if not button.isHidden()]
        row = (buttons[0].sizeHint().height() if buttons else 0) + self._flow.spacing()
        width = self._labels.viewport().width()
        needed = self._flow.heightForWidth(width)
        if needed > MAX_ROWS * row:
            needed = int(MAX_ROWS * row)  # a part of the next row shows: there are more
        if self._labels.height() != needed:
            self._labels.setFixedHeight(max(needed, 0))


PILL_STYLE = (
    "QPushButton { border: 2px solid; border-radius: 11px; padding: 3px 10px;"
    " font-weight: 600; font-size: 11px; color: #1f2328; }"
)


def pills_style(colours: list[str]) -> str:
    """One style sheet for every pill: button ``pill{N}`` in the Nth colour, a darker border under the mouse,
    a dark outline on the checked one. Colours are normalised by QColor (#rrggbb); names never enter it."""
    rules = [PILL_STYLE]
    for position, text in enumerate(colours):
        colour = QColor(text)
        pill = f"QPushButton#pill{position}"
        rules.append(
            f"{pill} {{ background: {colour.name()}; border-color: {colour.name()}; }}"
            f" {pill}:hover {{ border-color: {colour.darker(130).name()}; }}"
            f" {pill}:checked {{ border-color: #1f2328; }}"
        )
    return "\n".join(rules)
