"""Long documents open at once and an edit repaints only what changed."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from gui_helpers import key, make_database, open_window, stored_keys
from look_driver import caret_rect
from PySide6.QtCore import Qt

from annotations.model import Span
from gui.main_window import MainWindow

WORDS = ("Angela", "Merkel", "visited", "Paris", "and", "Berlin", "with", "Emmanuel", "Macron")


def _long_text(words: int, paragraph_every: int | None) -> str:
    parts = []
    for i in range(words):
        parts.append(WORDS[i % len(WORDS)])
        parts.append("\n\n" if paragraph_every and i % paragraph_every == paragraph_every - 1 else " ")
    return "".join(parts)


def _spans_on_paris(text: str) -> list[Span]:
    spans, start = [], text.find("Paris")
    while start != -1:
        spans.append(Span(start, start + 5, "GPE"))
        start = text.find("Paris", start + 1)
    return spans


class LongDocument(NamedTuple):
    window: MainWindow
    text: str
    spans: list[Span]
    path: Path


def _open_long(qtbot, tmp_path: Path, words: int, paragraph_every: int | None) -> LongDocument:
    """A window on a database holding one long document with a GPE span on every "Paris"."""
    text = _long_text(words, paragraph_every)
    path = tmp_path / "long.db"
    spans = _spans_on_paris(text)
    make_database(path, [text], [spans])
    return LongDocument(open_window(qtbot, path), text, spans, path)


@pytest.mark.parametrize(
    "words, paragraph_every", [(100_000, 60), (50_000, None)], ids=["100k-words", "one-300k-block"]
)
def test_a_long_document_relabels_by_repainting_only_the_changed_line(
    qtbot, tmp_path: Path, monkeypatch, words, paragraph_every
):
    """Timing is measured by bench/run.py; here: the fast path repaints one block, and stays correct."""
    window, text, spans, path = _open_long(qtbot, tmp_path, words, paragraph_every)
    assert window.view.document().blockCount() > 100  # even the 300,000-character paragraph
    target = window.view.span_index.spans[len(spans) // 2]
    window.view.select_span(target)
    window.view.repaint()
    formatted: list[int] = []  # a relabel formats no text again (spans are painted over it)
    highlighter = window.view._highlighter
    rehighlight = highlighter.rehighlightBlock
    monkeypatch.setattr(
        highlighter,
        "rehighlightBlock",
        lambda block: (formatted.append(block.blockNumber()), rehighlight(block)),
    )
    viewport = window.view.viewport()
    update = viewport.update
    repainted: list[tuple] = []
    monkeypatch.setattr(viewport, "update", lambda *area: (repainted.append(area), update(*area)))
    key(window.view, Qt.Key.Key_2)  # relabel as ORG: stored, then only its line is repainted
    window.view.repaint()
    assert stored_keys(path, 1)[len(spans) // 2] == (target.start, target.end, "ORG")
    assert formatted == []
    line = caret_rect(window.view, target.start)
    assert repainted and all(len(area) == 4 for area in repainted)  # rectangles, never the whole view
    for _left, top, _width, height in repainted:
        assert top <= line.top() and top + height >= line.bottom() and height <= 3 * line.height()
    assert window.span_list.span_model.item(len(spans) // 2).text().startswith("ORG")


def test_a_new_span_in_a_long_document_replaces_only_what_it_overlaps(qtbot, tmp_path: Path):
    window, text, spans, path = _open_long(qtbot, tmp_path, 100_000, 60)
    middle = spans[len(spans) // 2]
    start = text.rindex("visited", 0, middle.start)  # "visited Paris", one span over both words
    added = window.controller.add_span(start, middle.end, "ORG")
    assert added is not None and (added.start, added.end, added.label) == (start, middle.end, "ORG")
    stored = stored_keys(path, 1)
    assert len(stored) == len(spans) and (start, middle.end, "ORG") in stored
    assert "Replaced GPE “Paris”" in window.statusBar().currentMessage()


def _rows(model) -> list[tuple]:
    """What the span list shows in each row (text, colour, tooltip, italics, the span)."""
    from gui.span_list import SpanRole

    rows = []
    for row in range(model.rowCount()):
        item = model.item(row)
        font = item.data(Qt.ItemDataRole.FontRole)
        rows.append(
            (
                item.text(),
                item.data(Qt.ItemDataRole.DecorationRole).name(),
                item.toolTip(),
                bool(font and font.italic()),
                item.data(Qt.ItemDataRole.ForegroundRole),
                item.data(SpanRole).key(),
                item.data(SpanRole).source,
            )
        )
    return rows


def test_after_edits_and_undo_the_view_and_span_list_match_a_fresh_rendering(qtbot, tmp_path: Path):
    """Edits update the span index and the span list in place; the result is what opening shows."""
    from gui.document_view import SpanIndex
    from gui.span_list import SpanListModel

    window, text, spans, path = _open_long(qtbot, tmp_path, 3_000, 40)
    controller = window.controller
    first, middle, last = spans[0], spans[len(spans) // 2], spans[-1]
    controller.relabel(middle, "ORG")
    controller.add_span(text.rindex("visited", 0, first.start), first.end, "PERSON")  # replaces first
    controller.remove_span(controller.document.spans[-1])
    controller.add_span(last.end + 1, last.end + 4, "ORG")
    controller.relabel(controller.document.spans[1], "GPE")
    window.undo()
    window.undo()
    controller.add_span(middle.start - 4, middle.start - 1, "DATE")
    document = controller.document
    assert [s.key() for s in document.spans] == stored_keys(path, 1)
    fresh = SpanIndex(document.spans, window.view.display)
    index = window.view.span_index
    assert (index.spans, index.qt_starts, index.qt_ends) == (fresh.spans, fresh.qt_starts, fresh.qt_ends)
    reference = SpanListModel()
    reference.describe = window.span_list.span_model.describe  # who proposed each span (its tooltip)
    reference.set_document(document, window.span_list.span_model.colours)
    assert _rows(window.span_list.span_model) == _rows(reference)


def test_opening_a_document_keeps_its_spans_out_of_the_cyclic_collector(qtbot, tmp_path: Path):
    """A full collection would otherwise rescan every span and token of a long document mid-edit."""
    import gc

    window = _open_long(qtbot, tmp_path, 2_000, 40).window
    spans = window.controller.document.spans
    tracked = {id(o) for o in gc.get_objects()}
    assert id(spans[0]) not in tracked and id(spans) not in tracked


def _layout_of(view) -> list[float]:
    """Each block's laid-out height (the document's lines and what the scroll bar counts)."""
    layout = view.document().documentLayout()
    block, heights = view.document().begin(), []
    while block.isValid():
        heights.append(layout.blockBoundingRect(block).height())
        block = block.next()
    return heights


def test_relabels_that_rewrap_lines_lay_out_as_a_fresh_rendering(qtbot, tmp_path: Path):
    """An edit repaints only its block, unless a wider label tag wraps a line: then Qt re-lays out all."""
    window = _open_long(qtbot, tmp_path, 2_000, 30).window
    view, controller = window.view, window.controller
    _settle(qtbot, view)  # edits made while Qt still lays the new document out compare with nothing fixed
    for round_ in range(2):
        for index in range(12):  # on the first screen: nothing scrolls, so only repaints show edits
            span = controller.document.spans[index]
            controller.relabel(span, "WORK_OF_ART" if (index + round_) % 2 else "GPE")  # widest tag
    assert view.verticalScrollBar().value() == 0
    edited, scroll_range, shown = _layout_of(view), view.verticalScrollBar().maximum(), _screen(view)
    view.show_document(controller.document, window.colours)
    assert _layout_of(view) == edited
    assert view.verticalScrollBar().maximum() == scroll_range
    assert _screen(view) == shown  # what the edits repainted is what a fresh rendering paints


def _settle(qtbot, view) -> None:
    """Wait until Qt has finished laying the shown document out (it does so lazily after the window shows)."""
    previous = None
    while previous != view.verticalScrollBar().maximum():
        previous = view.verticalScrollBar().maximum()
        qtbot.wait(60)


def _screen(view):
    """The document's pixels as last painted on screen (the window's backing store, not a fresh
    rendering), scrolled to the top, no span selected."""
    from PySide6.QtWidgets import QApplication

    view.select_span(None)
    QApplication.processEvents()
    viewport = view.viewport()
    corner = viewport.mapTo(viewport.window(), viewport.rect().topLeft())
    return (
        viewport.screen()
        .grabWindow(viewport.window().winId(), corner.x(), corner.y(), viewport.width(), viewport.height())
        .toImage()
    )
