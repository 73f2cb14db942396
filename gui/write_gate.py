"""A change waits, with the window alive, while another program writes to the database.

An import or a merge of many documents holds SQLite's write lock for the whole of one transaction (~6 s
for 100,000 documents, over a minute at a million). A change made meanwhile used to wait in SQLite's busy
handler on the GUI thread, the window frozen, and be refused after ``store.BUSY_TIMEOUT_SECONDS``. Now each
change (an edit, an answer, an undo or redo, the first look at a document in review mode) first asks
whether the database can be written (``store.free_to_write``). When it cannot, a window-modal dialog says
what waits and why, the change is made the moment the lock frees, and the person can give it up instead.
Nothing is shown as made before it is stored.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from annotations import store

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QLabel, QWidget
    from sqlite_utils import Database

T = TypeVar("T")


class WriteGate(QObject):
    """Makes each change at once when the database can be written, else as soon as it can (one at a time)."""

    given_up = Signal(str)  # a waiting change was given up: what it was
    settled = Signal()  # a wait ended, its change made or given up (the document takes the keys back)

    FIRST_WAIT_SECONDS = 0.25  # a lock held this briefly (another window saving) is waited for unseen
    RETRY_MS = 150
    RETRY_WAIT_SECONDS = 0.05

    def __init__(self, db: Database, parent: QWidget) -> None:
        super().__init__(parent)
        self.db = db
        self.parent_widget = parent
        self._waiting: tuple[str, Callable[[], object]] | None = None
        self._since = 0.0
        self._timer: QTimer | None = None
        self._dialog: QDialog | None = None
        self._elapsed: QLabel | None = None
        self._what: QLabel | None = None

    @property
    def waiting(self) -> str | None:
        """What the waiting change is (None: nothing waits)."""
        return self._waiting[0] if self._waiting else None

    def run(self, description: str, change: Callable[[], object]) -> bool:
        """Make ``change`` now if the database can be written (True), else once it can (False).

        While a change waits, another is refused (False): the dialog keeps the person's hands off the
        window, so only a program's call can come here meanwhile.
        """
        if self._waiting is not None:
            return False
        if self._free(self.FIRST_WAIT_SECONDS):
            change()
            return True
        self._waiting = (description, change)
        self._since = time.monotonic()
        self._show(description)
        return False

    def now_or_later(self, description: str, make: Callable[[], T]) -> T | None:
        """``run`` for a change whose result the caller uses: what ``make`` returned when it was made at
        once, None when it waits (it is made once the database can be written)."""
        made: list[T] = []
        self.run(description, lambda: made.append(make()))
        return made[0] if made else None

    def give_up(self) -> None:
        """Drop the waiting change (nothing of it is stored) and say so."""
        if self._waiting is None:
            return
        description = self._waiting[0]
        self._end()
        self.given_up.emit(description)
        self.settled.emit()

    def _free(self, wait_seconds: float) -> bool:
        """Whether the database can be written now; any other trouble is the write's to report."""
        try:
            return store.free_to_write(self.db, wait_seconds)
        except Exception:  # noqa: BLE001 - a closed or damaged database: let the change fail and say why
            return True

    def _retry(self) -> None:
        if self._waiting is None:
            return
        if not self._free(self.RETRY_WAIT_SECONDS):
            self._show_elapsed()
            return
        _description, change = self._waiting
        self._end()
        try:
            change()
        finally:  # the document takes the keys back whatever the change did
            self.settled.emit()

    def _end(self) -> None:
        self._waiting = None
        if self._timer is not None:
            self._timer.stop()
        if self._dialog is not None:
            self._dialog.accept()  # closes it without ``rejected``, which gives the change up

    def _show(self, description: str) -> None:
        if self._dialog is None:
            self._build()
        assert self._dialog is not None and self._what is not None and self._timer is not None
        self._what.setText(description)
        self._show_elapsed()
        self._dialog.open()  # window-modal, not a nested event loop: the retries go on
        self._timer.start()

    def _show_elapsed(self) -> None:
        if self._elapsed is not None:
            seconds = int(time.monotonic() - self._since)
            waited = f"Waiting for {seconds} s." if seconds else "Waiting."
            self._elapsed.setText(f"{waited} It is saved as soon as that write is done.")

    def _build(self) -> None:
        """The dialog and the retry timer, made at the first wait (most sessions never wait)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QProgressBar, QVBoxLayout

        from gui.plain_text import plain_label

        dialog = QDialog(self.parent_widget, objectName="write_wait")
        dialog.setWindowTitle("Waiting to save")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(dialog)
        layout.addWidget(
            plain_label(
                "The database is busy: an import, a merge or a large change made in another window is"
                " writing to it, so your change waits:"
            )
        )
        self._what = plain_label()
        self._what.setStyleSheet("font-weight: 600;")
        self._what.setWordWrap(True)
        layout.addWidget(self._what)
        self._elapsed = plain_label()
        layout.addWidget(self._elapsed)
        busy = QProgressBar()
        busy.setRange(0, 0)
        layout.addWidget(busy)
        buttons = QDialogButtonBox()
        give_up = buttons.addButton("Give up this change", QDialogButtonBox.ButtonRole.RejectRole)
        give_up.setToolTip("Nothing of it is saved (Esc)")
        # keys meant for the document (Space ignores it, Enter) must not give the change up: Esc or a click
        give_up.setAutoDefault(False)
        give_up.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(buttons)
        buttons.rejected.connect(dialog.reject)
        dialog.rejected.connect(self.give_up)
        for label in (layout.itemAt(0).widget(), self._elapsed):
            label.setWordWrap(True)
        dialog.setMinimumWidth(440)
        self._dialog = dialog
        self._timer = QTimer(self, interval=self.RETRY_MS)
        self._timer.timeout.connect(self._retry)


def kept_if_free(db: Database, write: Callable[[], object], wait_seconds: float = 0.25) -> bool:
    """Make a write that may be left out (a name kept for the next start) if the database can be written
    within ``wait_seconds``; False when it was not made (another program writing, a read-only file, a full
    disk): the window goes on without it instead of freezing in SQLite's busy wait."""
    try:
        if not store.free_to_write(db, wait_seconds):
            return False
        write()
    except (sqlite3.Error, store.StoreError):
        return False
    return True
