"""The document: read-only text with spans painted from the core's span index (displaCy's look).

Positions cross between the core's code-point offsets and Qt's UTF-16 positions only here,
through ``DisplayText``; the text shown is never read back from the widget.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextLayout,
    QTextLine,
)
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotations.model import Document, Span, Token, span_changes
from annotations.session import index_of_range, overlapping, token_edges
from annotations.text import ROOM_MAKER, DisplayText, snap_to_graphemes, snap_to_tokens, trim_whitespace
from gui.span_style import MARK_PAD_X, MARK_PAD_Y, MarkPiece, SpanStyle, paint_mark, paint_tag, tag_boxes

DOUBT_COLOUR = "#e36209"  # the outline of a span the model proposed with low confidence
DISAGREEMENT_COLOUR = "#d1242f"  # a review's disagreements: their underline and the current one's outline
DISAGREEMENT_GAP_COLOUR = "#ffd8d3"  # the text of a disagreement the review has no span on
SPACES = re.compile(" +")
ROOMY = re.compile(f"[\t{ROOM_MAKER}]+")  # tabs and room makers: the tall font; no width of theirs to keep

REVEAL_MARGIN_LINES = 3  # lines kept between a span scrolled to and the view's edge


class SpanIndex:
    """The document's spans in order, with their Qt start and end positions, for bisecting."""

    def __init__(self, spans: Sequence[Span], display: DisplayText) -> None:
        self.spans = tuple(spans)  # a document's spans are kept sorted
        self.qt_starts = display.to_qt_many([span.start for span in self.spans])
        self.qt_ends = display.to_qt_many([span.end for span in self.spans])

    def edited(self, spans: tuple[Span, ...], unchanged: tuple[int, int], display: DisplayText) -> SpanIndex:
        """The index of ``spans``, an edit of these spans that kept ``unchanged`` = (prefix, suffix) of
        them: only the changed middle is converted to Qt positions."""
        prefix, suffix = unchanged
        middle = SpanIndex(spans[prefix : len(spans) - suffix], display)
        index = SpanIndex.__new__(SpanIndex)
        index.spans = spans
        index.qt_starts, index.qt_ends = self.qt_starts.copy(), self.qt_ends.copy()
        index.qt_starts[prefix : len(self.spans) - suffix] = middle.qt_starts
        index.qt_ends[prefix : len(self.spans) - suffix] = middle.qt_ends
        return index

    def between(self, qt_from: int, qt_to: int) -> range:
        """Indices of the spans that share a position with ``qt_from:qt_to``."""
        return range(bisect.bisect_right(self.qt_ends, qt_from), bisect.bisect_left(self.qt_starts, qt_to))

    def at(self, qt_position: int) -> int | None:
        """The index of the span covering the character at ``qt_position``, if any."""
        index = bisect.bisect_right(self.qt_starts, qt_position) - 1
        return index if index >= 0 and self.qt_ends[index] > qt_position else None


def changed_range(
    old: Sequence[Span], new: Sequence[Span], unchanged: tuple[int, int]
) -> list[tuple[int, int]]:
    """The offsets covering every span that differs between two versions of a document's spans."""
    changed = [span for side in span_changes(old, new, unchanged) for span in side]
    return [(min(s.start for s in changed), max(s.end for s in changed))] if changed else []


class SpanHighlighter(QSyntaxHighlighter):
    """Gives every space, tab and room maker (annotations.text) the tall line spacing, so that every line
    has room for the tags; spans are painted over the text, never formatted into it (so an edit of the
    spans never lays a paragraph out again)."""

    def __init__(self, document: QTextDocument, view: DocumentView) -> None:
        super().__init__(document)
        self._view = view

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        style = self._view.style  # the room between lines: only spaces, tabs and room makers change
        for start, length in _utf16_matches(SPACES, text):
            self.setFormat(start, length, style.spacing_format)
        for start, length in _utf16_matches(ROOMY, text):
            self.setFormat(start, length, style.room_format)


class DocumentView(QPlainTextEdit):
    """The current document: spans with visible labels, snapping selection, one focused span."""

    span_drawn = Signal(int, int)  # a new span's range (code points), already snapped
    span_clicked = Signal(object)  # the Span clicked, or None for a click outside spans
    span_selected = Signal(object)  # the Span now selected (by mouse, keyboard or an edit), or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFont(_reading_font())
        self.setViewportMargins(28, 20, 28, 20)
        self.setCursorWidth(0)
        self.document().setDocumentMargin(6)
        self.display = DisplayText.of("")
        self.span_index = SpanIndex((), self.display)
        self._document: Document | None = None
        self._tokens: tuple[Token, ...] | None = None
        self.style = SpanStyle(self.font())
        self._text_metrics = QFontMetricsF(self.font())
        self.characters_mode = False
        self.selected: Span | None = None
        self.pending: tuple[int, int] | None = None
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self._press_position: int | None = None
        self._press_characters = False
        self._highlighter = SpanHighlighter(self.document(), self)
        self._marked: list[tuple[int, int]] = []  # the ranges of the selected span and the pending one
        self.review_marks: tuple[tuple[int, int], ...] = ()  # a review's disagreements (wavy underline)
        self._review_built: tuple[object, ...] = ((), (), [])  # marks, spans, and their selections
        self.current_mark: tuple[int, int] | None = None  # the disagreement walked to (dashed outline)
        self.doubtful: list[tuple[int, int, str]] = []  # spans the model was unsure of (dotted outline)
        self.describe: Callable[[Span], str] = _described  # a span's tooltip (the window adds its origin)

    # ------------------------------------------------------------ showing

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The tokens split at every span edge (computed when a selection first needs them)."""
        if self._tokens is None:
            self._tokens = token_edges(self._document) if self._document is not None else ()
        return self._tokens

    @property
    def text(self) -> str:
        """The document's stored text (what offsets refer to)."""
        return self.display.source

    def show_document(self, document: Document, colours: dict[str, str]) -> None:
        """Show a document (full layout and painting, once per document opened)."""
        self.style.set_colours(colours)
        self.display = DisplayText.of(document.text)
        self.span_index = SpanIndex(document.spans, self.display)
        self._document, self._tokens = document, None
        self.selected, self.pending, self._marked = None, None, []
        self.review_marks, self.current_mark = (), None
        self._highlighter.blockSignals(True)
        self.setPlainText(self.display.display)  # highlights each block from the index
        self._highlighter.blockSignals(False)
        self._update_extra_selections()

    def update_spans(self, document: Document, unchanged: tuple[int, int]) -> None:
        """Repaint only the blocks whose spans changed (the same document, edited).

        ``unchanged``: how many spans at the start and the end the edit kept (``Edit.unchanged``).
        """
        old = self.span_index
        self.span_index = old.edited(document.spans, unchanged, self.display)
        self._document, self._tokens = document, None
        for start, end in changed_range(old.spans, document.spans, unchanged):
            self._repaint_range(start, end)  # spans are painted over the text: no layout changes
        if self.selected is not None:  # by range (a bisection): a relabelled span stays selected
            self.selected = self._same_range(self.selected)
        self._update_extra_selections()

    def set_colours(self, colours: dict[str, str]) -> None:
        """Use new label colours (repaints what is in view)."""
        self.style.set_colours(colours)
        self.viewport().update()
        self._update_extra_selections()

    def _repaint_range(self, start: int, end: int) -> None:
        """Schedule a repaint of the lines holding ``start:end`` (code points): their text, marks and tags
        (a tag sits in its line's spacing). Nothing is done for a range out of view."""
        qt_start, qt_end = self.display.to_qt(start), self.display.to_qt(end)
        document, offset, height = self.document(), self.contentOffset(), self.viewport().height()
        first = self.blockBoundingGeometry(document.findBlock(qt_start)).translated(offset)
        last = self.blockBoundingGeometry(document.findBlock(max(qt_start, qt_end - 1))).translated(offset)
        if first.top() > height or last.bottom() < 0:
            return
        rects = [self.cursorRect(self._cursor_at(p)) for p in (qt_start, max(qt_start, qt_end - 1), qt_end)]
        top, bottom = min(r.top() for r in rects), max(r.bottom() for r in rects)
        self.viewport().update(0, top - 1, self.viewport().width(), bottom - top + 3)

    def _same_range(self, span: Span) -> Span | None:
        """The current span over ``span``'s range (after a relabel), if any."""
        index = index_of_range(self.span_index.spans, span.start, span.end)
        return None if index is None else self.span_index.spans[index]

    # ------------------------------------------------------------ the selected span, the keyboard selection

    def select_span(self, span: Span | None) -> None:
        """Focus one span (None: none) and scroll to it."""
        self.selected, self.pending = span, None
        self._update_extra_selections()
        if span is not None:
            self.reveal(span.start, span.end)
        self.span_selected.emit(span)

    def set_pending(self, offsets: tuple[int, int] | None) -> None:
        """Show a keyboard-made selection (code points) that Enter or a label key will label."""
        self.pending = offsets
        if offsets is not None:
            self.selected = None
            self.reveal(*offsets)
        self._update_extra_selections()

    def reveal(self, start: int, end: int) -> None:
        """Scroll so that ``start:end`` is visible with a few lines of context above and below (never at
        the very edge, never half hidden); nothing moves if it is already in view that way."""
        if self._in_view(start, end):
            return
        lines = self.reveal_margin_lines()
        cursor = QTextCursor(self.document())
        for offset, direction in (
            (end, QTextCursor.MoveOperation.Down),
            (start, QTextCursor.MoveOperation.Up),
        ):
            cursor.setPosition(self.display.to_qt(offset))
            cursor.movePosition(direction, QTextCursor.MoveMode.MoveAnchor, lines)
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        cursor.setPosition(self.display.to_qt(start))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def reveal_margin_lines(self) -> int:
        """How many lines of context ``reveal`` keeps between a span and the view's edge (fewer in a short
        view, so that the span itself still fits)."""
        visible = self.viewport().height() // max(1, self.fontMetrics().lineSpacing())
        return max(0, min(REVEAL_MARGIN_LINES, (visible - 1) // 4))

    def _in_view(self, start: int, end: int) -> bool:
        """Whether the whole of ``start:end`` (code points) is in the viewport, a margin from its edges."""
        margin = self.reveal_margin_lines() * self.fontMetrics().lineSpacing()
        area = self.viewport().rect().adjusted(0, margin, 0, -margin)
        first = self.cursorRect(self._cursor_at(self.display.to_qt(start)))
        last = self.cursorRect(self._cursor_at(self.display.to_qt(end)))
        return area.contains(first) and area.contains(last)

    def set_review_marks(self, marks: Sequence[tuple[int, int]], current: tuple[int, int] | None) -> None:
        """Mark a review's disagreements (code points; a wavy underline) and the current one (a dashed
        outline, scrolled into view)."""
        for start, end in (*self.review_marks, *([self.current_mark] if self.current_mark else [])):
            self._repaint_range(start, end)
        self.review_marks, self.current_mark = tuple(marks), current
        if current is not None:
            self.reveal(*current)
            self._repaint_range(*current)
        self._update_extra_selections()

    def _update_extra_selections(self) -> None:
        marked: list[tuple[int, int]] = []
        if self.selected is not None:
            marked.append((self.selected.start, self.selected.end))
        if self.pending is not None:
            marked.append(self.pending)
        for start, end in {*self._marked, *marked}:  # the old and the new marks (Qt repaints neither)
            self._repaint_range(start, end)
        self._marked = marked
        chosen = list(self._review_selections())
        if self.selected is not None:  # its mark is painted darker; its text must stay readable on it
            text = self.style.look(self.selected, True).text
            chosen.append(self._extra(self.selected.start, self.selected.end, None, text))
        if self.pending is not None:
            chosen.append(self._extra(*self.pending, QColor("#3b82f6"), QColor("white")))
        self.setExtraSelections(chosen)

    def _review_selections(self) -> list[QTextEdit.ExtraSelection]:
        """The marks of the review's disagreements, built again only when they or the spans change (a long
        document has thousands: rebuilding them for each Tab or click took a third of a second)."""
        marks, spans, built = self._review_built
        if marks != self.review_marks or spans is not self.span_index.spans:
            marks = self.review_marks
            built = [self._gap_mark(*gap) for start, end in marks for gap in self._gaps(start, end)]
            built += [self._disagreement_mark(start, end) for start, end in marks]
            self._review_built = (self.review_marks, self.span_index.spans, built)
        return built  # type: ignore[return-value]

    def _gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """The stretches of ``start:end`` (code points) no span covers, white space at their ends left out."""
        gaps, here = [], start
        hit = overlapping(self.span_index.spans, start, end)  # a bisection: cheap on long documents
        for span in self.span_index.spans[hit.start : hit.stop]:
            gaps.append((here, span.start))
            here = span.end
        gaps.append((here, end))
        trimmed = (trim_whitespace(self.text, a, b) for a, b in gaps if a < b)
        return [(a, b) for a, b in trimmed if a < b]

    def _gap_mark(self, start: int, end: int) -> QTextEdit.ExtraSelection:
        """A pale red background where annotators disagree and the review has no span."""
        selection = self._disagreement_mark(start, end)
        selection.format.setBackground(QColor(DISAGREEMENT_GAP_COLOUR))
        return selection

    def _disagreement_mark(self, start: int, end: int) -> QTextEdit.ExtraSelection:
        """A wavy red underline over a disagreement, leaving its spans' colours as they are."""
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.display.to_qt(start))
        cursor.setPosition(self.display.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        selection.format.setUnderlineColor(QColor(DISAGREEMENT_COLOUR))
        return selection

    def _extra(
        self, start: int, end: int, background: QColor | None, foreground: QColor | None
    ) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.display.to_qt(start))
        cursor.setPosition(self.display.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        if background is not None:
            selection.format.setBackground(background)
        if foreground is not None:
            selection.format.setForeground(foreground)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, False)
        return selection

    # ------------------------------------------------------------ positions

    def offset_at(self, point: QPoint) -> int:
        """The code-point offset of the caret position nearest to a viewport point."""
        return self.display.from_qt(self.cursorForPosition(point).position())

    def span_at(self, point: QPoint) -> Span | None:
        """The span drawn under a viewport point (its text or its label tag)."""
        tagged = self._tag_at(QPointF(point))
        if tagged is not None:
            return tagged
        position = self.cursorForPosition(point).position()
        for candidate in (position, position - 1):
            index = self.span_index.at(candidate) if candidate >= 0 else None
            if index is not None and self._point_inside(point, index):
                return self.span_index.spans[index]
        return None

    def selection_rect(self) -> QRect | None:
        """Where the selected span (or the pending selection) is, in this widget's coordinates (None when
        nothing is selected): a popup acting on it goes beside it, not over it."""
        chosen = (self.selected.start, self.selected.end) if self.selected is not None else self.pending
        if chosen is None:
            return None
        first = self.cursorRect(self._cursor_at(self.display.to_qt(chosen[0])))
        last = self.cursorRect(self._cursor_at(self.display.to_qt(chosen[1])))
        shown = first.united(last).translated(self.viewport().pos())
        return shown.adjusted(0, -round(self.style.tag_metrics.height()), 0, 0)  # its tag above it too

    def _tag_at(self, point: QPointF) -> Span | None:
        """The span whose label tag, as painted, holds ``point`` (a tag may be wider than its span: a
        click on the part past the span's text is a click on that span, not on the word below)."""
        if not self.span_index.spans:
            return None
        reach = 3 * self.style.tag_metrics.height() + self._text_metrics.height()
        near = QRectF(0, point.y() - reach, self.viewport().width(), 2 * reach)
        for piece, _label, box in self._tags(self._mark_pieces(near)):
            if box.contains(point):
                return self.span_index.spans[piece.index]
        return None

    def _point_inside(self, point: QPoint, index: int) -> bool:
        start = self.cursorRect(self._cursor_at(self.span_index.qt_starts[index]))
        end = self.cursorRect(self._cursor_at(self.span_index.qt_ends[index]))
        if start.top() == end.top():  # right to left, its start is its right edge
            left, right = sorted((start.left(), end.left()))
            return left <= point.x() <= right and start.top() <= point.y() <= end.bottom()
        return start.top() <= point.y() <= end.bottom()

    def _cursor_at(self, qt_position: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(qt_position)
        return cursor

    def snapped(self, start: int, end: int, characters: bool) -> tuple[int, int] | None:
        """A selection widened to tokens (or to user-perceived characters), white space trimmed."""
        start, end = trim_whitespace(self.text, min(start, end), max(start, end))
        if end <= start:
            return None
        if characters:
            return snap_to_graphemes(self.text, start, end)
        return snap_to_tokens(self.tokens, start, end)

    def token_at(self, offset: int) -> Token | None:
        """The token containing ``offset`` (or starting there)."""
        starts = [token.start for token in self.tokens]
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and self.tokens[index].start <= offset < self.tokens[index].end:
            return self.tokens[index]
        return None

    # ------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        self._press_position = self.cursorForPosition(event.position().toPoint()).position()
        self._press_characters = self.characters_mode or bool(
            event.modifiers() & Qt.KeyboardModifier.AltModifier
        )
        self.setTextCursor(self._cursor_at(self._press_position))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press_position is None:
            return super().mouseMoveEvent(event)
        position = self.cursorForPosition(event.position().toPoint()).position()
        cursor = self._cursor_at(self._press_position)
        cursor.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press_position is None:
            return super().mouseReleaseEvent(event)
        position = self.cursorForPosition(event.position().toPoint()).position()
        pressed, self._press_position = self._press_position, None
        self.setTextCursor(self._cursor_at(position))
        if position != pressed:
            start, end = sorted((self.display.from_qt(pressed), self.display.from_qt(position)))
            snapped = self.snapped(start, end, self._press_characters)
            if snapped is not None:
                self.span_drawn.emit(*snapped)
            return
        self.span_clicked.emit(self.span_at(event.position().toPoint()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press_position = None
        if self.span_at(event.position().toPoint()) is not None:
            return
        token = self.token_at(self.offset_at(event.position().toPoint()))
        if token is not None:
            self.span_drawn.emit(token.start, token.end)

    # ------------------------------------------------------------ keys

    def event(self, event) -> bool:  # noqa: A003
        if event.type() == event.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt's name)
        """Copying gives the stored text of the selection, not what Qt was given to show it."""
        cursor = self.textCursor()
        start, end = (
            self.display.from_qt(cursor.selectionStart()),
            self.display.from_qt(cursor.selectionEnd()),
        )
        copied = QMimeData()
        copied.setText(self.display.source[start:end])
        return copied

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == event.Type.ToolTip:  # hovering a span: its whole label, whatever its tag shows
            span = self.span_at(event.pos())
            if span is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.describe(span), self.viewport())
            return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self.key_handler is not None and self.key_handler(event):
            event.accept()
            return
        scroll = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if scroll is not None:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + scroll * bar.singleStep())
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------ marks and label tags

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        pieces = self._mark_pieces(QRectF(event.rect())) if self.span_index.spans else []
        if pieces:  # marks and tags go under the text (a tag lies in the line spacing, where no text is)
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for piece in pieces:
                paint_mark(painter, piece.look, piece.box, piece.open_left, piece.open_right)
            painter.setFont(self.style.tag_font)
            for piece, label, box in self._tags(pieces):
                paint_tag(painter, self.style, piece.look, label, box)
            painter.end()
        super().paintEvent(event)
        if self.current_mark is None and not self.doubtful:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.current_mark is not None:
            self._paint_outline(painter, *self.current_mark)
        self._paint_doubtful(painter)
        painter.end()

    def _tags(self, pieces: list[MarkPiece]) -> list[tuple[MarkPiece, str, QRectF]]:
        """The label tags to paint: one above each span's first piece, with its label and its box."""
        tagged = [piece for piece in pieces if not piece.open_left]
        labels = [self.span_index.spans[piece.index].label for piece in tagged]
        places = [
            (label, piece.box.left(), piece.box.top()) for label, piece in zip(labels, tagged, strict=True)
        ]
        return list(zip(tagged, labels, tag_boxes(self.style, places), strict=True))

    def _visible_lines(self, region: QRectF) -> Iterator[tuple[QTextBlock, QTextLine, float]]:
        """The lines the paint region covers, each with its block and its top in the viewport."""
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > region.bottom():
                return
            if block.isVisible() and geometry.bottom() >= region.top():
                layout = block.layout()
                top = geometry.top() + layout.position().y()
                number = _first_line_below(layout, region.top() - top)
                while number < layout.lineCount():
                    line = layout.lineAt(number)
                    if top + line.y() > region.bottom():
                        return
                    yield block, line, top + line.y()
                    number += 1
            block = block.next()

    def _mark_pieces(self, region: QRectF) -> list[MarkPiece]:
        """Each visible line's piece of each span's mark (a span over two lines has two pieces)."""
        index, metrics = self.span_index, self._text_metrics
        selected = (self.selected.start, self.selected.end) if self.selected is not None else None
        pieces = []
        bidi: dict[int, bool] = {}
        for block, line, line_top in self._visible_lines(region):
            position = block.position()
            if block.blockNumber() not in bidi:
                bidi[block.blockNumber()] = _has_right_to_left(block.text())
            line_start = position + line.textStart()
            line_end = line_start + line.textLength()
            x = block.layout().position().x()
            text_top = line_top + line.ascent() - metrics.ascent()
            height = metrics.ascent() + metrics.descent()
            for i in index.between(line_start, line_end):
                qt_start, qt_end = index.qt_starts[i], index.qt_ends[i]
                first, last = max(qt_start, line_start), min(qt_end, line_end)
                if first >= last:
                    continue
                span = index.spans[i]
                look = self.style.look(span, selected == (span.start, span.end))
                segments = _x_ranges(line, first - position, last - position, bidi[block.blockNumber()])
                for number, (left, right) in enumerate(segments):
                    box = QRectF(
                        left + x - MARK_PAD_X,
                        text_top - MARK_PAD_Y,
                        right - left + 2 * MARK_PAD_X,
                        height + 2 * MARK_PAD_Y,
                    )
                    open_left = qt_start < line_start or number > 0  # the tag goes on the first piece
                    pieces.append(MarkPiece(i, box, look, open_left, qt_end > line_end))
        return pieces

    def _paint_doubtful(self, painter: QPainter) -> None:
        """A dotted orange outline around each span the model was unsure of (``doubtful``: set by
        gui.confidence_marks), while the document still holds it unchanged."""
        if not self.doubtful:
            return
        pen = QPen(QColor(DOUBT_COLOUR), 2.0, Qt.PenStyle.DotLine)
        first = self.firstVisibleBlock().position()
        corner = self.viewport().rect().bottomRight()
        last = self.cursorForPosition(corner).position() + 1
        for start, end, label in self.doubtful:
            if self.display.to_qt(end) < first or self.display.to_qt(start) > last:
                continue  # off screen
            held = self._same_range(Span(start, end, label))  # a binary search, not a set of every span
            if held is not None and held.label == label:
                self._paint_outline(painter, start, end, pen)

    def _paint_outline(self, painter: QPainter, start: int, end: int, pen: QPen | None = None) -> None:
        """A dashed outline around ``start:end`` (code points), one box per line it spans."""
        painter.save()
        painter.setPen(pen or QPen(QColor(DISAGREEMENT_COLOUR), 1.6, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        qt_start, qt_end = self.display.to_qt(start), self.display.to_qt(end)
        block = self.document().findBlock(qt_start)
        while block.isValid() and block.position() < qt_end:
            top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
            layout, position = block.layout(), block.position()
            for number in range(layout.lineCount()):
                line = layout.lineAt(number)
                first = max(qt_start, position + line.textStart())
                last = min(qt_end, position + line.textStart() + line.textLength())
                if first < last:
                    left = line.cursorToX(first - position)[0] + layout.position().x()
                    right = line.cursorToX(last - position)[0] + layout.position().x()
                    box = QRectF(left - 3, top + line.y() + 1, right - left + 6, line.height() - 2)
                    painter.drawRoundedRect(box, 4, 4)
            block = block.next()
        painter.restore()


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # one code point, two UTF-16 units (emoji, 𝐀, 𠀋)


def _utf16_matches(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Each match of ``pattern`` in ``text`` as (start, length) in UTF-16 units, as Qt counts them (PySide
    gives a block's text as a str, whose indices fall behind after every emoji)."""
    if not _ASTRAL.search(text):  # indices are UTF-16 positions already
        yield from ((match.start(), match.end() - match.start()) for match in pattern.finditer(text))
        return
    behind, counted_to = 0, 0
    for match in pattern.finditer(text):
        behind += len(_ASTRAL.findall(text, counted_to, match.start()))
        counted_to = match.start()
        astral_inside = len(_ASTRAL.findall(text, match.start(), match.end()))
        yield match.start() + behind, match.end() - match.start() + astral_inside


# letters written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko, ...): a line holding them is laid out
# in runs of both directions, where an offset at a run's edge has two places on screen
_RIGHT_TO_LEFT = "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]"


def _has_right_to_left(text: str) -> bool:
    """Whether ``text`` holds a letter written right to left (never an ASCII text: the pattern, whose ranges
    cost ~4 M instructions to compile, is compiled when a text that is not ASCII first needs it)."""
    return not text.isascii() and _right_to_left().search(text) is not None


@functools.cache
def _right_to_left() -> re.Pattern[str]:
    return re.compile(_RIGHT_TO_LEFT)


def _described(span: Span) -> str:
    return f"{span.label} {span.start}-{span.end}"


def _x_ranges(line: QTextLine, first: int, last: int, bidi: bool) -> list[tuple[float, float]]:
    """Where the text ``first:last`` (positions in the block) lies on ``line``, left to right: one range,
    or with right-to-left text one per visual run (cursorToX puts a run's edge at the wrong end)."""
    if not bidi:
        return [(line.cursorToX(first)[0], line.cursorToX(last)[0])]
    ranges: list[tuple[float, float]] = []
    runs = sorted((run.boundingRect() for run in line.glyphRuns(first, last - first)), key=QRectF.left)
    for rect in runs:
        if ranges and rect.left() <= ranges[-1][1] + 0.5:  # touching: one piece
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], rect.right()))
        else:
            ranges.append((rect.left(), rect.right()))
    return ranges or [(line.cursorToX(first)[0], line.cursorToX(last)[0])]


def _first_line_below(layout: QTextLayout, y: float) -> int:
    """The number of the first line of ``layout`` whose bottom is below ``y`` (a bisection: a
    300,000-character paragraph has thousands of lines)."""
    low, high = 0, layout.lineCount()
    while low < high:
        middle = (low + high) // 2
        line = layout.lineAt(middle)
        if line.y() + line.height() < y:
            low = middle + 1
        else:
            high = middle
    return low


def _reading_font() -> QFont:
    """A readable proportional font for running text."""
    font = QFont()
    font.setFamilies(["Source Sans 3", "Noto Sans", "DejaVu Sans", "Helvetica", "Arial"])
    font.setPointSizeF(12.5)
    return font
