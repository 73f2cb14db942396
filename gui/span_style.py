"""How a span looks in the document (displaCy's calm): a rounded mark, its label tag in the line spacing.

A person's span: a solid fill in its label's colour. A model's proposal: a lighter fill inside a dashed
border. The tag sits above the mark's first line, in the room the tall line spacing leaves, so adding,
relabelling or deleting a span never changes the width of any text (no reflow). Tag text is black or
white, whichever contrasts more with the tag's colour (WCAG: always at least 4.5:1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QTextCharFormat

from annotations.model import Span, SpanSource

LINE_SPACING = 2.1  # the size of the font given to spaces, against the text's: the room between lines
MODEL_FILL = 0.45  # how strongly a model proposal's fill takes its label's colour (1.0: a person's span)
MARK_RADIUS = 4.0
MARK_PAD_X = 1.5  # how far a mark reaches beyond its text on each side
MARK_PAD_Y = 2.0
TAG_PAD_X = 4.0
TAG_GAP = 1.0  # the least room between two overlapping tags once the first is cut short
MIN_CONTRAST = 4.5  # WCAG AA for normal text


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour (0: black, 1: white)."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#rrggbb``)."""
    return max(("#000000", "#ffffff"), key=lambda text: contrast_ratio(text, background))


def mixed(colour: QColor, weight: float) -> QColor:
    """``colour`` blended with white (weight 1.0: the colour itself)."""
    return QColor.fromRgbF(*(1 - weight + weight * c for c in colour.getRgbF()[:3]))


class MarkLook(NamedTuple):
    """What one span is painted with: its mark's fill and border, its tag's colours."""

    fill: QColor
    border: QBrush | None  # a ring inside the mark's edge (a dashed one: a striped brush), or none
    border_width: float
    tag_fill: QColor
    tag_text: QColor
    text: QColor | None  # the span's text colour when it must change (the selected span), else None


class MarkPiece(NamedTuple):
    """One line's piece of a span's mark: the span's index, its box in the viewport, how it looks, and
    whether it continues on the previous line (then it has no tag) or the next."""

    index: int
    box: QRectF
    look: MarkLook
    open_left: bool
    open_right: bool


class SpanStyle:
    """Label colours, the tag font and the look of each kind of span (cached)."""

    def __init__(self, base_font: QFont) -> None:
        self.colours: dict[str, QColor] = {}
        self.tag_font = QFont(base_font)
        self.tag_font.setPointSizeF(max(6.5, base_font.pointSizeF() * 0.66))
        self.tag_font.setBold(True)
        self.tag_font.setCapitalization(QFont.Capitalization.SmallCaps)
        self.tag_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        self.tag_metrics = QFontMetricsF(self.tag_font)
        self.spacing_format = _spacing_format(base_font)
        self.room_format = _room_format(base_font)
        self._tag_widths: dict[str, float] = {}
        self._looks: dict[tuple[str, SpanSource, bool], MarkLook] = {}

    def set_colours(self, colours: dict[str, str]) -> None:
        """Use these label colours (hex strings) from now on."""
        self.colours = {label: QColor(colour) for label, colour in colours.items()}
        self._looks.clear()

    def colour(self, label: str) -> QColor:
        """A label's colour (grey for a label without one)."""
        return self.colours.get(label, QColor("#d9d9d9"))

    def tag_width(self, label: str) -> float:
        """The width of a label's tag."""
        width = self._tag_widths.get(label)
        if width is None:
            width = self._tag_widths[label] = self.tag_metrics.horizontalAdvance(label) + 2 * TAG_PAD_X
        return width

    def look(self, span: Span, selected: bool) -> MarkLook:
        """How ``span`` is painted (``selected``: it is the focused span)."""
        key = (span.label, span.source, selected)
        look = self._looks.get(key)
        if look is None:
            look = self._looks[key] = self._build_look(span, selected)
        return look

    def _build_look(self, span: Span, selected: bool) -> MarkLook:
        colour = self.colour(span.label)
        model = span.source is SpanSource.MODEL
        if selected:  # the label's full colour, outlined in a dark shade of it; the tag in that shade
            dark = colour.darker(260)
            return MarkLook(colour, QBrush(dark), 2.0, dark, _readable_on(dark), _readable_on(colour))
        if not model:
            return MarkLook(colour, None, 0.0, colour, _readable_on(colour), None)
        fill = mixed(colour, MODEL_FILL)
        return MarkLook(fill, _dashes(colour.darker(160)), 1.0, fill, _readable_on(fill), None)


def _dashes(colour: QColor) -> QBrush:
    """A brush of diagonal stripes: a ring painted with it reads as a dashed border (stroking a dashed
    pen round a rounded rectangle costs about six times as much to paint)."""
    period, dash = 6, 3
    tile = QImage(period, period, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(Qt.GlobalColor.transparent)
    for y in range(period):
        for x in range(period):
            if (x + y) % period < dash:
                tile.setPixelColor(x, y, colour)
    return QBrush(tile)


def _readable_on(fill: QColor) -> QColor:
    return QColor(text_colour_on(fill.name()))


def _spacing_format(base_font: QFont) -> QTextCharFormat:
    """The format of every space: a taller font (the room between lines, for the tags) that keeps the
    space's width, so no line breaks elsewhere than it would without it."""
    tall = QFont(base_font)
    tall.setPointSizeF(base_font.pointSizeF() * LINE_SPACING)
    extra = QFontMetricsF(tall).horizontalAdvance(" ") - QFontMetricsF(base_font).horizontalAdvance(" ")
    spacing = QTextCharFormat()
    spacing.setFont(tall, QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesSpecifiedOnly)
    spacing.setFontLetterSpacingType(QFont.SpacingType.AbsoluteSpacing)
    spacing.setFontLetterSpacing(-extra)
    return spacing


def _room_format(base_font: QFont) -> QTextCharFormat:
    """The format of the invisible room maker after each Han or kana character (annotations.text): the
    spaces' tall font, so a line of Chinese or Japanese, which has no spaces, has room for the tags too.
    It has no width, so unlike a space's it needs no letter spacing to keep it."""
    tall = QFont(base_font)
    tall.setPointSizeF(base_font.pointSizeF() * LINE_SPACING)
    room = QTextCharFormat()
    room.setFont(tall, QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesSpecifiedOnly)
    return room


def _rounded(painter: QPainter, look: MarkLook, box: QRectF, radius: float) -> None:
    """A rounded box in the look's fill, inside its border ring if it has one."""
    painter.setPen(Qt.PenStyle.NoPen)
    if look.border is not None:
        painter.setBrush(look.border)
        painter.drawRoundedRect(box, radius, radius)
        width = look.border_width
        box, radius = box.adjusted(width, width, -width, -width), max(0.0, radius - width)
    painter.setBrush(look.fill)
    painter.drawRoundedRect(box, radius, radius)


def paint_mark(painter: QPainter, look: MarkLook, box: QRectF, open_left: bool, open_right: bool) -> None:
    """One line's piece of a span's mark; a side left open continues on the next or previous line."""
    if not (open_left or open_right):
        _rounded(painter, look, box, MARK_RADIUS)
        return
    # a piece that continues: only its closed side is rounded (the open side reaches beyond the clip)
    painter.save()
    painter.setClipRect(box.adjusted(0 if open_left else -1, -1, 0 if open_right else 1, 1))
    reach = 2 * MARK_RADIUS
    _rounded(
        painter, look, box.adjusted(-reach if open_left else 0, 0, reach if open_right else 0, 0), MARK_RADIUS
    )
    painter.restore()


def tag_box(style: SpanStyle, label: str, left: float, mark_top: float) -> QRectF:
    """Where a label's tag goes: above the mark starting at ``left`` whose top is ``mark_top``."""
    height = style.tag_metrics.height() + 1
    return QRectF(left, mark_top - height + 1, style.tag_width(label), height)


def tag_boxes(style: SpanStyle, tags: Sequence[tuple[str, float, float]]) -> list[QRectF]:
    """The tags of ``(label, left, mark_top)`` marks, each cut short where it would run into the next
    tag on its line (short spans side by side: "Al, Bo"); a tag starting where another starts keeps
    its width (nested spans, nothing to make room for)."""
    boxes = [tag_box(style, label, left, top) for label, left, top in tags]
    by_place = sorted(range(len(boxes)), key=lambda i: (boxes[i].top(), boxes[i].left()))
    for at, this in enumerate(by_place):  # the next tag starting further right on its line, past those
        box = boxes[this]  # starting where it starts (each of them is cut by that one too)
        following = (boxes[i] for i in by_place[at + 1 :] if boxes[i].left() != box.left())
        next_box = next(following, None)
        if next_box is not None and next_box.top() == box.top() and next_box.left() < box.right():
            box.setRight(max(box.left(), next_box.left() - TAG_GAP))
    return boxes


def paint_tag(painter: QPainter, style: SpanStyle, look: MarkLook, label: str, box: QRectF) -> None:
    """A span's label tag: the label in small bold capitals on a rounded tab of the mark's colour."""
    tag_look = MarkLook(
        look.tag_fill, look.border, min(look.border_width, 1.0), look.tag_fill, look.tag_text, None
    )
    _rounded(painter, tag_look, box, 3.0)
    painter.setPen(look.tag_text)
    if box.width() < style.tag_width(label):  # cut short by the next tag: first its padding, then "PER…"
        label = style.tag_metrics.elidedText(label, Qt.TextElideMode.ElideRight, box.width() - 2)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
