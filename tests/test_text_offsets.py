"""Offsets: code points against Qt's UTF-16 positions, graphemes, and tokens split at span edges."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from annotations.model import Span, Token
from annotations.text import (
    ROOM_EVERY,
    DisplayText,
    grapheme_bounds,
    snap_to_graphemes,
    snap_to_tokens,
    split_tokens,
    tokens_for_spans,
    utf16_length,
)

TRICKY = [
    "a",
    " ",
    "\n",
    "\r\n",
    "\r",
    "é",
    "e\u0301",
    "😀",
    "👨‍👩‍👧",
    "🇫🇷",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\t",
    "x",
    "北",
    "京",
    "ア",
    "の",
    "。",
    "\ufe01",  # a variation selector: stays with the ideograph before it
    "\u3099",  # a combining voiced sound mark
    "\u302a",  # an ideographic tone mark
]
tricky_text = st.lists(st.sampled_from(TRICKY), max_size=40).map("".join)
unicode_text = st.text(max_size=60)


HAN_AND_KANA = [(0x3041, 0x3096), (0x309D, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                (0xFF66, 0xFF9D)]  # fmt: skip


MARKS = [(0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0x302A, 0x302F),
         (0x3099, 0x309A), (0xFE00, 0xFE0F), (0xFE20, 0xFE2F), (0xE0100, 0xE01EF)]  # fmt: skip


def may_get_room(text: str, index: int) -> bool:
    """Whether ``text[index]`` may be shown followed by an invisible room maker: a Han or kana character not
    followed by a combining mark."""
    if not 0 <= index < len(text):
        return False
    following = ord(text[index + 1]) if index + 1 < len(text) else 0
    han_or_kana = any(low <= ord(text[index]) <= high for low, high in HAN_AND_KANA)
    return han_or_kana and not any(low <= following <= high for low, high in MARKS)


def ends_a_line_without_room(text: str, index: int) -> bool:
    """Whether ``text[index]`` is the last character of a line (before a line break or the text's end) and
    neither a space nor a tab (which have the tall spacing) nor a line break itself."""
    line_ends = "\n\r\u2028\u2029"
    last = index + 1 == len(text) or text[index + 1] in line_ends
    return 0 <= index < len(text) and last and text[index] not in " \t" + line_ends


def gets_room(text: str, index: int) -> bool:
    """Whether the window shows a room maker after ``text[index]``: the last character of a line that does
    not end in a space or tab; of a run of Han or kana characters the first or the last, or every
    ROOM_EVERY-th of the run after its first."""
    if ends_a_line_without_room(text, index):
        return True
    if not may_get_room(text, index):
        return False
    first = index
    while may_get_room(text, first - 1):
        first -= 1
    last = not may_get_room(text, index + 1)
    return index == first or last or (index - first) % ROOM_EVERY == 0


def reference_qt_position(text: str, offset: int) -> int:
    """Qt's position computed the slow, obvious way: UTF-16 units of the prefix, CR-before-LF removed,
    one more unit for each room maker."""
    prefix = text[:offset].replace("\r\n", "\n")
    if prefix.endswith("\r") and text[offset : offset + 1] == "\n":
        prefix = prefix[:-1]
    return utf16_length(prefix) + sum(gets_room(text, index) for index in range(offset))


@given(st.one_of(tricky_text, unicode_text))
def test_every_code_point_maps_to_the_utf16_position_qt_uses(text: str) -> None:
    display = DisplayText.of(text)
    for offset in range(len(text) + 1):
        assert display.to_qt(offset) == reference_qt_position(text, offset)
    assert display.qt_length == utf16_length(display.display)


@given(st.one_of(tricky_text, unicode_text))
def test_qt_positions_map_back_to_the_code_point_they_came_from(text: str) -> None:
    display = DisplayText.of(text)
    for offset in range(len(text) + 1):
        back = display.from_qt(display.to_qt(offset))
        assert display.to_qt(back) == display.to_qt(offset)
        assert back >= offset or text[back:offset] == "\r"


# Characters at the edges of the Han and kana ranges and of the marks, and others: right-to-left, a BOM, an
# emoji with its variation selector, an astral ideograph (not in the ranges), CR, LF and a line separator.
EDGES = ["a", "é", "\u05d0", "\u200f", "\u3040", "\u3041", "\u3096", "\u3097", "\u4e00", "\uff9d", "\uff9e",
         "\u302a", "\u0301", "\ufe0f", "\U000e0100", "\U00020000", "😀", "\ufeff", "\r", "\n",
         "\u2028"]  # fmt: skip


def test_every_short_text_of_edge_characters_maps_as_the_reference_says() -> None:
    """Every text of up to three of them: texts that cannot hold a Han or kana character (no room maker is
    looked for) and texts that do, against the reference."""
    for text in ("".join(chars) for length in range(4) for chars in itertools.product(EDGES, repeat=length)):
        display = DisplayText.of(text)
        assert [display.to_qt(i) for i in range(len(text) + 1)] == [
            reference_qt_position(text, i) for i in range(len(text) + 1)
        ], ascii(text)
        makers = [i for i in range(len(text)) if gets_room(text, i)]
        assert display.display.count("\u034f") == len(makers), ascii(text)


def test_a_position_inside_a_surrogate_pair_maps_to_the_emoji_start() -> None:
    display = DisplayText.of("a😀b ")
    assert [display.to_qt(i) for i in range(5)] == [0, 1, 3, 4, 5]
    assert display.from_qt(2) == 1


def test_crlf_counts_as_one_break_and_the_cr_has_no_width() -> None:
    display = DisplayText.of("ab \r\ncd ")
    assert display.display == "ab \ncd "
    assert [display.to_qt(i) for i in range(8)] == [0, 1, 2, 3, 3, 4, 5, 6]
    assert display.from_qt(4) == 5


def test_han_and_kana_get_an_invisible_room_maker_the_offsets_step_over() -> None:
    text = "北京の\u845b\U000e0100城。A "  # an ideograph with a variation selector keeps it next to it
    display = DisplayText.of(text)
    assert display.display == "北\u034f京の\u034f\u845b\U000e0100城\u034f。A "  # a run's first and last
    assert [display.to_qt(i) for i in range(len(text) + 1)] == [0, 2, 3, 5, 6, 8, 10, 11, 12, 13]
    assert display.from_qt(1) == 1 and display.from_qt(2) == 1  # before a room maker: after its character
    assert display.display.replace("\u034f", "") == text
    tone = DisplayText.of("北\u302a京")  # an ideographic tone mark stays next to its character too
    assert tone.display == "北\u302a京\u034f"


def test_characters_qt_rewrites_are_shown_one_for_one() -> None:
    text = "\ufeffHi \u2028there\x00\u00a0! "
    display = DisplayText.of(text)
    assert len(display.display) == len(text)
    assert display.display.startswith("\u2060")
    assert "\x00" not in display.display
    assert "\u00a0" in display.display


def test_grapheme_bounds_keep_emoji_sequences_and_combining_marks_whole() -> None:
    text = "a👨‍👩‍👧b🇫🇷e\u0301"
    assert grapheme_bounds(text, 2) == (1, 6)
    assert grapheme_bounds(text, 8) == (7, 9)
    assert grapheme_bounds(text, 10) == (9, 11)
    assert grapheme_bounds(text, 6) == (6, 6)
    assert snap_to_graphemes(text, 3, 8) == (1, 9)


def test_snapping_a_selection_to_tokens_widens_it_to_whole_tokens() -> None:
    tokens = (Token(0, 5), Token(6, 11), Token(12, 15))
    assert snap_to_tokens(tokens, 2, 7) == (0, 11)
    assert snap_to_tokens(tokens, 11, 12) is None
    assert snap_to_tokens(tokens, 5, 6) is None


def test_a_span_inside_a_token_splits_that_token() -> None:
    text = "the borderPutin has"
    tokens = (Token(0, 3), Token(4, 15), Token(16, 19))
    span = Span(10, 15, "PERSON")
    split = tokens_for_spans(tokens, [span])
    assert [text[t.start : t.end] for t in split] == ["the", "border", "Putin", "has"]
    assert split.index(Token(span.start, span.end)) == 2  # token_start == token_end == 2


@given(st.lists(st.integers(0, 30), max_size=8))
def test_splitting_tokens_keeps_every_character_they_covered(cuts: list[int]) -> None:
    tokens = (Token(0, 7), Token(8, 20), Token(21, 30))
    split = split_tokens(tokens, cuts)
    covered = {i for t in split for i in range(t.start, t.end)}
    assert covered == {i for t in tokens for i in range(t.start, t.end)}
    assert all(t.start < t.end for t in split)
    assert {t.start for t in split} >= {c for c in cuts if any(t.start < c < t.end for t in tokens)}


def test_a_long_paragraph_is_shown_in_blocks_broken_at_sentence_ends() -> None:
    sentence = "Putin met Xi in Beijing on Wednesday to talk about the border. "
    text = sentence * 5000 + "End "
    display = DisplayText.of(text)
    blocks = display.display.split("\n")
    assert max(len(block) for block in blocks) <= 2_000 and len(blocks) > 100
    # each block's last character (the sentence's full stop) gets the room for tags a space would give
    assert all(block.endswith(".\u034f") for block in blocks[:-1]) and blocks[-1].endswith("End ")
    shown = display.display.replace("\u034f", "")
    assert len(shown) == len(text)
    changed = [i for i, (a, b) in enumerate(zip(text, shown)) if a != b]
    assert len(changed) == len(blocks) - 1 and all(text[i] == " " and text[i - 1] == "." for i in changed)
    assert [display.to_qt(i) for i in (0, 1000, len(text))] == [0, 1000, len(text) + len(blocks) - 1]


def test_a_long_block_without_sentences_breaks_at_spaces_and_one_without_spaces_stays_whole() -> None:
    words = DisplayText.of("word " * 2000).display.split("\n")
    assert max(len(b) for b in words) <= 2_000 and len(words) > 1
    assert DisplayText.of("x" * 5000).display == "x" * 5000 + "\u034f"


def test_the_last_character_of_a_line_without_a_space_or_tab_at_its_end_gets_room_for_tags() -> None:
    """A line of one word, of words between tabs, or a paragraph's last line holding one word once the
    window wraps it (its space ends the line above): each has no space of its own to make its room."""
    text = "Angela Merkel visited Berlin.\nParis\r\nLondon\rWashington\tMoscow\u2028Tuesday.\n\nEnd \n"
    display = DisplayText.of(text)
    expected = "Angela Merkel visited Berlin.͏\nParis͏\nLondon͏\nWashington\tMoscow͏\nTuesday.͏\n\nEnd \n"
    assert display.display == expected.replace("͏", "\u034f")
    qt_ends = [display.to_qt(len("Angela Merkel visited Berlin.")), display.to_qt(len(text))]
    assert qt_ends == [len("Angela Merkel visited Berlin.") + 1, display.qt_length]  # past the room maker


def test_a_long_run_of_han_gets_a_room_maker_every_few_characters_not_after_each() -> None:
    """Every line of Chinese still holds one (a line holds more than ROOM_EVERY characters), and a long
    paragraph is shown ~3x faster than with one after every character (Qt lays out each as a run)."""
    text = "北京上海深圳广州都是大城市" * 100 + "。東京"
    display = DisplayText.of(text)
    makers = [i for i, c in enumerate(display.display) if c == "\u034f"]
    assert len(makers) <= len(text) // ROOM_EVERY + 4  # and the first and last of the two runs
    shown = [c for c in display.display]
    gaps = [b - a for a, b in zip(makers, makers[1:])]
    assert max(gaps) <= ROOM_EVERY + 1  # at most ROOM_EVERY characters between two
    assert shown[makers[0] - 1] == "北" and display.display.endswith("。東\u034f京\u034f")
    assert display.display.replace("\u034f", "") == text


def test_a_lone_cr_before_a_line_separator_is_a_break_of_its_own() -> None:
    """Not half of a CRLF: two breaks, as Qt shows them, and the offsets after them stay right."""
    display = DisplayText.of("a\r\u2028b ")
    assert display.display == "a\u034f\n\nb " and display.qt_length == utf16_length(display.display)
    assert display.to_qt(4) == 5
