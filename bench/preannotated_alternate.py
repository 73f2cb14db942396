"""The pre-annotated import side by side: the bare loop, spandesk as another checkout has it (before), and
this checkout (after), run alternately in fresh processes, several rounds; best and median wall and CPU
seconds of each, and the ratios to the bare loop (docs/s of spandesk over docs/s of the bare loop).

    python bench/preannotated_bench.py write 10000 /tmp/posts.jsonl tokens
    git worktree add /tmp/base_imp c8e35f5   # the checkout to compare with
    python bench/preannotated_alternate.py /tmp/posts.jsonl 5 /tmp/base_imp

Every side reads the same file and writes a fresh database in the file's folder; byte-compile both
checkouts first (``python -m compileall -q annotations bench``), as an installed spandesk would be.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from harness import REPO, RESULT_PREFIX


def run_side(tree: Path, mode: str, source: Path, database: Path) -> tuple[float, float]:
    """One import by ``tree``'s bench script in a fresh interpreter: (wall, CPU) seconds."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "bench")])}
    completed = subprocess.run(
        [sys.executable, str(tree / "bench" / "preannotated_bench.py"), mode, str(source), str(database)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=source.parent,
        check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX))
    result = json.loads(line[len(RESULT_PREFIX) :])
    return result["seconds"], result["cpu"]


def main(argv: list[str]) -> None:
    """Alternate the three sides for the rounds asked, then print the figures."""
    source, rounds, before = Path(argv[0]).resolve(), int(argv[1]), Path(argv[2]).resolve()
    sides = {"bare": (REPO, "bare"), "before": (before, "spandesk"), "after": (REPO, "spandesk")}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (tree, mode) in sides.items():
            times[name].append(run_side(tree, mode, source, source.parent / f"alternate-{name}.db"))
    for name, runs in times.items():
        wall, cpu = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"{name:6s}  wall best {min(wall):.3f} median {statistics.median(wall):.3f}  "
            f"CPU best {min(cpu):.3f} median {statistics.median(cpu):.3f}"
        )
    for name in ("before", "after"):
        ratios = []
        for index, what in ((0, "wall"), (1, "CPU")):
            bare = [run[index] for run in times["bare"]]
            ours = [run[index] for run in times[name]]
            best = min(bare) / min(ours)
            median = statistics.median(bare) / statistics.median(ours)
            ratios.append(f"{what} best {best:.2f}x median {median:.2f}x")
        print(f"{name} / bare loop: {'; '.join(ratios)}")
    print(
        "rounds (wall, CPU):",
        json.dumps({k: [[round(w, 3), round(c, 3)] for w, c in v] for k, v in times.items()}),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
