"""Offset helpers: code points against UTF-16, grapheme boundaries, token splitting.

Everything here is pure, so the GUI's offset mapping is tested without Qt.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from annotations.model import Span, Token

_ASTRAL_OR_CRLF = re.compile(r"[\U00010000-\U0010FFFF]|\r(?=\n)")
# The window gives lines their room for label tags through the spaces in them (gui/span_style.py); Chinese
# and Japanese have none, nor has a line of one word or of words between tabs, nor the last line of a
# paragraph when it holds one word (its space ends the line above). So Han or kana characters, and the last
# character of every line that does not end in a space or tab, are shown followed by a COMBINING GRAPHEME
# JOINER: invisible, no width, part of the character's cluster (line breaks and caret stops stay where they
# were), and given the tall spacing like a space. Not before a combining mark or variation selector, which
# must follow the character itself. Left out: a line the window cuts inside a word longer than the line.
ROOM_MAKER = "\u034f"
_HAN_OR_KANA = "\u3041-\u3096\u309d-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d"
_FIRST_HAN_OR_KANA = "\u3041"  # a text whose highest character is below it holds none
_MARKS = (  # the combining marks and variation selectors that may follow one
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u302a-\u302f\u3099\u309a"
    "\ufe00-\ufe0f\ufe20-\ufe2f\U000e0100-\U000e01ef"
)
# A room maker after the first and the last character of a run of them (``_room_runs``) and after every
# ROOM_EVERY-th between: a line holding any of a run holds one (a line of Chinese holds more than ROOM_EVERY
# characters), and a long paragraph opens ~3x faster than with one after every character (20,000 characters:
# 0.28 s -> 0.09 s CPU)
ROOM_EVERY = 8
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]]* ")
_LINE_END = re.compile("[\n\r\u2028\u2029]")  # what Qt shows as the end of a line
_SHOWN_AS_BREAKS = ("\r", "\u2028", "\u2029")  # lone (after CRLF became LF): Qt breaks the line there anyway
_ENDS_ROOMY = " \t\n\r\u2028\u2029"  # a line ending in one of these has room (or is empty)
_NON_SPACE = re.compile(r"\S+")


@cache
def _room_runs() -> re.Pattern[str]:
    """Runs of Han or kana characters side by side that may take a room maker, compiled on first use: sre
    walks each of the class's ~30,000 characters as it compiles it (~15 M instructions of the window's
    start)."""
    return re.compile(f"(?:[{_HAN_OR_KANA}](?![{_MARKS}]))+")


@cache
def _grapheme_pattern():  # noqa: ANN202 (a regex.Pattern; the module loads only when needed)
    """Extended grapheme clusters (UAX #29), from the ``regex`` module, imported on first use."""
    import regex

    return regex.compile(r"\X")


# Qt lays out a whole block again after any format change in it: long paragraphs are shown as
# blocks of at most this many characters, broken at a sentence end (or a space) where possible.
DISPLAY_BLOCK_TARGET = 1_000
DISPLAY_BLOCK_LIMIT = 2_000
# Characters Qt's text document rewrites or mishandles, and what we show instead (same width).
_DISPLAY_REPLACEMENTS = {
    0xFEFF: "\u2060",  # a leading BOM is dropped by Qt: show a word joiner instead
    **{c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)},
    0x7F: "\u2421",
    **{c: "\ufffd" for c in range(0xD800, 0xE000)},  # lone surrogates cannot reach Qt
}


@dataclass(frozen=True, slots=True)
class DisplayText:
    """The text as given to Qt, with maps between code points and Qt's UTF-16 positions.

    Qt counts UTF-16 units, turns CRLF into one break and drops a leading BOM. The display
    string avoids every rewrite: CR before LF is removed (zero width), other troublesome
    characters are replaced one for one, and Han and kana characters are followed by an invisible
    ``ROOM_MAKER``. Each code point is therefore 0, 1 or 2 units wide.
    """

    source: str
    display: str
    _event_cps: tuple[int, ...]
    _cumulative: tuple[int, ...]
    _passed_at: tuple[int, ...]
    _room_events: tuple[bool, ...]  # per event: a character and its room maker (not a surrogate pair)

    @classmethod
    def of(cls, text: str) -> DisplayText:
        """Build the display text and offset maps for ``text``."""
        events = [
            (match.start(), -1 if match.group() == "\r" else 1, False)
            for match in _ASTRAL_OR_CRLF.finditer(text)
        ]
        line_ends = [match.start() for match in _LINE_END.finditer(text)]
        breaks = long_block_breaks(text, line_ends)
        roomy = _needing_room(text, line_ends, breaks)
        if roomy:  # a character and its room maker: two units, like a surrogate pair
            events = sorted(events + [(cp, 1, True) for cp in roomy])  # two sorted runs: merged in one pass
        event_cps = [cp for cp, _, _ in events]
        cumulative = list(accumulate((delta for _, delta, _ in events), initial=0))
        passed_at = tuple(cp + 1 + cumulative[k + 1] for k, cp in enumerate(event_cps))
        shown = text.translate(_DISPLAY_REPLACEMENTS)  # one for one, before the room makers: fast on ASCII
        if breaks:  # spaces shown as line breaks (never right after a CR, which ends a line itself)
            shown = _replaced_at(shown, breaks, "\n")
        if roomy:
            shown = _with_room_makers(shown, roomy)
        # a CR before LF goes; then a lone CR and the line and paragraph separators are breaks (after: a CR
        # before a separator is a break of its own, not half of a CRLF)
        display = shown.replace("\r\n", "\n")
        for mark in _SHOWN_AS_BREAKS:
            display = display.replace(mark, "\n")
        room_events = tuple(room for _, _, room in events)
        return cls(text, display, tuple(event_cps), tuple(cumulative), passed_at, room_events)

    def to_qt(self, offset: int) -> int:
        """Qt's position for a code-point offset (0 <= offset <= len(text))."""
        if not self._event_cps:
            return offset
        return offset + self._cumulative[bisect.bisect_left(self._event_cps, offset)]

    def to_qt_many(self, offsets: Sequence[int]) -> list[int]:
        """Qt's positions for many offsets (identity, at C speed, for offsets before the first character Qt
        counts otherwise: an astral one, a CRLF, a room maker)."""
        if not self._event_cps or max(offsets, default=0) <= self._event_cps[0]:
            return list(offsets)
        return [self.to_qt(offset) for offset in offsets]

    def from_qt(self, position: int) -> int:
        """The last code-point offset whose Qt position is at or before ``position``; a position between a
        character and its room maker (the same place on screen as after both) is the one after it."""
        passed = bisect.bisect_right(self._passed_at, position)
        offset = position - self._cumulative[passed]
        if passed < len(self._event_cps) and not self._room_events[passed]:
            offset = min(offset, self._event_cps[passed])
        return max(0, min(offset, len(self.source)))

    @property
    def qt_length(self) -> int:
        """The number of UTF-16 units Qt holds for the text."""
        return self.to_qt(len(self.source))


def _needing_room(text: str, line_ends: Sequence[int], breaks: Sequence[int]) -> list[int]:
    """The characters that get a ``ROOM_MAKER`` after them, in order: the last of each line that ends in
    neither a space nor a tab (``line_ends``: where its line breaks are; ``breaks``: the spaces shown as
    line breaks), and of the Han and kana characters the first and the last of each run of them, and every
    ``ROOM_EVERY``-th between."""
    places = sorted(
        end - 1 for end in [*line_ends, *breaks, len(text)] if end and text[end - 1] not in _ENDS_ROOMY
    )
    if text.isascii() or max(text) < _FIRST_HAN_OR_KANA:  # none there: the pattern is not even compiled
        return places
    for run in _room_runs().finditer(text):
        first, last = run.start(), run.end() - 1
        places.append(first)
        places.extend(range(first + ROOM_EVERY, last, ROOM_EVERY))
        if last != first:
            places.append(last)
    return sorted(set(places))


def _with_room_makers(text: str, after: list[int]) -> str:
    """``text`` with a ``ROOM_MAKER`` after each character at ``after`` (joining slices: re.sub's template
    is several times slower)."""
    cuts = [cp + 1 for cp in after]
    return ROOM_MAKER.join([text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)])


def long_block_breaks(
    text: str, line_ends: Sequence[int], target: int = DISPLAY_BLOCK_TARGET, limit: int = DISPLAY_BLOCK_LIMIT
) -> list[int]:
    """The spaces to show as line breaks, so that no block runs past ``limit`` characters, in order
    (``line_ends``: where the text's own line breaks are)."""
    breaks: list[int] = []
    line_start = 0
    for line_end in [*line_ends, len(text)]:
        if line_end - line_start > limit:
            breaks.extend(_block_breaks(text, line_start, line_end, target, limit))
        line_start = line_end + 1
    return breaks


def _replaced_at(text: str, places: Sequence[int], by: str) -> str:
    """``text`` with the character at each of ``places`` (in order) replaced by ``by``."""
    pieces = [text[a:b] for a, b in zip([0, *(i + 1 for i in places)], [*places, len(text)], strict=True)]
    return by.join(pieces)


def _block_breaks(display: str, start: int, end: int, target: int, limit: int) -> list[int]:
    """Positions of the spaces to break a long line at, preferring sentence ends."""
    breaks: list[int] = []
    position = start
    while end - position > limit:
        sentence = _SENTENCE_END.search(display, position + target, position + limit)
        space = sentence.end() - 1 if sentence else display.rfind(" ", position + 1, position + limit)
        if space <= position:
            position += limit
            continue
        breaks.append(space)
        position = space + 1
    return breaks


def utf16_length(text: str) -> int:
    """How many UTF-16 code units encode ``text``."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cluster_window(text: str, offset: int) -> int:
    """A safe place to start grapheme segmentation before ``offset`` (a break before whitespace)."""
    low = max(0, offset - 256)
    for index in range(offset - 1, low - 1, -1):
        if text[index] in " \n\t":
            return index
    return low


def grapheme_bounds(text: str, offset: int) -> tuple[int, int]:
    """The start and end of the user-perceived character around ``offset``."""
    if offset <= 0 or offset >= len(text):
        return (max(0, min(offset, len(text))),) * 2
    position = _cluster_window(text, offset)
    for match in _grapheme_pattern().finditer(text, position, min(len(text), offset + 64)):
        if match.start() == offset:
            return offset, offset
        if match.start() < offset < match.end():
            return match.start(), match.end()
    return offset, offset


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``start:end`` so that neither edge cuts through a user-perceived character."""
    return grapheme_bounds(text, start)[0], grapheme_bounds(text, end)[1]


def token_index_at(tokens: Sequence[Token], offset: int) -> int:
    """The index of the token containing ``offset``, or of the first token after it."""
    starts = [token.start for token in tokens]
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and tokens[index].end > offset:
        return index
    return index + 1


def snap_to_tokens(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """Widen ``start:end`` to whole tokens; None when it covers no token."""
    first = token_index_at(tokens, start)
    touched = [t for t in tokens[first:] if t.start < end]
    if not touched:
        return None
    return min(touched[0].start, start), touched[-1].end


# Characters with no glyph and no width: a person cannot see one at a span's edge to leave it out (spaCy
# puts a leading BOM in the first token), and no entity starts or ends with one
_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u00ad")


def visible_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` shrunk past the white space and the invisible characters at its edges (a BOM, a
    zero-width space or joiner, a direction mark, a word joiner, a soft hyphen)."""
    return _shrunk(text, start, end, lambda character: character.isspace() or character in _INVISIBLE)


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``start:end`` so that it neither starts nor ends with white space."""
    return _shrunk(text, start, end, str.isspace)


def _shrunk(text: str, start: int, end: int, dropped: Callable[[str], bool]) -> tuple[int, int]:
    """``start:end`` without the characters at its edges that ``dropped`` says go (a range outside the
    text stays as it is)."""
    while start < end and dropped(text[start : start + 1]):
        start += 1
    while end > start and dropped(text[end - 1 : end]):
        end -= 1
    return start, end


def split_tokens(tokens: Sequence[Token], cuts: Iterable[int]) -> tuple[Token, ...]:
    """Split (sorted) tokens at each cut that falls strictly inside one (a span edge inside a token)."""
    starts = [token.start for token in tokens]
    inside: dict[int, list[int]] = {}
    for cut in set(cuts):
        index = bisect.bisect_right(starts, cut) - 1
        if index >= 0 and tokens[index].start < cut < tokens[index].end:
            inside.setdefault(index, []).append(cut)
    if not inside:
        return tuple(tokens)
    result: list[Token] = []
    for index, token in enumerate(tokens):
        if index not in inside:
            result.append(token)
            continue
        edges = [token.start, *sorted(inside[index]), token.end]
        result.extend(Token(a, b) for a, b in zip(edges, edges[1:]))
    return tuple(result)


def tokens_for_spans(tokens: Sequence[Token], spans: Iterable[Span]) -> tuple[Token, ...]:
    """The tokens split so that every span starts and ends on a token boundary."""
    cuts = [edge for span in spans for edge in (span.start, span.end)]
    return split_tokens(tokens, cuts)


def whitespace_tokens(text: str) -> tuple[Token, ...]:
    """A fallback tokenisation on white space (used only when no tokenizer is at hand)."""
    return tuple(Token(m.start(), m.end()) for m in _NON_SPACE.finditer(text))
