"""The apply-everywhere commands: ``spandesk label-all``, ``unlabel-all``, ``undo-batch`` and ``batches``."""

from __future__ import annotations

import getpass
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from annotations import store
from annotations.bulk import Add, Change, Delete, DocumentPlan, OccurrencePlan, Outcome, Plan
from annotations.bulk_apply import BatchError, BatchResult
from annotations.cli_options import db_option
from annotations.terminal import printable

if TYPE_CHECKING:
    from sqlite_utils import Database

CONTEXT_CHARS = 30  # characters shown on each side of an occurrence


def _annotator_name(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """``--annotator``, checked as the other commands check it (imported when called: annotations.cli
    imports this module)."""
    from annotations.cli import _annotator_name as checked

    return checked(context, parameter, value)


def _annotator_option(function):
    return click.option(
        "--annotator",
        default=None,
        callback=_annotator_name,
        help="Whose versions to change (default: the name the window works under in this database).",
    )(function)


def _label_name(_context: click.Context, _parameter: click.Parameter, value: str | None) -> str | None:
    """``--label`` without surrounding spaces; refused when empty or holding a control character or a
    byte that is not UTF-8 (a label is shown in the window and written to every export format)."""
    if value is None:
        return None
    label = value.strip()
    if not label:
        raise click.BadParameter("the label is empty")
    bad = next((c for c in label if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")), None)
    if bad is not None:
        what = "a byte that is not UTF-8" if unicodedata.category(bad) == "Cs" else "a control character"
        raise click.BadParameter(printable(f"{value!r} holds {what} (U+{ord(bad):04X})"))
    return label


def _shared_options(function):
    """The options label-all and unlabel-all share."""
    for option in reversed(
        (
            db_option,
            click.option("--dataset", default=None, help="Only this dataset's documents (default: all)."),
            click.option("--dry-run", is_flag=True, help="Show what would change; write nothing."),
            click.option(
                "--include-answered",
                is_flag=True,
                help="Change documents already answered too (they are left out by default).",
            ),
        )
    ):
        function = option(function)
    return _annotator_option(function)


@click.command("label-all")
@click.argument("text")
@click.option("--label", required=True, callback=_label_name, help="The label every occurrence of TEXT gets.")
@_shared_options
def label_all_command(
    text: str,
    label: str,
    db_path: Path | None,
    dataset: str | None,
    dry_run: bool,
    include_answered: bool,
    annotator: str | None,
) -> None:
    """Label every occurrence of TEXT (whole words, case as typed) as LABEL, in your versions: a bare
    occurrence gets a span, a span over exactly it with another label is relabelled; occurrences that
    other spans overlap are left alone and explained."""
    _check_span_text(text)
    _run(Add(label, relabel=True), text, db_path, dataset, dry_run, include_answered, annotator)


@click.command("unlabel-all")
@click.argument("text")
@click.option(
    "--label",
    default=None,
    callback=_label_name,
    help="Remove only spans with this label (default: any label).",
)
@_shared_options
def unlabel_all_command(
    text: str,
    label: str | None,
    db_path: Path | None,
    dataset: str | None,
    dry_run: bool,
    include_answered: bool,
    annotator: str | None,
) -> None:
    """Remove the spans over exactly each occurrence of TEXT (with --label: only those with that label), in
    your versions."""
    _run(Delete(label), text, db_path, dataset, dry_run, include_answered, annotator)


def _check_span_text(text: str) -> None:
    """A span never begins or ends with white space (the window trims a selection): TEXT that does is
    refused, naming the text it would have to be."""
    trimmed = text.strip()
    if not trimmed and text:
        raise click.BadParameter(f"{text!r} is only white space; a span needs a word", param_hint="TEXT")
    if trimmed != text:
        raise click.BadParameter(
            f"{text!r} begins or ends with white space, which a span never does: label {trimmed!r}",
            param_hint="TEXT",
        )


def _check_label(db: Database, change: Change) -> None:
    """The label ``label-all`` gives must be one of the database's labels (the window offers no other, and an
    export's label list is the set's): a typo is refused, naming the labels there are."""
    label = getattr(change, "label", None)
    known = [name for name, _ in store.labels(db)]
    if isinstance(change, Add) and label and known and label not in known:
        raise click.BadParameter(
            f"{label!r} is not one of this database's labels ({', '.join(known)}); import documents that "
            "use it to add it to the set",
            param_hint="--label",
        )


def _run(
    change: Change,
    text: str,
    db_path: Path | None,
    dataset: str | None,
    dry_run: bool,
    include_answered: bool,
    annotator: str | None,
) -> None:
    """Plan the change, print it, and (unless a dry run) apply it as one batch."""
    from annotations.bulk_apply import apply_plan, plan_change
    from annotations.cli import _say, _waiting_note, opened
    from annotations.search import Query, SearchError, find

    with opened(db_path, create=False, read_only=dry_run) as db:
        _check_dataset(db, dataset)
        _check_label(db, change)
        name = annotator or default_annotator(db)
        _check_spelling(db, name)
        try:
            found = find(db, Query(text), dataset=dataset)
        except SearchError as error:
            raise click.BadParameter(str(error), param_hint="TEXT") from error
        plan = plan_change(db, change, text, found, annotator=name, include_answered=include_answered)
        result = None
        if not dry_run:  # another program's long write: wait for it, not refused after 30 s
            store.wait_to_write(db, _waiting_note(db, "The change"))
            result = apply_plan(db, plan)
    for line in report_lines(plan, result):
        _say(line)


def _check_dataset(db: Database, dataset: str | None) -> None:
    """A clear error for a dataset that is not there."""
    names = store.dataset_names(db)
    if dataset is not None and dataset not in names:
        have = ", ".join(repr(name) for name in names) or "none"
        raise click.ClickException(f"there is no dataset called {dataset!r} (have: {have})")


def _check_spelling(db: Database, name: str) -> None:
    """Refuse a name that differs only in case from a person's who has versions here (an import refuses
    it too): spandesk would keep them as two people, each with part of the work."""
    spelt = next((known for known in store.annotators(db) if known.casefold() == name.casefold()), name)
    if spelt != name:
        raise click.BadParameter(
            f"{name!r} differs only in case from {spelt!r}, who has versions here: spandesk would keep "
            f"them as two people. Use --annotator {spelt}",
            param_hint="--annotator",
        )


def default_annotator(db: Database) -> str:
    """The name the window works under in this database (its ``annotator`` setting), else the login name."""
    name = store.get_setting(db, "annotator")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"


def report_lines(plan: Plan, result: BatchResult | None) -> Iterator[str]:
    """What changed (``result``) or would change (None: a dry run), per document, then the totals."""
    skipped = {s.document_id: s.reason for s in result.skipped} if result else {}
    verb = "would change" if result is None else "changed"
    yield f"{plan.change.describe(plan.text)}, in {plan.annotator}'s versions:"
    for document in plan.documents:
        left_out = document.answered and not plan.include_answered
        for occurrence in document.occurrences:
            yield _occurrence_line(document, occurrence, left_out, skipped.get(occurrence.document_id), verb)
    yield from _totals(plan, result)


def _occurrence_line(
    document: DocumentPlan, occurrence: OccurrencePlan, left_out: bool, skipped: str | None, verb: str
) -> str:
    """One occurrence: document, context, and what happens there."""
    where = f"  document {occurrence.document_id}: {_in_context(document.target.text, occurrence)}"
    if occurrence.outcome is Outcome.CHANGE:
        what = _what(occurrence)
        if left_out:
            what = f"answered, left out ({what}; --include-answered to change it)"
        elif skipped:
            what = f"skipped: {skipped}"
        else:
            what = f"{verb}: {what}"
    else:
        what = f"{occurrence.outcome.value}: {occurrence.reason}"
    token = " (inside a token)" if occurrence.splits_token else ""
    return f"{where}  -> {what}{token}"


def _in_context(text: str, occurrence: OccurrencePlan, width: int = CONTEXT_CHARS) -> str:
    """The occurrence in its text, on one line: "…the text before «the match» the text after…"."""
    from annotations.search import context

    left, match, right = context(text, occurrence.start, occurrence.end, width)
    lead = "…" if occurrence.start > width else ""
    tail = "…" if occurrence.end + width < len(text) else ""
    return " ".join(f"{lead}{left}«{match}»{right}{tail}".split())


def _what(occurrence: OccurrencePlan) -> str:
    """The span change at an occurrence, in words: "FAC -> ORG", "+ORG", "-ORG"."""
    removes, adds = occurrence.removes, occurrence.adds
    if removes and adds:
        if (removes.start, removes.end) == (adds.start, adds.end):
            return f"{removes.label} -> {adds.label}"
        return f"{removes.label} {removes.start}-{removes.end} -> {adds.label} {adds.start}-{adds.end}"
    return f"+{adds.label}" if adds else f"-{removes.label}" if removes else "nothing"


def _count(number: int, noun: str) -> str:
    """'1 document', '2 documents'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _totals(plan: Plan, result: BatchResult | None) -> Iterator[str]:
    """The summary lines."""
    counts = plan.counts
    found = sum(counts.values())
    chosen = plan.default_choice()
    already = counts[Outcome.ALREADY] + counts[Outcome.ABSENT]
    answered = sum(len(d.changes) for d in plan.answered_documents) if not plan.include_answered else 0
    yield (
        f"{_count(found, 'occurrence')} in {_count(len(plan.documents), 'document')}: "
        f"{already} with nothing to do, {counts[Outcome.CONFLICT]} in conflict, "
        f"{answered} in answered documents left out"
    )
    if result is None:
        documents = len({o.document_id for o in chosen})
        would = f"{_count(len(chosen), 'occurrence')} in {_count(documents, 'document')}"
        yield f"Dry run: would change {would}; nothing written."
        return
    if result.skipped:
        skipped = _count(len(result.skipped), "document")
        yield f"Skipped {skipped} changed since the preview (left as they are)."
    if result.batch_id is None:
        yield "Nothing changed."
        return
    changed = f"{_count(result.occurrences, 'occurrence')} in {_count(len(result.changed), 'document')}"
    yield f"Changed {changed} as batch {result.batch_id}; undo it with: spandesk undo-batch {result.batch_id}"


@click.command("undo-batch")
@click.argument("batch", type=int, required=False)
@db_option
@_annotator_option
def undo_batch_command(batch: int | None, db_path: Path | None, annotator: str | None) -> None:
    """Undo a batch (label-all, unlabel-all, the window's apply everywhere): every document it changed that
    has not changed since goes back, in one step. Default: your latest batch not undone yet."""
    from annotations.bulk_apply import undo_batch
    from annotations.cli import _say, _waiting_note, opened

    with opened(db_path, create=False) as db:
        name = annotator or default_annotator(db)
        chosen = batch if batch is not None else _last_batch(db, name)
        store.wait_to_write(db, _waiting_note(db, "The undo"))
        try:
            result = undo_batch(db, chosen, name)
        except BatchError as error:
            raise click.ClickException(str(error)) from error
    for skipped in result.skipped:
        _say(f"  document {skipped.document_id}: skipped: {skipped.reason}")
    written = f" (batch {result.batch_id})" if result.batch_id is not None else ""
    _say(
        f"Undid batch {chosen}: {_count(len(result.changed), 'document')} back as they were{written}"
        + (f"; {len(result.skipped)} skipped" if result.skipped else "")
    )


def _last_batch(db: Database, name: str) -> int:
    """The id of the person's latest batch not undone yet, or a clear error."""
    found = store.last_undoable_batch(db, name)
    if found is None:
        raise click.ClickException(f"{name} has no batch left to undo (see: spandesk batches)")
    return found.id


@click.command("batches")
@db_option
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=sys.maxsize),
    default=20,
    show_default=True,
    help="How many to list.",
)
def batches_command(db_path: Path | None, limit: int) -> None:
    """List the latest batches (changes made to many documents at once), newest first."""
    import datetime

    from annotations.cli import _say, opened

    with opened(db_path, create=False, read_only=True) as db:
        found = store.recent_batches(db, limit=limit)
    for batch in found:
        when = datetime.datetime.fromtimestamp(batch.at).strftime("%Y-%m-%d %H:%M")
        state = f", undone by batch {batch.undone_by}" if batch.undone_by else ""
        documents = _count(batch.events, "document")
        _say(f"{batch.id}  {when}  {batch.annotator}  {documents}  {batch.description}{state}")
    if not found:
        _say("No batches yet.")
