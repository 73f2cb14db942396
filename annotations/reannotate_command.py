"""``spandesk preannotate``: a (new) model's proposals for the stored documents, beside the old ones."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from annotations.cli_options import db_option
from annotations.terminal import printable


@click.command("preannotate")
@db_option
@click.option("--dataset", default=None, help="Only this dataset's documents (default: all).")
@click.option("--model", required=True, help="spaCy pipeline name or path (e.g. a model you trained).")
@click.option(
    "--pending",
    is_flag=True,
    help="Documents nobody has answered or edited take the new proposals "
    "(answered or edited ones never change).",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes for spaCy.")
def preannotate_command(
    db_path: Path | None, dataset: str | None, model: str, pending: bool, jobs: int
) -> None:
    """Run a model over the stored documents: its predictions and confidence are kept beside the older
    models' ones; with --pending the untouched documents get its proposals. All or nothing."""
    from annotations.cli import EXIT_INTERRUPTED, _counted, _progress_bar, _waiting_note, opened
    from annotations.reannotate import ReannotateCancelled, ReannotateFailure, reannotate

    with opened(db_path, create=False) as db, _progress_bar("Pre-annotating") as progress:
        try:
            report = reannotate(
                db,
                model,
                dataset=dataset,
                pending=pending,
                jobs=jobs,
                progress=progress,
                waiting=_waiting_note(db, "The model's predictions"),
            )
        except ReannotateCancelled:
            click.echo("Pre-annotation cancelled; the database is unchanged.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except ReannotateFailure as error:
            raise click.ClickException(f"{error}\nNothing was stored; the database is unchanged.") from error
    scores = (
        "with confidence scores"
        if report.scored
        else "without confidence scores (the pipeline has no statistical ner)"
    )
    lines = [f"Stored {report.model}'s predictions for {_counted(report.documents, 'document')}, {scores}."]
    if pending:
        lines.append(
            f"Pending documents given the new proposals: {report.replaced} "
            f"({report.unchanged} already had them); "
            f"answered or edited documents left as they were: {report.kept}."
        )
    click.echo(printable("\n".join(lines)))
