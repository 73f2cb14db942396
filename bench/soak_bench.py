"""A day's work in one process: does the window's memory and latency stay where they start?

Run by ``run.py --only soak`` in fresh subprocesses with ``QT_QPA_PLATFORM=offscreen``:

- ``soak_bench.py short DB STEPS``: the window on a generated database (``synth.py``), ``STEPS`` steps
  to the next document by key, each timed until the viewport has repainted: on every third step the
  step is A (accept, which moves on), on the others Right; before every second step one span of the
  document is relabelled with a label key. RSS (after a full collection) every 1,000 steps; the median
  and 95th percentile of the next-document and accept times over the first and the last 500 steps.
- ``soak_bench.py long DB STEPS``: two ~100,000-word documents, alternately opened (Right, Left) and
  given one relabel each; RSS after every step.

Driven as ``window_bench.py`` drives the window (``open_window``, ``repaint_time``).
"""

from __future__ import annotations

import gc
import statistics
import sys
from pathlib import Path

from harness import current_rss_mib, ensure_repo_on_path, report
from window_bench import open_window, paint_counter, repaint_time

ensure_repo_on_path()

WINDOW = 500  # steps in each of the first and last stretches compared


def rss_now() -> float:
    """RSS in MiB after a full collection (what stays, not what waits for the collector)."""
    gc.collect()
    return current_rss_mib()


def percentiles(times: list[float]) -> dict:
    """Median and 95th percentile of a series of milliseconds."""
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered) if ordered else 0.0,
        "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0,
        "count": len(ordered),
    }


def relabel_one(app, window, view, counter) -> None:
    """Relabel the first span of the document with a label key (any other label than its own)."""
    from PySide6.QtTest import QTest

    spans = window.controller.document.spans
    if not spans:
        return
    span = spans[len(spans) // 2] if len(spans) > 2 else spans[0]
    window.keyboard.select(span)
    app.processEvents()
    key = next(k for k in "123" if window.label_bar.label_for_key(k) not in (None, span.label))
    repaint_time(app, counter, lambda: QTest.keyClick(view, key))


def run_short(db_path: Path, steps: int) -> dict:
    """Next document / accept ``steps`` times, relabelling on every second step."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app, window = open_window(db_path)
    view = window.view
    counter = paint_counter(view.viewport())
    memory = [rss_now()]
    moves: list[tuple[int, str, float]] = []
    for step in range(steps):
        if step % 2 == 0:
            relabel_one(app, window, view, counter)
        key, kind = (Qt.Key.Key_A, "accept") if step % 3 == 0 else (Qt.Key.Key_Right, "next")
        moves.append((step, kind, repaint_time(app, counter, lambda key=key: QTest.keyClick(view, key))))
        if (step + 1) % 1000 == 0:
            memory.append(rss_now())
    first = [m for m in moves if m[0] < WINDOW]
    last = [m for m in moves if m[0] >= steps - WINDOW]
    return {
        "steps": steps,
        "rss": memory,
        "edits": window.controller.undo_stack.count(),
        "first": {kind: percentiles([t for _s, k, t in first if k == kind]) for kind in ("next", "accept")},
        "last": {kind: percentiles([t for _s, k, t in last if k == kind]) for kind in ("next", "accept")},
        "queue_rows": window.queue_model.rowCount(),
    }


def run_long(db_path: Path, steps: int) -> dict:
    """Alternate between the two long documents, one relabel on each visit."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app, window = open_window(db_path)
    view = window.view
    counter = paint_counter(view.viewport())
    words = len(window.controller.document.text.split())
    spans = len(window.controller.document.spans)
    memory = [rss_now()]
    for step in range(steps):
        relabel_one(app, window, view, counter)
        key = Qt.Key.Key_Right if step % 2 == 0 else Qt.Key.Key_Left
        repaint_time(app, counter, lambda key=key: QTest.keyClick(view, key), limit=60)
        memory.append(rss_now())
    return {"steps": steps, "rss": memory, "words": words, "spans": spans}


def build_two_long_documents(path: Path, words: int) -> int:
    """A database holding two generated articles of about ``words`` words each."""
    import synth
    from corpus import Generator

    items = [Generator(seed).long_document(words) for seed in (11, 12)]
    return synth.build_database(path, items, seed=11, answered=False)


def main(argv: list[str]) -> None:
    """Entry point for one soak in this (fresh) process."""
    mode, db_path, steps = argv[0], Path(argv[1]), int(argv[2])
    report(run_short(db_path, steps) if mode == "short" else run_long(db_path, steps))


if __name__ == "__main__":
    main(sys.argv[1:])
