"""Tokens laid out the way spaCy lays out a Doc, split at every span edge, for the exporters.

spaCy's tokens cover the whole text: each token may be followed by one plain space (its
``whitespace_``, Prodigy's ``ws``); any other white space is a token of its own. Exported tokens
follow that rule, so ``"".join(word + " " * ws)`` gives back the text exactly, and every span edge
is a token edge (a space a span starts or ends with becomes its own token).
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Sequence
from typing import NamedTuple

from annotations.model import Span, Token
from annotations.text import tokens_for_spans, whitespace_tokens


class Word(NamedTuple):
    """An exported token: its range and whether one space follows it."""

    start: int
    end: int
    ws: bool


def export_words(text: str, tokens: Sequence[Token], spans: Sequence[Span]) -> tuple[Word, ...]:
    """spaCy-style tokens covering ``text`` exactly, with a token edge at every span edge."""
    base = [token for token in (tokens or whitespace_tokens(text)) if token.end > token.start]
    span_starts = {span.start for span in spans}
    span_ends = {span.end for span in spans}
    simple = _simple_words(text, base, span_starts, span_ends)
    return simple if simple is not None else _general_words(text, base, spans)


def _general_words(text: str, base: Sequence[Token], spans: Sequence[Span]) -> tuple[Word, ...]:
    """Any tokens: gaps other than one joining space become tokens, tokens split at span edges."""
    span_starts = {span.start for span in spans}
    span_ends = {span.end for span in spans}
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
    split = tokens_for_spans(covering, spans)
    return tuple(
        Word(token.start, token.end, _followed_by_space(split, index, len(text)))
        for index, token in enumerate(split)
    )


def _simple_words(
    text: str, base: Sequence[Token], span_starts: set[int], span_ends: set[int]
) -> tuple[Word, ...] | None:
    """The common case at a glance: tokens already spaCy-like (covering the text, joined by single
    spaces at most) and every span edge a token edge. None when the general layout is needed."""
    if not base or base[0].start != 0:
        return None
    starts, ends = map(list, zip(*base))
    if not (span_starts <= set(starts) and span_ends <= set(ends)):
        return None
    following = starts[1:]
    following.append(len(text))
    gaps = list(map(operator.sub, following, ends))
    if not set(gaps) <= {0, 1}:
        return None
    if any(text[end] != " " for end, gap in zip(ends, gaps) if gap):
        return None
    return tuple(map(Word, starts, ends, map(bool, gaps)))


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


class WordIndex:
    """Token indices for spans over exported tokens (token starts computed once per document)."""

    def __init__(self, words: Sequence[Word]) -> None:
        self._starts = [word.start for word in words]

    def token_range(self, span: Span) -> tuple[int, int]:
        """Prodigy's ``token_start`` and inclusive ``token_end`` for a span whose edges are token edges."""
        first = bisect.bisect_left(self._starts, span.start)
        last = bisect.bisect_left(self._starts, span.end) - 1
        return first, max(first, last)
