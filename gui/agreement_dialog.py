"""Dataset ▸ Agreement: the figures of ``spandesk agreement``, computed in a worker, shown in tables; a
document of the list (lowest agreement first) opens in the main window on double-click or Enter, and the
dialog stays open to walk the list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotations import store
from annotations.agreement import PRF, AgreementReport, PairAgreement, agreement
from annotations.agreement_source import versions_by_document
from annotations.counting import counted
from gui.plain_text import plain_label, tooltip
from gui.workers import Job, Worker, WorkerRun

PROGRESS_EVERY = 100  # documents between two progress reports
PAIR_HEADINGS = ("Annotators", "Documents", "Span F1", "Relaxed F1", "Kappa", "alpha_u")
LABEL_HEADINGS = ("Annotators", "Label", "P", "R", "F1", "Relaxed F1", "alpha_u")
DOCUMENT_HEADINGS = ("Score", "Document", "Answers", "Text")
DocumentIdRole = Qt.ItemDataRole.UserRole + 1


def agreement_job(dataset: str | None = None) -> Job:
    """A job computing the agreement report (None when it was cancelled)."""

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        total = store.count_queue(db, dataset)
        stopped = False

        def documents():
            nonlocal stopped
            for index, document in enumerate(versions_by_document(db, dataset)):
                if cancelled():
                    stopped = True
                    return
                if index % PROGRESS_EVERY == 0:
                    progress(min(index, total), total)
                yield document

        report = agreement(documents())
        progress(total, total)
        return None if stopped else report

    return run


def number(value: float | None) -> str:
    """A figure as the command prints it (n/a: undefined)."""
    return "n/a" if value is None else f"{value:.3f}"


def f1(score: PRF) -> float | None:
    """F1, or None when neither annotator marked a span."""
    return score.f if score.any else None


class AgreementDialog(QDialog):
    """The agreement figures of the database's annotators; ``document_chosen`` asks the window to open one."""

    document_chosen = Signal(int)
    computed = Signal()  # the figures (or the reason there are none) are shown

    def __init__(
        self, db_path: Path, identity: tuple[int, int] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db_path, self.identity = db_path, identity
        self.report: AgreementReport | None = None
        self.run: WorkerRun | None = None
        self.setWindowTitle("Agreement between annotators")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.resize(900, 560)
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        self.summary = plain_label("Comparing the annotators' versions…")
        self.summary.setWordWrap(True)
        column.addWidget(self.summary)
        column.addWidget(self._progress_row())
        self.pairs = _table(PAIR_HEADINGS, stretch_last=False)
        column.addWidget(self.pairs)
        self.tabs = QTabWidget()
        self.documents = _table(DOCUMENT_HEADINGS)
        self.documents.setMinimumHeight(5 * self.documents.verticalHeader().defaultSectionSize())
        self.documents.activated.connect(lambda index: self._open_row(index.row()))
        self.labels = _table(LABEL_HEADINGS, stretch_last=False)
        self.tabs.addTab(self.documents, "Lowest agreement first")
        self.tabs.addTab(self.labels, "Per label")
        column.addWidget(self.tabs, 1)
        self.hint = plain_label(
            "Double-click a document, or select it and press Enter, to open it in the window."
        )
        self.hint.setStyleSheet("color: #57606a;")
        column.addWidget(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column.addWidget(buttons)
        self._show_tables(False)

    def _progress_row(self) -> QWidget:
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        return self.progress_row

    def _show_tables(self, shown: bool) -> None:
        for widget in (self.pairs, self.tabs, self.hint):
            widget.setVisible(shown)

    # -- the work

    def start(self, dataset: str | None = None) -> WorkerRun:
        """Compute the figures in a worker thread (every dataset by default)."""
        self.run = WorkerRun(Worker(self.db_path, agreement_job(dataset), self.identity), self)
        self.run.progress.connect(self._on_progress)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self.run.start()
        return self.run

    def cancel(self) -> None:
        """Stop computing (nothing is shown)."""
        if self.run is not None:
            self.run.cancel()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _on_failed(self, message: str) -> None:
        self.progress_row.hide()
        self.summary.setText(f"The agreement could not be computed: {message}")
        self.computed.emit()

    def _on_finished(self, report: AgreementReport | None) -> None:
        self.progress_row.hide()
        if report is None:
            self.summary.setText("Cancelled: nothing was computed.")
        else:
            self.show_report(report)
        self.computed.emit()

    def show_report(self, report: AgreementReport) -> None:
        """Fill the tables (or say plainly why there is nothing to compare)."""
        self.report = report
        if len(report.annotators) < 2:
            found = f": {', '.join(report.annotators)}" if report.annotators else ""
            self.summary.setText(
                f"Agreement needs the versions of two or more annotators; this database has "
                f"{len(report.annotators)}{found}. Nothing to compare."
            )
            self._show_tables(False)
            return
        self.summary.setText(_summary(report))
        _fill(self.pairs, [_pair_cells(pair) for pair in report.pairwise])
        _fit_rows(self.pairs, shown=6)
        _fill(self.labels, [cells for pair in report.pairwise for cells in _label_cells(pair)])
        _fill(
            self.documents,
            [(number(d.score), str(d.id), _answers(d.answers), d.snippet) for d in report.documents],
            [d.id for d in report.documents],
        )
        for row, document in enumerate(report.documents):  # each person's answer in full, on hovering
            self.documents.item(row, 2).setToolTip(
                tooltip(_answers(document.answers, named=len(document.answers)))
            )
        self._show_tables(True)
        if report.documents:
            self.documents.selectRow(0)
            self.documents.setFocus()

    def _open_row(self, row: int) -> None:
        item = self.documents.item(row, 0)
        if item is not None:
            self.document_chosen.emit(int(item.data(DocumentIdRole)))

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.run is not None:
            self.run.cancel()
            self.run.wait()
        super().closeEvent(event)


def _table(headings: Sequence[str], stretch_last: bool = True) -> QTableWidget:
    table = QTableWidget(0, len(headings))
    table.setHorizontalHeaderLabels(list(headings))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(stretch_last)
    table.horizontalHeader().setMinimumSectionSize(72)
    table.setAlternatingRowColors(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]], ids: Sequence[int] = ()) -> None:
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            item = QTableWidgetItem(" ".join(text.split()))
            if column == len(cells) - 1:
                item.setToolTip(tooltip(text))
            if column and _is_figure(text):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if ids:
                item.setData(DocumentIdRole, ids[row])
            table.setItem(row, column, item)


def _fit_rows(table: QTableWidget, shown: int) -> None:
    """As tall as its rows (up to ``shown`` of them; a scroll bar beyond), so the documents get the room."""
    rows = min(table.rowCount(), shown)
    height = table.horizontalHeader().height() + sum(table.rowHeight(row) for row in range(rows))
    table.setFixedHeight(height + 2 * table.frameWidth() + 2)


def _is_figure(text: str) -> bool:
    return text == "n/a" or text.replace(".", "", 1).lstrip("-").isdigit()


def _pair_cells(pair: PairAgreement) -> tuple[str, ...]:
    return (
        " & ".join(pair.annotators),
        str(pair.documents),
        number(f1(pair.spans)),
        number(f1(pair.relaxed)),
        number(pair.kappa),
        number(pair.alpha.alpha if pair.alpha else None),
    )


def _label_cells(pair: PairAgreement) -> list[tuple[str, ...]]:
    names = " & ".join(pair.annotators)
    rows = []
    for label, score in sorted(pair.per_label.items()):
        category = pair.alpha.per_category.get(label) if pair.alpha else None
        relaxed = pair.relaxed_per_label[label].f
        alpha = number(category.alpha if category else None)
        rows.append((names, label, number(score.p), number(score.r), number(score.f), number(relaxed), alpha))
    return rows


NAMED_ANSWERS = 3  # beyond this many annotators, a document's answers are counted, not named


def _answers(answers: dict[str, str | None], named: int = NAMED_ANSWERS) -> str:
    """``alice: accept, bob: reject``; with more people, ``7 accept, 3 reject`` (the Text column stays in
    sight with ten annotators)."""
    if len(answers) <= named:
        return ", ".join(f"{name}: {answer or 'pending'}" for name, answer in sorted(answers.items()))
    counts = Counter(answer or "pending" for answer in answers.values())
    return ", ".join(f"{count} {answer}" for answer, count in counts.most_common())


def _summary(report: AgreementReport) -> str:
    """Who is compared, Fleiss' kappa (three or more annotators) and alpha_u over everyone's documents."""
    everyone = f"all {len(report.annotators)} annotators accepted"
    over = f"over the {counted(report.all_accepted, 'document')} {everyone}"
    names = ", ".join(report.annotators)
    lines = [f"Annotators: {names}. Each pair is compared on the documents both accepted."]
    if len(report.annotators) > 2:
        lines.append(f"Fleiss' kappa {over}: {number(report.fleiss_kappa)}")
    alpha = report.alpha.alpha if report.alpha else None
    per_label = (
        ", ".join(f"{label} {number(c.alpha)}" for label, c in sorted(report.alpha.per_category.items()))
        if report.alpha
        else ""
    )
    lines.append(f"Krippendorff's alpha_u {over}: {number(alpha)}" + (f" ({per_label})" if per_label else ""))
    return "\n".join(lines)
