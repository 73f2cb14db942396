"""The preview of apply everywhere: every occurrence in context with a checkbox and what would happen there.

Occurrences the change applies to are checked, except in documents already answered (marked, unchecked,
checkable). Conflicts and occurrences with nothing to do are listed with the reason, and cannot be
checked: the change would not be made there (``annotations.bulk`` leaves them alone). Space toggles the
current row, Enter applies, Escape cancels.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotations.bulk import DocumentPlan, OccurrencePlan, Outcome, Plan
from annotations.search import context
from gui.plain_text import plain_label, tooltip
from gui.tables import row_table

HEADINGS = ("Document", "Before", "Match", "After", "What happens")
CONTEXT = 32
WARNING, CONFLICT, QUIET = "#9a6700", "#cf222e", "#6e7781"


class CheckTable(QTableWidget):
    """A table whose rows are checked in the first column; Space toggles the current row's check."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and self.currentRow() >= 0:
            item = self.item(self.currentRow(), 0)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                checked = item.checkState() == Qt.CheckState.Checked
                item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            event.accept()
            return
        super().keyPressEvent(event)


class PreviewDialog(QDialog):
    """Every occurrence of a plan, to choose which to change; ``chosen()`` after Apply."""

    def __init__(
        self, planned: Plan, shown_document: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.plan = planned
        self.rows: list[OccurrencePlan] = []
        self.setWindowTitle("Apply everywhere: preview")
        room = parent.screen().availableGeometry() if parent is not None else None
        self.resize(
            min(1060, room.width() - 40) if room else 1060, min(580, room.height() - 60) if room else 580
        )
        column = QVBoxLayout(self)
        described = planned.change.describe(planned.text).replace(" -> ", " → ")
        self.heading = plain_label(f"{_sentence(described)} in {planned.annotator}'s versions")
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        column.addWidget(self.heading)
        self.summary = plain_label(_summary(planned))
        self.summary.setWordWrap(True)
        column.addWidget(self.summary)
        self.table = _table()
        self._fill(shown_document)
        self.table.itemChanged.connect(lambda _item: self._update_button())
        column.addWidget(self.table, 1)
        hint = plain_label(
            "Space checks or unchecks the selected occurrence; Enter applies; Escape cancels. "
            "One Ctrl+Z in the window undoes the whole change."
        )
        hint.setStyleSheet(f"color: {QUIET};")
        hint.setWordWrap(True)
        column.addWidget(hint)
        buttons = QDialogButtonBox()
        self.apply_button: QPushButton = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self._update_button()
        self.table.setFocus()
        if self.table.rowCount():
            self.table.setCurrentCell(0, 0)

    def _fill(self, shown_document: int | None) -> None:
        rows = [
            (document, occurrence) for document in self.plan.documents for occurrence in document.occurrences
        ]
        self.table.setRowCount(len(rows))
        self.table.setUpdatesEnabled(False)
        for row, (document, occurrence) in enumerate(rows):
            self.rows.append(occurrence)
            self._fill_row(row, document, occurrence, document.target.document_id == shown_document)
        self.table.setUpdatesEnabled(True)

    def _fill_row(self, row: int, document: DocumentPlan, occurrence: OccurrencePlan, shown: bool) -> None:
        left, match, right = context(document.target.text, occurrence.start, occurrence.end, CONTEXT)
        what, colour = _what_happens(self.plan, document, occurrence)
        if shown:
            what += " (the document on screen)"
        cells = (str(occurrence.document_id), _line(left), _line(match), _line(right), what)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(row, column, item)
        first = self.table.item(row, 0)
        if occurrence.outcome is Outcome.CHANGE:
            first.setFlags(first.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            wanted = self.plan.include_answered or not document.answered
            first.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        else:
            first.setData(Qt.ItemDataRole.CheckStateRole, None)
        self.table.item(row, 1).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        match_item = self.table.item(row, 2)
        font = QFont(match_item.font())
        font.setBold(True)
        match_item.setFont(font)
        match_item.setBackground(QColor("#fff3b0"))
        status = self.table.item(row, 4)
        status.setToolTip(tooltip(what))
        if colour:
            status.setForeground(QColor(colour))

    def checked_rows(self) -> list[int]:
        """The rows whose occurrence is checked."""
        return [
            row
            for row in range(self.table.rowCount())
            if self.table.item(row, 0).checkState() == Qt.CheckState.Checked
            and self.table.item(row, 0).flags() & Qt.ItemFlag.ItemIsUserCheckable
        ]

    def chosen(self) -> list[OccurrencePlan]:
        """The occurrences to change: those checked."""
        return [self.rows[row] for row in self.checked_rows()]

    def set_checked(self, row: int, checked: bool) -> None:
        """Check or uncheck a row (when it can be checked)."""
        item = self.table.item(row, 0)
        if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _update_button(self) -> None:
        chosen = self.chosen()
        documents = len({occurrence.document_id for occurrence in chosen})
        self.apply_button.setText(
            f"Apply to {_count(len(chosen), 'occurrence')} in {_count(documents, 'document')}"
        )
        self.apply_button.setEnabled(bool(chosen))


def _table() -> CheckTable:
    return row_table(CheckTable(0, len(HEADINGS)), HEADINGS, (80, 190, 150, 190))


def _what_happens(planned: Plan, document: DocumentPlan, occurrence: OccurrencePlan) -> tuple[str, str]:
    """What the change does at an occurrence, in words, and the colour to say it in ('' for the usual)."""
    inside = " (inside a token: kept as characters)" if occurrence.splits_token else ""
    if occurrence.outcome is Outcome.CHANGE:
        change = _change_words(occurrence) + inside
        if document.answered and not planned.include_answered:
            answer = document.target.state.answer
            return f"already answered ({answer.value if answer else ''}): {change}", WARNING
        return change, ""
    if occurrence.outcome is Outcome.CONFLICT:
        return f"conflict: {occurrence.reason}", CONFLICT
    return f"nothing to do: {occurrence.reason}", QUIET


def _change_words(occurrence: OccurrencePlan) -> str:
    removes, adds = occurrence.removes, occurrence.adds
    if removes is not None and adds is not None:
        if (removes.start, removes.end) == (adds.start, adds.end):
            return f"{removes.label} → {adds.label}"
        return f"{removes.label} resized to {adds.label}"
    if adds is not None:
        return f"labelled {adds.label}"
    return f"{removes.label if removes else 'the span'} removed"


def _summary(planned: Plan) -> str:
    """How many occurrences, in how many documents, and what happens to them."""
    counts: Counter[str] = Counter()
    for document in planned.documents:
        for occurrence in document.occurrences:
            if occurrence.outcome is Outcome.CHANGE:
                unchecked = document.answered and not planned.include_answered
                counts["answered" if unchecked else "change"] += 1
            else:
                counts[occurrence.outcome.value] += 1
    total = sum(counts.values())
    parts = [f"{counts['change']:,} will change (checked)"]
    if counts["answered"]:
        parts.append(
            f"{counts['answered']:,} in documents already answered (unchecked; check them to change them too)"
        )
    if counts["conflict"]:
        parts.append(f"{_count(counts['conflict'], 'conflict')} (left alone, reasons below)")
    nothing = counts["already"] + counts["absent"]
    if nothing:
        parts.append(f"{nothing:,} with nothing to do")
    return (
        f"{_count(total, 'occurrence')} in {_count(len(planned.documents), 'document')}: {'; '.join(parts)}."
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _line(text: str) -> str:
    return " ".join(text.split("\n")).replace("\t", " ").replace("\r", " ")
