"""Window start-up counted in instructions: the bare PySide6 window against `spandesk gui --db DB`.

    python bench/startup_instructions.py DB [--keep FOLDER]

Wall time on a shared machine moves by +-30% from run to run; the number of instructions a process
executes does not. Each side runs in a fresh process under valgrind's callgrind, from the interpreter's
start to the first paint of the document (``window_bench.run_bare`` / ``window_bench.run_startup``, the
same code ``window_bench.py`` times), and leaves at once. A third side, ``window_bench.run_painting``, is
the bare window whose text view also paints one highlight in Python: the first ``QPainter.setPen`` makes
PySide6 build the ``Qt`` namespace's enums, a cost every window that draws spans pays and the bare window
does not. Prints the counts and spandesk's ratio to both; ``--keep`` keeps the callgrind files
(``callgrind_annotate --inclusive=yes FILE``). Needs valgrind (`apt-get install valgrind`); ~45 s in all.

Under valgrind a process runs ~50 times slower, so the work ``spandesk gui`` schedules 300 ms after its
first paint (``gui.app.finish_opening``) would run before it; the child pushes that timer back so the
count covers what a person waits for, in the order it happens at full speed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import BENCH, REPO

SIDES = ("bare", "painting", "startup")
_TOTAL = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def count_instructions(side: str, db_path: Path, out_file: Path) -> int:
    """Instructions one fresh process executes from its start to the first paint of ``side``'s window."""
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONHASHSEED": "0",  # the same dict layouts, hence the same count, on every run
        "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH)]),
        "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="spandesk-settings-"),  # the window's QSettings
    }
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out_file}",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        side,
        str(db_path),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=str(REPO))
    if completed.returncode != 0 or not out_file.exists():
        raise RuntimeError(f"{side} failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
    found = _TOTAL.search(out_file.read_text(errors="replace"))
    if found is None:
        raise RuntimeError(f"{out_file} holds no instruction total")
    return int(found.group(1))


def run_child(side: str, db_path: Path) -> None:
    """In the measured process: open ``side``'s window, then leave right after its first paint."""
    import io
    from contextlib import redirect_stdout

    import window_bench

    if side == "startup":
        from annotations import launch  # noqa: F401 (the store before PySide6, as the `spandesk` script)

        # isort: split
        import gui.app

        gui.app.FINISH_OPENING_MS = 3_600_000  # after the paint, as at full speed (see the docstring)
    run = {"bare": window_bench.run_bare, "painting": window_bench.run_painting}.get(
        side, window_bench.run_startup
    )
    with redirect_stdout(io.StringIO()):  # the window bench's own report
        run(db_path)
    sys.stdout.flush()
    os._exit(0)  # the count stops at the first paint, not after tearing the window down


def main(argv: list[str]) -> int:
    """Count both sides and print the ratio."""
    if argv[:1] == ["--child"]:
        run_child(argv[1], Path(argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="the database both windows show the first document of")
    parser.add_argument("--keep", type=Path, help="keep the callgrind files in this folder")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("startup_instructions.py needs valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    if not args.db.is_file():
        print(f"{args.db}: no such database", file=sys.stderr)
        return 2
    folder = args.keep or Path(tempfile.mkdtemp(prefix="spandesk-callgrind-"))
    folder.mkdir(parents=True, exist_ok=True)
    counts = {side: count_instructions(side, args.db, folder / f"callgrind.{side}") for side in SIDES}
    for side in SIDES:
        print(f"{side:8s} {counts[side] / 1e6:9.1f} M instructions")
    print(f"ratio    {counts['startup'] / counts['bare']:9.2f}x  (spandesk gui / bare window)")
    painting = counts["startup"] / counts["painting"]
    print(f"ratio    {painting:9.2f}x  (spandesk gui / bare window painting one highlight in Python)")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
