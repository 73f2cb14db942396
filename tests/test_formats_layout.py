"""The exported token layout: the fast path for spaCy-like tokens gives exactly the general layout."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotations.formats.layout import _general_words, export_words
from annotations.model import Span, Token
from annotations.text import whitespace_tokens

PIECES = ["Paris", "is", ",", ".", " ", " ", " ", "  ", "\n", "e\u0301", "😀"]


@st.composite
def tokens_and_spans(draw) -> tuple[str, tuple[Token, ...], list[Span]]:
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=20)))
    tokens = whitespace_tokens(text)
    if draw(st.booleans()):  # split some tokens, as a tokenizer splitting punctuation would
        cuts = {t.start + 1 for t in tokens if t.end - t.start > 1 and draw(st.booleans())}
        tokens = tuple(
            piece
            for t in tokens
            for piece in (
                (Token(t.start, t.start + 1), Token(t.start + 1, t.end)) if t.start + 1 in cuts else (t,)
            )
        )
    edges = sorted({0, len(text)} | {draw(st.integers(0, len(text))) for _ in range(draw(st.integers(0, 4)))})
    spans = [Span(a, b, "X") for a, b in zip(edges[::2], edges[1::2]) if a < b]
    return text, tokens, spans


@given(tokens_and_spans())
def test_the_fast_layout_equals_the_general_one(case) -> None:
    text, tokens, spans = case
    base = [t for t in tokens if t.end > t.start] if tokens else list(whitespace_tokens(text))
    assert export_words(text, tokens, spans) == _general_words(text, base, spans)


@given(tokens_and_spans())
def test_exported_words_rebuild_the_text_and_keep_every_span_edge(case) -> None:
    text, tokens, spans = case
    words = export_words(text, tokens, spans)
    assert "".join(text[w.start : w.end] + (" " if w.ws else "") for w in words) == text
    edges = {w.start for w in words} | {w.end for w in words}
    assert all(s.start in edges and s.end in edges for s in spans)


def test_spacy_like_tokens_take_the_fast_path_and_others_do_not() -> None:
    from annotations.formats.layout import _simple_words

    text = "Putin met Xi ."
    tokens = whitespace_tokens(text)
    assert _simple_words(text, tokens, {0}, {5}) is not None
    assert _simple_words(text, tokens, {1}, {5}) is None  # a span edge inside "Putin"
    assert _simple_words("Putin  met", whitespace_tokens("Putin  met"), set(), set()) is None  # two spaces
