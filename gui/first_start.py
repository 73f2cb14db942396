"""The first start's page: while the bundled sample is imported and pre-annotated, the document area says
so, with progress, instead of "No documents yet" (spaCy takes a few seconds to load)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar

from gui.workers import WorkerRun

PREPARING = (
    "First start: importing the sample article and pre-annotating it with spaCy "
    "(loading the model takes a few seconds)…"
)


class FirstStartNotice:
    """Shows the sample's import on the page and in the status bar until it is done."""

    def __init__(self, window, run: WorkerRun) -> None:  # noqa: ANN001 - the MainWindow (no import cycle)
        self.window, self.empty_text = window, window.view.placeholderText()
        window.view.setPlaceholderText(PREPARING)
        window.view.viewport().update()
        self.bar = QProgressBar(textVisible=True, maximumWidth=220)
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.bar.setFormat("sample: %v of %m")
        window.statusBar().addPermanentWidget(self.bar)
        run.progress.connect(self.show_progress)
        run.done.connect(self.finish)

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` documents imported."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.window.view.setPlaceholderText(f"{PREPARING}\n{done} of {total} pre-annotated.")

    def finish(self) -> None:
        """The import ended (or failed: its own message says so): the page and status bar as usual."""
        self.window.view.setPlaceholderText(self.empty_text)
        self.window.statusBar().removeWidget(self.bar)
        self.bar.deleteLater()
