"""The ``spandesk`` command: argument parsing and messages only; the work is in the core modules."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from annotations import store
from annotations.cli_options import Seconds, db_option
from annotations.counting import counted
from annotations.formats import FORMATS, IMPORT_FORMATS
from annotations.launch import WINDOW_COMMAND, NoFrontEnd, default_db_path, open_window, window_option
from annotations.model import Answer
from annotations.terminal import printable

if TYPE_CHECKING:
    from sqlite_utils import Database

ANSWER_CHOICES = [a.value for a in Answer]
EXIT_INTERRUPTED = 130  # what a shell reports for a command ended by Ctrl+C


@contextmanager
def opened(
    db_path: Path | None, *, create: bool = True, read_only: bool = False, upgrade: bool = True
) -> Iterator[Database]:
    """The database, or a clear error and exit 1.

    ``read_only``: for commands that only read; nothing is written (but an older spandesk schema is
    upgraded first, unless ``upgrade`` is False).
    """
    path = db_path or default_db_path()
    if not create and not _exists(path):
        raise click.ClickException(f"{path}: no such database")
    if create and not read_only:
        _make_folder(path.parent)
    try:
        db = store.open_store(path, read_only=read_only, upgrade=upgrade)
    except store.StoreError as error:
        raise click.ClickException(str(error)) from error
    try:
        yield db
    except store.DamagedRow as error:  # its message names the row and says to run check
        raise click.ClickException(f"{path}: {error}") from error
    except (sqlite3.DatabaseError, store.StoreError) as error:
        detail = error if isinstance(error, store.StoreError) else f"{path}: {store.describe_error(error)}"
        busy = isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
        raise click.ClickException(
            f"{detail}" + ("" if busy else "\nRun `spandesk check` to examine it.")
        ) from error
    finally:
        db.close()


def _exists(path: Path) -> bool:
    """Whether something is at ``path``; a name the system refuses (too long) is an error, exit 1."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else error
        raise click.ClickException(f"{path}: cannot be used as a database name ({reason})") from error
    return True


def _make_folder(folder: Path) -> None:
    """Create the database's folder, or say why it cannot be (exit 1)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(
            f"{folder}: the database's folder cannot be created ({error.strerror or error}); "
            "choose another with --db or $SPANDESK_DB"
        ) from error


def _say(message: str, err: bool = False) -> None:
    """Print a message for the person: data quoted in it is shown, never obeyed by the terminal."""
    click.echo(printable(message), err=err)


def _answers(value: str | None) -> list[Answer] | None:
    """Parse ``accept,reject`` into answers."""
    if value is None:
        return None
    try:
        chosen = [Answer(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"answers are {', '.join(ANSWER_CHOICES)} (got {value!r})") from error
    if not chosen:  # `--answer ,` or `--answer ""` would export nothing, and say so only by a count
        raise click.BadParameter(f"name at least one answer: {', '.join(ANSWER_CHOICES)} (got {value!r})")
    return chosen


def _labels(value: str | None) -> list[str] | None:
    """Parse ``A,B,C`` into labels."""
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


# Commands kept in their own modules, imported only when named (or listed by --help): `spandesk gui`
# starts without them. Each: the command's name -> "module:attribute" (the modules use the helpers here).
LAZY_COMMANDS = {
    "assign": "annotations.team_commands:assign_command",
    "merge": "annotations.team_commands:merge_command",
    "find": "annotations.find_command:find_command",
    "label-all": "annotations.bulk_commands:label_all_command",
    "unlabel-all": "annotations.bulk_commands:unlabel_all_command",
    "undo-batch": "annotations.bulk_commands:undo_batch_command",
    "batches": "annotations.bulk_commands:batches_command",
    "train": "annotations.train_command:train_command",
    "models": "annotations.train_command:models_command",
    "preannotate": "annotations.reannotate_command:preannotate_command",
}


class _Commands(click.Group):
    """The command group: a failed file operation anywhere is a message naming the file, not a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            import importlib

            module, attribute = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute))
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = printable(error.message)
            raise
        except NoFrontEnd as error:
            raise click.ClickException(str(error)) from error
        except BrokenPipeError:
            raise  # `spandesk export | head`: click ends quietly
        except OSError as error:
            from annotations.output_file import describe_os_error  # only when something failed

            raise click.ClickException(printable(describe_os_error(error))) from error


@click.group(
    cls=_Commands, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="spandesk")
@db_option
@click.option(
    *window_option("annotator"),
    default=None,
    callback=lambda context, parameter, value: _annotator_name(context, parameter, value),
    help="With no command: work as this person (as `spandesk gui --annotator`).",
)
@click.pass_context
def cli(context: click.Context, db_path: Path | None = None, annotator: str | None = None) -> None:
    """Correct spaCy's entity spans and export training data. With no command, open the window
    (`spandesk --db PATH` is `spandesk gui --db PATH`)."""
    if context.invoked_subcommand is None:
        context.invoke(gui, db_path=db_path, annotator=annotator)
    elif db_path is not None or annotator is not None:
        # `spandesk --db X stats`: the command's --db is X (unless it names one itself)
        names = context.command.list_commands(context)  # type: ignore[attr-defined]
        context.default_map = {name: {"db_path": db_path} for name in names} if db_path else {}
        if annotator is not None and context.invoked_subcommand != "gui":
            raise click.UsageError("--annotator opens the window as that person: give no command (or `gui`)")
        if annotator is not None:
            context.default_map.setdefault("gui", {})["annotator"] = annotator


def _annotator_name(_context: click.Context, _parameter: click.Parameter, value: str | None) -> str | None:
    """``--annotator``: the name without surrounding spaces, or a message saying why it cannot be used."""
    from annotations.annotator_names import BadAnnotatorName, checked_annotator_name

    if value is None:
        return None
    try:
        return checked_annotator_name(value)
    except BadAnnotatorName as error:
        raise click.BadParameter(printable(f"{value!r}: {error}")) from error


@cli.command(WINDOW_COMMAND)
@db_option
@click.option(
    *window_option("annotator"),
    default=None,
    callback=_annotator_name,
    help="Work as this person (their own versions); kept in the database for the next start.",
)
def gui(db_path: Path | None = None, annotator: str | None = None) -> None:
    """Open the annotation window (the bundled sample is imported into an empty database)."""
    sys.exit(open_window(db_path or default_db_path(), annotator))


def end_as_the_command_would(error: BaseException) -> NoReturn:
    """End a window start that ``annotations.launch`` began without click and that raised ``error`` as the
    same start through click ends: the command group's message and exit status (or its traceback)."""

    def failed() -> None:
        raise error

    _Commands(invoke_without_command=True, callback=failed).main([], prog_name="spandesk")
    raise AssertionError("click's main always exits")


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--dataset", default="default", show_default=True, help="The dataset to import into.")
@click.option(
    "--model", default=None, help="spaCy pipeline name or path (default: en_core_web_sm if installed)."
)
@click.option(
    "--patterns", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Patterns JSONL."
)
@click.option("--label", "label", default=None, help="Only these labels, comma-separated (e.g. PERSON,ORG).")
@click.option(
    "--answer", type=click.Choice(ANSWER_CHOICES), default=None, help="Answer for records without one."
)
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes for spaCy.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    default="auto",
    show_default=True,
    help="How to read the sources (auto: by name and content).",
)
@click.option(
    "--annotator",
    default=None,
    callback=_annotator_name,
    help="Whose versions the file's annotated records are (default: each record's _annotator_id).",
)
@click.option(
    "--existing",
    type=click.Choice(["keep", "replace"]),
    default=None,
    help="A record whose annotator already has another version of its text: keep the stored one, "
    "or replace it with the file's (recorded in its history). Without it such an import stores nothing.",
)
@click.option(
    "--cluster",
    default=None,
    metavar="ADDRESS",
    help="Pre-annotate on a Dask cluster: its scheduler (tcp://host:8786) or local:N worker processes.",
)
@click.option(
    "--shard-size",
    type=click.IntRange(1, 1_000_000),  # cluster_import.MAX_SHARD_SIZE (not imported: every command pays)
    default=None,  # cluster_import.DEFAULT_SHARD_SIZE, the last shards smaller
    help="--cluster: documents per shard (the unit sent to a worker, kept and resumed); "
    "default 500, the last shards smaller so that the workers finish together.",
)
@click.option(
    "--cluster-timeout",
    type=Seconds(0.1, 3600),
    default=10.0,
    show_default=True,
    help="--cluster: seconds to wait for the scheduler.",
)
def import_command(
    sources: tuple[Path, ...],
    db_path: Path | None,
    dataset: str,
    model: str | None,
    patterns: Path | None,
    label: str | None,
    answer: str | None,
    jobs: int,
    fmt: str,
    annotator: str | None,
    existing: str | None,
    cluster: str | None,
    shard_size: int | None,
    cluster_timeout: float,
) -> None:
    """Import text files, folders of them, or JSONL (plain, Prodigy or doccano), all or nothing."""
    from annotations.importing import ImportCancelled, ImportFailure, import_sources  # loaded when used
    from annotations.records import RecordError
    from annotations.sources import check_source_exists

    try:  # said before the database is made (a mistyped name leaves no new database behind)
        for source in sources:
            if str(source) != "-":
                check_source_exists(source)
    except RecordError as error:
        raise click.ClickException(f"{error}\nNothing was imported; the database is unchanged.") from None
    with (
        opened(db_path) as db,
        _progress_bar("Pre-annotating") as progress,
        _cluster(cluster, db, (model, patterns, _labels(label)), shard_size, cluster_timeout) as predictor,
    ):
        try:
            report = import_sources(
                db,
                sources,
                dataset=dataset,
                model=model,
                patterns=patterns,
                labels=_labels(label),
                answer=Answer(answer) if answer else None,
                jobs=jobs,
                progress=None if predictor else progress,
                fmt=fmt,
                annotator=annotator,
                existing=existing,
                predict=predictor,
                waiting=_waiting_note(db, "The import"),
            )
        except ImportCancelled:
            _say("Import cancelled; the database is unchanged." + _kept_note(predictor), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except ImportFailure as error:
            raise click.ClickException(
                f"{error}\nNothing was imported; the database is unchanged.{_kept_note(predictor)}"
            ) from error
    if predictor is not None:
        predictor.finish()
    model_note = f", pre-annotated {report.preannotated} with {report.model}" if report.model else ""
    versions_note = f", {report.versions_note()}" if report.versions_note() else ""
    _say(
        f"Imported {_counted(report.added, 'document')} into {dataset!r}{model_note}{versions_note}; "
        f"{report.duplicates} already there."
    )
    if report.differing:
        _say(report.differing_note(), err=True)


@cli.command("export")
@db_option
@click.option("--dataset", default=None, help="Only this dataset (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The output format.")
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True),
    default=None,
    help="Output file; - is standard output (the default for JSONL).",
)
@click.option("--all", "include_all", is_flag=True, help="Also export unanswered documents (no answer key).")
@click.option("--answer", "answers", default=None, help="Only these answers, e.g. accept,reject.")
@click.option("--split", type=float, default=None, help="spacy: dev fraction; -o is then a folder.")
@click.option(
    "--scheme",
    type=click.Choice(["iob2", "biluo"]),
    default="iob2",
    show_default=True,
    help="conll, hf: the entity tags (IOB2, or spaCy's BILUO).",
)
@click.option(
    "--version",
    "version",
    default="current",
    show_default=True,
    metavar="current|reviewed|every|NAME",
    help="Whose version of each document: the current one (reviewed, else changed last), the reviewed "
    "ones, every annotator's (one record each), or one annotator's.",
)
def export_command(
    db_path: Path | None,
    dataset: str | None,
    fmt: str,
    output: str | None,
    include_all: bool,
    answers: str | None,
    split: float | None,
    scheme: str,
    version: str,
) -> None:
    """Export the answered documents as Prodigy JSONL, doccano JSONL or a spaCy DocBin."""
    from annotations.exporting import ExportFailure, export

    if split is not None and fmt != "spacy":
        raise click.UsageError(f"--split divides a spaCy export (--format spacy), not --format {fmt}")
    if output is None and fmt == "spacy":
        raise click.ClickException(
            "--format spacy writes a binary file: give its path with -o PATH (or -o -)"
        )
    with opened(db_path, create=False, read_only=True) as db, _progress_bar("Exporting") as progress:
        try:
            report = export(
                db,
                fmt,
                None if output in (None, "-") else Path(output),
                dataset=dataset,
                answers=_answers(answers),
                include_unanswered=include_all,
                split=split,
                stream=sys.stdout,
                progress=progress,
                scheme=scheme,
                version=version,
            )
        except ExportFailure as error:
            raise click.ClickException(str(error)) from error
    if report.paths:
        where = ", ".join(str(p) for p in report.paths)
        counts = f"{_counted(report.documents, 'document')} ({_counted(report.spans, 'span')})"
        _say(f"Exported {counts} to {where}", err=True)
    for warning in report.warnings:
        _say(f"Warning: {warning}", err=True)


@cli.command("stats")
@db_option
def stats_command(db_path: Path | None) -> None:
    """Documents by answer, spans by label, what people did with the model's spans; a table per annotator."""
    from annotations.annotator_stats import annotator_stats, format_annotator_stats
    from annotations.model_comparison import format_models_kept
    from annotations.stats import dataset_stats, format_stats

    with opened(db_path, create=False, read_only=True) as db:
        _say(format_stats(dataset_stats(db)))
        people = format_annotator_stats(annotator_stats(db))
        if people:
            _say(f"\n{people}")
        models = format_models_kept(store.models_kept(db))
        if models:
            _say(f"\n{models}")
        _note_same_texts(db)


@cli.command("agreement")
@db_option
@click.option("--dataset", default=None, help="Only this dataset (default: all).")
@click.option(
    "--label",
    "labels",
    multiple=True,
    help="Only these labels (repeat, or comma-separated: --label PER,ORG).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def agreement_command(
    db_path: Path | None, dataset: str | None, labels: tuple[str, ...], as_json: bool
) -> None:
    """How far annotators agree: span F1, kappa and alpha_u per pair and per label, worst documents first."""
    import json

    from annotations.agreement import agreement
    from annotations.agreement_output import agreement_json, format_agreement
    from annotations.agreement_source import versions_by_document

    chosen = {label for value in labels for label in _labels(value) or []} or None
    with opened(db_path, create=False, read_only=True) as db:
        if dataset is not None and store.dataset_id(db, dataset) is None:
            have = ", ".join(store.dataset_names(db)) or "none"
            raise click.ClickException(f"there is no dataset called {dataset!r} (have: {have})")
        used: set[str] = set()
        report = agreement(_noting_labels(versions_by_document(db, dataset), used), chosen)
        known = [name for name, _ in store.labels(db)]
        unknown = sorted(chosen - used - set(known)) if chosen else []
    if unknown:  # figures over a label nobody uses would all be n/a, and look like a result
        raise click.ClickException(
            f"--label: no label called {', '.join(map(repr, unknown))} "
            f"(labels: {', '.join(known) or 'none yet'})"
        )
    if as_json:
        click.echo(json.dumps(agreement_json(report), indent=2))
    if len(report.annotators) < 2:
        found = f": {', '.join(report.annotators)}" if report.annotators else ""
        _say(
            f"Agreement needs the versions of two or more annotators; found {len(report.annotators)}"
            f"{found}. Nothing to compare.",
            err=as_json,
        )
    elif not as_json:
        _say(format_agreement(report))


def _noting_labels(documents: Iterable[Any], used: set[str]) -> Iterator[Any]:
    """The documents, adding to ``used`` the labels of their versions' spans."""
    for document in documents:
        for state in document.versions.values():
            used.update(span.label for span in state.spans)
        yield document


@cli.command("check")
@db_option
def check_command(db_path: Path | None) -> None:
    """Check the file, the triggers, every JSON column and every document's history (exit 1 on problems)."""
    from annotations.checking import check_database

    with opened(db_path, create=False, read_only=True, upgrade=False) as db:
        problems = check_database(db)
        _note_same_texts(db)
    where = db_path or default_db_path()
    if problems:
        raise click.ClickException(f"{where}: {_counted(len(problems), 'problem')}:\n" + _listed(problems))
    _say(f"{where}: ok")


CHECK_PROBLEMS_SHOWN = 50


def _listed(problems: list[Any], shown: int = CHECK_PROBLEMS_SHOWN) -> str:
    """The first ``shown`` problems, one a line, and how many more there are."""
    lines = [f"  {problem}" for problem in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"  and {len(problems) - shown} more")
    return "\n".join(lines)


def _counted(number: int, noun: str) -> str:
    return counted(number, noun)


def _note_same_texts(db: Database) -> None:
    """Tell the person (on stderr) about documents an older database held twice with the same text."""
    from annotations.identity import describe_same_texts, same_text_documents

    note = describe_same_texts(same_text_documents(db))
    if note:
        _say(f"Note: {note}", err=True)


@cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup_command(target: Path, db_path: Path | None) -> None:
    """Write a consistent copy of the database to TARGET (a new file), even while a window has it open."""
    from annotations.output_file import OutputError

    if os.path.lexists(target):  # before opening the database
        raise click.ClickException(f"{target}: already exists; choose a new file name")
    with opened(db_path, create=False, read_only=True) as db:
        try:
            store.backup(db, target)
        except OutputError as error:
            raise click.ClickException(str(error)) from error
    _say(f"Backed up to {target}")


@contextmanager
def _cluster(
    address: str | None, db: Database, pipeline: tuple, shard_size: int | None, timeout: float
) -> Iterator[Any]:
    """A ``cluster_import.ClusterPredictor`` connected to ``address`` (None without --cluster); a problem
    reaching it is said before any record is read."""
    if address is None:
        yield None
        return
    from annotations import cluster_import
    from annotations.importing import ImportFailure

    try:
        cluster_import.parse_cluster(address)
        cluster_import.require_dask()
        predictor = cluster_import.ClusterPredictor(
            address,
            store.database_path(db),
            cluster_import.pipeline_spec(*pipeline, store.database_path(db)),
            shard_size=shard_size,
            timeout=timeout,
            progress=cluster_import.terminal_progress(sys.stderr),
            say=lambda text: _say(text, err=True),
        )
        predictor.__enter__()
    except ImportFailure as error:
        raise click.ClickException(f"{error}\nNothing was imported; the database is unchanged.") from error
    except KeyboardInterrupt:  # Ctrl+C while the cluster started (it is closed again)
        _say("Import cancelled; the database is unchanged.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    try:
        yield predictor
    finally:
        predictor.__exit__(None, None, None)


def _kept_note(predictor: Any) -> str:
    """What a cluster import kept for a re-run ('' when nothing)."""
    try:
        if predictor is None or predictor.folder is None or not predictor.folder.is_dir():
            return ""
    except OSError:  # a folder that cannot be looked at keeps nothing a re-run can use
        return ""
    return f" Finished shards are kept in {predictor.folder}; the same command resumes from them."


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback drawing a bar on a terminal (none when stderr is not one)."""
    if not sys.stderr.isatty():
        yield None
        return
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state.get("done", 0))
        state["done"] = done

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def _waiting_note(db: Any, what: str) -> Callable[[float], None]:
    """Says on stderr, at once and then each minute, that ``what`` waits for another program's write."""
    from annotations.waiting import waiting_note

    return waiting_note(db, what, lambda line: _say(line, err=True))


def main() -> None:
    """Entry point of the ``spandesk`` console script."""
    cli(prog_name="spandesk")
