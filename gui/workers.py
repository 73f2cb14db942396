"""Import and export off the GUI thread: a worker with progress, finished, failed and a cancel flag.

Each job opens its own store connection in the worker thread; results are applied on the GUI
thread through queued signals. Signals are connected before the thread starts.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from annotations import store

GONE = "is no longer the database this window has open (it was deleted, moved or replaced)"


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode a path names now (None if nothing is there), found without opening it."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class Reporter:
    """What a job tells its window: progress as ``reporter(done, total)``, and ``reporter.note(text)``, a
    line of its own (an import waiting for another program's write) the progress dialog shows."""

    def __init__(self, progress: Callable[[int, int], None], note: Callable[[str], None]) -> None:
        self._progress = progress
        self.note = note

    def __call__(self, done: int, total: int) -> None:
        self._progress(done, total)


# A job gets its own database, a Reporter (called as a progress callback) and a "was cancelled" callable.
Job = Callable[[Any, Reporter, Callable[[], bool]], Any]


PROGRESS_STEPS = 16  # SQLite virtual machine steps between two looks at the cancel flag


@contextmanager
def interruptible(db: Any, cancelled: Callable[[], bool], steps: int = PROGRESS_STEPS) -> Iterator[None]:
    """While inside, a statement of ``db`` stops (sqlite3.OperationalError) soon after ``cancelled()`` turns
    true (it is looked at every ``steps`` SQLite steps): a job reading many rows that yield nothing (a search
    matching no text) still stops at once."""
    db.conn.set_progress_handler(lambda: 1 if cancelled() else 0, steps)
    try:
        yield
    finally:
        db.conn.set_progress_handler(None, 0)


def stopped(error: sqlite3.Error, cancelled: Callable[[], bool]) -> bool:
    """Whether a statement failed only because ``interruptible`` stopped it on cancel."""
    return cancelled() and isinstance(error, sqlite3.OperationalError) and "interrupt" in str(error)


class Worker(QObject):
    """Runs one job in a QThread and reports through signals (never touching widgets)."""

    progress = Signal(int, int)
    note = Signal(str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, db_path: Path, job: Job, identity: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.job = job
        self.identity = identity  # the file the window has open: never work on another one by its name
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check (it then stores nothing)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked for."""
        return self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        """Open a connection of this thread's own and run the job."""
        if not self._same_file():  # opening the name would make a new, empty database there
            self.failed.emit(f"{self.db_path}: {GONE}; nothing was done")
            self.thread().quit()
            return
        try:
            db = store.open_store(self.db_path)
        except store.StoreError as error:
            self.failed.emit(str(error))
            self.thread().quit()
            return
        try:
            result = self.job(db, Reporter(self.progress.emit, self.note.emit), self._cancel.is_set)
        except Exception as error:  # every failure is reported as a message, never a traceback
            self.failed.emit(str(error) or type(error).__name__)
        else:
            self.finished.emit(result)
        finally:
            db.close()
            self.thread().quit()  # from here, not from the GUI thread: that one may be waiting for us

    def _same_file(self) -> bool:
        return self.identity is None or file_identity(self.db_path) == self.identity


class WorkerRun(QObject):
    """A worker and its thread; its own signals re-emit the worker's on the GUI thread."""

    progress = Signal(int, int)
    note = Signal(str)
    finished = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._relay_progress)
        self.worker.note.connect(self._relay_note)
        self.worker.finished.connect(self._relay_finished)
        self.worker.failed.connect(self._relay_failed)
        self.thread.finished.connect(self._relay_done)

    @Slot()
    def cancel(self) -> None:
        """Set the worker's cancel flag (a plain call from the GUI thread; the flag is thread-safe)."""
        self.worker.cancel()

    @Slot(int, int)
    def _relay_progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    @Slot(str)
    def _relay_note(self, text: str) -> None:
        self.note.emit(text)

    @Slot(object)
    def _relay_finished(self, result: object) -> None:
        self.thread.quit()
        self.finished.emit(result)

    @Slot(str)
    def _relay_failed(self, message: str) -> None:
        self.thread.quit()
        self.failed.emit(message)

    @Slot()
    def _relay_done(self) -> None:
        self.done.emit()

    def start(self) -> None:
        """Start the thread (after every signal is connected)."""
        self.thread.start()

    def wait(self, milliseconds: int = 60_000) -> bool:
        """Block until the thread has ended (for closing the window and for tests)."""
        return self.thread.wait(milliseconds)


def progress_dialog(parent: QWidget, title: str, run: WorkerRun) -> QProgressDialog:
    """A non-modal progress dialog following a worker; Cancel sets its cancel flag."""
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(run.cancel)
    run.progress.connect(lambda done, total: _show_progress(dialog, done, total))
    run.note.connect(dialog.setLabelText)
    run.done.connect(dialog.close)
    return dialog


def _show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    dialog.setMaximum(max(total, 1))
    dialog.setValue(min(done, max(total, 1)))


def import_job(
    sources: Sequence[Path], dataset: str, model: str | None = None, existing: str | None = None
) -> Job:
    """A job importing files into ``dataset`` (pre-annotating what arrives without spans); its result is
    the ImportReport, or the VersionConflicts that stopped it (the window then asks what to do)."""
    from annotations.importing import VersionConflicts, import_sources

    def run(db: Any, progress: Reporter, cancelled: Callable[[], bool]) -> Any:
        def waiting(seconds: float) -> None:
            progress.note(
                f"Waiting {int(seconds)} s for another program's write to this database to end; the import"
                " is stored as soon as it has (Cancel stores nothing)."
            )

        try:
            return import_sources(
                db,
                list(sources),
                dataset=dataset,
                model=model,
                progress=progress,
                cancelled=cancelled,
                existing=existing,
                waiting=waiting,
            )
        except VersionConflicts as conflicts:
            return conflicts

    return run


def export_job(
    fmt: str,
    output: Path,
    dataset: str | None = None,
    include_unanswered: bool = False,
    version: str = "current",
) -> Job:
    """A job exporting documents in ``fmt`` to ``output`` (``version``: whose, as ``spandesk export``)."""
    from annotations.exporting import export

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        return export(
            db,
            fmt,  # type: ignore[arg-type]
            output,
            dataset=dataset,
            include_unanswered=include_unanswered,
            progress=progress,
            cancelled=cancelled,
            version=version,
        )

    return run


def backup_job(target: Path) -> Job:
    """A job writing a consistent copy of the database to the new file ``target`` (never over a file)."""

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        if os.path.lexists(target):
            raise FileExistsError(f"{target}: already exists; choose a new file name")
        store.backup(db, target)
        return target

    return run
