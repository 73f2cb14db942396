"""CoNLL-2003 / IOB: one token per line with its entity tag, documents between ``-DOCSTART-`` lines.

Written: every document starts with ``-DOCSTART- -X- O O`` (the delimiter ``spacy convert -c ner``
looks for, and the one many CoNLL-2003 copies use) and a blank line, then one ``TOKEN TAG`` line per
token, a blank line after each sentence. Tags are IOB2 (``B-`` starts every entity) or, with the
``biluo`` scheme, spaCy's BILUO. The tokens are the stored ones, laid out as every export lays them
out (``layout.export_layout``: a span edge inside a token splits it). CoNLL columns are separated by
white space, so a token can hold none: white space tokens are left out and a token with white space
inside is written as its pieces (the entity goes on over them). Stored tokens know no sentences; a
new sentence starts where the text between two tokens holds a line break, unless an entity spans it.
A label with white space in it, a span of white space only and a token ``-DOCSTART-`` cannot be
written: the export is refused, naming them.

Read: the last column is the tag, the first the token (``TOKEN TAG`` or ``TOKEN POS CHUNK TAG``;
every token line of a file has the same columns). IOB1, IOB2 and BILUO (and IOBES) tags are read
alike; an ``I-`` that does not continue an entity of its label starts one, as in CoNLL-2003's IOB1.
In a file with ``-DOCSTART-`` lines each block between them is a document, its sentences joined by a
line break; in a file without, each sentence is a document. The text is the tokens joined by single
spaces (CoNLL keeps no white space), and the tokens are stored, so token boundaries survive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotations.formats import Piece, WriteOptions
from annotations.formats.fields import checked_spans, fail, label_problem
from annotations.formats.layout import export_layout
from annotations.model import Document, Span, Token
from annotations.output_file import OutputError
from annotations.records import Record, RecordError

LAYOUT = "file"
DOCSTART = "-DOCSTART-"
DOCSTART_LINE = f"{DOCSTART} -X- O O"
SUFFIXES = frozenset({".conll", ".iob", ".bio", ".conll03"})
MAX_SNIFF_COLUMNS = 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_TAG = re.compile(r"O|[BIEILSU]-\S+")
_NON_SPACE = re.compile(r"\S+")  # what str.split() keeps: a CoNLL reader splits columns so
_SPACE = re.compile(r"\s")
# Tag prefixes as the reader understands them: IOBES's E and S are BILUO's L and U.
_PREFIXES = {"B": "B", "I": "I", "L": "L", "U": "U", "E": "L", "S": "U"}
_TAG_HELP = "a tag is O, or B-, I-, L-, U- (or E-, S-) and a label, such as B-ORG"


# ---------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class _Word:
    """A written token: its text, where it starts and ends in the document, and its entity (or -1)."""

    text: str
    start: int
    end: int
    entity: int


def write(documents: Iterable[Document], options: WriteOptions) -> Iterator[Piece]:
    """The CoNLL file of the documents: a ``-DOCSTART-`` block each (labels no span has are not checked)."""
    for document in documents:
        yield "", document_block(document, options.scheme).encode("utf-8")


def document_block(document: Document, scheme: str = "iob2") -> str:
    """One document as CoNLL lines: the ``-DOCSTART-`` line, then each sentence and a blank line."""
    lines = [DOCSTART_LINE, ""]
    for sentence in sentences(document, scheme):
        lines.extend(f"{word} {tag}" for word, tag in sentence)
        lines.append("")
    return "\n".join(lines) + "\n"


def sentences(document: Document, scheme: str = "iob2") -> list[list[tuple[str, str]]]:
    """The document's ``(token, tag)`` pairs, in sentences (a line break between tokens starts one)."""
    words = _words(document)
    tags = _tags(words, document, scheme)
    result: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for index, (word, tag) in enumerate(zip(words, tags)):
        if current and _breaks(document.text, words[index - 1], word):
            result.append(current)
            current = []
        current.append((word.text, tag))
    if current:
        result.append(current)
    return result


def _words(document: Document) -> list[_Word]:
    """The tokens to write: the export layout's, without white space, split at white space inside."""
    text = document.text
    keys = [span.key() for span in document.spans]
    starts = [token.start for token in document.tokens]
    ends = [token.end for token in document.tokens]
    (word_starts, word_ends, _ws), ranges = export_layout(text, starts, ends, keys)
    owner = [-1] * len(word_starts)
    for entity, (first, last) in enumerate(ranges):
        owner[first : last + 1] = [entity] * (last + 1 - first)
    words = [
        _Word(match.group(), match.start(), match.end(), entity)
        for start, end, entity in zip(word_starts, word_ends, owner)
        for match in _NON_SPACE.finditer(text, start, end)
    ]
    _check_spans_kept(document, words)
    for word in words:
        if word.text == DOCSTART:
            raise OutputError(
                f"{_name(document)} has the token {DOCSTART} at offset {word.start}, which a CoNLL file "
                "reads as the start of a document; change that text to export it as CoNLL"
            )
    return words


def _check_spans_kept(document: Document, words: list[_Word]) -> None:
    """Refuse a document with a span that holds only white space (no token of it would be written)."""
    kept = {word.entity for word in words}
    for entity, span in enumerate(document.spans):
        _check_label(span.label)
        if entity not in kept:
            raise OutputError(
                f"{_name(document)}: span {span.start}-{span.end} ({span.label}) holds only white space "
                f"({document.text[span.start : span.end]!r}), which CoNLL cannot write (its tokens hold "
                "no white space); remove it to export as CoNLL"
            )


def _tags(words: list[_Word], document: Document, scheme: str) -> list[str]:
    """Each word's tag: O, or IOB2 (B- I-) or BILUO (B- I- L-, U-) of its entity."""
    tags = ["O"] * len(words)
    members: dict[int, list[int]] = {}
    for index, word in enumerate(words):
        if word.entity >= 0:
            members.setdefault(word.entity, []).append(index)
    for entity, indices in members.items():
        label = document.spans[entity].label
        for position, index in enumerate(indices):
            tags[index] = f"{_prefix(position, len(indices), scheme)}-{label}"
    return tags


def _prefix(position: int, length: int, scheme: str) -> str:
    """The tag prefix of an entity's ``position``-th word of ``length``."""
    if scheme == "biluo":
        if length == 1:
            return "U"
        if position == length - 1:
            return "L"
    return "B" if position == 0 else "I"


def _breaks(text: str, before: _Word, after: _Word) -> bool:
    """Whether a sentence ends between two words: a line break between them that no entity spans."""
    if before.entity >= 0 and before.entity == after.entity:
        return False
    return "\n" in text[before.end : after.start]


def _check_label(label: str) -> None:
    """Refuse a label a CoNLL tag cannot hold (its columns are split at white space)."""
    if _SPACE.search(label):
        raise OutputError(
            f"the label {label!r} holds white space, which a CoNLL tag cannot (columns are split at white "
            "space); rename the label to export as CoNLL"
        )


def _name(document: Document) -> str:
    """A document, for messages."""
    return f"document {document.id} of dataset {document.dataset!r}"


# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Line:
    """A token line: its token, its tag (prefix and label, or None for O) and its line number."""

    token: str
    tag: tuple[str, str] | None
    number: int


Sentence = list[_Line]


def read(path: Path) -> Iterator[Record]:
    """The documents of a CoNLL file (``-DOCSTART-`` blocks, or sentences when it has none)."""
    blocks = _blocks(_decoded_lines(path.read_bytes(), str(path)), str(path))
    by_document = len(blocks) > 1  # the file has -DOCSTART- lines
    if not any(block.sentences for block in blocks):
        raise RecordError(f"{path}: is empty (it holds no CoNLL token lines)")
    for block in blocks:
        documents = [block] if by_document else [_Block(s[0].number, [s]) for s in block.sentences]
        for document in documents:
            if document.sentences:
                yield _record(document.sentences, f"{path}:{document.number}")


@dataclass(slots=True)
class _Block:
    """The lines from a ``-DOCSTART-`` (or the file's start) to the next: its line number, its sentences."""

    number: int
    sentences: list[Sentence]


def _decoded_lines(data: bytes, name: str) -> list[str]:
    """The file's lines, ended by LF, CRLF or a lone CR (a classic Mac file); UTF-8 with or without a BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = len(_BYTE_LINE_BREAK.findall(data, 0, error.start)) + 1
        raise RecordError(
            f"{name}:{line}: is not UTF-8 text (byte 0x{data[error.start]:02x}); re-save it as UTF-8"
        ) from None
    return _LINE_BREAK.split(text)


def _blocks(lines: list[str], name: str) -> list[_Block]:
    """The file cut at ``-DOCSTART-`` lines, each block cut into sentences at blank lines."""
    columns: tuple[int, int] | None = None  # the first token line's column count, and its number
    tags: dict[str, tuple[str, str] | None] = {}  # each tag parsed once
    blocks = [_Block(1, [])]
    current: Sentence = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or fields[0] == DOCSTART:
            if current:
                blocks[-1].sentences.append(current)
            current = []
            if fields:
                blocks.append(_Block(number, []))
            continue
        columns = columns or (len(fields), number)
        current.append(_token_line(fields, number, columns, name, tags))
    if current:
        blocks[-1].sentences.append(current)
    return blocks


def _token_line(
    fields: list[str],
    number: int,
    columns: tuple[int, int],
    name: str,
    tags: dict[str, tuple[str, str] | None],
) -> _Line:
    """One ``TOKEN ... TAG`` line, checked (``tags``: the tags parsed so far)."""
    count, first = columns
    if len(fields) == count and fields[-1] in tags:
        return _Line(fields[0], tags[fields[-1]], number)
    where = f"{name}:{number}"
    if len(fields) < 2:
        raise fail(
            where,
            f"{fields[0]!r} has no tag: a token line is TOKEN TAG (or TOKEN POS CHUNK TAG), "
            "columns separated by white space",
        )
    if len(fields) != count:
        raise fail(
            where,
            f"has {len(fields)} columns but line {first} has {count} (every token line of a CoNLL file "
            "has the same columns, the tag last; a token cannot hold white space)",
        )
    tags[fields[-1]] = _parse_tag(fields[-1], where)
    return _Line(fields[0], tags[fields[-1]], number)


def _parse_tag(tag: str, where: str) -> tuple[str, str] | None:
    """A tag's prefix (as BILUO: B, I, L or U) and label, or None for O."""
    if tag == "O":
        return None
    prefix, dash, label = tag.partition("-")
    if not dash or prefix not in _PREFIXES:
        raise fail(where, f"unknown tag {tag!r}: {_TAG_HELP}")
    problem = label_problem(label)
    if problem:
        raise fail(where, f"the tag {tag!r}: the label {problem}")
    return _PREFIXES[prefix], label


def _record(block: list[Sentence], where: str) -> Record:
    """The Record of one document: tokens joined by spaces, sentences by line breaks, spans from the tags."""
    tokens: list[Token] = []
    spans: list[Span] = []
    pieces: list[str] = []
    position = 0
    for sentence in block:
        if pieces:
            pieces.append("\n")
            position += 1
        sentence_tokens = []
        for index, line in enumerate(sentence):
            if index:
                pieces.append(" ")
                position += 1
            sentence_tokens.append(Token(position, position + len(line.token)))
            pieces.append(line.token)
            position += len(line.token)
        spans.extend(_entities(sentence, sentence_tokens))
        tokens.extend(sentence_tokens)
    text = "".join(pieces)
    return Record(text=text, where=where, spans=checked_spans(spans, text, where), tokens=tuple(tokens))


def _entities(sentence: Sentence, tokens: list[Token]) -> list[Span]:
    """The spans a sentence's tags describe, IOB1, IOB2 and BILUO alike."""
    spans: list[Span] = []
    open_: tuple[int, str] | None = None  # the first token and the label of the entity going on
    for index, line in enumerate(sentence):
        if line.tag is None:
            open_ = _close(open_, index - 1, tokens, spans)
            continue
        prefix, label = line.tag
        continues = open_ is not None and open_[1] == label and prefix in ("I", "L")
        if not continues:
            _close(open_, index - 1, tokens, spans)
            open_ = (index, label)
        if prefix in ("L", "U"):
            open_ = _close(open_, index, tokens, spans)
    _close(open_, len(sentence) - 1, tokens, spans)
    return spans


def _close(open_: tuple[int, str] | None, last: int, tokens: list[Token], spans: list[Span]) -> None:
    """End the entity going on (if any) at token ``last``; always None, the entity now going on."""
    if open_ is not None:
        first, label = open_
        spans.append(Span(tokens[first].start, tokens[last].end, label))
    return None


# ---------------------------------------------------------------- recognising


def sniff(path: Path, head: bytes) -> bool:
    """Whether a file is CoNLL: by its name (``.conll``, ``.iob``, ``.bio``, ``.conll03``), or a first line
    ``-DOCSTART-``, or lines that all look like ``TOKEN ... TAG`` with the same columns."""
    if path.suffix.lower() in SUFFIXES:
        return True
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not a character cut off at the end of the head
            return False
        text = head[: error.start].decode("utf-8-sig")
    lines = _LINE_BREAK.split(text)
    if not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # perhaps cut off
    rows = [fields for fields in map(str.split, lines) if fields]
    if not rows:
        return False
    if rows[0][0] == DOCSTART:
        return True
    return _token_rows(rows)


def _token_rows(rows: list[list[str]]) -> bool:
    """Whether rows are CoNLL token lines: at least two, the same columns, the last one always a tag, and
    some tagged O (every real NER file has tokens outside entities; a list of lines such as ``Vitamin
    B-12`` has none, and is prose)."""
    token_rows = [fields for fields in rows if fields[0] != DOCSTART]
    widths = {len(fields) for fields in token_rows}
    if len(token_rows) < 2 or len(widths) != 1 or not 2 <= min(widths) <= MAX_SNIFF_COLUMNS:
        return False
    tags = [fields[-1] for fields in token_rows]
    return "O" in tags and all(_TAG.fullmatch(tag) for tag in tags)
