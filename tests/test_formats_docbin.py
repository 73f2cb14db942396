"""spaCy DocBin export: the exact text, and every span as a real entity (or a clear refusal)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import DocBin

from annotations.formats.docbin import DocBinError, doc_from_document, write_docbin
from annotations.model import Answer, Document, DocumentState, Span, Token
from annotations.text import trim_whitespace, whitespace_tokens


@pytest.fixture(scope="module")
def nlp() -> Language:
    """A blank English pipeline: its tokenizer stands in for the importer's, its vocab for the export's."""
    return spacy.blank("en")


def spacy_tokens(nlp: Language, text: str) -> tuple[Token, ...]:
    """The tokens spaCy's tokenizer makes, as the importer stores them."""
    return tuple(Token(t.idx, t.idx + len(t)) for t in nlp.make_doc(text))


def document(text: str, spans: tuple[Span, ...], tokens: tuple[Token, ...] | None = None) -> Document:
    """An accepted document with the given spans."""
    tokens = whitespace_tokens(text) if tokens is None else tokens
    return Document(1, "test", text, tokens, DocumentState(spans, Answer.ACCEPT))


def entities(doc: spacy.tokens.Doc) -> list[tuple[int, int, str]]:
    """A Doc's entities as character offsets and labels."""
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def test_span_inside_a_token_becomes_an_entity_with_the_same_offsets(nlp: Language) -> None:
    text = "x" * 1802 + " borderPutin said"
    assert text[1809:1814] == "Putin"
    spans = (Span(1809, 1814, "PERSON"),)
    doc = doc_from_document(document(text, spans, spacy_tokens(nlp, text)), nlp.vocab)
    assert entities(doc) == [(1809, 1814, "PERSON")]
    assert doc.ents[0].text == "Putin"
    assert doc.text == text


@pytest.mark.parametrize(
    "text",
    [
        "Tabs\there\tand  two  spaces",
        "  leading and trailing  ",
        "Para one.\n\nPara two.\r\nCRLF line \n end",
        "NBSP\u00a0and\u2028separator and \t mixed \n\t gaps",
        "\n",
    ],
)
@pytest.mark.parametrize("tokenizer", ["spacy", "whitespace", "none"])
def test_doc_text_is_the_document_text_exactly(nlp: Language, text: str, tokenizer: str) -> None:
    tokens = {"spacy": spacy_tokens(nlp, text), "whitespace": whitespace_tokens(text), "none": ()}[tokenizer]
    doc = doc_from_document(document(text, (), tokens), nlp.vocab)
    assert doc.text == text


@pytest.mark.parametrize("text", ["Tabs\there\tand  two  spaces", "  lead and trail  ", "A.\n\n B \r\n C \t"])
def test_without_spans_the_doc_is_tokenized_as_spacy_does(nlp: Language, text: str) -> None:
    doc = doc_from_document(document(text, (), spacy_tokens(nlp, text)), nlp.vocab)
    expected = nlp.make_doc(text)
    assert [(t.text, t.whitespace_) for t in doc] == [(t.text, t.whitespace_) for t in expected]


def test_white_space_at_span_edges_is_left_out_of_the_entity(nlp: Language) -> None:
    text = "We met  Ann Lee\nin Paris"
    spans = (Span(6, 16, "PERSON"), Span(18, 24, "GPE"))
    doc = doc_from_document(document(text, spans, spacy_tokens(nlp, text)), nlp.vocab)
    assert entities(doc) == [(8, 15, "PERSON"), (19, 24, "GPE")]


def test_span_of_only_white_space_is_refused_not_dropped(nlp: Language) -> None:
    text = "Ann  Lee"
    with pytest.raises(DocBinError, match=r"span 3-5 \(X\) holds only white space"):
        doc_from_document(document(text, (Span(3, 5, "X"),)), nlp.vocab)


def test_written_file_reads_back_with_texts_and_entities(tmp_path: Path, nlp: Language) -> None:
    texts = ["Apple hired Tim Cook.\n\nIn  Cupertino.", "borderPutin met\tMacron"]
    documents = [
        document(
            texts[0],
            (Span(0, 5, "ORG"), Span(12, 20, "PERSON"), Span(27, 36, "GPE")),
            spacy_tokens(nlp, texts[0]),
        ),
        document(texts[1], (Span(6, 11, "PERSON"), Span(16, 22, "PERSON")), spacy_tokens(nlp, texts[1])),
    ]
    path = tmp_path / "train.spacy"
    assert write_docbin(iter(documents), path) == (2, 5)
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert [doc.text for doc in docs] == texts
    assert [entities(doc) for doc in docs] == [[s.key() for s in d.spans] for d in documents]


def test_nothing_is_written_when_a_document_cannot_be_exported(tmp_path: Path) -> None:
    documents = [document("Fine text", (Span(0, 4, "X"),)), document("a   b", (Span(1, 4, "X"),))]
    path = tmp_path / "train.spacy"
    with pytest.raises(DocBinError):
        write_docbin(documents, path)
    assert not path.exists()


PIECES = ["Apple", "Putin", "border", ".", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\ufeff"]
PIECES += [
    "e\u0301",
    "\U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1e9\U0001f1ea",
    "\u4e2d",
]


@st.composite
def texts_with_spans(draw: st.DrawFn) -> tuple[str, tuple[Span, ...]]:
    """Unicode text with non-overlapping spans that each hold something besides white space."""
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25)))
    edges = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    pairs = zip(edges[::2], edges[1::2], strict=False)
    spans = tuple(Span(a, b, "ORG") for a, b in pairs if not text[a:b].isspace())
    return text, spans


@settings(max_examples=150, deadline=None)
@given(texts_with_spans(), st.booleans())
def test_every_span_becomes_an_entity_and_the_text_survives(
    nlp: Language, text_and_spans: tuple[str, tuple[Span, ...]], use_spacy_tokens: bool
) -> None:
    text, spans = text_and_spans
    tokens = spacy_tokens(nlp, text) if use_spacy_tokens else whitespace_tokens(text)
    doc = doc_from_document(document(text, spans, tokens), nlp.vocab)
    assert doc.text == text
    assert entities(doc) == [(*trim_whitespace(text, s.start, s.end), s.label) for s in spans]
