"""`spandesk gui` pauses Python's cyclic garbage collector until the window has painted its first document
(its start-up makes only objects kept for the window's life), then collects again as usual."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

from annotations.gc_pause import pause_for_start_up, resume_after_start_up
from tests.test_startup_imports import OPEN_WINDOW, one_document_database

CHECK = (
    'AFTER_PAINT = """'
    + """
from gui.app import finish_opening
finish_opening(shown["window"])  # what the window runs once its first document is painted
print(shown["collecting"], gc.isenabled(), gc.get_freeze_count() > 0)  # the window froze what it made
"""
    + '"""\n'
    + OPEN_WINDOW
)


def test_the_collector_waits_for_the_first_paint_then_collects_again(tmp_path) -> None:
    path = one_document_database(tmp_path / "start.db")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # paused while the window started; collecting again afterwards; what start-up made is frozen
    assert result.stdout.split() == ["False", "True", "True"]


def test_the_command_resumes_the_collector_when_the_front_end_returns(monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner

    from annotations import cli as cli_module
    from annotations import launch

    collecting = []
    monkeypatch.setattr(launch, "_front_end", lambda: lambda path: collecting.append(gc.isenabled()) or 0)
    assert CliRunner().invoke(cli_module.cli, ["gui", "--db", str(tmp_path / "x.db")]).exit_code == 0
    assert collecting == [False]  # paused while the front end started
    assert gc.isenabled()  # and collecting again once it returned (a front end that never resumed it)


def test_resuming_leaves_a_collector_the_program_disabled_itself_alone() -> None:
    was = gc.isenabled()
    try:
        gc.disable()  # disabled by the program, not by start-up
        resume_after_start_up()
        assert not gc.isenabled()
        gc.enable()
        pause_for_start_up()
        assert not gc.isenabled()
        resume_after_start_up()
        assert gc.isenabled()
        resume_after_start_up()  # once only: a second call changes nothing
        assert gc.isenabled()
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
