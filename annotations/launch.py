"""The ``spandesk`` console script: a command line that opens the window starts it without click.

Importing click and the command group (``annotations.cli``) costs ~13 ms of the window's start, for
parsing at most two options. So ``main`` reads the window's command lines itself (``spandesk``, ``spandesk
gui``, each with ``--db`` and ``--annotator``, as click would) and hands every other one to click:
another command, ``--help``, ``--version``, a repeated or unknown option, and any value click might refuse
(a folder as the database, a bad name), so that click's messages stay the only ones. The options are
declared once, in ``WINDOW_OPTIONS``; ``annotations.cli`` declares its click options from it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

# Every command opens the store: imported here, before anything imports PySide6 (whose import hook reads the
# source of every module imported after it, ~0.2 ms each).
from annotations import store  # noqa: F401

# The window's options (of `spandesk` and of `spandesk gui`): the flag -> the parameter it sets.
WINDOW_OPTIONS = {"--db": "db_path", "--annotator": "annotator"}
WINDOW_COMMAND = "gui"
BUNDLED_FRONT_END = "gui.app"  # the Qt window shipped with spandesk (its "spandesk.frontends" entry)
COMPLETION_VARIABLE = "_SPANDESK_COMPLETE"  # set by a shell asking click to complete a command line


def window_option(parameter: str) -> tuple[str, str]:
    """The flag and the parameter of the window's option setting ``parameter`` (click's declarations)."""
    return next(flag for flag, name in WINDOW_OPTIONS.items() if name == parameter), parameter


class NoFrontEnd(Exception):
    """No window front end is installed (the message says how to get one)."""


def main() -> None:
    """Entry point of the ``spandesk`` console script."""
    window = window_arguments(sys.argv[1:])
    if window is None:
        from annotations.cli import main as with_click

        with_click()
        return
    try:
        code = open_window(window["db_path"] or default_db_path(), window["annotator"])
    except (Exception, KeyboardInterrupt) as error:
        from annotations.cli import end_as_the_command_would  # click, only when the start failed

        end_as_the_command_would(error)
    sys.exit(code)


def window_arguments(args: list[str]) -> dict[str, str | Path | None] | None:
    """The parameters of a command line that opens the window, as click would give them to ``spandesk
    gui``; None for any other command line, or one click should read (its messages are the only ones)."""
    if COMPLETION_VARIABLE in os.environ:
        return None
    given: dict[str, str] = {}
    levels = [args]  # the group's options, then the command's
    if WINDOW_COMMAND in args:
        at = args.index(WINDOW_COMMAND)
        levels = [args[:at], args[at + 1 :]]
    for level in levels:
        options = _options(level)
        if options is None:
            return None
        given.update(options)  # `spandesk --db A gui --db B`: the command's own option wins
    parameters: dict[str, str | Path | None] = dict.fromkeys(WINDOW_OPTIONS.values())
    for name, value in given.items():
        converted = CONVERSIONS[name](value)
        if converted is None:
            return None
        parameters[name] = converted
    return parameters


def _options(level: list[str]) -> dict[str, str] | None:
    """``--flag value`` and ``--flag=value`` pairs of the window's options, each at most once; None for
    anything else (an argument, another option, a value that looks like an option)."""
    options: dict[str, str] = {}
    tokens = iter(level)
    for token in tokens:
        flag, equals, value = token.partition("=")
        if flag not in WINDOW_OPTIONS or WINDOW_OPTIONS[flag] in options:
            return None
        if not equals:
            value = next(tokens, "")
        if not value or value.startswith("-"):
            return None
        options[WINDOW_OPTIONS[flag]] = value
    return options


def _database_path(value: str) -> Path | None:
    """``--db``: the path, unless click would refuse it (an existing folder, or a file it cannot read)."""
    try:
        os.stat(value)
    except OSError:
        return Path(value)  # not there yet (or not reachable): click takes it as it is
    return Path(value) if os.path.isfile(value) and os.access(value, os.R_OK) else None


def _annotator(value: str) -> str | None:
    """``--annotator``: the checked name, unless it cannot be one (click says why)."""
    from annotations.annotator_names import BadAnnotatorName, checked_annotator_name

    try:
        return checked_annotator_name(value)
    except BadAnnotatorName:
        return None


CONVERSIONS: dict[str, Callable[[str], str | Path | None]] = {
    "db_path": _database_path,
    "annotator": _annotator,
}


def default_db_path() -> Path:
    """The database used when --db is not given: $SPANDESK_DB, else one in the user's data folder."""
    if os.environ.get("SPANDESK_DB"):
        return Path(os.environ["SPANDESK_DB"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("spandesk", appauthor=False)) / "spandesk.db"


def open_window(db_path: Path, annotator: str | None = None) -> int:
    """Run the window on ``db_path`` until it is closed (``spandesk gui``); its exit status."""
    from annotations.gc_pause import pause_for_start_up, resume_after_start_up

    pause_for_start_up()  # no garbage to look for until the window has painted (the window resumes it)
    try:
        front_end = _front_end()
        return front_end(db_path, annotator=annotator) if annotator else front_end(db_path)
    finally:
        resume_after_start_up()  # at the latest when the front end returns (or failed to start)


def _front_end() -> Callable[..., int]:
    """The window's ``main``, found by name (the core never imports the GUI): the bundled one, else any
    registered under the ``spandesk.frontends`` entry point group. (Reading entry points first would
    cost every start ~20 ms of importlib.metadata.)"""
    import importlib

    try:
        return importlib.import_module(BUNDLED_FRONT_END).main
    except ModuleNotFoundError as error:
        if error.name not in ("gui", BUNDLED_FRONT_END):
            raise
    from importlib.metadata import entry_points

    from annotations.gc_pause import resume_after_start_up

    resume_after_start_up()  # another front end: it does not know to resume the collector
    for entry in entry_points(group="spandesk.frontends"):
        return entry.load()
    raise NoFrontEnd("no window front end is installed (reinstall spandesk: pip install -e .)")
