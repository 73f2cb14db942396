"""Review mode's own parts: the banner, the panel of who proposed what, and the review keys.

The window switches to a reviewer's controller (``ReviewSession``); this module shows the current document's
disagreements (``annotations.review``) and turns Tab, Shift+Tab and 1..9, 0 into walking them and taking a
proposal. Everything else is the usual keyboard and mouse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from annotations.model import Answer, Document
from gui.controller import AnnotationController
from gui.document_view import DISAGREEMENT_COLOUR, DocumentView
from gui.plain_text import escaped

if TYPE_CHECKING:  # review mode's core (annotations.review) loads when a review is first shown
    from PySide6.QtGui import QKeyEvent

    from annotations.review import Disagreement, Review

Key = Qt.Key
Mod = Qt.KeyboardModifier
PROPOSAL_KEYS = "1234567890"  # annotator 1 … 9, then 10 (0), as the label keys
LISTED = 9  # disagreements named in the panel around the current one (a long document has thousands)
ANSWERED = {None: "pending", Answer.ACCEPT: "accepted", Answer.REJECT: "rejected", Answer.IGNORE: "ignored"}


def review_banner() -> QLabel:
    """The strip above the document that says the window is in review mode and who reviews (hidden)."""
    banner = QLabel()
    banner.setTextFormat(Qt.TextFormat.PlainText)
    banner.setWordWrap(True)
    banner.setStyleSheet(
        "background: #fff4e5; color: #7a4100; border-bottom: 1px solid #f0c28a; padding: 6px 12px;"
        " font-weight: 600;"
    )
    banner.hide()
    return banner


_GREY = "<span style='color:#57606a'>{}</span>"
_UNSURE = "<span style='color:#e36209'>orange dots</span>"
# Each legend longest first: the window shows the longest that fits (gui.fitting_label).
REVIEW_LEGEND = (
    _GREY.format("wavy red: annotators disagree · pink: no span there · dashed: current"),
    _GREY.format("wavy red: disagree · pink: no span · dashed: current"),
)
OWN_LEGEND = (
    _GREY.format(
        f"light, dashed: the model's proposal · solid: yours · {_UNSURE}: the model was unsure (Ctrl+Tab)"
    ),
    _GREY.format(f"light, dashed: the model's · solid: yours · {_UNSURE}: unsure"),
    _GREY.format(f"dashed: model · solid: yours · {_UNSURE}: unsure"),
)


def banner_text(reviewer: str) -> str:
    """What the review banner says."""
    return (
        f"REVIEW MODE · {reviewer} reviews the annotators' versions · Tab / Shift+Tab: next / previous "
        "disagreement · 1–9, 0: take that annotator's proposal · Ctrl+R: back to your own version"
    )


class ReviewPanel(QLabel):
    """Who proposed what at each disagreement of the current document; the current one in full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)  # every value shown is escaped (``_escaped``)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setStyleSheet("background: white; border: 1px solid #e3e5e8; border-radius: 6px; padding: 8px;")
        self.hide()

    def show_review(self, document: Document, review: Review | None, current: int | None) -> None:
        """Show a document's disagreements as its reviewed version now stands."""
        if review is None:
            self.setText("")
            return
        lines = [_answers_line(review)]
        count = len(review.disagreements)
        if not count:
            lines.append("<p>No disagreement: every span here is one all counted annotators made.</p>")
        first = max(0, min((current or 0) - LISTED // 3, count - LISTED))
        last = min(count, first + LISTED)
        if first:
            lines.append(f"<p style='color:#57606a'>… {first:,} before (Shift+Tab)</p>")
        for index in range(first, last):
            lines.append(_disagreement_html(document, review.disagreements[index], index, index == current))
        if last < count:
            lines.append(f"<p style='color:#57606a'>… {count - last:,} more (Tab)</p>")
        self.setText("".join(lines))


def _answers_line(review: Review) -> str:
    answers = " · ".join(
        f"{_escaped(owner)} {ANSWERED[answer]}" + ("" if owner in review.counted else " (not counted)")
        for owner, answer in review.answers.items()
    )
    count = len(review.disagreements)
    return (
        f"<p><b>{count} disagreement{'s' if count != 1 else ''}</b>"
        f"<br><span style='color:#57606a'>{answers}</span></p>"
    )


def _disagreement_html(document: Document, disagreement: Disagreement, index: int, current: bool) -> str:
    """One disagreement: where, what kind, and each numbered proposal (✓: what the review holds there)."""
    where = _escaped(" ".join(document.text[disagreement.start : disagreement.end][:200].split())[:40])
    heading = f"{index + 1:,}. “{where}” <span style='color:#57606a'>({disagreement.kind})</span>"
    if not current:
        return f"<p style='color:#57606a'>{heading}</p>"
    chosen = disagreement.chosen(document.state)  # a look through every span: for the current one only
    rows = []
    for number, proposal in enumerate(disagreement.proposals):
        key = PROPOSAL_KEYS[number] if number < len(PROPOSAL_KEYS) else " "
        mark = "<span style='color:#1a7f37'>✓</span>" if number == chosen else ""
        rows.append(
            f"<tr><td>{mark}</td><td><b>[{key}]</b></td><td>{_escaped(proposal.owner)}:</td>"
            f"<td>{_escaped(proposal.describe(document.text))}</td></tr>"
        )
    return (
        f"<p style='color:{DISAGREEMENT_COLOUR}'><b>▶ {heading}</b></p>"
        f"<table cellspacing=3>{''.join(rows)}</table>"
        "<p style='color:#57606a'>✓ what the reviewed version holds here</p>"
    )


def _escaped(text: str) -> str:
    return escaped(text)


class ReviewKeys:
    """Tab / Shift+Tab walk the disagreements; 1..9 and 0 (the tenth) take a proposal at the current one.

    Digits take a proposal only while a disagreement is current (walked to with Tab) and neither a span nor a
    keyboard selection is: clicking a span or selecting with the keyboard makes them label keys again.
    """

    def __init__(
        self, view: DocumentView, panel: ReviewPanel, controller: Callable[[], AnnotationController]
    ) -> None:
        self.view = view
        self.panel = panel
        self.controller = controller
        self.current: int | None = None  # the disagreement walked to
        self.told: Callable[[str], None] = lambda _text: None  # a status bar message

    @property
    def review(self) -> Review | None:
        """The current document's review (from the reviewer's session)."""
        return getattr(self.controller().session, "review", None)

    def handle(self, event: QKeyEvent) -> bool:
        """Act on a review key; False when the key is not one (the usual keyboard has it)."""
        modifiers = event.modifiers() & ~Mod.KeypadModifier
        key = Key(event.key())
        if key == Key.Key_Backtab or (key == Key.Key_Tab and not modifiers):
            self.step(-1 if key == Key.Key_Backtab else 1)
            return True
        if key == Key.Key_Escape:
            self.current = None
            self.refresh()
            return False  # the usual Escape clears the selections too
        text = event.text()
        if modifiers or len(text) != 1 or text not in PROPOSAL_KEYS or not self._taking():
            return False
        self.take(PROPOSAL_KEYS.index(text))
        return True

    def _taking(self) -> bool:
        return self.current is not None and self.view.selected is None and self.view.pending is None

    def step(self, step: int) -> None:
        """Make the next (1) or previous (-1) disagreement current, going round at the ends."""
        review = self.review
        if review is None or not review.disagreements:
            self.told(self._nothing_to_walk())
            return
        count = len(review.disagreements)
        if self.current is None:
            self.current = 0 if step > 0 else count - 1
        else:
            self.current = (self.current + step) % count
        self.view.select_span(None)
        self.view.set_pending(None)
        self.refresh()
        disagreement = review.disagreements[self.current]
        document = self.controller().document
        if document is not None:
            self.told(f"Disagreement {self.current + 1} of {count}: {disagreement.describe(document.text)}")

    def _nothing_to_walk(self) -> str:
        """What Tab says on a document without disagreement: what its reviewed version holds."""
        document = self.controller().document
        answer = document.answer if document is not None else None
        if answer is None:
            return "No disagreement in this document: A accepts it as it is."
        return (
            f"No disagreement in this document; its reviewed version is {ANSWERED[answer]} "
            "(A, X or Space: another answer)."
        )

    def take(self, number: int) -> None:
        """Take the proposal of annotator ``number`` (0: the first) at the current disagreement."""
        controller = self.controller()
        review = self.review
        if self.current is None or review is None:
            return
        if number >= len(review.disagreements[self.current].proposals):
            self.told(f"No annotator {number + 1} here: the proposals are numbered in the panel.")
            return
        session = controller.session
        if session.annotators_changed():  # type: ignore[attr-defined]  (a merge since: what was shown is old)
            controller.open(session.document.id)
            self.told(
                "The annotators' versions of this document changed (a merge or another window): its "
                "disagreements are shown as they are now; choose again."
            )
            return
        controller.push(session.take(self.current, number))  # type: ignore[attr-defined]

    def document_changed(self, reopened: bool) -> None:
        """A document was opened (``reopened``: forget the current disagreement) or edited: show it."""
        if reopened:
            self.current = None
        self.refresh()

    def refresh(self) -> None:
        """Mark the disagreements in the view and show the panel."""
        review, document = self.review, self.controller().document
        if review is None or document is None:
            self.view.set_review_marks((), None)
            self.panel.show_review(document, None, None) if document else self.panel.setText("")
            return
        marks = [(d.start, d.end) for d in review.disagreements]
        self.view.set_review_marks(marks, marks[self.current] if self.current is not None else None)
        self.panel.show_review(document, review, self.current)
