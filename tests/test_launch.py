"""The ``spandesk`` console script opens the window without click for the window's command lines, and ends
exactly as the same command line through click ends: the same database and annotator given to the window,
the same exit status, the same messages; every other command line goes to click itself."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from annotations import launch
from annotations.cli import cli

DB, OTHER = "first.db", "second.db"

# Command lines the console script reads itself: (arguments, what the window is given).
OPENING = [
    ([], ("from-env.db", None)),
    (["gui"], ("from-env.db", None)),
    (["--db", DB], (DB, None)),
    (["--db=" + DB], (DB, None)),
    (["gui", "--db", DB], (DB, None)),
    (["gui", "--db=" + DB], (DB, None)),
    (["--db", DB, "gui"], (DB, None)),
    (["--db", DB, "gui", "--db", OTHER], (OTHER, None)),
    (["--annotator", "Ann"], ("from-env.db", "Ann")),
    (["--annotator=Ann", "--db", DB], (DB, "Ann")),
    (["gui", "--annotator", "  Zoe\u0301 "], ("from-env.db", "Zo\u00e9")),
    (["--annotator", "Ann", "gui"], ("from-env.db", "Ann")),
    (["--annotator", "Ann", "gui", "--annotator", "Bo", "--db", DB], (DB, "Bo")),
    (["gui", "--db", "a=b.db"], ("a=b.db", None)),
]

# Command lines left to click: its own reading of them (a message, help, another command) is the answer.
LEFT_TO_CLICK = [
    ["--db", "a-folder"],  # click refuses a folder
    ["gui", "--db", "a-folder"],
    ["--db"],  # no value
    ["--db="],
    ["--db", ""],
    ["gui", "--annotator", "every"],  # a word export uses
    ["--annotator", " "],
    ["--annotator", "Ann", "stats"],  # --annotator with another command
    ["gui", "--db", DB, "--db", OTHER],  # repeated
    ["--db", "--annotator", "Ann"],  # a value that looks like an option
    ["gui", "extra"],
    ["gui", "gui"],
    ["--help"],
    ["gui", "-h"],
    ["--version"],
    ["--dbx", DB],
    ["gui", "--", "--db", DB],
    ["stats"],
]


@pytest.fixture
def window(monkeypatch, tmp_path):
    """The front end replaced by one recording what it was given; the folder: a database, a folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPANDESK_DB", "from-env.db")
    monkeypatch.delenv(launch.COMPLETION_VARIABLE, raising=False)
    (tmp_path / "a-folder").mkdir()
    (tmp_path / DB).write_bytes(b"")
    opened: list[tuple[str, str | None]] = []

    def front_end(path: Path, annotator: str | None = None) -> int:
        opened.append((str(path), annotator))
        return 3  # an exit status of its own, passed on as the command's

    monkeypatch.setattr(launch, "_front_end", lambda: front_end)
    return opened


def console_script(monkeypatch, args: list[str]) -> int:
    """Run the console script's ``main`` with these arguments; its exit status."""
    monkeypatch.setattr(sys, "argv", ["spandesk", *args])
    with pytest.raises(SystemExit) as leaving:
        launch.main()
    return leaving.value.code or 0


def with_click(args: list[str]) -> int:
    """Run the same command line through click alone; its exit status."""
    with pytest.raises(SystemExit) as leaving:
        cli.main(args, prog_name="spandesk")
    return leaving.value.code or 0


def both_ways(monkeypatch, capsys, window, args: list[str]) -> tuple[tuple, tuple]:
    """(status, output, error output, windows opened) of the console script, then of click alone."""
    results = []
    for run in (lambda: console_script(monkeypatch, args), lambda: with_click(args)):
        window.clear()
        code = run()
        out, err = capsys.readouterr()
        results.append((code, out, err, list(window)))
    return results[0], results[1]


@pytest.mark.parametrize(("args", "opened"), OPENING)
def test_the_window_s_command_lines_open_it_without_click_as_click_would(
    monkeypatch, capsys, window, args, opened
) -> None:
    assert launch.window_arguments(args) is not None  # read without click
    fast, slow = both_ways(monkeypatch, capsys, window, args)
    assert fast == slow
    assert fast == (3, "", "", [opened])


@pytest.mark.parametrize("args", LEFT_TO_CLICK)
def test_every_other_command_line_is_click_s_to_read(monkeypatch, capsys, window, args) -> None:
    assert launch.window_arguments(args) is None
    fast, slow = both_ways(monkeypatch, capsys, window, args)
    assert fast == slow


def test_a_shell_asking_click_to_complete_a_command_line_gets_click(monkeypatch) -> None:
    monkeypatch.setenv(launch.COMPLETION_VARIABLE, "bash_complete")
    assert launch.window_arguments(["gui"]) is None


def test_the_window_s_options_are_declared_once_for_both_readers() -> None:
    command = {flag: parameter.name for parameter in cli.commands["gui"].params for flag in parameter.opts}
    group = {flag: parameter.name for parameter in cli.params for flag in parameter.opts}
    assert command == launch.WINDOW_OPTIONS
    assert {flag: name for flag, name in group.items() if flag != "--version"} == launch.WINDOW_OPTIONS


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (PermissionError(13, "Permission denied", "locked.db"), "Error: "),
        (KeyboardInterrupt(), "Aborted!"),
        (launch.NoFrontEnd("no window front end is installed (reinstall spandesk)"), "Error: no window"),
    ],
)
def test_a_start_that_fails_ends_as_it_does_through_click(monkeypatch, capsys, window, failure, says) -> None:
    def failing(path: Path, annotator: str | None = None) -> int:
        raise failure

    monkeypatch.setattr(launch, "_front_end", lambda: failing)
    fast, slow = both_ways(monkeypatch, capsys, window, ["gui", "--db", DB])
    assert fast == slow
    assert fast[0] == 1 and says in fast[2]


def test_the_console_script_is_the_launcher_and_the_bench_runs_it() -> None:
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["spandesk"] == "annotations.launch:main"
    bench = (root / "bench" / "window_bench.py").read_text(encoding="utf-8")
    assert "from annotations.launch import main" in bench
