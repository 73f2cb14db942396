"""Edit ▸ Find in all documents (Ctrl+F): a panel searching every document's text off the GUI thread,
showing each hit as a keyword-in-context line; Enter or a double-click opens the hit's document with the
match selected, Escape goes back to the document."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotations.search import Query, find
from annotations.search_preview import Preview, previews
from gui.plain_text import plain_label, tooltip
from gui.tables import row_table
from gui.workers import Job, Worker, WorkerRun, interruptible, stopped

SHOWN = 500  # hits listed; the rest are counted
DELAY_MS = 250  # typing pause before a search starts
CONTEXT = 45  # characters shown either side of a match
HEADINGS = ("Document", "Before", "Match", "After", "Spans there (yours)")
HitRole = Qt.ItemDataRole.UserRole + 1
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Found:
    """What a search found: the query, every occurrence counted, the first ``SHOWN`` previewed."""

    query: Query
    total: int
    documents: int
    shown: list[Preview]


def search_job(query: Query, viewer: str, limit: int = SHOWN) -> Job:
    """A job finding ``query`` in every document: the total and the first ``limit`` hits in context (the
    spans of ``viewer``'s versions); None when cancelled."""

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        first, total, documents, last_document = [], 0, 0, None
        try:
            with interruptible(db, cancelled):  # also between texts holding no match
                for occurrence in find(db, query):
                    if cancelled():
                        return None
                    total += 1
                    if occurrence.document_id != last_document:
                        documents, last_document = documents + 1, occurrence.document_id
                    if total <= limit:
                        first.append(occurrence)
        except sqlite3.OperationalError as error:
            if stopped(error, cancelled):
                return None
            raise
        return Found(query, total, documents, list(previews(db, first, width=CONTEXT, viewer=viewer)))

    return run


class SearchPanel(QWidget):
    """The search box, its options, the total and the hits; ``hit_chosen`` asks the window to open one."""

    hit_chosen = Signal(int, int, int)  # document id, start, end
    left = Signal()  # Escape: back to the document
    closed = Signal()  # Escape with the box empty: the panel closes
    searched = Signal()  # a search's results (or its error) are shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path: Path | None = None
        self.identity: tuple[int, int] | None = None
        self.viewer = ""
        self.colours: dict[str, str] = {}
        self.run: WorkerRun | None = None
        self.wanted: Query | None = None  # the query the box asks for now
        self.found: Found | None = None
        self.timer = QTimer(self, singleShot=True, interval=DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 4)
        row = QHBoxLayout()
        self.box = QLineEdit(placeholderText="Find in all documents (Enter opens the hit; Escape: back)")
        self.box.setClearButtonEnabled(True)
        self.box.textChanged.connect(self._changed)
        self.box.installEventFilter(self)
        row.addWidget(self.box, 1)
        self.whole_words = QCheckBox("&Whole words", checked=True)
        self.match_case = QCheckBox("Match &case", checked=True)
        self.regex = QCheckBox("Re&gular expression")
        for option in (self.whole_words, self.match_case, self.regex):
            option.toggled.connect(self._changed)
            row.addWidget(option)
        column.addLayout(row)
        self.total = plain_label("Type a word or phrase to find it in every document.")
        self.total.setStyleSheet("color: #57606a;")
        column.addWidget(self.total)
        self.hits = _hits_table()
        self.hits.activated.connect(lambda index: self.open_row(index.row()))
        self.hits.installEventFilter(self)
        column.addWidget(self.hits, 1)

    def attach(self, db_path: Path, identity: tuple[int, int] | None, viewer: str) -> None:
        """Search this database as ``viewer`` sees it (results of another are dropped)."""
        self.stop()
        self.db_path, self.identity, self.viewer = db_path, identity, viewer
        self.found = None
        self.hits.setRowCount(0)
        if self.box.text():
            self._changed()

    def query(self) -> Query | None:
        """What the box and the options ask for (None: nothing typed)."""
        text = self.box.text()
        if not text:
            return None
        return Query(text, self.regex.isChecked(), self.whole_words.isChecked(), self.match_case.isChecked())

    # -- searching

    def _changed(self) -> None:
        self.timer.start()

    def search_now(self) -> None:
        """Search for what the box holds now (the running search, if any, is cancelled first)."""
        self.timer.stop()
        self.wanted = self.query()
        if self.wanted is None:
            self.stop()
            self.found = None
            self.hits.setRowCount(0)
            self.total.setText("Type a word or phrase to find it in every document.")
            return
        if self.run is not None:  # one search at a time: the next starts when this one has stopped
            self.run.cancel()
            return
        self._start(self.wanted)

    def _start(self, query: Query) -> None:
        if self.db_path is None:
            return
        self.total.setStyleSheet("color: #57606a;")
        self.total.setText(f"Searching for “{_one_line(query.text)}”…")
        run = self.run = WorkerRun(Worker(self.db_path, search_job(query, self.viewer), self.identity), self)
        run.finished.connect(lambda found: self._on_found(run, found))
        run.failed.connect(lambda message: self._on_failed(run, message))
        run.done.connect(lambda: self._on_done(run, query))
        run.start()

    def _on_done(self, run: WorkerRun, query: Query) -> None:
        run.deleteLater()
        if self.run is not run:
            return
        self.run = None
        if self.wanted is not None and self.wanted != query:  # typed on while it ran
            self._start(self.wanted)

    def _on_found(self, run: WorkerRun, found: Found | None) -> None:
        if found is None or found.query != self.wanted or self.run is not run:
            return
        self.show_found(found)
        self.searched.emit()

    def _on_failed(self, run: WorkerRun, message: str) -> None:
        if self.run is not run:
            return
        self.found = None
        self.hits.setRowCount(0)
        self.total.setStyleSheet("color: #cf222e;")
        self.total.setText(f"Cannot search: {message}")
        self.searched.emit()

    def refresh(self) -> None:
        """Search again (the documents changed): the hits show the spans as they are now."""
        if self.found is not None and self.isVisible():
            self.found = None
            self._changed()

    def stop(self) -> None:
        """Cancel a running search and wait for its thread (closing, another database)."""
        if self.run is not None:
            run, self.run = self.run, None
            run.cancel()
            run.wait()

    # -- the hits

    def show_found(self, found: Found) -> None:
        """List the hits and say how many there are."""
        current = self.hits.currentRow()
        again = self.found is None and self.wanted == found.query and current >= 0
        self.found = found
        self.total.setText(_total_text(found))
        self.hits.setUpdatesEnabled(False)
        self.hits.setRowCount(len(found.shown))
        for row, preview in enumerate(found.shown):
            self._fill_row(row, preview)
        self.hits.setUpdatesEnabled(True)
        if found.shown:
            self.hits.selectRow(min(current, len(found.shown) - 1) if again else 0)

    def _fill_row(self, row: int, preview: Preview) -> None:
        occurrence = preview.occurrence
        cells = (
            str(occurrence.document_id),
            _one_line(preview.left),
            _one_line(preview.match),
            _one_line(preview.right),
            _spans_text(preview),
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(HitRole, (occurrence.document_id, occurrence.start, occurrence.end))
            self.hits.setItem(row, column, item)
        self.hits.item(row, 1).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.hits.item(row, 0).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        match = self.hits.item(row, 2)
        font = QFont(match.font())
        font.setBold(True)
        match.setFont(font)
        covering = preview.covering
        colour = self.colours.get(covering[0].label, "#c8c8c8") if covering else "#fff3b0"
        match.setBackground(QColor(colour).lighter(130) if covering else QColor(colour))
        match.setToolTip(tooltip(_covering_text(preview) or "No span over this text yet."))
        self.hits.item(row, 4).setToolTip(tooltip(_spans_text(preview)))

    def open_row(self, row: int) -> None:
        """Open the hit in ``row`` (the window selects the match)."""
        item = self.hits.item(row, 0)
        if item is not None:
            self.hit_chosen.emit(*item.data(HitRole))

    def focus_box(self) -> None:
        """Put the caret in the search box, its text selected (Ctrl+F)."""
        self.box.setFocus()
        self.box.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if key == Qt.Key.Key_Escape:
            if not self.box.text():  # nothing searched for: the panel goes too
                self.closed.emit()
            self.left.emit()
            return True
        if watched is self.box and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.found is None or self.found.query != self.query():
                self.search_now()  # the hits of what is typed, not of what was typed before
                return True
            row = self.hits.currentRow()
            self.open_row(row if row >= 0 else 0)
            return True
        if watched is self.box and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.hits.rowCount():
            self.hits.setFocus()
            if self.hits.currentRow() < 0:
                self.hits.selectRow(0)
            return True
        return False


def _hits_table() -> QTableWidget:
    return row_table(QTableWidget(0, len(HEADINGS)), HEADINGS, (70, 300, 130, 300))


def _one_line(text: str) -> str:
    """Line breaks and tabs as spaces (the same length: the columns keep their alignment)."""
    return _WHITESPACE.sub(" ", text)


def _covering_text(preview: Preview) -> str:
    return ", ".join(
        f"{span.label} “{_one_line(text)}”" for span, text in _named(preview) if _covers(preview, span)
    )


def _spans_text(preview: Preview) -> str:
    """The spans over the match first, then the others in sight: ``FAC “Kremlin” · PERSON “Putin”``."""
    named = sorted(_named(preview), key=lambda pair: not _covers(preview, pair[0]))
    return " · ".join(f"{span.label} “{_one_line(text)}”" for span, text in named) or "—"


def _named(preview: Preview):
    return zip(preview.spans, preview.span_texts, strict=True)


def _covers(preview: Preview, span) -> bool:
    return span.overlaps((preview.occurrence.start, preview.occurrence.end))


def _total_text(found: Found) -> str:
    what = f"“{_one_line(found.query.text)}”"
    if not found.total:
        return f"{what}: not found in any document."
    count = f"{found.total:,} occurrence{'s' if found.total != 1 else ''}"
    where = f"{found.documents:,} document{'s' if found.documents != 1 else ''}"
    listed = f" (the first {len(found.shown):,} listed)" if len(found.shown) < found.total else ""
    return f"{what}: {count} in {where}{listed}. Enter or double-click opens one; Escape goes back."
