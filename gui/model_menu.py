"""The Model menu: "Train from my corrections…" runs ``spandesk train`` in a child process.

The child does the work (spaCy in another process: the window never waits for it, and Cancel ends it
with SIGTERM, which the command turns into its Ctrl+C clean-up, so nothing is left half-written). Its
output (spaCy's table of steps, losses and scores) is shown as it comes; when it ends, the scores per
label are read from the model's row in the database.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import annotations
from annotations import store
from annotations.counting import counted

if TYPE_CHECKING:  # the training module loads when a model's scores are first shown
    from annotations.training import Scores

CURRENT_MODEL = "The model that pre-annotated this database"
BLANK_MODEL = "Nothing: a blank model"
STEP_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+\d")  # a row of spaCy's table: epoch, step, losses, scores
EXIT_CANCELLED = 130
KILL_AFTER_MS = 15_000  # a child that has not cleaned up by then is ended at once


def show_train_dialog(window: QMainWindow) -> TrainDialog:
    """The window's training dialog (one at a time), shown and raised."""
    dialog = getattr(window, "train_dialog", None)
    if dialog is None:
        dialog = TrainDialog(window.db_path, lambda: window.db, window)  # type: ignore[attr-defined]
        dialog.finished.connect(window.take_keys_back)  # type: ignore[attr-defined]
        window.train_dialog = dialog  # type: ignore[attr-defined]
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()  # it has the keys, not the documents behind it
    return dialog


def train_arguments(
    db_path: Path, output: Path, base: str | None, eval_split: float, max_steps: int
) -> list[str]:
    """The ``spandesk train`` arguments the dialog's choices stand for."""
    arguments = ["train", "--db", str(db_path), "-o", str(output), "--eval-split", f"{eval_split:g}"]
    arguments += ["--max-steps", str(max_steps)]
    return arguments + (["--base", base] if base else [])


class TrainingProcess(QObject):
    """``spandesk train`` in a child process: its output line by line, its step, its end."""

    line = Signal(str)
    step = Signal(int)
    ended = Signal(int)  # the exit code (130: cancelled)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self._pending = ""

    def start(self, arguments: list[str]) -> None:
        """Start the child (signals are connected already)."""
        environment = QProcessEnvironment.systemEnvironment()
        root = str(Path(annotations.__file__).parents[1])  # this spandesk, wherever it runs from
        paths = [root, environment.value("PYTHONPATH")] if environment.contains("PYTHONPATH") else [root]
        environment.insert("PYTHONPATH", ":".join(paths))
        environment.insert("PYTHONUNBUFFERED", "1")
        self.process.setProcessEnvironment(environment)
        self.process.start(sys.executable, ["-c", "from annotations.cli import main; main()", *arguments])

    def running(self) -> bool:
        """Whether the child is at work."""
        return self.process.state() != QProcess.ProcessState.NotRunning

    @Slot()
    def cancel(self) -> None:
        """Ask the child to stop and clean up (SIGTERM); end it outright if it has not soon."""
        if self.running():
            self.process.terminate()
            QTimer.singleShot(KILL_AFTER_MS, self, self._kill)

    def _kill(self) -> None:
        if self.running():
            self.process.kill()

    @Slot()
    def _read(self) -> None:
        self._pending += bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace")
        *lines, self._pending = self._pending.split("\n")
        for text in lines:
            self.line.emit(text.rstrip())
            match = STEP_ROW.match(text)
            if match:
                self.step.emit(int(match.group(2)))

    @Slot(int, QProcess.ExitStatus)
    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read()
        if self._pending.strip():
            self.line.emit(self._pending.rstrip())
        self._pending = ""
        crashed = status == QProcess.ExitStatus.CrashExit
        self.ended.emit(EXIT_CANCELLED if crashed and code == 0 else code)


class TrainDialog(QDialog):
    """Choices, progress and Cancel of a training; the scores per label when it ends."""

    def __init__(self, db_path: Path, database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path, self.database = db_path, database  # database: the window's connection, when asked
        self.setWindowTitle("Train from my corrections")
        self.resize(720, 560)
        self.training = TrainingProcess(self)
        self.training.line.connect(self._show_line)
        self.training.step.connect(self._show_step)
        self.training.ended.connect(self._ended)
        self.output: Path | None = None
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_form())
        self.progress = QProgressBar()
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log.setMaximumBlockCount(2000)
        self.status = QLabel("Trains on the accepted documents; a part is held out to score the model.")
        self.status.setWordWrap(True)
        self.scores = QTableWidget(0, 4)
        self.scores.setHorizontalHeaderLabels(["Label", "Precision", "Recall", "F"])
        self.scores.verticalHeader().hide()
        self.scores.hide()
        for widget in (self.progress, self.log, self.status, self.scores):
            layout.addWidget(widget)
        layout.addLayout(self._build_buttons())

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        self.output_edit = QLineEdit(str(self._default_output()))
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_output)
        row = QHBoxLayout()
        row.addWidget(self.output_edit)
        row.addWidget(choose)
        form.addRow("Save the model in", row)
        self.base_box = QComboBox(editable=True)
        self.base_box.addItems([CURRENT_MODEL, BLANK_MODEL])
        form.addRow("Start from", self.base_box)
        self.split_box = QDoubleSpinBox(minimum=0.05, maximum=0.5, singleStep=0.05, value=0.2)
        form.addRow("Hold out for scoring", self.split_box)
        self.steps_box = QSpinBox(minimum=1, maximum=1_000_000, value=2000)
        form.addRow("Steps at most", self.steps_box)
        return form

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel training")
        self.close_button = QPushButton("Close")
        self.train_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.cancel_button.setEnabled(False)
        for button in (self.train_button, self.cancel_button, self.close_button):
            row.addWidget(button)
        return row

    def _default_output(self, parent: Path | None = None) -> Path:
        """A new folder name (of the time) in ``parent``, by default models/ beside the database."""
        folder = parent or self.db_path.parent / "models"
        name = time.strftime("model-%Y%m%d-%H%M%S")
        candidate, number = folder / name, 1
        while candidate.exists():
            number += 1
            candidate = folder / f"{name}-{number}"
        return candidate

    def _choose_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to hold the model's folder")
        if folder:
            self.output_edit.setText(str(Path(folder) / Path(self.output_edit.text()).name))

    def base(self) -> str | None:
        """The --base the choice stands for (None: the database's model)."""
        text = self.base_box.currentText().strip()
        return {CURRENT_MODEL: None, BLANK_MODEL: "blank", "": None}.get(text, text)

    @Slot()
    def start(self) -> None:
        """Start training with the chosen settings."""
        if self.training.running():
            return
        self.output = Path(self.output_edit.text()).expanduser()
        from annotations.training import output_problem

        try:
            problem = output_problem(self.output, force=False, database=self.db_path)
        except OSError as error:
            problem = (f"cannot be looked at ({_reason(error)})", "")
        if problem is not None:  # said in the dialog's words (the command's advice names -o and --force)
            reason, _command_advice = problem
            self.status.setText(f"{self.output}: {reason}; choose a new or empty folder to save the model in")
            return
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.status.setText(f"{self.output.parent}: cannot be made ({_reason(error)}); choose another")
            return
        arguments = train_arguments(
            self.db_path, self.output, self.base(), self.split_box.value(), self.steps_box.value()
        )
        self.log.clear()
        self.scores.hide()
        self.progress.setRange(0, self.steps_box.value())
        self.progress.setValue(0)
        self.status.setText("Training… the window stays usable; Cancel stops it and keeps nothing.")
        self.train_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.training.start(arguments)

    @Slot()
    def cancel(self) -> None:
        """Stop the training; nothing is kept."""
        self.status.setText("Cancelling…")
        self.training.cancel()

    @Slot(str)
    def _show_line(self, text: str) -> None:
        self.log.appendPlainText(text)

    @Slot(int)
    def _show_step(self, step: int) -> None:
        self.progress.setValue(min(step, self.progress.maximum()))

    @Slot(int)
    def _ended(self, code: int) -> None:
        self.train_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if code == 0:
            self.progress.setValue(self.progress.maximum())
            self._show_model()
            self.output_edit.setText(str(self._default_output(self.output.parent)))  # Train again: a new one
        elif code == EXIT_CANCELLED:
            self.status.setText("Training cancelled; no model was written or registered.")
        else:
            errors = [line for line in self.log.toPlainText().splitlines() if line.startswith("Error:")]
            self.status.setText(errors[-1] if errors else f"Training failed (exit code {code}).")

    def _show_model(self) -> None:
        rows = [m for m in store.registered_models(self.database()) if Path(m.path) == self.output.absolute()]
        if not rows:
            self.status.setText(f"Training ended, but no model at {self.output} is registered.")
            return
        model = rows[-1]
        from annotations.training import Scores

        self.show_scores(Scores.from_json(model.scores))
        self.status.setText(
            f"Saved {model.name} {model.version} to {model.path}: "
            f"trained on {counted(model.documents, 'document')} "
            f"({counted(model.spans, 'span')}). Scores on the held-out documents:"
        )

    def show_scores(self, scores: Scores) -> None:
        """The per-label scores, then all labels together, in the table."""
        rows = [*((label, s.p, s.r, s.f) for label, s in scores.per_label.items())]
        rows.append(("all labels", scores.p, scores.r, scores.f))
        self.scores.setRowCount(len(rows))
        for index, (label, *figures) in enumerate(rows):
            self.scores.setItem(index, 0, QTableWidgetItem(label))
            for column, figure in enumerate(figures, start=1):
                self.scores.setItem(index, column, QTableWidgetItem(f"{figure:.1%}"))
        self.scores.resizeColumnsToContents()
        self.scores.show()

    def shutdown(self, milliseconds: int = 20_000) -> None:
        """Cancel a running training and wait for the child to clean up (the window is closing)."""
        if self.training.running():
            self.training.process.terminate()
            if not self.training.process.waitForFinished(milliseconds):
                self.training.process.kill()
                self.training.process.waitForFinished(2000)


def _reason(error: OSError) -> str:
    """Why a folder could not be made, in words."""
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return "a file is in the way: it is not a folder"
    return error.strerror or str(error)
