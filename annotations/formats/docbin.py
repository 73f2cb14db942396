"""spaCy DocBin (``.spacy``) export: every span becomes an entity of its Doc, or export fails.

Tokens are split at every span edge first, so a span inside a token (``Putin`` in ``borderPutin``)
is still an entity. White space at a span's edges is left out of the entity (as
``alignment_mode="contract"`` would; spaCy cannot train on entities that start or end with white
space). A span that is nothing but white space cannot be an entity, and is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from spacy.tokens import Doc, DocBin
from spacy.tokens import Span as Entity

from annotations.formats.layout import export_words, word_text
from annotations.model import Document, Span
from annotations.text import trim_whitespace

if TYPE_CHECKING:
    from spacy.vocab import Vocab


class DocBinError(ValueError):
    """A document that cannot be written as a spaCy Doc without losing one of its spans."""


def doc_from_document(document: Document, vocab: Vocab) -> Doc:
    """A spaCy Doc with the document's exact text and its spans as ``doc.ents``."""
    entity_spans = tuple(_entity_span(document, span) for span in document.spans)
    words = export_words(document.text, document.tokens, entity_spans)
    doc = Doc(vocab, words=[word_text(document.text, w) for w in words], spaces=[w.ws for w in words])
    if doc.text != document.text:
        raise DocBinError(f"document {document.id}: the spaCy Doc's text differs from the stored text")
    doc.ents = [_entity(doc, document, span) for span in entity_spans]
    return doc


def _entity_span(document: Document, span: Span) -> Span:
    """The span without white space at its edges; DocBinError when nothing else is left."""
    start, end = trim_whitespace(document.text, span.start, span.end)
    if start == end:
        raise DocBinError(
            f"document {document.id}: span {span.start}-{span.end} ({span.label}) holds only white space "
            "and cannot be a spaCy entity; remove or widen it"
        )
    return Span(start, end, span.label, span.source)


def _entity(doc: Doc, document: Document, span: Span) -> Entity:
    """The Doc's entity for a span whose edges are token edges."""
    entity = doc.char_span(span.start, span.end, label=span.label)
    if entity is None:
        raise DocBinError(
            f"document {document.id}: span {span.start}-{span.end} ({span.label}) does not fall on token "
            "boundaries and would be dropped from training"
        )
    return entity


def write_docbin(documents: Iterable[Document], path: Path, lang: str = "en") -> tuple[int, int]:
    """Write the documents to a ``.spacy`` file; return how many documents and entities it holds."""
    data, doc_count, entity_count = docbin_bytes(documents, lang)
    path.write_bytes(data)
    return doc_count, entity_count


def docbin_bytes(documents: Iterable[Document], lang: str = "en") -> tuple[bytes, int, int]:
    """The documents as the bytes of a ``.spacy`` file, and how many documents and entities it holds."""
    vocab = spacy.blank(lang).vocab
    docbin = DocBin()
    doc_count = entity_count = 0
    for document in documents:
        doc = doc_from_document(document, vocab)
        docbin.add(doc)
        doc_count += 1
        entity_count += len(doc.ents)
    return docbin.to_bytes(), doc_count, entity_count
