"""The window: start-up to the first painted document, lazy queue, spaCy not loaded, memory, and the
time from a key press to the end of the viewport's repaint (next document; relabel a span).

Run by ``run.py`` in fresh subprocesses with ``QT_QPA_PLATFORM=offscreen``:
``window_bench.py bare|painting|startup|next|edit DB [COUNT]`` (``painting``: the bare window whose
text view also paints one highlight in Python, ``run_painting``). A key press is timed until the events it
caused have been processed and the document's viewport has painted. Start-up times are measured from the
moment the parent launched the process (``BENCH_LAUNCH``, a ``time.time()``), so interpreter
start, imports, opening the database and the first paint all count, on both sides.

The window is built the way ``gui.app.main`` builds it (``gui.app.build_window``, then ``show``),
but with a throw-away QSettings file and without entering the event loop: events are processed by
hand until the document's viewport has painted.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import ensure_repo_on_path, peak_rss_mib, report

ensure_repo_on_path()


def since_launch() -> float:
    """Seconds since the parent launched this process."""
    return time.time() - float(os.environ.get("BENCH_LAUNCH", time.time()))


def paint_counter(widget):
    """An event filter counting the paint events ``widget`` receives (keep a reference to it)."""
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    counter = PaintCounter()
    widget.installEventFilter(counter)
    return counter


def process_until_painted(app, counter, limit: float = 60.0) -> None:
    """Process events until the watched widget has painted once (a paint event has been handled)."""
    deadline = time.perf_counter() + limit
    while counter.count == 0:
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError("the window never painted")


def first_document_text(db_path: Path) -> str:
    """The text of the queue's first document (what both windows show)."""
    import sqlite3

    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("SELECT text FROM documents ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        connection.close()


def run_bare(db_path: Path, editor_class: type | None = None) -> dict:
    """A bare PySide6 window: QApplication, QMainWindow, a QPlainTextEdit showing the same text."""
    from PySide6.QtWidgets import QApplication, QMainWindow, QPlainTextEdit

    app = QApplication(sys.argv)
    window = QMainWindow()
    editor = (editor_class or QPlainTextEdit)()
    editor.setPlainText(first_document_text(db_path))
    window.setCentralWidget(editor)
    window.resize(1320, 840)
    counter = paint_counter(editor.viewport())
    window.show()
    process_until_painted(app, counter)
    return {"first_paint": since_launch(), "peak_rss": peak_rss_mib()}


def run_painting(db_path: Path) -> dict:
    """The bare window whose text view paints one highlight behind its text in Python, as any view of spans
    must: its first ``QPainter.setPen`` or ``setBrush`` makes PySide6 build the ``Qt`` namespace's 93
    Python enums (~20 ms), which the bare window never touches (PySide6 6.11). What a PySide6 window that
    draws anything itself starts from."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtWidgets import QPlainTextEdit

    class HighlightingEditor(QPlainTextEdit):
        def paintEvent(self, event) -> None:  # noqa: ANN001, N802 (Qt's name)
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#1f2328"))
            painter.setBrush(QColor("#ffe08a"))
            painter.drawRoundedRect(QRectF(4, 4, 60, 18), 4, 4)
            painter.end()
            super().paintEvent(event)

    return run_bare(db_path, HighlightingEditor)


def open_window(db_path: Path):
    """The application and spandesk's main window on ``db_path``, shown, first document painted."""
    from gui.app import build_window, import_sample_if_empty  # the core, then Qt: as `spandesk` does

    # isort: split
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(db_path, settings)
    if window is None:
        raise RuntimeError(f"the window could not open {db_path}")
    counter = paint_counter(window.view.viewport())
    window.show()
    import_sample_if_empty(window)  # as gui.app.main does before its event loop (a no-op here)
    process_until_painted(app, counter)
    if window.controller.document is None:
        raise RuntimeError("the window painted without a document")
    return app, window


def run_startup(db_path: Path) -> dict:
    """``spandesk gui --db DB``, the command a user types: time to the first painted document, spaCy,
    the queue's rows, peak memory. The command runs as its console script does (``annotations.launch``,
    the ``spandesk`` script of pyproject.toml, then the front end, ``gui.app.main``); only its event loop is
    replaced by one that stops once the document has painted (``QSettings`` go to a throw-away folder, see
    ``run.py``)."""
    from annotations.launch import main

    # isort: split
    from PySide6.QtWidgets import QApplication

    shown = {}

    def until_first_paint(app) -> int:
        from gui.main_window import MainWindow

        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        process_until_painted(app, paint_counter(window.view.viewport()))
        shown["app"], shown["window"] = app, window
        return 0

    QApplication.exec = until_first_paint
    sys.argv = ["spandesk", "gui", "--db", str(db_path)]
    try:
        main()
    except SystemExit as leaving:
        if leaving.code:
            raise RuntimeError(f"spandesk exited with {leaving.code}") from None
    first_paint = since_launch()
    app, window = shown["app"], shown["window"]
    if window.controller.document is None:
        raise RuntimeError("the window painted without a document")
    spacy_loaded = "spacy" in sys.modules
    rows = window.queue_model.rowCount()
    total = window.queue_model.total
    app.processEvents()
    return {
        "first_paint": first_paint,
        "spacy_loaded": spacy_loaded,
        "queue_rows": rows,
        "queue_total": total,
        "peak_rss": peak_rss_mib(),
        "document_chars": len(window.controller.document.text),
    }


def repaint_time(app, counter, action, limit: float = 10.0) -> float:
    """Milliseconds from ``action()`` (a key press) until the events it caused, including the
    viewport's repaint, have been processed (``counter`` counts the viewport's paint events).

    An action that never repaints the viewport is an error, not a fast result.
    """
    painted = counter.count
    start = time.perf_counter()
    action()
    while counter.count == painted:
        app.processEvents()
        if time.perf_counter() - start > limit:
            raise RuntimeError("the key press did not repaint the document")
    return (time.perf_counter() - start) * 1000


def summary(times: list[float]) -> dict:
    """Median and worst of a series of milliseconds."""
    return {"median_ms": statistics.median(times), "worst_ms": max(times), "count": len(times)}


def run_next(db_path: Path, count: int) -> dict:
    """Press Right ``count`` times (next document), timing each until the repaint ends."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app, window = open_window(db_path)
    view = window.view
    counter = paint_counter(view.viewport())
    first = window.controller.document.id
    times = [repaint_time(app, counter, lambda: QTest.keyClick(view, Qt.Key.Key_Right)) for _ in range(count)]
    moved = window.controller.document.id != first
    return {
        **summary(times),
        "moved": moved,
        "peak_rss": peak_rss_mib(),
        "spacy_loaded": "spacy" in sys.modules,
    }


def run_edit(db_path: Path, count: int) -> dict:
    """On the long document: open it, then relabel ``count`` visible spans with a label key each."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    app, window = open_window(db_path)
    view = window.view
    counter = paint_counter(view.viewport())
    document = window.controller.document
    words = len(document.text.split())
    keys = {window.label_bar.label_for_key(key): key for key in "123"}
    bottom = view.cursorForPosition(QPoint(view.viewport().width(), view.viewport().height())).position()
    visible = [s for s in document.spans if view.display.to_qt(s.end) <= bottom] or list(document.spans[:20])
    times = []
    for index in range(count):
        span = next(
            s
            for s in window.controller.document.spans
            if s.key()[:2] == visible[index % len(visible)].key()[:2]
        )
        window.keyboard.select(span)
        app.processEvents()
        key = next(k for label, k in keys.items() if label and label != span.label)
        times.append(repaint_time(app, counter, lambda key=key: QTest.keyClick(view, key)))
    relabelled = window.controller.undo_stack.count()
    return {
        **summary(times),
        "words": words,
        "spans": len(document.spans),
        "edits": relabelled,
        "visible_spans": len(visible),
    }


def main(argv: list[str]) -> None:
    """Entry point for one measurement in this (fresh) process."""
    mode, db_path = argv[0], Path(argv[1])
    count = int(argv[2]) if len(argv) > 2 else 100
    runners = {
        "bare": lambda: run_bare(db_path),
        "painting": lambda: run_painting(db_path),
        "startup": lambda: run_startup(db_path),
        "next": lambda: run_next(db_path, count),
        "edit": lambda: run_edit(db_path, count),
    }
    report(runners[mode]())


if __name__ == "__main__":
    main(sys.argv[1:])
