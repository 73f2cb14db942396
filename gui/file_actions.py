"""The File menu's work: import and export off the GUI thread, opening databases, the recent list."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMenu, QStatusBar, QWidget

from annotations import store
from annotations.counting import agreeing, counted
from annotations.model import Document
from gui.plain_text import menu_text, message_box
from gui.workers import Worker, WorkerRun, backup_job, export_job, import_job, progress_dialog

if TYPE_CHECKING:  # the dialogs' classes (and their Qt enums) load with the first dialog
    from PySide6.QtWidgets import QFileDialog, QMessageBox
    from sqlite_utils import Database

    from gui.file_dialogs import DialogKind

EXPORT_FORMATS = (  # format, menu title, file suffix ("" for a format that writes a folder)
    ("prodigy", "Prodigy JSONL", "jsonl"),
    ("doccano", "doccano JSONL", "jsonl"),
    ("spacy", "spaCy DocBin", "spacy"),
    ("conll", "CoNLL-2003 (IOB)", "conll"),
    ("hf", "Hugging Face token classification", "jsonl"),
    ("brat", "brat standoff (a folder)", ""),
    ("labelstudio", "Label Studio JSON", "json"),
)
IMPORT_FILTER = (
    "Documents (*.txt *.jsonl *.json *.ndjson *.conll *.iob *.bio *.md);;"
    "Text (*.txt *.md);;JSONL: Prodigy, doccano, Hugging Face (*.jsonl *.ndjson);;"
    "Label Studio (*.json);;CoNLL (*.conll *.iob *.bio);;All files (*)"
)
MAX_RECENT = 8


# What an import asking about versions runs again: paths, dataset, model, cluster, shard size
ImportAgain = tuple[list[Path], str, str | None, str | None, int | None]


def file_dialog(*args: Any, **kwargs: Any) -> QFileDialog:
    """``gui.file_dialogs.file_dialog``: its module loads at the first dialog, not when the window opens."""
    from gui import file_dialogs

    return file_dialogs.file_dialog(*args, **kwargs)


def ask_for_paths(dialog: QFileDialog) -> list[Path]:
    """``gui.file_dialogs.ask_for_paths`` (loaded with the first dialog)."""
    from gui import file_dialogs

    return file_dialogs.ask_for_paths(dialog)


class FileWindow(Protocol):
    """What the file actions need of their window (the main window)."""

    db_path: Path
    db: Database
    database_identity: tuple[int, int] | None  # the file the window has open (device, inode)

    def database_gone(self) -> bool:
        """Whether the database's name no longer leads to the file the window has open."""
        ...

    @property
    def current_document(self) -> Document | None:
        """The document on screen."""
        ...

    def statusBar(self) -> QStatusBar:  # noqa: N802
        """The window's status bar."""
        ...

    def refresh_contents(self) -> None:
        """Re-read labels, queue and counts after an import."""
        ...

    def switch_database(self, db: Database, path: Path) -> None:
        """Work on another, already opened database."""
        ...

    def take_keys_back(self) -> None:
        """Give the document the keys again after a dialog closes."""
        ...


class FileActions(QObject):
    """Import, export and database switching for one window; slow work runs in workers."""

    def __init__(self, window: FileWindow, parent: QWidget, settings: QSettings, recent_menu: QMenu) -> None:
        super().__init__(parent)
        self.window = window
        self.parent_widget = parent
        self.settings = settings
        self.recent_menu = recent_menu
        self.runs: list[WorkerRun] = []
        self.progress_dialog = None
        self.failure_box: QMessageBox | None = None
        self.versions_box: QMessageBox | None = None  # the question of an import whose versions differ
        self.last_import: WorkerRun | None = None

    # ------------------------------------------------------------ import and export

    def choose_import(self, kind: DialogKind | None = None) -> None:
        """Ask for files (or a folder: of text and JSONL files, or a brat collection) and a dataset, then
        import them off the GUI thread."""
        from gui.file_dialogs import DialogKind

        kind = DialogKind.OPEN_MANY if kind is None else kind
        title = "Import a folder" if kind is DialogKind.FOLDER else "Import documents"
        start = self.window.db_path.parent
        paths = ask_for_paths(file_dialog(self.parent_widget, title, kind, start, IMPORT_FILTER))
        if not paths:
            return
        document = self.window.current_document
        from PySide6.QtWidgets import QInputDialog

        dataset, ok = QInputDialog.getText(
            self.parent_widget,
            "Import into dataset",
            "Dataset:",
            text=document.dataset if document else "default",
        )
        if ok and dataset.strip():
            self.start_import(paths, dataset.strip())

    def choose_folder_import(self) -> None:
        """File ▸ Import a folder: ``choose_import`` with a dialog that picks folders."""
        from gui.file_dialogs import DialogKind

        self.choose_import(DialogKind.FOLDER)

    def choose_cluster_import(self) -> None:
        """Ask for files, a dataset and a Dask cluster (remembered), then import pre-annotating there."""
        from gui.file_dialogs import DialogKind

        paths = ask_for_paths(
            file_dialog(
                self.parent_widget,
                "Import on a cluster",
                DialogKind.OPEN_MANY,
                self.window.db_path.parent,
                IMPORT_FILTER,
            )
        )
        if not paths:
            return
        from PySide6.QtWidgets import QInputDialog

        dataset, ok = QInputDialog.getText(
            self.parent_widget, "Import into dataset", "Dataset:", text="default"
        )
        if not ok or not dataset.strip():
            return
        from gui import cluster_job  # the cluster import's module loads when first used

        chosen = cluster_job.ask_cluster(
            self.parent_widget,
            str(self.settings.value("import/cluster", cluster_job.DEFAULT_ADDRESS)),
            _setting_int(self.settings.value("import/shard_size"), cluster_job.DEFAULT_SHARD_SIZE),
        )
        if chosen is not None:
            address, shard_size = chosen
            self.settings.setValue("import/cluster", address)
            self.settings.setValue("import/shard_size", shard_size)
            self.start_import(paths, dataset.strip(), cluster=address, shard_size=shard_size)

    def start_import(
        self,
        paths: list[Path],
        dataset: str,
        model: str | None = None,
        existing: str | None = None,
        cluster: str | None = None,
        shard_size: int | None = None,
    ) -> WorkerRun:
        """Import files in a worker thread with a progress dialog; the window stays usable. Records whose
        annotator has another version of their text already: ``existing`` says what to do, else the
        window asks (``versions_box``) and imports again with the answer. ``cluster``: pre-annotate on
        that Dask cluster (``cluster_job``) in shards of ``shard_size`` documents (default 500), its shards
        and rate shown in the dialog."""
        from gui import cluster_job  # loaded with the first cluster import

        status = cluster_job.ClusterStatus(self) if cluster else None
        job = (
            cluster_job.cluster_import_job(
                paths, dataset, cluster, status, model, existing, shard_size or cluster_job.DEFAULT_SHARD_SIZE
            )
            if cluster and status
            else import_job(paths, dataset, model, existing)
        )
        run = self._run(job, f"Importing {counted(len(paths), 'file')}…")
        if status is not None and self.progress_dialog is not None:
            status.text.connect(self.progress_dialog.setLabelText)
        target = self.window.db_path
        again = (paths, dataset, model, cluster, shard_size)  # an answer must not make it a local run
        run.finished.connect(lambda report: self._on_imported(report, target, again))
        run.failed.connect(lambda message: self.show_failure("Import failed", message))
        run.start()
        self.last_import = run
        return run

    def _ask_existing(self, conflicts: Exception, again: ImportAgain) -> None:
        """Ask whether to keep the stored versions or replace them, then import again (or not)."""
        from gui.version_choice import existing_box  # loaded with the first such question

        box = existing_box(self.parent_widget, f"{conflicts}.\n\nNothing was imported yet.")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _result: self._existing_chosen(box, again))
        box.finished.connect(self.window.take_keys_back)
        self.versions_box = box
        box.open()

    def _existing_chosen(self, box: QMessageBox, again: ImportAgain) -> None:
        from gui.version_choice import existing_choice

        choice = existing_choice(box)
        if choice is None:
            self.window.statusBar().showMessage("Import cancelled; nothing was imported", 10000)
            return
        paths, dataset, model, cluster, shard_size = again
        self.start_import(paths, dataset, model, existing=choice, cluster=cluster, shard_size=shard_size)

    def _on_imported(self, report, target: Path, again: ImportAgain) -> None:
        elsewhere = target != self.window.db_path  # the person opened another database meanwhile
        if isinstance(report, Exception) and elsewhere:  # asking would import into the other database
            count = len(getattr(report, "conflicts", ()))
            self.window.statusBar().showMessage(
                f"Import into {target} stopped: {counted(count, 'record')} "
                f"{agreeing(count, 'differs', 'differ')} from versions stored there, and "
                f"another database is open now. Nothing was imported; open {target.name} and import again "
                "to choose what to keep.",
                0,
            )
            return
        if isinstance(report, Exception):  # VersionConflicts: the person chooses, then it runs again
            self._ask_existing(report, again)
            return
        try:
            if not elsewhere:
                self.window.refresh_contents()
        except (store.StoreError, sqlite3.Error) as error:
            reason = store.describe_error(error) if isinstance(error, sqlite3.Error) else str(error)
            self.show_failure("Imported, but the database could not be read again", reason)
            return
        self.window.statusBar().showMessage(
            f"Imported {counted(report.added, 'document', grouped=True)}"
            f"{f' into {target}' if elsewhere else ''} "
            f"({report.duplicates:,} already there, "
            f"{report.preannotated:,} pre-annotated{_versions_note(report)}). "
            f"{report.differing_note()}".rstrip(),
            0 if report.differing else 10000,
        )

    def choose_export(self, fmt: str) -> None:
        """Ask where to export in ``fmt``, then export off the GUI thread."""
        from gui.file_dialogs import DialogKind
        from gui.version_choice import add_version_choice, chosen_version

        suffix = {f: s for f, _title, s in EXPORT_FORMATS}[fmt]
        folder = self.window.db_path.parent
        if suffix:
            start, name_filter = folder / f"annotations.{suffix}", f"*.{suffix}"
        else:  # the format writes a folder: the name of a new one, made by the export
            start, name_filter = folder / f"annotations-{fmt}", "A new folder (*)"
        dialog = file_dialog(self.parent_widget, f"Export {fmt}", DialogKind.SAVE, start, name_filter)
        versions = add_version_choice(dialog, fmt, store.annotators(self.window.db))
        paths = ask_for_paths(dialog)
        if paths:
            self.start_export(fmt, paths[0], chosen_version(versions))

    def start_export(self, fmt: str, output: Path, version: str = "current") -> WorkerRun:
        """Export the answered documents (``version``: whose, as ``spandesk export --version``) in a worker
        thread."""
        run = self._run(export_job(fmt, output, version=version), f"Exporting {fmt}…")
        run.finished.connect(lambda report: self._on_exported(report, output))
        run.failed.connect(lambda message: self.show_failure("Export failed", message))
        run.start()
        return run

    def _on_exported(self, report, output: Path) -> None:
        """Say what the export wrote; an export that wrote nothing (or left a split side empty) says why."""
        spans = counted(report.spans, "span", grouped=True)
        done = f"Exported {counted(report.documents, 'document', grouped=True)}, {spans} to {output}"
        if report.warnings:
            self.show_failure(
                "Export: nothing was left out silently", f"{done}.\n\n" + "\n".join(report.warnings)
            )
        else:
            self.window.statusBar().showMessage(done, 10000)

    def choose_backup(self) -> None:
        """Ask for a new file name, then copy the database there off the GUI thread."""
        from gui.file_dialogs import DialogKind

        start = self.window.db_path.with_name(f"{self.window.db_path.stem}-backup.db")
        dialog = file_dialog(self.parent_widget, "Back up database", DialogKind.SAVE, start, "*.db")
        from PySide6.QtWidgets import QFileDialog

        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # a backup never replaces a file
        paths = ask_for_paths(dialog)
        if paths:
            self.start_backup(paths[0])

    def start_backup(self, target: Path) -> WorkerRun | None:
        """Write a consistent copy of the database to ``target`` in a worker thread.

        When the database file was deleted or replaced, only the window's own connection still
        reads it: the copy is then made from that connection, on this thread (None is returned).
        """
        if self.window.database_gone():
            self._rescue(target)
            return None
        run = self._run(backup_job(target), "Backing up the database…")
        run.finished.connect(lambda _t: self.window.statusBar().showMessage(f"Backed up to {target}", 10000))
        run.failed.connect(lambda message: self.show_failure("Backup failed", message))
        run.start()
        return run

    def _rescue(self, target: Path) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            backup_job(target)(self.window.db, lambda _done, _total: None, lambda: False)
        except Exception as error:  # noqa: BLE001 - shown as a message, like a worker's failure
            self.show_failure("Backup failed", str(error) or type(error).__name__)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.window.statusBar().showMessage(f"Backed up to {target}", 0)

    def _run(self, job, title: str) -> WorkerRun:
        run = WorkerRun(Worker(self.window.db_path, job, self.window.database_identity), self)
        self.progress_dialog = progress_dialog(self.parent_widget, title, run)
        run.done.connect(lambda: self.runs.remove(run) if run in self.runs else None)
        self.runs.append(run)
        return run

    def cancel_all(self) -> None:
        """Cancel running imports and exports (nothing half-done is stored) and wait for them; an import's
        open question is answered Cancel."""
        if self.versions_box is not None and self.versions_box.isVisible():
            self.versions_box.close()
        for run in list(self.runs):
            run.cancel()
            run.wait()

    def show_failure(self, title: str, message: str) -> None:
        """A non-blocking message box, echoed in the status bar."""
        self.window.statusBar().showMessage(f"{title}: {message}", 15000)
        from PySide6.QtWidgets import QMessageBox

        box = message_box(QMessageBox.Icon.Warning, title, message, self.parent_widget)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.failure_box = box

    # ------------------------------------------------------------ databases

    def choose_database(self) -> None:
        """Open another database file."""
        from gui.file_dialogs import DialogKind

        folder = self.window.db_path.parent
        dialog = file_dialog(
            self.parent_widget, "Open database", DialogKind.OPEN_ONE, folder, "*.db;;All files (*)"
        )
        paths = ask_for_paths(dialog)
        if paths:
            self.open_database(paths[0])

    def choose_new_database(self) -> None:
        """Create a new, empty database file and switch to it."""
        from gui.file_dialogs import DialogKind

        suggestion = self.window.db_path.parent / "new.db"
        paths = ask_for_paths(
            file_dialog(self.parent_widget, "New database", DialogKind.SAVE, suggestion, "*.db")
        )
        if paths:
            self.open_database(paths[0], create=True)

    def open_database(self, path: Path, create: bool = False) -> bool:
        """Switch the window to another database (a clear message if it cannot be used).

        Only File ▸ New database makes a new file: a recent database that is no longer there is
        reported, never silently replaced by an empty one.
        """
        if not create and not os.path.lexists(path):
            self.show_failure(
                "Cannot open database",
                f"{path}: no longer exists (was it moved, renamed or deleted?); nothing was opened",
            )
            return False
        try:
            db = store.open_store(path)
        except store.StoreError as error:
            self.show_failure("Cannot open database", str(error))
            return False
        self.window.switch_database(db, path)
        return True

    def remember_recent(self, path: Path) -> None:
        """Put a database first in the Open Recent menu."""
        recent = [p for p in self.recent_databases() if p != str(path.resolve())]
        recent.insert(0, str(path.resolve()))
        self.settings.setValue("recent_databases", recent[:MAX_RECENT])
        self.recent_menu.clear()
        for entry in recent[:MAX_RECENT]:
            action = self.recent_menu.addAction(menu_text(entry))
            action.triggered.connect(lambda _c=False, chosen=entry: self.open_database(Path(chosen)))

    def recent_databases(self) -> list[str]:
        """Databases opened lately, newest first."""
        value = self.settings.value("recent_databases", [])
        return [value] if isinstance(value, str) else list(value or [])


def _setting_int(value: object, default: int) -> int:
    """A positive number kept in the settings (an INI file gives it back as text), else ``default``."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if number > 0 else default


def _versions_note(report) -> str:
    """``, 1 new version (bob)`` for the status bar ('' when the import added no person's version)."""
    note = report.versions_note()
    return f", {note}" if note else ""
