"""A million documents: what a person feels on a huge database, against baselines measured in the same run.

``run.py --only million`` builds (once, cached in ``bench/.cache/``) databases of 100,000 and 1,000,000
generated posts and measures, each in a fresh subprocess: window start-up against a bare PySide6 window,
the window's memory at both sizes, next document, scrolling the queue to its end (first page vs last
page), the status filter and the search box, export and merge. Worker modes of this script:
``million_bench.py build N`` (print the cached database's path), ``million_bench.py queue DB``,
``million_bench.py typing DB [WORD]`` (the GUI thread's longest stall while WORD is typed letter by letter
into the queue's search box, each letter after the search pause, until the last search is shown) and
``million_bench.py refresh DB [WORD]`` (with WORD in the queue's search box, what an import into the open
window does once stored: the GUI thread's longest stall and when the new list is shown) and
``million_bench.py merge DB FOLDER`` (the real ``spandesk merge`` of DB into a new team database in FOLDER,
against sqlite3 ATTACH + INSERT ... SELECT of the same rows (``merge_bench.bare_copy``), then the same merge
again, nothing to change).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from harness import BENCH, ensure_repo_on_path, peak_rss_mib, report

ensure_repo_on_path()

CACHE = Path(os.environ.get("SPANDESK_BENCH_CACHE", BENCH / ".cache"))


def cached_database(documents: int, seed: int = 21) -> Path:
    """A database of ``documents`` generated posts, built once and kept in the bench cache folder.

    The file name holds the size, the seed and the number of schema migrations, so a new schema builds
    a new file; a build is written under a temporary name and renamed when complete.
    """
    import synth

    from annotations.migrations import KNOWN_MIGRATIONS

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"posts-{documents}-seed{seed}-schema{len(KNOWN_MIGRATIONS)}.db"
    if not path.exists():
        partial = path.with_name(path.name + ".building")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        synth.build_posts_database(partial, documents, seed=seed)
        partial.rename(path)
    return path


def run_queue(db_path: Path) -> dict:
    """Scroll the queue model to its end, page by page, and time the first and last pages; then, on a
    queue just opened, the pending filter and a search, as the queue panel runs them."""
    from PySide6.QtCore import QModelIndex

    from annotations import store
    from gui.queue_model import QueueModel

    db = store.open_store(db_path, read_only=True)
    model = QueueModel(db)
    pages: list[float] = []
    started = time.perf_counter()
    while model.canFetchMore(QModelIndex()):
        began = time.perf_counter()
        model.fetchMore(QModelIndex())
        pages.append(time.perf_counter() - began)
    scrolled = time.perf_counter() - started
    rows = model.rowCount()
    model = QueueModel(db)  # the filters from a queue just opened (not one holding every row loaded)
    began = time.perf_counter()
    model.set_filter(["pending"])
    pending = time.perf_counter() - began
    pending_total = model.total
    began = time.perf_counter()
    model.set_filter(None, "berlin")
    search = time.perf_counter() - began
    found = model.total
    searches = {}  # a rare word, a word in most posts, two letters (read every text: too short to index)
    for word in ("vostrakh", "the", "be"):
        began = time.perf_counter()
        model.set_filter(None, word)
        searches[word] = [(time.perf_counter() - began) * 1000, model.total]
    first, last = sum(pages[:5]) / len(pages[:5]), sum(pages[-5:]) / len(pages[-5:])
    return {
        "rows": rows,
        "pages": len(pages),
        "scroll_s": scrolled,
        "first_page_ms": first * 1000,
        "last_page_ms": last * 1000,
        "pending_ms": pending * 1000,
        "pending_total": pending_total,
        "search_ms": search * 1000,
        "search_total": found,
        "searches": searches,
        "peak_rss": peak_rss_mib(),
    }


def run_typing(db_path: Path, word: str = "the", gap_ms: int = 400, tick_ms: int = 5) -> dict:
    """Type ``word`` into the queue panel's search box, one letter every ``gap_ms`` (longer than the search
    pause: every letter starts a search), and time the gaps between ticks of a ``tick_ms`` timer on the GUI
    thread (its longest stall) until the last search's rows and count are shown; also when they were."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from annotations import store
    from gui.queue_model import QueueModel
    from gui.queue_panel import QueuePanel
    from gui.workers import file_identity

    app = QApplication.instance() or QApplication([])
    db = store.open_store(db_path, read_only=True)
    panel = QueuePanel()
    if hasattr(panel, "attach"):  # the queue read off the GUI thread (before it: read on it)
        panel.attach(db_path, file_identity(db_path))
    model = QueueModel(db)
    panel.set_model(model)
    panel.show()
    ticks: list[float] = []
    timer = QTimer(interval=tick_ms, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    started, cpu = time.perf_counter(), time.process_time()
    timer.start()
    for position in range(len(word)):
        QTimer.singleShot(
            gap_ms * position, lambda typed=word[: position + 1]: panel.search_box.setText(typed)
        )
    last_typed = started + gap_ms * (len(word) - 1) / 1000
    shown = counted = None
    while counted is None and time.perf_counter() - started < 120:
        app.processEvents()
        if model.search == word and shown is None:
            shown = time.perf_counter()
        if model.search == word and not getattr(panel, "searching", False):
            counted = time.perf_counter()
        time.sleep(0.001)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)] or [0.0]
    if hasattr(panel, "stop_search"):
        panel.stop_search()
    return {
        "word": word,
        "longest_stall_ms": max(gaps) * 1000,
        "first_page_after_last_letter_ms": ((shown or started) - last_typed) * 1000,
        "count_after_last_letter_ms": ((counted or started) - last_typed) * 1000,
        "total": model.total,
        "cpu_s": time.process_time() - cpu,
    }


def run_refresh(db_path: Path, word: str = "the", tick_ms: int = 5) -> dict:
    """The window with ``word`` in its queue's search box, then what an import into the open window does
    once it is stored (``MainWindow.refresh_contents``): the GUI thread's longest stall (the gaps between
    ticks of a ``tick_ms`` timer), the call itself, and when the new list and its count were shown."""
    from PySide6.QtCore import Qt, QTimer
    from window_bench import open_window

    app, window = open_window(db_path)
    panel = window.queue_panel

    def settle() -> None:
        while panel.searching:
            app.processEvents()
            time.sleep(0.001)

    panel.search_box.setText(word)
    panel.filter_later()
    settle()
    ticks: list[float] = []
    timer = QTimer(interval=tick_ms, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    app.processEvents()
    started = time.perf_counter()
    window.refresh_contents()
    returned = time.perf_counter()
    settle()
    shown = time.perf_counter()
    app.processEvents()
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)] or [0.0]
    panel.stop_search()
    return {
        "word": word,
        "longest_stall_ms": max(max(gaps), returned - started) * 1000,
        "refresh_call_ms": (returned - started) * 1000,
        "list_shown_ms": (shown - started) * 1000,
        "total": window.queue_model.total,
    }


def run_merge(db_path: Path, folder: Path) -> dict:
    """``spandesk merge --db TEAM.db DB`` into a new team database, the bare sqlite3 copy of the same rows,
    and the merge again (every document there already)."""
    from merge_bench import bare_copy, spandesk_merge

    team, bare = folder / "million-team.db", folder / "million-bare.db"
    try:
        merged = spandesk_merge(team, [db_path])
        baseline = bare_copy(bare, [db_path])
        again = spandesk_merge(team, [db_path])
    finally:
        for path in folder.glob("million-*.db*"):
            path.unlink()
    return {"seconds": merged, "bare": baseline, "again": again}


def main(argv: list[str]) -> None:
    """One measurement in this (fresh) process."""
    mode = argv[0]
    if mode == "build":
        started = time.perf_counter()
        path = cached_database(int(argv[1]))
        report({"path": str(path), "seconds": time.perf_counter() - started})
    elif mode == "queue":
        report(run_queue(Path(argv[1])))
    elif mode == "typing":
        report(run_typing(Path(argv[1]), *argv[2:3]))
    elif mode == "refresh":
        report(run_refresh(Path(argv[1]), *argv[2:3]))
    elif mode == "merge":
        report(run_merge(Path(argv[1]), Path(argv[2])))
    else:
        modes = "build N | queue DB | typing DB [WORD] | refresh DB [WORD] | merge DB FOLDER"
        raise SystemExit(f"unknown mode {mode!r}: {modes}")


if __name__ == "__main__":
    main(sys.argv[1:])
