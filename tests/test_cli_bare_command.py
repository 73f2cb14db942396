"""`spandesk` with no command is the window: it takes the window's options (`--db`, `--annotator`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import launch
from annotations.cli import cli


@pytest.fixture
def opened_with(monkeypatch) -> list[tuple[Path, str | None]]:
    """What the window would have been opened with (it is not started)."""
    calls: list[tuple[Path, str | None]] = []

    def front_end(path: Path, annotator: str | None = None) -> int:
        calls.append((path, annotator))
        return 0

    monkeypatch.setattr(launch, "_front_end", lambda: front_end)
    return calls


def test_bare_command_with_db_and_annotator_opens_the_window_on_that_database(opened_with, tmp_path):
    database = tmp_path / "mine.db"
    result = CliRunner().invoke(cli, ["--db", str(database), "--annotator", " bob "])
    assert result.exit_code == 0, result.output
    assert opened_with == [(database, "bob")]


def test_bare_command_with_db_is_the_same_as_gui_with_db(opened_with, tmp_path):
    database = tmp_path / "mine.db"
    assert CliRunner().invoke(cli, ["--db", str(database)]).exit_code == 0
    assert CliRunner().invoke(cli, ["gui", "--db", str(database)]).exit_code == 0
    assert opened_with == [(database, None), (database, None)]


def test_a_bad_annotator_name_on_the_bare_command_is_a_message(opened_with, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "--annotator", "   "])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert opened_with == []


def test_db_before_a_command_is_that_command_s_database(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "missing.db"), "stats"])
    assert result.exit_code == 1 and "missing.db: no such database" in result.output


def test_help_still_lists_the_commands_and_the_window_options():
    output = CliRunner().invoke(cli, ["--help"]).output
    for command in ("import", "export", "stats", "gui", "merge"):
        assert f"\n  {command} " in output
    assert "--db FILE" in output and "--annotator" in output
