"""The exported token layout: the fast path on flat offsets gives exactly the general (reference) layout."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.formats import layout
from annotations.formats.layout import _general_words, export_offsets, export_words
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
    if draw(st.booleans()):  # span edges on token edges (the fast path), or anywhere
        usable = tokens or whitespace_tokens(text)
        candidates = sorted({t.start for t in usable} | {t.end for t in usable}) or [0]
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
def test_the_flat_layout_equals_the_general_one_and_leaves_its_input_alone(case) -> None:
    text, tokens, spans = case
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    before = (list(starts), list(ends))
    got = export_offsets(text, starts, ends, {s.start for s in spans}, {s.end for s in spans})
    words = reference(text, tokens, spans)
    assert got == ([w.start for w in words], [w.end for w in words], [w.ws for w in words])
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
) -> layout.Offsets:
    """export_offsets of white-space tokens, failing if it asks the reference layout."""

    def refuse(*args: object) -> None:
        raise AssertionError("the reference layout was used")

    monkeypatch.setattr(layout, "_reference_offsets", refuse)
    tokens = whitespace_tokens(text)
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    return export_offsets(text, starts, ends, {s.start for s in spans}, {s.end for s in spans})


@pytest.mark.parametrize(
    "text",
    [
        "Putin met Xi .",
        "Putin met Xi . ",
        "Putin\nmet  Xi\r\n\r\n.",
        "Putin \n met\t\tXi \u2028",
        "😀 e\u0301 x\n",
    ],
)
def test_sorted_tokens_from_the_start_with_span_edges_on_token_edges_take_the_fast_path(
    monkeypatch, text
) -> None:
    spans = [Span(0, whitespace_tokens(text)[0].end, "X")]
    got = _layout_without_reference(monkeypatch, text, spans)
    words = reference(text, whitespace_tokens(text), spans)
    assert got == ([w.start for w in words], [w.end for w in words], [w.ws for w in words])


@pytest.mark.parametrize(
    ("text", "spans"),
    [  # a span edge inside a token, white space before the first token, a span edge inside a gap
        ("Putin met", [Span(1, 5, "X")]),
        (" Putin met", []),
        ("Putin  met", [Span(0, 6, "X")]),
    ],
)
def test_other_layouts_go_to_the_reference(monkeypatch, text, spans) -> None:
    with pytest.raises(AssertionError, match="reference"):
        _layout_without_reference(monkeypatch, text, spans)
