"""Shared plumbing for the benchmarks: running a measurement in a fresh subprocess, memory, timing."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULT_PREFIX = "BENCH-RESULT "


def ensure_repo_on_path() -> None:
    """Make ``annotations`` and ``gui`` importable from a plain checkout (no install needed)."""
    for folder in (str(REPO), str(BENCH)):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def run_worker(
    script: str, *args: str, env: dict[str, str] | None = None, launch: bool = False, timeout: float = 900
) -> dict[str, Any]:
    """Run ``bench/<script> args...`` in a fresh interpreter and return the JSON result it reports.

    With ``launch``, the child finds the launch time (``time.time()``) in ``BENCH_LAUNCH``.
    """
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH)]), **(env or {})}
    if launch:
        environment["BENCH_LAUNCH"] = repr(time.time())
    completed = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=str(REPO),
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(
        f"{script} {' '.join(args)} failed (exit {completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )


def report(result: dict[str, Any]) -> None:
    """Hand a worker's result back to the parent (one JSON line on stdout)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux's ``VmHWM`` (the high-water mark of this program's memory). Not ``ru_maxrss``: Linux
    carries that across ``exec``, so a worker started by a large parent would report the parent's
    size (measured here: 100 MiB instead of 46 MiB for an export worker).
    """
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """This process's resident set size now, in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``action()``, and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result
