"""The queue's filter, search and order off the GUI thread: a reader thread with its own read-only connection
reads a query's first page, then its count; a newer query stops the one running (at SQLite's next progress
check) and only the newest query's results reach the window.

Every query gets a number; the reader drops a query, and stops its statement, as soon as a newer number is
asked for, and the GUI side ignores results whose number is not the newest: a stale result never replaces a
newer one. The first page comes with those up to the document on screen (to mark it); the pages the list
fetches as it is scrolled are read on the GUI thread by the queue model (keyset pages, a few ms).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from annotations import store
from gui.queue_model import PAGE_SIZE
from gui.queue_query import FirstPage, QueueQuery, read_first_page
from gui.workers import GONE, file_identity, interruptible, stopped

# SQLite steps between two looks at whether a newer query was asked for: microseconds apart, and a count of
# a million texts costs ~25% more CPU looking every 16 steps (the import workers' rate), a few % at 1,000
CHECK_STEPS = 1000


class _Asked:
    """The number of the newest query asked for, shared by the two threads (an int read or written whole)."""

    def __init__(self) -> None:
        self.newest = 0


class QueueReader(QObject):
    """Lives in the reader thread: opens its own read-only connection at the first query, keeps it."""

    page_read = Signal(int, object)  # the query's number, its FirstPage
    counted = Signal(int, int)  # the query's number, its count
    failed = Signal(int, str)  # the query's number, what went wrong

    def __init__(self, db_path: Path, identity: tuple[int, int] | None, asked: _Asked) -> None:
        super().__init__()
        self.db_path, self.identity, self.asked = db_path, identity, asked
        self.db: Any = None

    @Slot(int, object, object)
    def read(self, number: int, query: QueueQuery, through: int | None) -> None:
        """Read ``query``'s first page (and those up to the document ``through``), then (unless it came
        with them) its count; stop when outdated."""
        if self.asked.newest != number:
            return  # typed on meanwhile: never started

        def outdated() -> bool:
            return self.asked.newest != number

        try:
            db = self._connection()
            with interruptible(db, outdated, CHECK_STEPS):
                first = read_first_page(db, query, PAGE_SIZE, through)
                self.page_read.emit(number, first)
                if first.total is None:
                    self.counted.emit(number, query.count(db))
        except sqlite3.Error as error:
            if not stopped(error, outdated):
                self.failed.emit(number, f"{self.db_path}: {store.describe_error(error)}")
        except Exception as error:  # every failure is shown as a message, never a traceback
            self.failed.emit(number, str(error) or type(error).__name__)

    def _connection(self) -> Any:
        if self.db is None:
            if self.identity is not None and file_identity(self.db_path) != self.identity:
                raise store.StoreError(f"{self.db_path}: {GONE}")
            self.db = store.open_store(self.db_path, read_only=True)
        return self.db

    def close(self) -> None:
        """Close the connection (called once the thread has ended)."""
        if self.db is not None:
            self.db.close()
            self.db = None


class QueueSearch(QObject):
    """Runs the queue's queries in a thread of its own; reports only the newest query's results."""

    page_ready = Signal(object)  # FirstPage
    count_ready = Signal(int)
    failed = Signal(str)
    _asked_to_read = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.asked = _Asked()
        self.db_path: Path | None = None
        self.identity: tuple[int, int] | None = None
        self._thread: QThread | None = None
        self.reader: QueueReader | None = None
        self.busy = False  # the newest query's first page or count is still being read

    def attach(self, db_path: Path, identity: tuple[int, int] | None) -> None:
        """Read this database from now on (a query running on another one is stopped)."""
        self.stop()
        self.db_path, self.identity = db_path, identity

    @property
    def attached(self) -> bool:
        """Whether a database was given (else queries cannot run here)."""
        return self.db_path is not None

    def start(self, query: QueueQuery, through: int | None = None) -> None:
        """Read ``query``'s first page (and those up to the document ``through``) and count; a query still
        running is stopped and its results dropped."""
        if self.db_path is None:
            raise RuntimeError("no database attached to the queue's search")
        self.asked.newest += 1
        self.busy = True
        if self._thread is None:
            self._start_thread(self.db_path)
        self._asked_to_read.emit(self.asked.newest, query, through)

    def cancel(self) -> None:
        """Drop the running query (its statement stops; nothing it read is shown)."""
        self.asked.newest += 1
        self.busy = False

    def stop(self) -> None:
        """Cancel, end the thread and close its connection (closing the window, another database)."""
        self.cancel()
        if self._thread is None or self.reader is None:
            return
        thread, reader = self._thread, self.reader
        self._thread = self.reader = None
        self._asked_to_read.disconnect(reader.read)
        thread.quit()
        thread.wait()
        reader.close()

    def _start_thread(self, db_path: Path) -> None:
        self._thread = QThread()
        self.reader = QueueReader(db_path, self.identity, self.asked)
        self.reader.moveToThread(self._thread)
        self._asked_to_read.connect(self.reader.read)
        self.reader.page_read.connect(self._on_page)
        self.reader.counted.connect(self._on_count)
        self.reader.failed.connect(self._on_failed)
        self._thread.start()

    @Slot(int, object)
    def _on_page(self, number: int, first: FirstPage) -> None:
        if number != self.asked.newest:
            return
        self.busy = first.total is None
        self.page_ready.emit(first)

    @Slot(int, int)
    def _on_count(self, number: int, total: int) -> None:
        if number != self.asked.newest:
            return
        self.busy = False
        self.count_ready.emit(total)

    @Slot(int, str)
    def _on_failed(self, number: int, message: str) -> None:
        if number != self.asked.newest:
            return
        self.busy = False
        self.failed.emit(message)
