"""Tokens laid out the way spaCy lays out a Doc, split at every span edge, for the exporters.

spaCy's tokens cover the whole text: each token may be followed by one plain space (its
``whitespace_``, Prodigy's ``ws``); any other white space is a token of its own. Exported tokens
follow that rule, so ``"".join(word + " " * ws)`` gives back the text exactly, and every span edge
is a token edge (a space a span starts or ends with becomes its own token).

``export_layout`` works on flat lists of offsets (what the store holds) and lays out the common
cases without building a Python object per token; anything else goes to ``_general_words``, the
reference layout, which the fast path must always equal.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Sequence
from itertools import compress
from typing import NamedTuple

from annotations.model import Span, Token
from annotations.text import split_tokens, whitespace_tokens

Offsets = tuple[list[int], list[int], list[bool]]
"""Exported tokens as three parallel lists: starts, ends, and whether one space follows each."""
SpanKey = tuple[int, int, str]
"""A span as ``(start, end, label)``."""


class Word(NamedTuple):
    """An exported token: its range and whether one space follows it."""

    start: int
    end: int
    ws: bool


def export_words(text: str, tokens: Sequence[Token], spans: Sequence[Span]) -> tuple[Word, ...]:
    """spaCy-style tokens covering ``text`` exactly, with a token edge at every span edge."""
    starts = [token.start for token in tokens]
    ends = [token.end for token in tokens]
    offsets, _ = export_layout(text, starts, ends, [span.key() for span in spans])
    return tuple(map(Word, *offsets))


def export_layout(
    text: str, starts: list[int], ends: list[int], spans: Sequence[SpanKey]
) -> tuple[Offsets, list[tuple[int, int]]]:
    """``export_words`` on flat lists (the stored tokens' starts and ends), with each span's first
    and (inclusive) last token index, as Prodigy's ``token_start`` and ``token_end``.

    Fast when the tokens are sorted and disjoint and every span edge falls on an edge of the
    tokens so laid out; otherwise the reference layout. The lists passed in may be returned
    (never changed in place).
    """
    offsets = _fast_offsets(text, starts, ends)
    ranges = _exact_token_ranges(offsets, spans) if offsets is not None else None
    if offsets is None or ranges is None:
        offsets = _reference_offsets(text, starts, ends, spans)
        ranges = [token_range(offsets[0], start, end) for start, end, _ in spans]
    return offsets, ranges


def _fast_offsets(text: str, starts: list[int], ends: list[int]) -> Offsets | None:
    """The layout of sorted, disjoint tokens, as if no span touched a joining space (the reference
    layout then, unless a span starts or ends inside a token or a gap: ``_exact_token_ranges``
    tells). None for tokens that overlap or are out of order, or a text without any token."""
    if not starts:
        base = whitespace_tokens(text)
        starts = [token.start for token in base]
        ends = [token.end for token in base]
    elif not all(map(operator.lt, starts, ends)):  # zero-length (or reversed) tokens are dropped
        kept = list(map(operator.lt, starts, ends))
        starts, ends = list(compress(starts, kept)), list(compress(ends, kept))
    if not starts:
        return None
    following = starts[1:]
    following.append(len(text))
    gaps = list(map(operator.sub, following, ends))
    if min(gaps) < 0:  # unsorted or overlapping tokens
        return None
    ws = list(map(bool, gaps))
    if (
        starts[0] == 0
        and max(gaps) <= 1
        and not "".join(map(text.__getitem__, compress(ends, gaps))).strip(" ")
    ):
        return starts, ends, ws  # spaCy-like already: tokens joined by nothing or by one space
    return _with_gap_tokens(text, starts, ends, ws, following, gaps)


def _with_gap_tokens(
    text: str, starts: list[int], ends: list[int], ws: list[bool], following: list[int], gaps: list[int]
) -> Offsets:
    """Sorted, disjoint tokens: the text before the first one and each gap that is not one joining
    space become tokens (a gap after its first character when that is a space, which joins)."""
    odd = [i for i, (end, gap) in enumerate(zip(ends, gaps)) if gap and (gap > 1 or text[end] != " ")]
    out_starts: list[int] = [0] if starts[0] else []
    out_ends: list[int] = starts[:1] if starts[0] else []
    out_ws: list[bool] = [False] if starts[0] else []
    done = 0
    for i in odd:
        joined = text[ends[i]] == " "
        ws[i] = joined
        out_starts += starts[done : i + 1]
        out_ends += ends[done : i + 1]
        out_ws += ws[done : i + 1]
        out_starts.append(ends[i] + joined)
        out_ends.append(following[i])
        out_ws.append(False)
        done = i + 1
    out_starts += starts[done:]
    out_ends += ends[done:]
    out_ws += ws[done:]
    return out_starts, out_ends, out_ws


def _exact_token_ranges(offsets: Offsets, spans: Sequence[SpanKey]) -> list[tuple[int, int]] | None:
    """Each span's first and last token, when every span starts where a token starts and ends where
    one ends (so the reference layout would split nothing and join the same spaces); else None."""
    starts, ends, _ = offsets
    ranges = []
    for start, end, _label in spans:
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end, first) - 1
        if last < first or starts[first] != start or ends[last] != end:
            return None
        ranges.append((first, last))
    return ranges


def _reference_offsets(text: str, starts: list[int], ends: list[int], spans: Sequence[SpanKey]) -> Offsets:
    """The reference layout's tokens as flat lists (with export_words' clean-up of the tokens first)."""
    base = [
        token
        for token in (list(map(Token, starts, ends)) or whitespace_tokens(text))
        if token.end > token.start
    ]
    span_starts = {start for start, _, _ in spans}
    span_ends = {end for _, end, _ in spans}
    words = _general_words(text, base, span_starts, span_ends)
    return [w.start for w in words], [w.end for w in words], [w.ws for w in words]


def _general_words(
    text: str, base: Sequence[Token], span_starts: set[int], span_ends: set[int]
) -> tuple[Word, ...]:
    """Any tokens: gaps other than one joining space become tokens, tokens split at span edges.

    The reference layout (slow, one object per token): ``export_layout`` must always equal it.
    """
    covering: list[Token] = []
    position = 0
    for token in [*base, Token(len(text), len(text))]:
        gap_start = position
        if covering and _space_joins(text, gap_start, token.start, span_starts, span_ends):
            gap_start += 1
        if gap_start < token.start:
            covering.append(Token(gap_start, token.start))
        if token.end > token.start:
            covering.append(token)
        position = max(position, token.end)
    split = split_tokens(covering, span_starts | span_ends)
    return tuple(
        Word(token.start, token.end, _followed_by_space(split, index, len(text)))
        for index, token in enumerate(split)
    )


def _space_joins(text: str, gap_start: int, gap_end: int, span_starts: set[int], span_ends: set[int]) -> bool:
    """Whether the gap's first character is a plain space that no span starts or ends with."""
    if gap_start >= gap_end or text[gap_start] != " ":
        return False
    return gap_start not in span_starts and gap_start + 1 not in span_ends


def _followed_by_space(tokens: Sequence[Token], index: int, text_length: int) -> bool:
    """Whether a gap (always one space, by construction) follows the token."""
    following = tokens[index + 1].start if index + 1 < len(tokens) else text_length
    return following > tokens[index].end


def word_text(text: str, word: Word) -> str:
    """The characters of one exported token."""
    return text[word.start : word.end]


def token_range(starts: list[int], start: int, end: int) -> tuple[int, int]:
    """Prodigy's ``token_start`` and inclusive ``token_end`` of ``start:end`` over exported tokens
    (given their starts), when both edges are token edges."""
    first = bisect.bisect_left(starts, start)
    last = bisect.bisect_left(starts, end) - 1
    return first, max(first, last)
