"""The exported token layout: the fast path on flat offsets gives exactly the general (reference) layout."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.formats import layout
from annotations.formats.layout import _general_words, export_layout, export_words, token_range
from annotations.model import Span, Token
from annotations.text import whitespace_tokens

PIECES = ["Paris", "is", ",", ".", " ", " ", " ", "  ", "\n", "\r\n", "\t", " \n", "\u2028", "e\u0301", "😀"]


@st.composite
def texts(draw) -> str:
    return "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=20)))


@st.composite
def word_tokens(draw, text: str) -> tuple[Token, ...]:
    """White-space tokens, some split in two (as a tokenizer splitting punctuation would)."""
    tokens = whitespace_tokens(text)
    if draw(st.booleans()):
        cuts = {t.start + 1 for t in tokens if t.end - t.start > 1 and draw(st.booleans())}
        tokens = tuple(
            piece
            for t in tokens
            for piece in (
                (Token(t.start, t.start + 1), Token(t.start + 1, t.end)) if t.start + 1 in cuts else (t,)
            )
        )
    return tokens


@st.composite
def interval_tokens(draw, text: str) -> tuple[Token, ...]:
    """Sorted, disjoint tokens anywhere (over white space too), with gaps of anything between them."""
    edges = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))) | {len(text)})
    pairs = list(zip([0, *edges], edges))
    return tuple(Token(a, b) for a, b in pairs if a < b and draw(st.booleans()))


@st.composite
def odd_tokens(draw, text: str) -> tuple[Token, ...]:
    """Tokens as no tokenizer makes them: empty, reversed, overlapping, out of order."""
    offsets = st.integers(0, len(text))
    return tuple(Token(draw(offsets), draw(offsets)) for _ in range(draw(st.integers(0, 6))))


ALL_KINDS = ("words", "words", "intervals", "odd", "none")
SORTED_KINDS = ("words", "intervals", "none")  # as the importers store them: sorted and disjoint


@st.composite
def tokens_and_spans(draw, kinds: tuple[str, ...] = ALL_KINDS) -> tuple[str, tuple[Token, ...], list[Span]]:
    text = draw(texts())
    kind = draw(st.sampled_from(kinds))
    tokens = {
        "words": word_tokens,
        "intervals": interval_tokens,
        "odd": odd_tokens,
        "none": lambda _text: st.just(()),
    }[kind](text)
    tokens = draw(tokens)
    mode = draw(st.sampled_from(["tokens", "laid out", "anywhere"]))  # where span edges may fall
    if mode == "tokens":
        usable = tokens or whitespace_tokens(text)
        candidates = sorted({t.start for t in usable} | {t.end for t in usable}) or [0]
        picked = draw(st.lists(st.sampled_from(candidates), max_size=6))
    elif mode == "laid out":  # the edges of the tokens exported without spans (gap tokens too)
        words = reference(text, tokens, [])
        candidates = sorted({w.start for w in words} | {w.end for w in words}) or [0]
        picked = draw(st.lists(st.sampled_from(candidates), max_size=6))
    else:
        picked = draw(st.lists(st.integers(0, len(text)), max_size=6))
    edges = sorted(set(picked))
    spans = [Span(a, b, "X") for a, b in zip(edges[::2], edges[1::2]) if a < b]
    return text, tokens, spans


def reference(text: str, tokens: tuple[Token, ...], spans: list[Span]) -> tuple[layout.Word, ...]:
    """The general layout, with the token clean-up export_words applies first."""
    base = [t for t in (tokens or whitespace_tokens(text)) if t.end > t.start]
    return _general_words(text, base, {s.start for s in spans}, {s.end for s in spans})


@settings(max_examples=400)
@given(tokens_and_spans())
def test_the_fast_layout_equals_the_general_one(case) -> None:
    text, tokens, spans = case
    assert export_words(text, tokens, spans) == reference(text, tokens, spans)


@settings(max_examples=400)
@given(tokens_and_spans())
def test_the_flat_layout_and_token_ranges_equal_the_reference_and_leave_the_input_alone(case) -> None:
    text, tokens, spans = case
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    before = (list(starts), list(ends))
    offsets, ranges = export_layout(text, starts, ends, [s.key() for s in spans])
    words = reference(text, tokens, spans)
    word_starts = [w.start for w in words]
    assert offsets == (word_starts, [w.end for w in words], [w.ws for w in words])
    assert ranges == [token_range(word_starts, s.start, s.end) for s in spans]
    assert (starts, ends) == before


@given(tokens_and_spans(SORTED_KINDS))
def test_exported_words_rebuild_the_text_and_keep_every_span_edge(case) -> None:
    text, tokens, spans = case
    words = export_words(text, tokens, spans)
    assert "".join(text[w.start : w.end] + (" " if w.ws else "") for w in words) == text
    edges = {w.start for w in words} | {w.end for w in words}
    assert all(s.start in edges and s.end in edges for s in spans)


def _layout_without_reference(
    monkeypatch: pytest.MonkeyPatch, text: str, spans: list[Span]
) -> tuple[layout.Offsets, list[tuple[int, int]]]:
    """export_layout of white-space tokens, failing if it asks the reference layout."""

    def refuse(*args: object) -> None:
        raise AssertionError("the reference layout was used")

    monkeypatch.setattr(layout, "_reference_offsets", refuse)
    tokens = whitespace_tokens(text)
    return export_layout(text, [t.start for t in tokens], [t.end for t in tokens], [s.key() for s in spans])


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("Putin met Xi .", [Span(0, 5, "X")]),
        ("Putin met Xi . ", [Span(6, 12, "X")]),
        ("Putin\nmet  Xi\r\n\r\n.", [Span(5, 6, "NEWLINE"), Span(11, 13, "X")]),  # a gap token, after a space
        (" \tPutin \n met\t\tXi \u2028", [Span(0, 2, "LEADING"), Span(2, 7, "X")]),
        ("😀 e\u0301 x\n", [Span(2, 4, "X")]),
    ],
)
def test_sorted_tokens_with_span_edges_on_laid_out_token_edges_take_the_fast_path(
    monkeypatch, text, spans
) -> None:
    got = _layout_without_reference(monkeypatch, text, spans)
    words = reference(text, whitespace_tokens(text), spans)
    starts = [w.start for w in words]
    assert got == (
        (starts, [w.end for w in words], [w.ws for w in words]),
        [token_range(starts, s.start, s.end) for s in spans],
    )


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("Putin met", [Span(1, 5, "X")]),  # a span edge inside a token
        ("Putin  met", [Span(0, 6, "X")]),  # a span ending on the space that would join
        ("Putin  met", [Span(5, 7, "X")]),  # a span starting on it
        ("Putin met", [Span(5, 6, "X")]),  # a span over a single joining space
        ("   ", []),  # no token at all
    ],
)
def test_other_layouts_go_to_the_reference(monkeypatch, text, spans) -> None:
    with pytest.raises(AssertionError, match="reference"):
        _layout_without_reference(monkeypatch, text, spans)
