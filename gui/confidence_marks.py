"""Which model proposed what, and how sure it was: span tooltips, dashed marks on doubtful spans, and
Ctrl+Tab / Ctrl+Shift+Tab walking the current document's spans from the least certain up."""

from __future__ import annotations

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


def doubtful(document: Document, proposed: ProposedBy | None, below: float = LOW_CONFIDENCE) -> list[Span]:
    """The document's spans the model proposed with a score under ``below``, least certain first."""
    if proposed is None:
        return []
    scored = [
        (score, span)
        for span in document.spans
        if (score := proposed.scores.get((span.start, span.end, span.label))) is not None
    ]
    return [span for score, span in sorted(scored, key=lambda pair: (pair[0], pair[1])) if score < below]


def by_confidence(document: Document, proposed: ProposedBy | None) -> list[Span]:
    """Every scored span of the document, least certain first."""
    return doubtful(document, proposed, below=float("inf"))


class ConfidenceMarks(QObject):
    """Keeps the window's view of the model's confidence for the document on screen."""

    def __init__(self, window) -> None:  # noqa: ANN001 - the MainWindow (gui imports stay one-way)
        super().__init__(window)
        self.window = window
        self.proposed: ProposedBy | None = None
        self.position = -1  # where Ctrl+Tab is in the least-certain-first walk
        window.view.installEventFilter(self)

    def document_opened(self, document: Document) -> None:
        """Read the latest prediction's scores; give them to the span list and the text view."""
        try:
            self.proposed = store.proposed_by(self.window.db, document.id)
        except store.DamagedRow:
            self.proposed = None
        self.position = -1
        self.window.span_list.span_model.describe = lambda span: describe(span, self.proposed)
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
        """Select the next (``step`` 1) or previous (-1) span in least-certain-first order."""
        document = self.window.controller.document
        spans = by_confidence(document, self.proposed) if document is not None else []
        if not spans:
            self.window.statusBar().showMessage("No span of this document has a confidence score.", 8000)
            return None
        self.position = (self.position + step) % len(spans)
        span = spans[self.position]
        self.window._on_span_clicked(span)
        self.window.keyboard.select(span)
        self.window.view.reveal(span.start, span.end)
        rank = f"least certain {self.position + 1} of {len(spans)}"
        self.window.statusBar().showMessage(f"{describe(span, self.proposed)} ({rank})", 8000)
        return span
