"""brat standoff: a folder of ``NAME.txt`` + ``NAME.ann`` pairs and an ``annotation.conf``.

Offsets count the code points of the ``.txt`` decoded as UTF-8, every character included: a CRLF is
two characters and a BOM one, as brat's Python 3 server reads the file (``codecs.open``, binary
underneath, so no line ends are translated). Under Python 2 brat's ``"rU"`` mode may translate them
(a CRLF then counts as one character); the reader recognises such offsets by the span texts, when only
they fit, and maps them back onto the text as the file holds it.

Written: the text exactly as stored; ``T1<TAB>LABEL START END<TAB>TEXT`` lines in span order; and an
``annotation.conf`` listing the labels under ``[entities]``. A ``.ann`` line cannot hold a line break,
so a span over one is written as brat itself writes a selection across lines: a discontinuous span
whose fragments leave out the line-break characters (``0 3;4 7``, text ``Foo Bar``); a span that starts
or ends with a line break keeps its edge with an empty fragment (``10 10;11 14``). A label holding
white space cannot be a brat type: such an export is refused before anything is written.

Read: every ``.ann`` in the folder and its subfolders with the ``.txt`` of the same name, in order of
their names. ``T`` lines become spans; a discontinuous one is refused, unless its gaps are only white
space holding a line break (what brat and the writer make of a span across lines), which joins it
back into one span. The span text a ``T`` line states is checked against the ``.txt``. Relations,
events (with the ``T`` lines that are their triggers), attributes, normalizations and notes (``R``,
``E``, ``A``/``M``, ``N``, ``#``, ``*``) are not entities and are left out without a message;
overlapping entities (nested ones) are refused, naming both lines. A ``.txt`` without a ``.ann`` is
a document nobody has annotated yet (pre-annotated like any text); an empty ``.txt`` with no
annotations is skipped. Documents have no answer in brat: ``import --answer`` gives them one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotations.formats import Piece, WriteOptions
from annotations.formats.fields import fail, label_problem
from annotations.formats.textfile import decode_text
from annotations.model import Document, Span
from annotations.output_file import in_temporary
from annotations.records import Record, RecordError

LAYOUT = "folder"
CONF = "annotation.conf"
FRAGMENT_SEP = " "  # brat's DISCONT_SEP: how a discontinuous span's text joins its fragments
IGNORED_KINDS = frozenset("RAEMN#*")  # relations, attributes, events, normalizations, notes, equivalences
# Where str.splitlines, and so brat, cuts a .ann file into lines:
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_STORAGE_FORM = re.compile(r"[A-Za-z0-9_-]+\Z")  # the type names brat's annotation.conf takes as they are
_OVERLAP_HINT = "spandesk annotates named entities, which cannot overlap"


# ---------------------------------------------------------------- writing


def write(documents: Iterable[Document], options: WriteOptions) -> Iterator[Piece]:
    """A ``.txt`` and a ``.ann`` per document, then ``annotation.conf``."""
    _refuse_unwritable_labels(options.labels, "the database's label set", "Nothing was written")
    labels = dict.fromkeys(options.labels)
    for document in documents:
        name = piece_stem(document)
        yield f"{name}.txt", document.text.encode("utf-8")
        yield f"{name}.ann", ann_text(document, name).encode("utf-8")
        labels.update(dict.fromkeys(span.label for span in document.spans))
    yield CONF, conf_text(labels).encode("utf-8")


def piece_stem(document: Document) -> str:
    """A document's file name without suffix: its number in the database and its input hash."""
    return f"{document.id:06d}-{document.input_hash & 0xFFFFFFFF:08x}"


def ann_text(document: Document, name: str = "") -> str:
    """The ``.ann`` lines of a document's spans, ``T1`` onwards in span order."""
    lines = []
    for number, span in enumerate(document.spans, 1):
        _refuse_unwritable_labels(
            (span.label,), f"{name}.txt" if name else "a document", "The export stopped at this document"
        )
        fragments = split_at_line_breaks(document.text, span.start, span.end)
        offsets = ";".join(f"{start} {end}" for start, end in fragments)
        shown = FRAGMENT_SEP.join(document.text[start:end] for start, end in fragments)
        lines.append(f"T{number}\t{span.label} {offsets}\t{shown}\n")
    return "".join(lines)


def split_at_line_breaks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The fragments of ``text[start:end]`` between its line-break characters; an empty fragment keeps an
    edge that is a line break (so the fragments' first start and last end are the span's)."""
    fragments: list[tuple[int, int]] = []
    fragment_start = start
    for offset in range(start, end):
        if text[offset] in _LINE_BREAKS:
            if offset > fragment_start or offset == start:
                fragments.append((fragment_start, offset))
            fragment_start = offset + 1
    fragments.append((fragment_start, end))
    return fragments


def conf_text(labels: Iterable[str]) -> str:
    """brat's ``annotation.conf``: the labels as entity types, and empty sections for the rest."""
    names = list(dict.fromkeys(labels))
    typed = [label for label in names if _STORAGE_FORM.match(label)]
    lines = ["# Written by spandesk: the database's labels as brat entity types.", "[entities]", *typed]
    others = [label for label in names if label not in typed]
    if others:
        lines.insert(2, f"# Not listed (brat type names are letters, digits, _ and -): {' '.join(others)}")
    lines += ["", "[relations]", "", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def _refuse_unwritable_labels(labels: Iterable[str], where: str, outcome: str) -> None:
    """ExportFailure for labels a ``.ann`` line cannot hold (brat's type ends at the first space)."""
    from annotations.exporting import ExportFailure  # loaded with the exporter that calls this

    bad = [label for label in labels if any(char.isspace() for char in label)]
    if bad:
        raise ExportFailure(
            f"{where}: brat cannot hold the label{'s' if len(bad) > 1 else ''} "
            f"{', '.join(repr(label) for label in bad)}: a brat type name has no white space. "
            f"{outcome}; give those spans a label without spaces, or export another format"
        )


# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Bound:
    """One ``T`` line: where it is, its label, its fragments and the text it states."""

    where: str
    line: int
    ident: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    stated: str


def read(path: Path) -> Iterator[Record]:
    """The documents of a brat folder (with its subfolders), or of one ``.ann``/``.txt`` pair."""
    path = Path(path)
    if not path.is_dir():
        yield from _read_pair(path.with_suffix(".txt"), path.with_suffix(".ann"))
        return
    files = [p for p in path.rglob("*") if p.suffix in (".ann", ".txt") and not in_temporary(p, path)]
    anns = {p.with_suffix(""): p for p in files if p.suffix == ".ann" and p.is_file()}
    txts = {p.with_suffix(""): p for p in files if p.suffix == ".txt" and p.is_file()}
    if not anns and not txts:
        raise RecordError(f"{path}: holds no brat .ann or .txt files")
    for stem in sorted(anns.keys() | txts.keys(), key=_natural_key):
        yield from _read_pair(stem.with_name(stem.name + ".txt"), anns.get(stem))


def sniff(path: Path, head: bytes) -> bool:
    """Whether a folder holds a brat ``.ann`` file (in it or a subfolder), or a file is one."""
    path = Path(path)
    if not path.is_dir():
        return path.suffix == ".ann"
    return any(p.is_file() and not in_temporary(p, path) for p in path.rglob("*.ann"))


def _natural_key(stem: Path) -> list[object]:
    """A sort key in which ``doc2`` comes before ``doc10``."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", str(stem))]


def _read_pair(txt: Path, ann: Path | None) -> Iterator[Record]:
    """The record of one ``.txt`` and its ``.ann`` (None when there is none)."""
    if ann is not None and not ann.is_file():
        ann = None
    if not txt.is_file():
        if ann is None:
            raise RecordError(f"{txt}: no such file (nor a .ann beside it)")
        raise RecordError(
            f"{ann}: has no {txt.name} beside it (brat keeps the text in a .txt of the same name)"
        )
    text = decode_text(txt.read_bytes(), str(txt))
    bounds = _bounds(ann) if ann is not None else None
    if text in ("", "\ufeff") and not bounds:
        return  # an empty document: nothing to annotate, nothing to lose
    if bounds is None:
        yield Record(text=text, where=str(txt))
        return
    yield Record(text=text, where=str(ann), spans=_spans(bounds, text))


def _bounds(ann: Path) -> list[_Bound]:
    """The entity ``T`` lines of a ``.ann`` file (an event's trigger is part of the event, not an entity)."""
    content = decode_text(ann.read_bytes(), str(ann)).removeprefix("\ufeff")
    bounds, triggers = [], set()
    for number, line in enumerate(content.splitlines(), 1):  # brat's own line split
        where = f"{ann}:{number}"
        if not line.strip():
            continue
        ident, tab, rest = line.partition("\t")
        if not tab or not ident:
            raise fail(where, f"is not a brat annotation (ID<TAB>...): {line[:60]!r}")
        if ident[0] == "T":
            bounds.append(_bound(ident, rest, where, number))
        elif ident[0] == "E":  # E1<TAB>Type:T3 Role:T1 ...: T3 is the event's trigger
            triggers.add(rest.split(maxsplit=1)[0].rpartition(":")[2] if rest.strip() else "")
        elif ident[0] not in IGNORED_KINDS:
            raise fail(where, f"{ident!r} is not a brat annotation ID (T1, R1, E1, A1, N1, #1...)")
    return [bound for bound in bounds if bound.ident not in triggers]


def _bound(ident: str, rest: str, where: str, line: int) -> _Bound:
    """One ``T`` line, parsed (not yet checked against the text)."""
    data, _tab, stated = rest.partition("\t")
    label, _space, offsets = data.partition(" ")
    problem = label_problem(label)
    if problem:
        raise fail(where, f"{ident}: the label {problem}")
    return _Bound(where, line, ident, label, _fragments(offsets, ident, where), stated)


def _fragments(offsets: str, ident: str, where: str) -> tuple[tuple[int, int], ...]:
    """``START END[;START END...]`` as integer pairs."""
    fragments = []
    for part in offsets.split(";"):
        numbers = part.split()
        if len(numbers) != 2 or not all(n.isascii() and n.isdigit() for n in numbers):
            raise fail(where, f"{ident}: expected 'LABEL START END', with whole numbers, not {offsets!r}")
        fragments.append((int(numbers[0]), int(numbers[1])))
    return tuple(fragments)


def _spans(bounds: list[_Bound], text: str) -> tuple[Span, ...]:
    """The spans of a document's ``T`` lines: offsets into the text as the file holds it, or, when only
    that fits every stated text, into the text read with universal newlines (brat under Python 2),
    mapped back onto the file's text."""
    try:
        return _checked(bounds, text, None)
    except RecordError as error:
        first = error
    if "\r" in text:
        universal = text.replace("\r\n", "\n").replace("\r", "\n")
        shift = _crlf_shift(text)
        try:
            return _checked(bounds, universal, lambda offset: offset + bisect_left(shift, offset))
        except RecordError:
            pass
    raise first


def _crlf_shift(text: str) -> list[int]:
    """Where, in the text read with universal newlines, a CRLF became one character (sorted offsets)."""
    positions, removed, at = [], 0, text.find("\r\n")
    while at != -1:
        positions.append(at - removed)
        removed += 1
        at = text.find("\r\n", at + 2)
    return positions


def _checked(bounds: list[_Bound], text: str, to_file: Callable[[int], int] | None) -> tuple[Span, ...]:
    """The spans, each checked against ``text``; ``to_file`` maps offsets in it to the file's text."""
    found: dict[tuple[int, int, str], _Bound] = {}
    for bound in bounds:
        start, end = _range(bound, text)
        _check_stated(bound, text)
        if to_file is not None:
            start, end = to_file(start), to_file(end)
        found.setdefault((start, end, bound.label), bound)  # the same entity twice is one span
    ordered = sorted(found.items())
    for (before, first), (after, second) in zip(ordered, ordered[1:]):
        if after[0] < before[1]:
            raise fail(
                second.where,
                f"{second.ident} ({after[2]} {after[0]}-{after[1]}) overlaps {first.ident} "
                f"({before[2]} {before[0]}-{before[1]}, line {first.line}): {_OVERLAP_HINT}",
            )
    return tuple(Span(start, end, label) for (start, end, label), _ in ordered)


def _range(bound: _Bound, text: str) -> tuple[int, int]:
    """The one range a ``T`` line covers; discontinuous ones only when their gaps are line breaks."""
    length = len(text)
    for start, end in bound.fragments:
        if end < start:
            raise fail(bound.where, f"{bound.ident}: {start}-{end} ends before it starts")
        if end > length:
            raise fail(
                bound.where,
                f"{bound.ident}: {start}-{end} lies outside the text of {length} characters "
                "(offsets count Unicode characters of the .txt)",
            )
    start, end = bound.fragments[0][0], bound.fragments[-1][1]
    for (_, gap_start), (gap_end, _) in zip(bound.fragments, bound.fragments[1:]):
        gap = text[gap_start:gap_end] if gap_end >= gap_start else ""
        if not (gap and gap.isspace() and any(char in _LINE_BREAKS for char in gap)):
            shown = ";".join(f"{s} {e}" for s, e in bound.fragments)
            raise fail(
                bound.where,
                f"{bound.ident} ({bound.label} {shown}) is a discontinuous span, which spandesk cannot hold "
                "(a span is one range): split it into separate spans or join it in brat",
            )
    if end == start:
        raise fail(bound.where, f"{bound.ident} ({bound.label} {start}-{end}) is empty")
    return start, end


def _check_stated(bound: _Bound, text: str) -> None:
    """Refuse a ``T`` line whose text is not the text at its offsets (brat's own check)."""
    expected = FRAGMENT_SEP.join(text[start:end] for start, end in bound.fragments)
    stated, rest = bound.stated[: len(expected)], bound.stated[len(expected) :]
    if not bound.stated.strip():
        return  # no text given: brat fills it in from the .txt
    if stated != expected or (rest and not rest[0].isspace()):
        raise fail(
            bound.where,
            f"{bound.ident} ({bound.label} {';'.join(f'{s} {e}' for s, e in bound.fragments)}) says its text "
            f"is {bound.stated[:60]!r} but the .txt holds {expected[:60]!r} there "
            "(offsets count Unicode characters of the .txt)",
        )
