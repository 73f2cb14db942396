"""The team commands: ``spandesk assign`` (hand out a dataset) and ``spandesk merge`` (bring it back)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from annotations import store
from annotations.cli_options import db_option

if TYPE_CHECKING:
    from sqlite_utils import Database


@click.command("assign")
@db_option
@click.option("--dataset", default=None, help="The dataset to hand out (default: the only one there is).")
@click.option(
    "--annotators",
    required=True,
    help="The annotators' names, comma-separated: --annotators alice,bob,carol.",
)
@click.option(
    "--overlap",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many annotators get each document (2 or more: their agreement can be measured).",
)
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write one database per annotator into (NAME.db).",
)
@click.option("--force", is_flag=True, help="Replace annotators' database files already in the folder.")
def assign_command(
    db_path: Path | None, dataset: str | None, annotators: str, overlap: int, folder: Path, force: bool
) -> None:
    """Split a dataset among annotators: one ready-to-open database each, holding their documents."""
    from annotations.assigning import AssignError, annotator_names, assign
    from annotations.cli import _counted, _say, opened

    try:
        names = annotator_names(annotators)
        with opened(db_path, create=False, read_only=True) as db:
            chosen = _dataset(db, dataset)
            written = assign(db, chosen, names, folder, overlap=overlap, replace=force)
    except AssignError as error:
        raise click.ClickException(str(error)) from error
    for share in written:
        kept = f", {_counted(share.own_versions, 'version')} of theirs kept" if share.own_versions else ""
        _say(f"{share.path}: {share.annotator}, {_counted(share.documents, 'document')}{kept}")


def _dataset(db: Database, dataset: str | None) -> str:
    """The dataset named, or the only one; a clear error otherwise."""
    names = store.dataset_names(db)
    if dataset is None and len(names) == 1:
        return names[0]
    if dataset is not None and dataset in names:
        return dataset
    have = ", ".join(repr(name) for name in names) or "none"
    if dataset is None:
        raise click.ClickException(f"choose the dataset to hand out with --dataset (have: {have})")
    raise click.ClickException(f"there is no dataset called {dataset!r} (have: {have})")


@click.command("merge")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@db_option
def merge_command(sources: tuple[Path, ...], db_path: Path | None) -> None:
    """Bring annotators' databases back into this one (--db): every version and its history, all or none."""
    from annotations.cli import _counted, _say, _waiting_note, opened
    from annotations.merging import MergeError, merge

    with opened(db_path) as db:
        store.wait_to_write(db, _waiting_note(db, "The merge"))  # not refused after the 30 s busy timeout
        try:
            reports = merge(db, sources)
        except MergeError as error:
            raise click.ClickException(str(error)) from error
        datasets = store.dataset_names(db)
    for report in reports:
        counts = report.counts
        upgraded = " (read from an upgraded copy; the file was left as it was)" if report.upgraded else ""
        _say(
            f"{report.path}: {_counted(counts.documents_added, 'document')} added, "
            f"{_counted(counts.versions_added, 'version')} added, {counts.versions_updated} updated, "
            f"{counts.unchanged} unchanged{upgraded}"
        )
        for name in counts.new_datasets:
            _say(f"{report.path}: {_new_dataset_note(name, datasets)}")


def _new_dataset_note(name: str, datasets: list[str]) -> str:
    """A dataset a merge added, and the team's datasets it may have been meant as (another case or
    spacing: the same texts are then kept twice, apart)."""
    similar = [
        other for other in datasets if other != name and other.casefold().strip() == name.casefold().strip()
    ]
    if not similar:
        return f"new dataset {name!r}"
    return (
        f"new dataset {name!r}, kept apart from the team's {similar[0]!r} (the names differ only in case "
        f"or spaces): its texts were not matched with those of {similar[0]!r}, and agreement and review "
        "see them as other documents"
    )
