"""A pattern whose REGEX never finishes: the import shows progress, and Ctrl+C or Cancel stops it
promptly with the database unchanged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations import store

ROOT = Path(__file__).resolve().parent.parent
# ``^(a+)+$`` backtracks for 2**47 steps on this one token: far longer than any test runs.
HANGING = {"label": "SLOW", "pattern": [{"TEXT": {"REGEX": "^(a+)+$"}}]}
TOKEN = "a" * 47 + "b"
FOREGROUND = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "


def write_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A patterns file with the hanging REGEX, a source with the token it hangs on, a first source."""
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text(json.dumps(HANGING) + "\n", encoding="utf-8")
    source = tmp_path / "slow.jsonl"
    source.write_text(json.dumps({"text": f"Look at {TOKEN} here."}) + "\n", encoding="utf-8")
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"text": "Already here.", "spans": []}) + "\n", encoding="utf-8")
    return patterns, source, first


def stored_texts(db_path: Path) -> list[str]:
    db = store.open_store(db_path)
    try:
        return [row["text"] for row in db.query("select text from documents order by id")]
    finally:
        db.close()


def children(pid: int) -> list[int]:
    """The process's child processes (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and sends POSIX signals")
def test_ctrl_c_stops_an_import_stuck_in_a_pattern_regex(tmp_path: Path) -> None:
    patterns, source, first = write_inputs(tmp_path)
    db_path = tmp_path / "x.db"
    # Ctrl+C as a terminal's foreground job gets it: a test run started in the background (``cmd &``) has
    # SIGINT ignored, and a child started so would never see it
    command = [sys.executable, "-c", FOREGROUND + "from annotations.cli import main; main()"]
    subprocess.run([*command, "import", str(first), "--db", str(db_path)], cwd=ROOT, check=True)
    before = stored_texts(db_path)
    process = subprocess.Popen(
        [*command, "import", str(source), "--db", str(db_path), "--patterns", str(patterns)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, which Ctrl+C on a terminal signals as a whole
    )
    try:
        deadline = time.monotonic() + 45
        while not children(process.pid):  # the worker that runs the pattern has started
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "pre-annotation never started"
            time.sleep(0.1)
        workers = children(process.pid)
        time.sleep(1.5)  # now deep in the backtracking
        assert process.poll() is None
        pressed = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert time.monotonic() - pressed < 10
    assert process.returncode == 130, (out, err)
    assert "Import cancelled; the database is unchanged." in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not any(Path(f"/proc/{worker}").exists() for worker in workers)
    assert stored_texts(db_path) == before


CANCEL_RUN = """
import json, sys, threading, time
from pathlib import Path
from annotations import store
from annotations.importing import ImportCancelled, import_sources

db = store.open_store(Path(sys.argv[1]))
reported = []
cancel = threading.Event()
threading.Timer(3.0, cancel.set).start()
started = time.monotonic()
try:
    import_sources(
        db, [sys.argv[2]], patterns=Path(sys.argv[3]), progress=lambda *d: reported.append(d),
        cancelled=cancel.is_set,
    )
    outcome = "imported"
except ImportCancelled as error:
    outcome = str(error)
print(json.dumps([outcome, time.monotonic() - started, reported, store.dataset_names(db)]))
"""


def test_cancel_stops_an_import_stuck_in_a_pattern_regex(tmp_path: Path, db_path: Path) -> None:
    """The window's Cancel (the ``cancelled`` flag) is heard while the pattern runs, and progress
    showed 0 of 1 before the long wait began. (In a child process: the old code hung for good.)"""
    patterns, source, _ = write_inputs(tmp_path)
    command = [sys.executable, "-c", CANCEL_RUN, str(db_path), str(source), str(patterns)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    outcome, seconds, reported, datasets = json.loads(run.stdout)
    assert outcome == "import cancelled; nothing was stored"
    assert seconds < 20
    assert reported == [[0, 1]]
    assert datasets == []


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_the_write_waits_for_its_end() -> None:
    """Ctrl+C while the import's transaction runs: after a commit it is dropped (the import did
    finish, so "unchanged" would be false); after a failure it is raised (nothing was stored)."""
    from annotations.interrupts import sigint_deferred

    with sigint_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    with pytest.raises(KeyboardInterrupt), sigint_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        raise ValueError("the write failed")
