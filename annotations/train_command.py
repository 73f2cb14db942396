"""The model commands: ``spandesk train`` (with ``--curve``) and ``spandesk models``."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from annotations.cli_options import db_option
from annotations.counting import counted
from annotations.terminal import printable

EXIT_INTERRUPTED = 130


def _say(message: str, err: bool = False) -> None:
    click.echo(printable(message), err=err)


@contextmanager
def _terminate_is_interrupt() -> Iterator[None]:
    """While inside, SIGTERM (the window's Cancel) stops the training as Ctrl+C does, cleaning up."""

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("train")
@db_option
@click.option("--dataset", default=None, help="Only this dataset's documents (default: all).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The folder to write the trained model to (new or empty; see --force).",
)
@click.option(
    "--base",
    default=None,
    help="The pipeline (name or path) whose ner is fine-tuned, or 'blank' to start from scratch "
    "(default: the model that pre-annotated the database, else en_core_web_sm).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Your own spaCy config (default: one like `spacy init config -p ner`).",
)
@click.option(
    "--eval-split",
    type=float,
    default=0.2,
    show_default=True,
    help="The share of the accepted documents held out to score the model on.",
)
@click.option(
    "--seed",
    type=click.IntRange(-(2**63), 2**64 - 1),  # what spaCy's config file (ujson) can hold
    default=0,
    show_default=True,
    help="Seed of the split and of training.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(1),
    default=None,
    help="Stop after this many steps (default: the config's).",
)
@click.option(
    "--curve", is_flag=True, help="Also train on 25/50/75% of the training part and print each score."
)
@click.option("--force", is_flag=True, help="Replace what the -o folder holds.")
def train_command(
    db_path: Path | None,
    dataset: str | None,
    output: Path,
    base: str | None,
    config_path: Path | None,
    eval_split: float,
    seed: int,
    max_steps: int | None,
    curve: bool,
    force: bool,
) -> None:
    """Train an NER model on the accepted documents with spaCy, score it per label, and register it."""
    from annotations import store
    from annotations.cli import opened
    from annotations.training import (
        CurvePoint,
        TrainingFailure,
        TrainSettings,
        check_output,
        format_curve_point,
        format_scores,
        learning_curve,
        train_model,
    )

    settings = TrainSettings(output, dataset, base, config_path, eval_split, seed, max_steps, force)
    with opened(db_path, create=False) as db, _terminate_is_interrupt():
        try:
            check_output(output.absolute(), force, store.database_path(db))  # before the curve
            if curve:
                _say("Learning curve (same held-out documents):")
                learning_curve(db, settings, on_line=_say, fractions=(0.25, 0.5, 0.75))
            result = train_model(db, settings, on_line=_say)
        except TrainingFailure as error:
            raise click.ClickException(f"{error}\nNo model was written or registered.") from error
        except KeyboardInterrupt:
            _say("Training cancelled; no model was written or registered.", err=True)
            sys.exit(EXIT_INTERRUPTED)
    if curve:
        _say(format_curve_point(CurvePoint(1.0, result.documents, result.scores)))
    _say(
        f"\nScores on the {counted(result.held_out, 'held-out document')}:\n{format_scores(result.scores)}\n"
        f"Saved {result.name} {result.version} to {result.path} and registered it "
        f"(trained on {counted(result.documents, 'document')}, {counted(result.spans, 'span')})."
    )


@click.command("models")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list instead of a table.")
def models_command(db_path: Path | None, as_json: bool) -> None:
    """The models trained from the corrections: folder, base, data and held-out F."""
    from annotations import store
    from annotations.cli import opened

    with opened(db_path, create=False, read_only=True) as db:
        models = store.registered_models(db)
    if as_json:
        click.echo(json.dumps([_model_json(m) for m in models], indent=2, ensure_ascii=False))
        return
    if not models:
        _say("No model has been trained yet: spandesk train -o FOLDER")
        return
    for model in models:
        when = datetime.fromtimestamp(model.created).strftime("%Y-%m-%d %H:%M")
        f_score = model.scores.get("ents_f") or 0.0
        _say(
            f"{model.name} {model.version}  {when}  F {f_score:.1%}  {counted(model.documents, 'document')}, "
            f"{counted(model.spans, 'span')}  from {model.base}  {model.path}"
        )


def _model_json(model: object) -> dict:
    from dataclasses import asdict

    return asdict(model)  # type: ignore[call-overload]
