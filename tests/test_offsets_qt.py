"""The text given to Qt keeps exactly the positions DisplayText computes (Qt rewrites nothing)."""

from __future__ import annotations

import pytest

QtGui = pytest.importorskip("PySide6.QtGui")

from annotations.text import ROOM_MAKER, DisplayText, utf16_length  # noqa: E402

SAMPLES = [
    "plain ascii text",
    "\ufeffBOM first, then CRLF\r\nand a lone CR\rend",
    "emoji 😀 and a family 👨‍👩‍👧 and a flag 🇫🇷, e\u0301 and NBSP\u00a0here",
    "line\u2028separator and paragraph\u2029separator\ttab\x00nul",
    "北京の城。A\r\n東京でアニメ",  # Han and kana: each followed by an invisible room maker
]


@pytest.mark.parametrize("text", SAMPLES)
def test_qt_document_positions_match_display_text(qapp, text: str) -> None:
    display = DisplayText.of(text)
    document = QtGui.QTextDocument()
    document.setPlainText(display.display)
    assert document.characterCount() - 1 == display.qt_length
    for start in range(len(text)):
        end = start + 1
        cursor = QtGui.QTextCursor(document)
        cursor.setPosition(display.to_qt(start))
        cursor.setPosition(display.to_qt(end), QtGui.QTextCursor.MoveMode.KeepAnchor)
        shown = cursor.selectedText().replace("\u2029", "\n")
        source = text[start:end]
        if source == "\r" and text[end : end + 1] == "\n":
            assert shown == ""
        else:  # the character, and the room maker after it if it has one (in a run of Han, not each has)
            assert shown == DisplayText.of(source).display.removesuffix(ROOM_MAKER) + (
                ROOM_MAKER if display.to_qt(end) - display.to_qt(start) > utf16_length(source) else ""
            )
