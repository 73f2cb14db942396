"""The export pipeline: stream stored documents into Prodigy JSONL, doccano JSONL or spaCy DocBin.

JSONL is written line by line from a cursor (never all documents in memory). Where a file may be
written, and how (a temporary that replaces the target only when complete, so an interrupted export
never leaves half a file), is ``annotations.output_file``'s business.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

import orjson

from annotations import span_extra, store
from annotations.export_versions import (
    CURRENT,
    BroughtSessions,
    VersionChoiceError,
    chosen_versions,
    versions_warnings,
)
from annotations.formats import (
    FORMATS,
    MODULE_FORMATS,
    Format,
    Piece,
    WriteOptions,
    doccano,
    format_module,
    prodigy,
)
from annotations.hashing import text_digest
from annotations.model import Answer, Document
from annotations.output_file import OutputError, check_output, describe_os_error, replaced, replaced_folder
from annotations.stored_columns import check_exported_values

if TYPE_CHECKING:
    from sqlite_utils import Database

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500
T = TypeVar("T")
_CURRENT = store.Versions.current()


class ExportFailure(Exception):
    """The export could not be written; the message says why."""


class ExportCancelled(ExportFailure):
    """The user cancelled the export; no file was written."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export wrote."""

    documents: int
    spans: int
    paths: tuple[Path, ...]
    warnings: tuple[str, ...] = ()  # what the person should know: an empty export (why), an empty split side


def export(
    db: Database,
    fmt: Format,
    output: Path | None,
    *,
    dataset: str | None = None,
    answers: Sequence[Answer] | None = None,
    include_unanswered: bool = False,
    split: float | None = None,
    stream: TextIO | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    scheme: str = "iob2",
    version: str = CURRENT,
) -> ExportReport:
    """Export the chosen documents in ``fmt`` to ``output`` (or, when it is None, to ``stream``).

    ``version`` chooses whose version of each document (``export_versions``): ``current``, ``reviewed``,
    ``every`` (one record per annotator's version) or an annotator's name.
    An output that is the database or one of its files, another SQLite database or a folder is
    refused before anything is read; a failed write leaves the output as it was.
    """
    try:
        versions = chosen_versions(db, fmt, dataset, version)
    except VersionChoiceError as error:
        raise ExportFailure(str(error)) from error
    try:
        report = _export(
            db,
            fmt,
            output,
            dataset,
            answers,
            include_unanswered,
            split,
            stream,
            progress,
            cancelled,
            scheme,
            versions,
        )
    except OutputError as error:
        raise ExportFailure(str(error)) from error
    except OSError as error:
        raise ExportFailure(describe_os_error(error)) from error
    counts = store.chosen_answer_counts(db, dataset, versions) if report.documents == 0 else {}
    if report.documents == 0 and (counts or version == CURRENT):  # else: the versions' warning says why
        chosen = _default_answers(fmt, answers)
        note = nothing_exported_note(counts, fmt, chosen, include_unanswered, dataset)
        report = replace(report, warnings=(note, *report.warnings))
    return replace(report, warnings=(*report.warnings, *versions_warnings(db, dataset, version, versions)))


_ANSWERED = {Answer.ACCEPT: "accepted", Answer.REJECT: "rejected", Answer.IGNORE: "ignored"}


def nothing_exported_note(
    counts: dict[str | None, int],
    fmt: Format,
    chosen: Sequence[Answer],
    include_unanswered: bool,
    dataset: str | None,
) -> str:
    """Why an export wrote no document, and how to include the documents there are (``counts``: the
    dataset's documents by answer, None for unanswered, as ``store.answer_counts``)."""
    where = f"dataset {dataset!r}" if dataset is not None else "the database"
    total = sum(counts.values())
    if total == 0:
        return f"exported no documents: {where} holds none"
    held = [f"{counts[a.value]} {_ANSWERED[a]}" for a in Answer if counts.get(a.value)]
    if counts.get(None):
        held.append(f"{counts[None]} unanswered")
    wanted = [_ANSWERED[a] for a in chosen] + (["unanswered"] if include_unanswered else [])
    default = (
        " (--format spacy exports the accepted ones unless --answer says otherwise)" if fmt == "spacy" else ""
    )
    hints = []
    present = [a for a in Answer if counts.get(a.value)]
    if any(a not in chosen for a in present):
        hints.append(f"--answer {','.join(a.value for a in Answer if a in chosen or a in present)}")
    if counts.get(None) and not include_unanswered:
        hints.append("--all (adds the unanswered)")
    how = f"; to include them, add {' and '.join(hints)}" if hints else ""
    return (
        f"exported no documents: of the {total} in {where} ({', '.join(held)}), none is "
        f"{' or '.join(wanted) or 'chosen'}{default}{how}"
    )


def _export(
    db: Database,
    fmt: Format,
    output: Path | None,
    dataset: str | None,
    answers: Sequence[Answer] | None,
    include_unanswered: bool,
    split: float | None,
    stream: TextIO | None,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    scheme: str = "iob2",
    versions: store.Versions = _CURRENT,
) -> ExportReport:
    """``export``, raising OutputError and OSError as they come."""
    if fmt not in FORMATS:
        raise ExportFailure(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if dataset is not None and store.dataset_id(db, dataset) is None:
        raise ExportFailure(
            f"there is no dataset called {dataset!r} (have: {', '.join(store.dataset_names(db))})"
        )
    database = store.database_path(db)
    for path in _outputs(fmt, output, split):
        check_output(path, database)  # before the long walk over the documents
    chosen = _default_answers(fmt, answers)
    total = _count(db, dataset, chosen, include_unanswered, versions)
    if fmt == "prodigy":  # the stored rows straight to tasks: no Document, Token or Span objects
        sessions = BroughtSessions(db, dataset)
        rows = map(sessions.row, store.iter_document_rows(db, dataset, chosen, include_unanswered, versions))
        lines = map(prodigy_line, _watched(rows, total, progress, cancelled))
        return _export_jsonl(lines, output, stream, database)
    stored = store.iter_documents(
        db, dataset, chosen, include_unanswered, with_predictions=fmt == "labelstudio", versions=versions
    )
    documents = _watched(map(BroughtSessions(db, dataset).document, stored), total, progress, cancelled)
    if fmt == "spacy":
        return _export_docbin(documents, output, split, stream, database)
    if fmt in MODULE_FORMATS:
        options = WriteOptions(labels=tuple(name for name, _colour in store.labels(db)), scheme=scheme)
        return _export_pieces(fmt, documents, output, stream, database, options)
    return _export_jsonl(map(_doccano_line, documents), output, stream, database)


def _outputs(fmt: Format, output: Path | None, split: float | None) -> tuple[Path, ...]:
    """The files the export will write (those it knows of before writing)."""
    if output is None or (fmt in MODULE_FORMATS and format_module(fmt).LAYOUT == "folder"):
        return ()
    if fmt == "spacy" and split is not None:  # a folder made if missing; what it holds is checked
        return (output / "train.spacy", output / "dev.spacy") if output.is_dir() else ()
    return (output,)


def _default_answers(fmt: Format, answers: Sequence[Answer] | None) -> tuple[Answer, ...]:
    """What to export when the user did not say: accepted only for training data, else every answer."""
    if answers is not None:
        return tuple(answers)
    return (Answer.ACCEPT,) if fmt == "spacy" else tuple(Answer)


def _count(
    db: Database,
    dataset: str | None,
    answers: Sequence[Answer],
    include_unanswered: bool,
    versions: store.Versions = _CURRENT,
) -> int:
    """How many documents (versions) the export will write (for progress)."""
    counts = store.chosen_answer_counts(db, dataset, versions)
    chosen: list[str | None] = [a.value for a in answers] + ([None] if include_unanswered else [])
    return sum(counts.get(key, 0) for key in chosen)


def _watched(
    documents: Iterator[T], total: int, progress: Progress | None, cancelled: Callable[[], bool] | None
) -> Iterator[T]:
    """Documents (or their rows) passed through, reporting progress and stopping when cancelled."""
    done = 0
    if progress is not None:
        progress(0, total)  # at once: the first rows may take long to come
    for done, document in enumerate(documents, start=1):
        if cancelled is not None and done % 64 == 0 and cancelled():
            raise ExportCancelled("export cancelled; no file was written")
        yield document
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)


# ---------------------------------------------------------------- JSONL


Line = tuple[bytes, int]
"""One JSON line to write, and how many spans its record holds."""


def prodigy_line(row: store.DocumentRow) -> Line:
    """The JSON line of a stored row's Prodigy task (``prodigy.task_from_document`` of its
    Document, written by ``json_line``), and how many spans it holds; store.DamagedRow naming the
    column when the row's JSON cannot be read."""
    try:
        return _prodigy_line(row)
    except store.DECODE_ERRORS as error:
        raise store.damaged_document(row) from error


def _prodigy_line(row: store.DocumentRow) -> Line:
    check_exported_values(row.input_hash, row.task_hash, row.annotator, row.updated)
    starts, ends = store.decode_token_offsets(row.tokens)
    spans = store.decode_span_keys(row.spans)
    if spans:
        store.check_stored_span_bounds(spans[0][0], spans[-1][1], row.text)
    extra = store.decode_object(row.extra)
    span_keys = span_extra.pop(extra)  # written on their spans, never as top-level keys
    task = prodigy.task(
        row.text,
        starts,
        ends,
        spans,
        input_hash=row.input_hash,
        task_hash=row.task_hash,
        answer=row.answer,
        updated=row.updated,
        annotator=row.annotator,
        meta=store.decode_object(row.meta),
        extra=extra,
        span_keys=span_keys,
        dataset=row.dataset,
        rev=row.rev,
    )
    return json_line(task, may_hold_separators=_may_hold_separators(row)), len(spans)


def _may_hold_separators(row: store.DocumentRow) -> bool:
    """Whether a string in the row's task may hold U+2028 or U+2029. Its strings come from the text
    (the tokens' too), the annotator and the JSON columns (labels, meta, extra), where the character
    may also be a \\u escape. A false alarm only costs ``json_line`` its scan of the line."""
    for value in (row.text, row.spans, row.meta, row.extra, row.annotator or ""):
        if "\u2028" in value or "\u2029" in value or "\\u202" in value:
            return True
    return False


def _doccano_line(document: Document) -> Line:
    """A document's doccano record as a JSON line, and how many spans it holds."""
    return json_line(doccano.record_from_document(document)), len(document.spans)


def _export_jsonl(
    lines: Iterable[Line], output: Path | None, stream: TextIO | None, database: Path | None
) -> ExportReport:
    """Write the lines to a file (atomically) or a stream."""
    if output is None:
        target = stream or sys.stdout
        buffer = getattr(target, "buffer", None)
        if buffer is not None:
            target.flush()
            return ExportReport(*_write_lines(lines, buffer.write), ())
        write_text = target.write
        return ExportReport(*_write_lines(lines, lambda line: write_text(line.decode())), ())
    with replaced(output, database) as handle:
        written, spans = _write_lines(lines, handle.write)
    return ExportReport(written, spans, (output,))


def _write_lines(lines: Iterable[Line], write: Callable[[bytes], object]) -> tuple[int, int]:
    """Write each line; return how many lines and spans."""
    written = spans = 0
    for line, span_count in lines:
        write(line)
        written += 1
        spans += span_count
    return written, spans


_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_line(record: dict, *, may_hold_separators: bool = True) -> bytes:
    """One record as a compact JSON line (orjson; the standard library for integers beyond 64 bits).

    U+2028 and U+2029 are escaped: valid inside JSON strings, but line breaks to many line readers.
    ``may_hold_separators=False`` (the caller knows no string in the record holds either) skips
    looking for them in the line.
    """
    try:
        line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: e.g. an integer of more than 64 bits in meta
        line = _FALLBACK(record).encode("utf-8", "surrogatepass") + b"\n"
    if may_hold_separators and (b"\xe2\x80\xa8" in line or b"\xe2\x80\xa9" in line):
        line = line.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return line


# ---------------------------------------------------------------- formats written as pieces


class _Counted:
    """Documents passed through, counted (with their spans) as a writer takes them."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self._documents = documents
        self.documents = self.spans = 0

    def __iter__(self) -> Iterator[Document]:
        for document in self._documents:
            self.documents += 1
            self.spans += len(document.spans)
            yield document


def _export_pieces(
    fmt: str,
    documents: Iterable[Document],
    output: Path | None,
    stream: TextIO | None,
    database: Path | None,
    options: WriteOptions,
) -> ExportReport:
    """A format module's pieces written to one file (and the files beside it), or into a folder."""
    module = format_module(fmt)
    counted = _Counted(documents)
    pieces = module.write(counted, options)
    if module.LAYOUT == "folder":
        paths = _write_folder(fmt, pieces, output, database)
    else:
        paths = _write_file(fmt, pieces, output, stream, database)
    return ExportReport(counted.documents, counted.spans, paths)


def _write_file(
    fmt: str, pieces: Iterable[Piece], output: Path | None, stream: TextIO | None, database: Path | None
) -> tuple[Path, ...]:
    """The main pieces into ``output`` (or the stream), named pieces into files beside it."""
    if output is None:
        _write_main_pieces(fmt, pieces, stream or sys.stdout)
        return ()
    beside: list[tuple[Path, bytes]] = []
    with replaced(output, database) as handle:
        for name, data in pieces:
            if name == output.name:
                raise ExportFailure(
                    f"{output}: --format {fmt} also writes {name} beside its file, which would replace "
                    "the export; give the export another name. Nothing was written"
                )
            if name:
                path = _piece_path(output.parent, name)
                check_output(path, database)  # a target it cannot take refuses the export before it lands
                beside.append((path, data))
            else:
                handle.write(data)
        # the files beside it first: the export replaces the file it names only once they are written
        for path, data in beside:
            with replaced(path, database) as side:
                side.write(data)
    return (output, *(path for path, _ in beside))


def _write_main_pieces(fmt: str, pieces: Iterable[Piece], stream: TextIO) -> None:
    """The pieces onto a stream; a format that also writes files beside its own needs -o."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
    for name, data in pieces:
        if name:
            raise ExportFailure(
                f"--format {fmt} also writes {name} beside its file: give its path with -o PATH"
            )
        if buffer is not None:
            buffer.write(data)
        else:
            stream.write(data.decode("utf-8"))


def _write_folder(
    fmt: str, pieces: Iterable[Piece], folder: Path | None, database: Path | None
) -> tuple[Path, ...]:
    """Every piece as a file of its name in ``folder`` (new or empty), which appears whole or not at all."""
    if folder is None:
        raise ExportFailure(f"--format {fmt} writes a folder of files: give it with -o FOLDER")
    with replaced_folder(folder, database) as write:
        for name, data in pieces:
            write(_piece_path(folder, name).name, data)
    return (folder,)


def _piece_path(folder: Path, name: str) -> Path:
    """Where a named piece goes: a plain file name in ``folder`` (a writer never names another place)."""
    if not name or name != Path(name).name or name in (".", ".."):
        raise ValueError(f"a writer named a piece {name!r}, which is not a plain file name")
    return folder / name


# ---------------------------------------------------------------- DocBin


def _export_docbin(
    documents: Iterable[Document],
    output: Path | None,
    split: float | None,
    stream: TextIO | None,
    database: Path | None,
) -> ExportReport:
    """A DocBin at ``output`` (or on ``stream``); with ``split``, a folder of train.spacy and dev.spacy."""
    if output is None:
        if stream is None or split is not None:
            raise ExportFailure("--format spacy writes a binary file: give its path with -o PATH")
        data, count, spans = _docbin_bytes(documents)
        _write_binary(stream, data)
        return ExportReport(count, spans, ())
    if split is None:
        data, count, spans = _docbin_bytes(documents)
        with replaced(output, database) as handle:
            handle.write(data)
        return ExportReport(count, spans, (output,))
    if not 0.0 < split < 1.0:
        raise ExportFailure(f"--split must be between 0 and 1 (got {split})")
    return _export_split(list(documents), output, split, database)


def _write_binary(stream: TextIO, data: bytes) -> None:
    """Bytes onto a text stream's binary buffer (refusing a terminal, which would show garbage)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None or stream.isatty():
        raise ExportFailure(
            "--format spacy writes a binary file: give its path with -o PATH, or redirect -o -"
        )
    stream.flush()
    buffer.write(data)
    buffer.flush()


def _export_split(
    documents: list[Document], folder: Path, split: float, database: Path | None
) -> ExportReport:
    """Split documents deterministically by their text into train.spacy and dev.spacy (so one text,
    however many documents hold it, is on one side only)."""
    if folder.exists() and not folder.is_dir():
        raise ExportFailure(f"{folder}: exists and is not a folder (with --split, -o names a folder)")
    folder.mkdir(parents=True, exist_ok=True)
    train: list[Document] = []
    dev: list[Document] = []
    for document in documents:
        (dev if in_dev_split(document.text, split) else train).append(document)
    train_data, train_count, train_spans = _docbin_bytes(train)
    dev_data, dev_count, dev_spans = _docbin_bytes(dev)
    paths = (folder / "train.spacy", folder / "dev.spacy")
    with replaced(paths[0], database) as train_file, replaced(paths[1], database) as dev_file:
        train_file.write(train_data)
        dev_file.write(dev_data)
    warnings = _empty_side_warnings(paths, train_count, dev_count, split)
    return ExportReport(train_count + dev_count, train_spans + dev_spans, paths, warnings)


def _empty_side_warnings(paths: tuple[Path, Path], train: int, dev: int, split: float) -> tuple[str, ...]:
    """What to say when a split left one side without documents (``spacy train`` needs both)."""
    if train + dev == 0 or (train and dev):
        return ()
    empty, full = (paths[0], paths[1]) if not train else (paths[1], paths[0])
    return (
        f"{empty} holds no documents: --split {split:g} put all {train + dev} in {full.name} (each text "
        "goes to one side by its hash); spacy train needs both: export more documents or another --split",
    )


def in_dev_split(text: str, fraction: float) -> bool:
    """Whether a document belongs to the dev set: a stable function of its text (its identity), never
    of the input hash a file brought (one text arrives under different hashes in different formats)."""
    return int.from_bytes(text_digest(text)[:8], "big") / 2**64 < fraction


def _docbin_bytes(documents: Iterable[Document]) -> tuple[bytes, int, int]:
    """The documents as a DocBin's bytes; a span that cannot be an entity becomes ExportFailure."""
    from annotations.formats import docbin  # imports spaCy: only when a DocBin is written

    try:
        return docbin.docbin_bytes(documents)
    except ValueError as error:
        raise ExportFailure(str(error)) from error
