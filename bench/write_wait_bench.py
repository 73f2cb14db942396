"""An answer given while another program holds the database's write lock: the GUI thread's longest stall and
how soon after the lock frees the answer is stored, with the window's write gate against the wait it had
before (SQLite's busy wait on the GUI thread, simulated by a first wait as long as the busy timeout).

``python bench/write_wait_bench.py [HOLD_SECONDS] [ROUNDS]`` runs both sides ROUNDS times, alternating, each
in a fresh interpreter (``write_wait_bench.py side gate|inline HOLD``) on a new three-document database; the
other program is a real process holding ``BEGIN IMMEDIATE`` for HOLD seconds (an import's write).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ensure_repo_on_path, report, run_worker

ensure_repo_on_path()

_HOLD = (
    "import sqlite3, sys, time\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN IMMEDIATE'); print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2])); c.execute('COMMIT'); print(time.monotonic(), flush=True)\n"
)


def run_side(side: str, hold: float) -> dict:
    """One answer (A) given while another process holds the write lock for ``hold`` seconds."""
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from synth import build_posts_database

    from annotations import store
    from gui.main_window import MainWindow
    from gui.write_gate import WriteGate

    if side == "inline":  # as before the gate: the whole wait in SQLite's busy handler, on the GUI thread
        WriteGate.FIRST_WAIT_SECONDS = store.BUSY_TIMEOUT_SECONDS
    folder = Path(tempfile.mkdtemp())
    path = folder / "wait.db"
    build_posts_database(path, 3)
    app = QApplication.instance() or QApplication([])
    window = MainWindow(
        path, store.open_store(path), "bench", QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
    )
    window.show()
    QTest.qWaitForWindowExposed(window)
    first = window.controller.document
    answer = "reject" if first.answer is not None and first.answer.value == "accept" else "accept"
    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), str(hold)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "held"
    ticks: list[float] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    ticks.append(time.monotonic())
    QTest.keyClick(window.view, Qt.Key.Key_A if answer == "accept" else Qt.Key.Key_X)
    ticks.append(time.monotonic())
    while window.controller.document.id == first.id:  # the answer stored moves the window on
        app.processEvents()
        time.sleep(0.001)
    stored_at = time.monotonic()
    released_at = float(writer.stdout.readline())
    writer.wait()
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return {
        "side": side,
        "longest_stall_ms": round(max(gaps) * 1000, 1),
        "stored_after_release_ms": round((stored_at - released_at) * 1000, 1),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["side"]:
        report(run_side(argv[1], float(argv[2])))
        return
    hold = float(argv[0]) if argv else 5.0
    rounds = int(argv[1]) if len(argv) > 1 else 3
    results: dict[str, list[dict]] = {"gate": [], "inline": []}
    for _ in range(rounds):
        for side in results:
            results[side].append(
                run_worker(
                    "write_wait_bench.py", "side", side, str(hold), env={"QT_QPA_PLATFORM": "offscreen"}
                )
            )
    summary = {
        side: {
            "longest_stall_ms": statistics.median(r["longest_stall_ms"] for r in runs),
            "stored_after_release_ms": statistics.median(r["stored_after_release_ms"] for r in runs),
        }
        for side, runs in results.items()
    }
    summary["stall_ratio_inline_to_gate"] = round(
        summary["inline"]["longest_stall_ms"] / summary["gate"]["longest_stall_ms"], 1
    )
    summary["hold_seconds"] = hold
    report(summary)


if __name__ == "__main__":
    main(sys.argv[1:])
