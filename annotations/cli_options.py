"""Options every command module shares (a module of its own: ``annotations.cli`` imports the command
modules, so they cannot take these from it)."""

from __future__ import annotations

import math
from pathlib import Path

import click

from annotations.launch import window_option

db_option = click.option(
    *window_option("db_path"),
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The database file (default: $SPANDESK_DB, else spandesk.db in your data folder).",
)


class Seconds(click.FloatRange):
    """A number of seconds in a range; NaN, which every comparison lets through, is refused too."""

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds
