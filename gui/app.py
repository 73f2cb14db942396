"""The application: a QApplication, the database, and the bundled sample on a first start."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from annotations import store
from annotations.gc_pause import resume_after_start_up
from annotations.resources import sample_article
from gui.main_window import MainWindow
from gui.plain_text import message_box
from gui.platform_check import check_platform
from gui.write_gate import kept_if_free

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from gui.workers import WorkerRun

SAMPLE_DATASET = "sample"


def default_annotator(db) -> str:
    """The annotator id kept in the database (set to the OS user name on first use).

    A database that cannot be written (read-only, disk full) still opens: the name is then used
    without being kept, and the first edit says why it cannot be stored.
    """
    annotator = store.get_setting(db, "annotator")
    if annotator:
        return annotator
    import getpass  # only on a database's first start

    try:
        annotator = getpass.getuser()
    except (KeyError, OSError):
        annotator = "annotator"
    # not kept this time if it cannot be written now: nothing else depends on it being stored
    kept_if_free(db, lambda: store.set_setting(db, "annotator", annotator))
    return annotator


def default_db_path() -> Path:
    """The database used when none is given (the command line's default)."""
    from annotations.launch import default_db_path as command_line_default

    return command_line_default()


def build_window(
    db_path: Path, settings: QSettings | None = None, annotator: str | None = None
) -> MainWindow | None:
    """Open the database and build the window; a message box (not a traceback) if it cannot open.

    ``annotator`` (``spandesk gui --annotator NAME``, already checked): work as that person, kept in the
    database's ``annotator`` setting for the next start; else the name the database keeps.
    """
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db = store.open_store(db_path)
    except (store.StoreError, OSError) as error:
        from PySide6.QtWidgets import QMessageBox

        message_box(QMessageBox.Icon.Critical, "spandesk cannot open the database", str(error)).exec()
        return None
    if annotator:  # used this time even if not kept
        kept_if_free(db, lambda: store.set_setting(db, "annotator", annotator))
    return MainWindow(db_path, db, annotator or default_annotator(db), settings)


def import_sample_if_empty(window: MainWindow) -> WorkerRun | None:
    """On a first start (no documents), import and pre-annotate the sample article in a worker."""
    if store.count_queue(window.db, viewer=window.annotator) > 0:  # counted from kept rows
        return None
    from gui.first_start import FirstStartNotice  # only on a first start

    window.statusBar().showMessage("First start: pre-annotating the sample article with spaCy…")
    run = window.files.start_import([sample_article()], SAMPLE_DATASET)
    window.first_start = FirstStartNotice(window, run)
    return run


FINISH_OPENING_MS = 300  # after the first paint


def finish_opening(window: MainWindow) -> None:
    """After the first paint: sqlite-utils wraps the connection; the window makes what the first paint did
    not show (``MainWindow.finish_building``); the collector paused by ``spandesk gui`` collects again."""
    store.finish_opening(window.db)
    window.finish_building()
    resume_after_start_up()


def main(db_path: Path | None = None, annotator: str | None = None) -> int:
    """Run the window on ``db_path`` (default: the user's database), working as ``annotator`` (default:
    the name the database keeps), until it is closed."""
    if QApplication.instance() is None and not check_platform():
        return 1  # the install line for the missing X11 libraries was printed
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("spandesk")
    window = build_window(Path(db_path) if db_path else default_db_path(), annotator=annotator)
    if window is None:
        return 1
    window.show()
    import_sample_if_empty(window)
    # the first document painted, sqlite-utils loads while the person reads it (not at their first edit)
    QTimer.singleShot(FINISH_OPENING_MS, lambda: finish_opening(window))
    code = app.exec()
    # the window's connection is the last one: closing it folds the -wal into the database file and removes
    # it, so a file closed cleanly is whole on its own (`spandesk assign --force` takes it, a copy has all)
    with contextlib.suppress(sqlite3.Error):  # everything was committed as it was made: nothing to lose
        window.db.close()
    return code
