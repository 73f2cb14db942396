"""The first start says what is happening while the sample article is pre-annotated, with progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QProgressBar

from gui.app import build_window, import_sample_if_empty


def test_the_page_says_the_sample_is_being_prepared_with_progress_then_shows_it(qtbot, tmp_path: Path):
    window = build_window(
        tmp_path / "first.db", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    run = import_sample_if_empty(window)
    page = window.view.placeholderText()
    assert page.startswith("First start: importing the sample article and pre-annotating it with spaCy")
    assert "No documents yet" not in page
    bars = [bar for bar in window.statusBar().findChildren(QProgressBar) if bar.isVisible()]
    assert len(bars) == 1
    counts: list[tuple[int, int]] = []
    run.progress.connect(lambda done, total: counts.append((done, total)))
    with qtbot.waitSignal(run.done, timeout=120_000):
        pass
    assert counts and counts[-1][0] == counts[-1][1] == 1  # the bar and the page counted the document
    qtbot.waitUntil(lambda: not [b for b in window.statusBar().findChildren(QProgressBar) if b.isVisible()])
    assert window.view.placeholderText().startswith("No documents yet")  # for a database emptied later
    assert window.current_document is not None and window.current_document.dataset == "sample"
