"""Apply everywhere in the window: after a correction, the status bar offers to make the same change at the
other occurrences of its text; a preview chooses them; applying is one batch and one undo command.

The occurrences are found and planned off the GUI thread (``annotations.search.find`` and
``annotations.bulk_apply.plan_change`` in a worker); applying and undoing use ``apply_plan`` and
``undo_batch`` on the window's connection, as ``spandesk label-all`` and ``undo-batch`` do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication, QDialog, QStatusBar

from annotations import store
from annotations.counting import agreeing, counted
from annotations.model import InvalidSpan, span_changes
from annotations.session import Edit
from annotations.store import StoreError
from gui.workers import Job, Worker, WorkerRun, interruptible, stopped

if TYPE_CHECKING:  # annotations.bulk and bulk_apply load at the first correction (not at start-up)
    from sqlite_utils import Database

    from annotations import bulk
    from annotations.bulk import Change, Plan
    from annotations.bulk_apply import BatchResult
    from annotations.search import Occurrence, Query
    from gui.apply_preview import PreviewDialog  # imported when the preview first opens
    from gui.controller import AnnotationController
    from gui.offer_bar import OfferBar
    from gui.write_gate import WriteGate


class ApplyWindow(Protocol):
    """What apply everywhere needs of the window it serves (``MainWindow``)."""

    db: Database
    db_path: Path
    database_identity: tuple[int, int] | None
    annotator: str
    reviewing: bool
    controller: AnnotationController
    own_controller: AnnotationController
    write_gate: WriteGate

    def statusBar(self) -> QStatusBar:  # noqa: N802
        """The window's status bar."""
        ...

    def take_keys_back(self) -> None:
        """Give the document the keys again after a dialog closes."""
        ...


QUOTE_LIMIT = 40
COUNT_AFTER_MS = 400  # how long corrections must pause before the other occurrences are counted


@dataclass(frozen=True, slots=True)
class Correction:
    """One correction of one document, as apply everywhere repeats it: the text searched and the change."""

    document_id: int
    dataset: str
    text: str
    change: Change
    whole_words: bool

    @property
    def query(self) -> Query:
        """The search for the other occurrences: exactly the text (whole words when the span was)."""
        from annotations.search import Query  # the search loads with the first correction

        return Query(self.text, regex=False, whole_words=self.whole_words, case_sensitive=True)


def correction_of(edit: Edit, text: str, dataset: str) -> Correction | None:
    """The correction an edit made (one span added, removed, relabelled or resized), or None for edits
    apply everywhere cannot repeat (answers, several spans at once, a blank text)."""
    removed, added = span_changes(edit.before.spans, edit.after.spans, edit.unchanged)
    if len(removed) > 1 or len(added) > 1 or not (removed or added):
        return None
    before, after = (removed[0] if removed else None), (added[0] if added else None)
    if before is not None and after is not None and before.key() == after.key():
        return None  # the model's span made the person's: nothing to repeat
    from annotations import bulk

    searched, change = bulk.correction(text, before, after)
    if not searched.strip():
        return None
    start = min(s.start for s in (before, after) if s is not None)
    whole = _word_edge(text, start) and _word_edge(text, start + len(searched))
    return Correction(edit.document_id, dataset, searched, change, whole)


def _word_edge(text: str, position: int) -> bool:
    if position <= 0 or position >= len(text):
        return True
    from annotations.search import is_word_character

    return not (is_word_character(text[position - 1]) and is_word_character(text[position]))


def plan_job(correction: Correction, annotator: str) -> Job:
    """A job planning the correction at every occurrence of its text in its dataset (None if cancelled)."""

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        from annotations.bulk_apply import plan_change
        from annotations.search import find

        occurrences: list[Occurrence] = []
        try:
            with interruptible(db, cancelled):  # also between texts holding no whole-word occurrence
                for occurrence in find(db, correction.query, dataset=correction.dataset):
                    if cancelled():
                        return None
                    occurrences.append(occurrence)
                return plan_change(db, correction.change, correction.text, occurrences, annotator=annotator)
        except sqlite3.OperationalError as error:
            if stopped(error, cancelled):
                return None
            raise

    return run


def described(planned: Plan) -> str:
    """What a plan's change does, in words: ``relabel 'Kremlin' FAC → ORG``."""
    return planned.change.describe(planned.text).replace(" -> ", " → ")


def changes_planned(planned: Plan) -> int:
    """How many occurrences the change applies to (checked or not)."""
    from annotations.bulk import Outcome

    return planned.counts.get(Outcome.CHANGE, 0)


def quoted(text: str) -> str:
    """A text in quotes on one line, shortened for the status bar."""
    snippet = " ".join(text.split())
    return f"“{snippet if len(snippet) <= QUOTE_LIMIT else snippet[: QUOTE_LIMIT - 1] + '…'}”"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def result_text(verb: str, result: BatchResult, note: str = "") -> str:
    """What applying or undoing did, for the status bar."""
    documents = _count(len(result.changed), "document")
    said = f"{verb} {documents}"
    if result.occurrences:
        said = f"{verb} {_count(result.occurrences, 'occurrence')} in {documents}"
    if result.batch_id is not None:
        said += f" (batch {result.batch_id}{note})"
    if result.skipped:
        ids = ", ".join(str(s.document_id) for s in result.skipped[:6])
        more = f" and {len(result.skipped) - 6} more" if len(result.skipped) > 6 else ""
        reason = result.skipped[0].reason
        said += (
            f". Skipped {_count(len(result.skipped), 'document')} ({ids}{more}: {reason}); left as they are"
        )
    return said + "."


class BatchCommand(QUndoCommand):
    """One apply everywhere on the undo stack: undo calls ``undo_batch``; redo applies the same change again
    at the same occurrences (those still as they were; the others are reported).

    The batch is applied before the command is pushed, so its first ``redo`` does nothing. A batch undone
    or changed elsewhere (``spandesk undo-batch``) makes the command obsolete, with a message.
    """

    def __init__(
        self, owner: ApplyEverywhere, planned: Plan, chosen: list[bulk.OccurrencePlan], batch_id: int
    ) -> None:
        super().__init__(f"Apply everywhere: {described(planned)}")
        self.owner, self.plan, self.batch_id = owner, planned, batch_id
        from annotations.search import Occurrence

        self.places = [Occurrence(o.document_id, o.start, o.end) for o in chosen]
        self.first = True

    def redo(self) -> None:
        if self.first:
            self.first = False
            return
        from annotations.bulk_apply import apply_plan, plan_change

        try:
            again = plan_change(
                self.owner.db,
                self.plan.change,
                self.plan.text,
                self.places,
                annotator=self.plan.annotator,
                include_answered=True,
            )
            chosen = [o for document in again.documents for o in document.changes]
            result = apply_plan(self.owner.db, again, chosen)
        except (StoreError, sqlite3.Error, InvalidSpan) as error:
            self.setObsolete(True)
            self.owner.told(f"Could not apply the change again: {error}")
            return
        if result.batch_id is None:
            self.setObsolete(True)
        else:
            self.batch_id = result.batch_id
        missed = len(self.places) - result.occurrences
        note = (
            f"; {counted(missed, 'occurrence', grouped=True)} no longer as "
            f"{agreeing(missed, 'it was', 'they were')}, left alone"
            if missed > 0
            else ""
        )
        self.owner.after_batch(result, f"{result_text('Applied again to', result)[:-1]}{note}.")

    def undo(self) -> None:
        from annotations.bulk_apply import BatchError, undo_batch

        try:
            result = undo_batch(self.owner.db, self.batch_id, self.plan.annotator)
        except BatchError as error:
            self.setObsolete(True)
            self.owner.told(f"Nothing undone: {error}.")
            return
        except (StoreError, sqlite3.Error) as error:
            self.setObsolete(True)
            self.owner.told(f"Could not undo the change: {error}")
            return
        self.owner.after_batch(result, result_text("Undone apply everywhere: restored", result))


class ApplyEverywhere(QObject):
    """The offer in the status bar, the preview, the batch and its undo, for one window."""

    offered = Signal(int)  # an offer is shown: how many occurrences the change applies to
    showing = Signal(bool)  # the offer appeared (True) or went (False): the status bar makes room
    planned = Signal()  # a preview's plan is ready (the dialog is open)
    applied = Signal(object)  # a BatchResult
    batch_done = Signal()  # a batch was applied, undone or applied again: what searches showed is stale

    def __init__(self, window: ApplyWindow, bar: OfferBar) -> None:
        super().__init__(window)
        self.window = window
        self.correction: Correction | None = None  # the correction offered (or being planned)
        self.plan: Plan | None = None  # the plan the offer counted
        self.runs: list[WorkerRun] = []
        self.dialog: PreviewDialog | None = None
        # the count starts once corrections pause: a worker reading the corpus after every key competed with
        # the window for Python's lock (relabels on a 20,677-span document: median 45 ms, not 6)
        self.pause = QTimer(self, singleShot=True, interval=COUNT_AFTER_MS)
        self.pause.timeout.connect(self._count_correction)
        self.bar = bar  # built with the window (hidden), filled and shown here
        self.label, self.button, self.dismiss_button = bar.label, bar.button, bar.dismiss_button
        self.button.clicked.connect(self.preview)
        self.dismiss_button.clicked.connect(self.dismiss)

    @property
    def db(self):
        return self.window.db

    # -- the offer

    def corrected(self, edit: Edit) -> None:
        """A correction was just made: count the other places the same change applies (in a worker)."""
        self.dismiss()
        for run in self.runs:  # what earlier corrections were counting is of no use now
            run.cancel()
        document = self.window.controller.document
        if self.window.reviewing or document is None or document.id != edit.document_id:
            return
        if document.state.spans != edit.after.spans:
            return  # refused (changed elsewhere): nothing was corrected
        found = correction_of(edit, document.text, document.dataset)
        if found is None:
            return
        self.correction = found
        self.pause.start()

    def _count_correction(self) -> None:
        if self.correction is not None and self.plan is None and not self.window.reviewing:
            self._plan(self.correction, self._on_counted)

    def _plan(self, correction: Correction, then: Callable[[Correction, Plan], None]) -> None:
        job = plan_job(correction, self.window.annotator)
        run = WorkerRun(Worker(self.window.db_path, job, self.window.database_identity), self)
        self.runs.append(run)
        run.finished.connect(lambda planned: planned is not None and then(correction, planned))
        run.failed.connect(
            lambda message: (
                self.correction is correction
                and self.told(f"Could not look for other occurrences: {message}")
            )
        )
        run.done.connect(lambda: self._finished(run))
        run.start()

    def _finished(self, run: WorkerRun) -> None:
        if run in self.runs:
            self.runs.remove(run)
        run.deleteLater()

    def _on_counted(self, correction: Correction, planned: Plan) -> None:
        if correction is not self.correction:
            return  # another correction came since
        count = changes_planned(planned)
        if not count:
            self.correction = None
            return
        self.plan = planned
        plural = "occurrence" if count == 1 else "occurrences"
        what = described(planned)
        self.label.setText(f"Apply to the {count:,} other {plural} of {quoted(correction.text)}?")
        self.label.setToolTip(what)
        self.button.setToolTip(what)
        self.label.setMinimumWidth(self.label.sizeHint().width())  # the question is read whole
        self.bar.show()
        self.showing.emit(True)
        self.offered.emit(count)

    def dismiss(self) -> None:
        """Take the offer away (another document, another correction, ✕)."""
        self.correction, self.plan = None, None
        if self.bar.isVisible():
            self.bar.hide()
            self.showing.emit(False)

    @property
    def offering(self) -> bool:
        """Whether the status bar offers to apply a correction everywhere."""
        return self.correction is not None and self.plan is not None and self.bar.isVisible()

    # -- the preview

    def preview(self) -> None:
        """Plan the offered correction afresh (in a worker) and open the preview."""
        if not self.offering or self.correction is None:
            self.told("Nothing to apply everywhere: correct a span first (relabel, delete, resize or add).")
            return
        self.label.setText(f"Looking at every occurrence of {quoted(self.correction.text)}…")
        self._plan(self.correction, self._open_preview)

    def _open_preview(self, correction: Correction, planned: Plan) -> None:
        if correction is not self.correction:
            return
        shown = self.window.controller.document
        self.label.setText(f"Choosing the occurrences of {quoted(correction.text)} to change…")
        from gui.apply_preview import PreviewDialog

        self.dialog = PreviewDialog(planned, shown.id if shown else None, self.window)
        self.dialog.finished.connect(lambda code, dialog=self.dialog: self._on_preview_closed(dialog, code))
        self.dialog.open()
        self.planned.emit()

    def _on_preview_closed(self, dialog: PreviewDialog, code: int) -> None:
        if code == QDialog.DialogCode.Accepted:
            self.apply(dialog.plan, dialog.chosen())
        else:
            self._on_counted(self.correction, self.plan) if self.correction and self.plan else self.dismiss()
        self.window.take_keys_back()

    def apply(self, planned: Plan, chosen: list[bulk.OccurrencePlan]) -> BatchResult | None:
        """Make the chosen changes as one batch and put one command for it on the undo stack (None when
        nothing was applied, or not yet: it waits at the window's write gate for another program's write)."""
        self.dismiss()
        return self.window.write_gate.now_or_later(
            f"Apply everywhere: {described(planned)}", lambda: self._apply_now(planned, chosen)
        )

    def _apply_now(self, planned: Plan, chosen: list[bulk.OccurrencePlan]) -> BatchResult | None:
        from annotations.bulk_apply import apply_plan

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = apply_plan(self.db, planned, chosen)
        except (StoreError, sqlite3.Error) as error:
            self.told(f"Nothing was applied: {error}")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        if result.batch_id is not None:
            self.window.controller.undo_stack.push(BatchCommand(self, planned, chosen, result.batch_id))
        self.after_batch(result, result_text("Applied to", result, "; Ctrl+Z undoes it all"))
        self.applied.emit(result)
        return result

    # -- after a batch (applied, undone, redone)

    def after_batch(self, result: BatchResult, message: str) -> None:
        """Show the document on screen as it is now (if the batch changed it) and say what happened."""
        document = self.window.controller.document
        if document is not None and document.id in result.changed:
            self.window.controller.open(document.id)
        self.told(message)
        self.batch_done.emit()

    def told(self, message: str) -> None:
        """A message in the status bar, long enough to read."""
        self.window.statusBar().showMessage(message, 20000)

    def undo_last_batch(self) -> BatchResult | None:
        """Edit ▸ Undo last apply-everywhere: this person's newest batch not undone (after a restart too);
        it waits at the window's write gate while another program writes (None meanwhile)."""
        return self.window.write_gate.now_or_later(
            "Undo the last apply-everywhere", self._undo_last_batch_now
        )

    def _undo_last_batch_now(self) -> BatchResult | None:
        try:
            last = store.last_undoable_batch(self.db, self.window.annotator)
        except (StoreError, sqlite3.Error) as error:
            self.told(f"Could not read the batches: {error}")
            return None
        if last is None:
            self.told(f"No apply-everywhere of {self.window.annotator}'s is left to undo.")
            return None
        stack = self.window.own_controller.undo_stack
        top = stack.command(stack.index() - 1) if stack.index() else None
        if isinstance(top, BatchCommand) and top.batch_id == last.id and not self.window.reviewing:
            stack.undo()  # the same batch as the window's last command: undo it there (redo stays possible)
            return None
        from annotations.bulk_apply import BatchError, undo_batch

        try:
            result = undo_batch(self.db, last.id, self.window.annotator)
        except (BatchError, StoreError, sqlite3.Error) as error:
            self.told(f"Nothing undone: {error}")
            return None
        self.after_batch(result, result_text(f"Undone “{last.description}”: restored", result))
        return result

    def last_batch_note(self) -> str:
        """A hint for Ctrl+Z with nothing to undo: the batch Edit ▸ Undo last apply-everywhere would undo."""
        try:
            last = store.last_undoable_batch(self.db, self.window.annotator)
        except (StoreError, sqlite3.Error):
            return ""
        return f" Edit ▸ Undo last apply-everywhere undoes “{last.description}”." if last else ""

    def stop(self) -> None:
        """Cancel and wait for the workers (closing the window, another database)."""
        self.pause.stop()
        for run in list(self.runs):
            run.cancel()
            run.wait()
        self.runs.clear()
        self.dismiss()
