"""``spandesk find``: every occurrence of a string (or a regular expression) in the corpus, in context."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from annotations import store
from annotations.cli_options import db_option
from annotations.search import Occurrence, Query, SearchError, find
from annotations.search_preview import Preview, previews
from annotations.terminal import printable

if TYPE_CHECKING:
    from sqlite_utils import Database

MAX_CONTEXT = 100_000  # characters each side: more than a line can show, and bounded (a padded line)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]")


@click.command("find")
@click.argument("text")
@db_option
@click.option("--dataset", default=None, help="Only this dataset (default: all).")
@click.option("--regex", is_flag=True, help="TEXT is a regular expression (Python's syntax).")
@click.option("--ignore-case", "-i", is_flag=True, help="Upper and lower case alike (default: exact case).")
@click.option(
    "--substring", is_flag=True, help="Also inside words: 'Putin' in 'borderPutin' (default: whole words)."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=sys.maxsize),
    default=None,
    help="Show only the first N occurrences.",
)
@click.option(
    "--context",
    "width",
    type=click.IntRange(min=0, max=MAX_CONTEXT),
    default=40,
    show_default=True,
    help="Characters of text shown on each side.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per occurrence (JSON Lines).")
def find_command(
    text: str,
    db_path: Path | None,
    dataset: str | None,
    regex: bool,
    ignore_case: bool,
    substring: bool,
    limit: int | None,
    width: int,
    as_json: bool,
) -> None:
    """Every occurrence of TEXT in the documents' texts: document, the text around, the spans there."""
    from annotations.cli import opened

    query = Query(text, regex=regex, whole_words=not substring, case_sensitive=not ignore_case)
    with opened(db_path, create=False, read_only=True) as db:
        _check_dataset(db, dataset)
        try:
            occurrences = find(db, query, dataset=dataset)
        except SearchError as error:
            raise click.ClickException(_search_error(error, query)) from error
        if regex:
            occurrences = _bounded(occurrences, query)
        counted = _Counted(occurrences, limit)
        for preview in previews(db, counted.shown(), width=width):
            click.echo(
                json.dumps(_as_json(preview), ensure_ascii=False) if as_json else _line(preview, width)
            )
        click.echo(printable(counted.summary(text)), err=as_json)


REGEX_SECONDS = 60.0  # the longest a regular expression may search without finding its next occurrence


def _bounded(occurrences: Iterator[Occurrence], query: Query) -> Iterator[Occurrence]:
    """The occurrences, each found within ``REGEX_SECONDS`` of the one before, else a clear error: a
    regular expression such as ``(a+)+$`` can take exponential time on one text. Python checks for
    signals while matching, so a timer interrupts it (in the main thread; elsewhere nothing is bounded)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield from occurrences
        return

    def too_slow(_number: int, _frame: FrameType | None) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, too_slow)
    try:
        while True:
            signal.setitimer(signal.ITIMER_REAL, REGEX_SECONDS)
            try:
                occurrence = next(occurrences)
            except StopIteration:
                return
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            yield occurrence
    except _TooSlow:
        raise click.ClickException(
            f"the regular expression {query.text!r} searched for {REGEX_SECONDS:g} s without finding"
            " another occurrence, and was stopped: nested repeats such as (a+)+ can take exponential time"
            " on a long text; write it without them"
        ) from None
    finally:
        signal.signal(signal.SIGALRM, previous)


class _TooSlow(Exception):
    """A regular expression ran past ``REGEX_SECONDS``."""


def _check_dataset(db: Database, dataset: str | None) -> None:
    """A dataset that does not exist is an error naming those that do."""
    names = store.dataset_names(db)
    if dataset is not None and dataset not in names:
        have = ", ".join(repr(name) for name in names) or "none"
        raise click.ClickException(f"there is no dataset called {dataset!r} (have: {have})")


def _search_error(error: SearchError, query: Query) -> str:
    """The message of a query that cannot be searched for, pointing at the place in a bad regex."""
    if error.position is None:
        return str(error)
    return f"{error}\n  {query.text}\n  {' ' * error.position}^"


class _Counted:
    """The occurrences, counted as they go by: the first ``limit`` are shown, all are counted."""

    def __init__(self, occurrences: Iterator[Occurrence], limit: int | None) -> None:
        self._occurrences = occurrences
        self._limit = limit
        self.total = 0
        self.documents = 0
        self._last_document: int | None = None

    def shown(self) -> Iterator[Occurrence]:
        """The occurrences to show; counting goes on to the end once they are all handed out."""
        for occurrence in self._occurrences:
            self._count(occurrence)
            if self._limit is None or self.total <= self._limit:
                yield occurrence

    def _count(self, occurrence: Occurrence) -> None:
        self.total += 1
        if occurrence.document_id != self._last_document:
            self.documents += 1
            self._last_document = occurrence.document_id

    def summary(self, text: str) -> str:
        """'11,712 occurrences in 10,814 documents' (and how many of them were shown)."""
        if not self.total:
            return f"no occurrences of {text!r}"
        occurrences = "occurrence" if self.total == 1 else "occurrences"
        documents = "document" if self.documents == 1 else "documents"
        line = f"{self.total:,} {occurrences} in {self.documents:,} {documents}"
        if self._limit is not None and self.total > self._limit:
            line += f" (the first {self._limit:,} shown)"
        return line


def _line(preview: Preview, width: int) -> str:
    """One keyword-in-context line: document, the text before (matches line up), the match in «», the
    text after, and the spans there (LABEL 'text', those over the match first)."""
    middle = f"{_flat(preview.left).rjust(width)}«{_flat(preview.match)}»{_flat(preview.right)}"
    covering = set(preview.covering)
    named = sorted(
        zip(preview.spans, preview.span_texts, strict=True), key=lambda pair: pair[0] not in covering
    )
    spans = "  ".join(f"{span.label} {_flat(text)!r}" for span, text in named)
    return printable(f"{preview.occurrence.document_id:>8}  {middle}" + (f"   | {spans}" if spans else ""))


def _flat(text: str) -> str:
    """Text on one line: line breaks and tabs as spaces."""
    return _LINE_BREAKS.sub(" ", text)


def _as_json(preview: Preview) -> dict[str, object]:
    """One occurrence as ``--json`` prints it (offsets are code points into the document's text)."""
    occurrence = preview.occurrence
    return {
        "document": occurrence.document_id,
        "dataset": preview.dataset,
        "start": occurrence.start,
        "end": occurrence.end,
        "text": preview.match,
        "left": preview.left,
        "right": preview.right,
        "spans": [
            {
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "text": text,
                "over_match": span.overlaps((occurrence.start, occurrence.end)),
            }
            for span, text in zip(preview.spans, preview.span_texts, strict=True)
        ],
    }
