"""Tokens laid out the way spaCy lays out a Doc, split at every span edge, for the exporters.

spaCy's tokens cover the whole text: each token may be followed by one plain space (its
``whitespace_``, Prodigy's ``ws``); any other white space is a token of its own. Exported tokens
follow that rule, so ``"".join(word + " " * ws)`` gives back the text exactly, and every span edge
is a token edge (a space a span starts or ends with becomes its own token).

``export_offsets`` works on flat lists of offsets (what the store holds) and lays out the common
cases without building a Python object per token; anything unusual goes to ``_general_words``,
the reference layout, which the fast path must always equal.
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


class Word(NamedTuple):
    """An exported token: its range and whether one space follows it."""

    start: int
    end: int
    ws: bool


def export_words(text: str, tokens: Sequence[Token], spans: Sequence[Span]) -> tuple[Word, ...]:
    """spaCy-style tokens covering ``text`` exactly, with a token edge at every span edge."""
    starts = [token.start for token in tokens]
    ends = [token.end for token in tokens]
    span_starts = {span.start for span in spans}
    span_ends = {span.end for span in spans}
    return tuple(map(Word, *export_offsets(text, starts, ends, span_starts, span_ends)))


def export_offsets(
    text: str, starts: list[int], ends: list[int], span_starts: set[int], span_ends: set[int]
) -> Offsets:
    """``export_words`` on flat lists: the stored tokens' starts and ends, and the spans' edges.

    Fast when the tokens are sorted, every span edge is a token edge and the text before the first
    token is empty; the gaps between tokens may hold anything (a single joining space, or white
    space that becomes a token of its own). Otherwise the reference layout (``_general_words``).
    The lists passed in may be returned (never changed in place).
    """
    if not starts:
        base = whitespace_tokens(text)
        starts = [token.start for token in base]
        ends = [token.end for token in base]
    elif not all(map(operator.lt, starts, ends)):  # zero-length (or reversed) tokens are dropped
        kept = list(map(operator.lt, starts, ends))
        starts, ends = list(compress(starts, kept)), list(compress(ends, kept))
    if not starts or starts[0] != 0 or not (span_starts <= set(starts) and span_ends <= set(ends)):
        return _reference_offsets(text, starts, ends, span_starts, span_ends)
    following = starts[1:]
    following.append(len(text))
    gaps = list(map(operator.sub, following, ends))
    if min(gaps) < 0:  # unsorted or overlapping tokens
        return _reference_offsets(text, starts, ends, span_starts, span_ends)
    ws = list(map(bool, gaps))
    if max(gaps) <= 1 and not "".join(map(text.__getitem__, compress(ends, gaps))).strip(" "):
        return starts, ends, ws  # spaCy-like already: tokens joined by nothing or by one space
    return _with_gap_tokens(text, starts, ends, ws, following, gaps)


def _with_gap_tokens(
    text: str, starts: list[int], ends: list[int], ws: list[bool], following: list[int], gaps: list[int]
) -> Offsets:
    """Sorted tokens starting at 0, every span edge a token edge: each gap that is not one joining
    space becomes a token (after its first character when that is a space, which joins)."""
    odd = [i for i, (end, gap) in enumerate(zip(ends, gaps)) if gap and (gap > 1 or text[end] != " ")]
    out_starts: list[int] = []
    out_ends: list[int] = []
    out_ws: list[bool] = []
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


def _reference_offsets(
    text: str, starts: list[int], ends: list[int], span_starts: set[int], span_ends: set[int]
) -> Offsets:
    """The reference layout's tokens as flat lists."""
    words = _general_words(text, list(map(Token, starts, ends)), span_starts, span_ends)
    return [w.start for w in words], [w.end for w in words], [w.ws for w in words]


def _general_words(
    text: str, base: Sequence[Token], span_starts: set[int], span_ends: set[int]
) -> tuple[Word, ...]:
    """Any tokens: gaps other than one joining space become tokens, tokens split at span edges.

    The reference layout (slow, one object per token): ``export_offsets`` must always equal it.
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
