"""Long documents open at once and an edit repaints only what changed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window, stored_keys
from PySide6.QtCore import Qt

from annotations.model import Span

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


@pytest.mark.parametrize(
    "words, paragraph_every", [(100_000, 60), (50_000, None)], ids=["100k-words", "one-300k-block"]
)
def test_a_long_document_opens_at_once_and_relabels_without_lag(
    qtbot, tmp_path: Path, words, paragraph_every
):
    text = _long_text(words, paragraph_every)
    path = tmp_path / "long.db"
    spans = _spans_on_paris(text)
    make_database(path, [text], [spans])
    began = time.perf_counter()
    window = open_window(qtbot, path)
    opened = time.perf_counter() - began
    key(window.view, Qt.Key.Key_Tab)
    window.view.select_span(window.view.span_index.spans[len(spans) // 2])
    window.view.repaint()
    began = time.perf_counter()
    key(window.view, Qt.Key.Key_2)  # relabel as ORG: stored, then only its block is repainted
    window.view.repaint()
    relabelled = time.perf_counter() - began
    assert stored_keys(path, 1)[len(spans) // 2][2] == "ORG"
    assert opened < 5.0, f"opening took {opened:.2f}s"
    assert relabelled < 0.25, f"relabelling took {relabelled * 1000:.0f} ms"
