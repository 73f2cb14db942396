"""The File menu's work: import and export off the GUI thread, opening databases, the recent list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from annotations import store
from gui.workers import Worker, WorkerRun, export_job, import_job, progress_dialog

if TYPE_CHECKING:
    from gui.main_window import MainWindow

EXPORT_FORMATS = (
    ("prodigy", "Prodigy JSONL", "jsonl"),
    ("doccano", "doccano JSONL", "jsonl"),
    ("spacy", "spaCy DocBin", "spacy"),
)
MAX_RECENT = 8


class FileActions(QObject):
    """Import, export and database switching for one window; slow work runs in workers."""

    def __init__(self, window: MainWindow, settings: QSettings, recent_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.recent_menu = recent_menu
        self.runs: list[WorkerRun] = []
        self.progress_dialog = None
        self.failure_box: QMessageBox | None = None

    # ------------------------------------------------------------ import and export

    def choose_import(self) -> None:
        """Ask for files and a dataset, then import them off the GUI thread."""
        paths, _ = QFileDialog.getOpenFileNames(
            self.window,
            "Import documents",
            "",
            "Text and JSONL (*.txt *.jsonl *.json *.ndjson);;All files (*)",
        )
        if not paths:
            return
        document = self.window.controller.document
        dataset, ok = QInputDialog.getText(
            self.window, "Import into dataset", "Dataset:", text=document.dataset if document else "default"
        )
        if ok and dataset.strip():
            self.start_import([Path(p) for p in paths], dataset.strip())

    def start_import(self, paths: list[Path], dataset: str, model: str | None = None) -> WorkerRun:
        """Import files in a worker thread with a progress dialog; the window stays usable."""
        run = self._run(import_job(paths, dataset, model), f"Importing {len(paths)} file(s)…")
        run.finished.connect(self._on_imported)
        run.failed.connect(lambda message: self.show_failure("Import failed", message))
        run.start()
        return run

    def _on_imported(self, report) -> None:
        self.window.refresh_contents()
        self.window.statusBar().showMessage(
            f"Imported {report.added:,} document(s) ({report.duplicates:,} already there, "
            f"{report.preannotated:,} pre-annotated). {report.differing_note()}".rstrip(),
            0 if report.differing else 10000,
        )

    def choose_export(self, fmt: str) -> None:
        """Ask where to export in ``fmt``, then export off the GUI thread."""
        suffix = {f: s for f, _title, s in EXPORT_FORMATS}[fmt]
        path, _ = QFileDialog.getSaveFileName(
            self.window, f"Export {fmt}", f"annotations.{suffix}", f"*.{suffix}"
        )
        if path:
            self.start_export(fmt, Path(path))

    def start_export(self, fmt: str, output: Path) -> WorkerRun:
        """Export the answered documents in a worker thread."""
        run = self._run(export_job(fmt, output), f"Exporting {fmt}…")
        run.finished.connect(
            lambda report: self.window.statusBar().showMessage(
                f"Exported {report.documents:,} document(s), {report.spans:,} span(s) to {output}", 10000
            )
        )
        run.failed.connect(lambda message: self.show_failure("Export failed", message))
        run.start()
        return run

    def _run(self, job, title: str) -> WorkerRun:
        run = WorkerRun(Worker(self.window.db_path, job), self.window)
        self.progress_dialog = progress_dialog(self.window, title, run)
        run.done.connect(lambda: self.runs.remove(run) if run in self.runs else None)
        self.runs.append(run)
        return run

    def cancel_all(self) -> None:
        """Cancel running imports and exports (nothing half-done is stored) and wait for them."""
        for run in list(self.runs):
            run.cancel()
            run.wait()

    def show_failure(self, title: str, message: str) -> None:
        """A non-blocking message box, echoed in the status bar."""
        self.window.statusBar().showMessage(f"{title}: {message}", 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self.window)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.failure_box = box

    # ------------------------------------------------------------ databases

    def choose_database(self) -> None:
        """Open another database file."""
        folder = str(self.window.db_path.parent)
        path, _ = QFileDialog.getOpenFileName(self.window, "Open database", folder, "*.db;;All files (*)")
        if path:
            self.open_database(Path(path))

    def choose_new_database(self) -> None:
        """Create a new, empty database file and switch to it."""
        suggestion = str(self.window.db_path.parent / "new.db")
        path, _ = QFileDialog.getSaveFileName(self.window, "New database", suggestion, "*.db")
        if path:
            self.open_database(Path(path))

    def open_database(self, path: Path) -> bool:
        """Switch the window to another database (a clear message if it cannot be used)."""
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
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _c=False, chosen=entry: self.open_database(Path(chosen)))

    def recent_databases(self) -> list[str]:
        """Databases opened lately, newest first."""
        value = self.settings.value("recent_databases", [])
        return [value] if isinstance(value, str) else list(value or [])
