"""Where the document view draws spans, and what a click there finds: checked in this process or, run as
``python look_driver.py DB`` (with QT_SCALE_FACTOR set, say), in a child of its own; prints the problems
found, one a line, then ``CHECKED n`` (n: the spans checked)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QRectF, QSettings
from PySide6.QtGui import QTextCursor


def caret_rect(view, offset: int):
    """The caret rectangle (viewport coordinates) of a code-point offset."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.display.to_qt(offset))
    return view.cursorRect(cursor)


def geometry_problems(view) -> tuple[list[str], int]:
    """Every span in view: a click on its text finds it, its offsets map back exactly, its mark stays
    inside its own line and its tag inside the spacing above its text (touching no other line)."""
    problems: list[str] = []
    pieces = view._mark_pieces(QRectF(view.viewport().rect()))
    checked = set()
    for piece in pieces:
        span = view.span_index.spans[piece.index]
        first, after = caret_rect(view, span.start), caret_rect(view, span.start + 1)
        point = QPoint((first.left() + after.left()) // 2, first.center().y())
        if view.span_at(point) != span:
            problems.append(f"a click on {span.key()} found {view.span_at(point)}")
        if view.offset_at(QPoint(first.left(), first.center().y())) != span.start:
            problems.append(f"offset_at the start of {span.key()} is {view.offset_at(first.topLeft())}")
        if piece.open_left:
            continue
        checked.add(span.key())
        line = caret_rect(view, span.start)
        tag = view.style.tag_width(span.label)
        tag_top = piece.box.top() - view.style.tag_metrics.height()
        if tag_top < line.top() - 0.5:
            problems.append(f"the tag of {span.key()} reaches above its line ({tag_top} < {line.top()})")
        if piece.box.bottom() > line.bottom() + 0.5:
            problems.append(f"the mark of {span.key()} reaches below its line")
        if tag <= 0:
            problems.append(f"the tag of {span.key()} has no width")
    return problems, len(checked)


def main(path: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from annotations import store
    from gui.main_window import MainWindow

    app = QApplication(sys.argv)
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(path, store.open_store(path), "tester", settings)
    window.resize(1000, 700)
    window.show()
    app.processEvents()
    window.view.repaint()
    problems, checked = geometry_problems(window.view)
    for problem in problems:
        print(problem)
    print(f"CHECKED {checked} scale={os.environ.get('QT_SCALE_FACTOR', '1')}", flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
