"""A child process for the reliability tests: the real window (offscreen), driven by its keyboard.

python window_driver.py DB SEED WORK_DIR

Presses random annotation keys on the document view (Tab, Delete, digits, a/x/space, arrows,
Ctrl+Z, Ctrl+Shift+Z) and prints ``ACK {json}`` (flushed) each time the window has stored an edit:
the document's id, revision, spans and answer as the window holds them after the commit. Every few keys it
also exports, imports and backs up through File-menu workers (their own connections in this process), waiting
for them to end, and prints ``WORKER kind`` when one ended. Prints ``FAIL message`` if the window
reports a failure, and runs until it is killed.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotations import store  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402

KEYS = (
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_2, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_3, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
)
WORKER_EVERY = 15


def say(line: str) -> None:
    """Print one line and flush it at once (the parent reads it as an acknowledgement)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def acknowledge_commits(window: MainWindow) -> None:
    """Print an ACK after every edit the window's controller has stored."""
    controller = window.controller
    apply = controller.apply

    def applied(edit):  # noqa: ANN001, ANN202 - wraps the controller's own method
        document = apply(edit)
        spans = [list(span.key()) for span in document.spans]
        answer = document.answer.value if document.answer else None
        say("ACK " + json.dumps({"id": document.id, "rev": document.rev, "spans": spans, "answer": answer}))
        return document

    controller.apply = applied
    for signal in (controller.failure, controller.conflict):
        signal.connect(lambda message: say("FAIL " + message.replace("\n", " ")))


def run_worker(app: QApplication, window: MainWindow, kind: str, work_dir: Path, step: int) -> None:
    """Export, import or back up through the File menu's worker and wait for it to end."""
    if kind == "export":
        run = window.files.start_export("prodigy", work_dir / f"window-export-{step % 3}.jsonl")
    elif kind == "backup":
        run = window.files.start_backup(work_dir / f"window-backup-{step}.db")
    else:
        run = window.files.start_import([work_dir / "extra.jsonl"], "extra")
    run.failed.connect(lambda message: say("FAIL worker: " + message.replace("\n", " ")))
    while window.files.runs:
        app.processEvents()
        QTest.qWait(5)
    say(f"WORKER {kind}")


def main() -> None:
    """Open the window on the database and press keys until killed."""
    db_path, seed, work_dir = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    app = QApplication.instance() or QApplication(sys.argv)
    settings = QSettings(str(work_dir / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db_path, store.open_store(db_path), "window", settings)
    window.show()
    QTest.qWaitForWindowExposed(window)
    acknowledge_commits(window)
    say("READY")
    rng = random.Random(seed)
    step = 0
    while True:
        step += 1
        window.view.setFocus()
        key, modifier = rng.choice(KEYS)
        QTest.keyClick(window.view, key, modifier)
        app.processEvents()
        if step % WORKER_EVERY == 0:
            run_worker(app, window, rng.choice(("export", "import", "backup")), work_dir, step)


if __name__ == "__main__":
    main()
