"""Which model proposed what, and how sure it was: span tooltips, dashed marks on doubtful spans, and
Ctrl+Tab / Ctrl+Shift+Tab walking the current document's spans from the least certain up."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from PySide6.QtCore import QEvent, QObject, Qt

from annotations import store
from annotations.model import Document, Span, SpanSource
from annotations.store import ProposedBy

LOW_CONFIDENCE = 0.8  # spans the model gave less than this are marked in the text


def describe(span: Span, proposed: ProposedBy | None) -> str:
    """What the window says of a span's origin: the model and version, and its confidence if any."""
    if span.source is not SpanSource.MODEL or proposed is None:
        return f"{span.label} {span.start}-{span.end}, made by a person"
    key = (span.start, span.end, span.label)
    if key not in proposed.scores:
        return f"{span.label} {span.start}-{span.end}, proposed by a model"
    score = proposed.scores[key]
    confidence = "no confidence score" if score is None else f"confidence {score:.2f}"
    return f"{span.label} {span.start}-{span.end}, proposed by {proposed.name}, {confidence}"


def scored(document: Document, proposed: ProposedBy | None) -> list[tuple[float, Span]]:
    """Every scored span of the document with its score, least certain first (ties by position)."""
    if proposed is None:
        return []
    return sorted(
        (score, span)
        for span in document.spans
        if (score := proposed.scores.get((span.start, span.end, span.label))) is not None
    )


def doubtful(document: Document, proposed: ProposedBy | None, below: float = LOW_CONFIDENCE) -> list[Span]:
    """The document's spans the model proposed with a score under ``below``, least certain first."""
    return [span for score, span in scored(document, proposed) if score < below]


class ConfidenceMarks(QObject):
    """Keeps the window's view of the model's confidence for the document on screen."""

    def __init__(self, window) -> None:  # noqa: ANN001 - the MainWindow (gui imports stay one-way)
        super().__init__(window)
        self.window = window
        self.proposed: ProposedBy | None = None
        self.last: tuple[float, Span] | None = None  # the span Ctrl+Tab last selected, with its score
        window.view.installEventFilter(self)

    def document_opened(self, document: Document) -> None:
        """Read the latest prediction's scores; give them to the span list and the text view."""
        try:
            self.proposed = store.proposed_by(self.window.db, document.id)
        except store.DamagedRow:
            self.proposed = None
        self.last = None
        self.window.span_list.span_model.describe = lambda span: describe(span, self.proposed)
        self.window.view.describe = self.window.span_list.span_model.describe
        self.window.view.doubtful = [(s.start, s.end, s.label) for s in doubtful(document, self.proposed)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress:
            return False
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if not control or event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            return False
        self.walk(-1 if event.key() == Qt.Key.Key_Backtab else 1)
        return True

    def walk(self, step: int) -> Span | None:
        """Select the next (``step`` 1) or previous (-1) span in least-certain-first order.

        The walk goes on from the span it last selected, found by its score and place rather than its
        index, so deleting or relabelling spans on the way skips none of the rest."""
        document = self.window.controller.document
        ordered = scored(document, self.proposed) if document is not None else []
        if not ordered:
            self.window.statusBar().showMessage("No span of this document has a confidence score.", 8000)
            return None
        position = self.next_position(ordered, step)
        self.last = ordered[position]
        span = self.last[1]
        self.window._on_span_clicked(span)
        self.window.keyboard.select(span)
        self.window.view.reveal(span.start, span.end)
        rank = f"least certain {position + 1} of {len(ordered)}"
        self.window.statusBar().showMessage(f"{describe(span, self.proposed)} ({rank})", 8000)
        return span

    def next_position(self, ordered: list[tuple[float, Span]], step: int) -> int:
        """Where the walk goes in ``ordered``: the first span after the last one selected (``step`` 1) or
        the last span before it (-1), wrapping round at either end."""
        if self.last is None:
            return 0 if step > 0 else len(ordered) - 1
        if step > 0:
            return bisect_right(ordered, self.last) % len(ordered)
        return (bisect_left(ordered, self.last) - 1) % len(ordered)
