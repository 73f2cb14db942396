"""Corpus search: every place a string or a regular expression occurs in the documents' texts.

The trigram index (migration m007) only narrows the search to candidate documents; every candidate's
text is then searched here, so results are exact whatever the index does. A query the index cannot
narrow (under three characters, a regular expression without a literal of three) reads every text.

Whole words: a match may neither begin nor end between two word characters (letters, digits, ``_`` and
combining marks, in any script), so "Putin" is found in "Putin's" and "(Putin)" but not in
"borderPutin" or "Putinism", and a query beginning or ending with a space or a sign ("U.S.") is found
wherever it is. Ignoring case compares characters as Python's ``re.IGNORECASE`` does.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from annotations.store import search as indexed

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class Query:
    """What to look for."""

    text: str
    regex: bool = False
    whole_words: bool = True
    case_sensitive: bool = True


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place the query matched: code point offsets into the document's text."""

    document_id: int
    start: int
    end: int


class SearchError(ValueError):
    """A query that cannot be searched for: empty, or a regular expression Python cannot compile."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


def find(
    db: Database, query: Query, *, dataset: str | None = None, limit: int | None = None
) -> Iterator[Occurrence]:
    """Every occurrence of ``query`` (of ``dataset``'s documents when given; the first ``limit`` when
    given), in document order, then start; matches never overlap within a document. Streamed.

    SearchError at once (not at the first occurrence) for an empty query or a bad regular expression.
    """
    finder = Matcher.of(query)
    term = indexed.index_term(index_trigrams(query))
    occurrences = (
        Occurrence(document_id, start, end)
        for document_id, text in indexed.candidate_texts(db, term, dataset)
        for start, end in finder.matches(text)
    )
    return occurrences if limit is None else islice(occurrences, max(limit, 0))


def context(text: str, start: int, end: int, width: int = 40) -> tuple[str, str, str]:
    """The ``width`` characters before a match, the match, and the ``width`` characters after it."""
    return text[max(0, start - width) : start], text[start:end], text[end : end + width]


# ---------------------------------------------------------------- what a match is


@dataclass(frozen=True, slots=True)
class Matcher:
    """A query made ready to search texts.

    ``bare`` finds the query regardless of words: every match is one of its matches, so a text it finds
    nothing in is skipped at its speed. Whole words are then checked at the edges of a plain string's
    matches (all of one length), or found by ``edged``, the regular expression between word edges.
    """

    bare: re.Pattern[str]
    edged: re.Pattern[str] | None
    check_edges: bool
    must_contain: str

    @staticmethod
    def of(query: Query) -> Matcher:
        """The matcher of ``query``; SearchError for an empty query or a bad regular expression."""
        bare = compile_bare(query)
        edged = _between_word_edges(query.text, bare) if query.regex and query.whole_words else None
        plain_words = query.whole_words and not query.regex
        return Matcher(bare, edged, plain_words, query.text if plain_words and query.case_sensitive else "")

    def matches(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every match in ``text``, in order, never overlapping, none empty."""
        if self.must_contain not in text:
            return
        first = self.bare.search(text)
        if first is None:
            return
        if self.edged is not None:
            found: Iterator[re.Match[str]] = self.edged.finditer(text, first.start())
        elif self.check_edges:
            found = _at_word_edges(self.bare, text, first)
        else:
            found = self.bare.finditer(text, first.start())
        for match in found:
            if match.end() > match.start():
                yield match.start(), match.end()


def _at_word_edges(
    pattern: re.Pattern[str], text: str, match: re.Match[str] | None
) -> Iterator[re.Match[str]]:
    """The matches of a fixed-length ``pattern``, from ``match`` on, that neither begin nor end inside a
    word; after one that does, the search goes on from the next character."""
    while match is not None:
        start, end = match.span()
        if _word_edge_at(text, start) and _word_edge_at(text, end):
            yield match
            match = pattern.search(text, end if end > start else end + 1)
        else:
            match = pattern.search(text, start + 1)


def _word_edge_at(text: str, position: int) -> bool:
    """Whether ``position`` is not between two word characters."""
    if position == 0 or position == len(text):
        return True
    return not (is_word_character(text[position - 1]) and is_word_character(text[position]))


def compile_bare(query: Query) -> re.Pattern[str]:
    """The regular expression of ``query`` alone (no word edges); SearchError for an empty or bad one."""
    if not query.text:
        raise SearchError("there is nothing to search for (the text is empty)")
    flags = 0 if query.case_sensitive else re.IGNORECASE
    source = query.text if query.regex else re.escape(query.text)
    try:
        return re.compile(source, flags)
    except re.error as error:
        raise SearchError(
            f"bad regular expression: {error.msg} at position {error.pos}", error.pos
        ) from error


def _between_word_edges(source: str, bare: re.Pattern[str]) -> re.Pattern[str]:
    """A regular expression's matches that neither begin nor end between two word characters."""
    leading_flags = re.match(r"(?:\(\?[aiLmsux]+\))*", source)
    prefix = leading_flags.group() if leading_flags else ""
    body = source[len(prefix) :] + ("\n" if bare.flags & re.VERBOSE else "")  # a comment ends at the line
    edge = _word_edge()
    return re.compile(f"{prefix}{edge}(?:{body}){edge}", bare.flags & re.IGNORECASE)


@functools.cache
def _word_edge() -> str:
    """A regular expression true where a position is not between two word characters."""
    word = f"[\\w{_mark_ranges()}]"
    return f"(?:(?<!{word})|(?!{word}))"


def _mark_ranges() -> str:
    """Every combining mark (Unicode category M), as ranges for a character class."""
    marks = [
        code
        for block in (range(0x20000), range(0xE0000, 0xE1000))
        for code in block
        if unicodedata.category(chr(code))[0] == "M"
    ]
    ranges: list[list[int]] = []
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges)


def is_word_character(character: str) -> bool:
    """Whether ``character`` belongs to a word: a letter, a digit, ``_`` or a combining mark."""
    return character.isalnum() or character == "_" or unicodedata.category(character)[0] == "M"


# ---------------------------------------------------------------- what the index can narrow


def index_trigrams(query: Query) -> set[str]:
    """The three-character strings every match of ``query`` holds, as the index can look them up (empty:
    the index cannot narrow this query, every text is read)."""
    if query.regex:
        runs, ignoring_case = _required_literals(query.text, query.case_sensitive)
    else:
        runs, ignoring_case = [query.text], not query.case_sensitive
    safe = _safe_characters("".join(runs), ignoring_case)
    return {
        run[i : i + 3]
        for run in runs
        for i in range(len(run) - 2)
        if all(character in safe for character in run[i : i + 3])
    }


def _safe_characters(characters: str, ignoring_case: bool) -> set[str]:
    """Those of ``characters`` that the index finds wherever a match holds them: not NUL, and, when case
    is ignored, folded by the index as Python's ``re.IGNORECASE`` equates them (the index keeps a
    dotless ı apart from i, which Python equates: an "i" then narrows nothing)."""
    distinct = set(characters) - {"\x00"}
    if not ignoring_case:
        return distinct
    alike = _case_equivalents(frozenset(distinct))
    return {character for character in distinct if indexed.folded_alike(alike[character])}


def _case_equivalents(characters: frozenset[str]) -> dict[str, frozenset[str]]:
    """Each character with every character ``re.IGNORECASE`` matches it to (one pass over the cased ones)."""
    ordered = sorted(characters)
    alternatives = "|".join(f"({re.escape(character)})" for character in ordered)
    found: dict[str, set[str]] = {character: {character} for character in ordered}
    if ordered:
        for match in re.finditer(alternatives, _cased_characters(), re.IGNORECASE):
            found[ordered[(match.lastindex or 1) - 1]].add(match.group())
    return {character: frozenset(alike) for character, alike in found.items()}


@functools.cache
def _cased_characters() -> str:
    """Every character with a case mapping, and what it maps to (every case-insensitive match of a
    character other than itself is among these; none lies past U+1FFFF)."""
    cased: set[str] = set()
    for code in range(0x20000):
        character = chr(code)
        mapped = {character.lower(), character.upper(), character.casefold()}
        if mapped != {character}:
            cased.add(character)
            cased.update(single for single in mapped if len(single) == 1)
    return "".join(sorted(cased))


def _required_literals(pattern: str, case_sensitive: bool) -> tuple[list[str], bool]:
    """Literal strings every match of ``pattern`` holds, and whether case may be ignored for any of them
    (an inline ``(?i)``). Nothing when Python's parser is not the one expected: the texts are read."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, 0 if case_sensitive else re.IGNORECASE)
    except (ImportError, AttributeError, re.error):
        return [], True
    ignoring = not case_sensitive or bool(parsed.state.flags & re.IGNORECASE) or "(?" in pattern
    runs: list[str] = []
    _collect_runs(parsed, runs, _constants)
    return runs, ignoring


def _collect_runs(parsed: object, runs: list[str], constants: Any) -> None:
    """Add to ``runs`` the runs of literal characters a parsed (sub)pattern must match."""
    current: list[str] = []
    for op, argument in parsed:  # type: ignore[attr-defined]
        if op is constants.LITERAL:
            current.append(chr(argument))
            continue
        runs.append("".join(current))
        current = []
        if op is constants.SUBPATTERN:
            _collect_runs(argument[3], runs, constants)
        elif op is constants.ATOMIC_GROUP:
            _collect_runs(argument, runs, constants)
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT) and argument[0]:
            _collect_runs(argument[2], runs, constants)  # repeated at least once
    runs.append("".join(current))
