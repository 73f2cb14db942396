"""Options every command module shares (a module of its own: ``annotations.cli`` imports the command
modules, so they cannot take these from it)."""

from __future__ import annotations

from pathlib import Path

import click

from annotations.launch import window_option

db_option = click.option(
    *window_option("db_path"),
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The database file (default: $SPANDESK_DB, else spandesk.db in your data folder).",
)
