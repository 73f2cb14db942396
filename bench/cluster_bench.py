"""Pre-annotating an import on a Dask cluster: 1 and 2 local workers against a plain one-process import.

    python bench/cluster_bench.py [--documents 10000] [--shard-size N] [--rounds 2] [--model NAME]
                                  [--only plain,local:2]

Imports the same generated corpus (news-like sentences, the default model) four ways, each the real
``spandesk import`` command in a fresh process into a new database, measured end to end (interpreter start,
imports, the cluster's start and the store included): a plain import (one process), ``--jobs 2``,
``--cluster local:1`` and ``--cluster local:2``, alternating (reversed every other round), ``--rounds``
times; medians (``--only``: some of them, the figures that need the others left out). The cluster runs
in the command's own shards unless ``--shard-size`` is given. It also measures the parts that
decide how far a cluster scales: loading the model (each worker does it once), the compact results per
document (bytes, and the main process's time to read them back), and the single writer (the main
process's rate once every shard is done: the import re-run over a complete work folder). From those it
works out, on paper, the rate for 8 to 64 workers and where it stops growing. Quote ratios, not absolute
rates: this machine is shared (run it when nothing else does: two workers need both cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations import store  # noqa: E402
from annotations.cluster_import import ClusterPredictor, pipeline_spec  # noqa: E402
from annotations.importing import import_sources  # noqa: E402
from annotations.preannotate import load_pipeline  # noqa: E402

PEOPLE = ("Angela Merkel", "Ada Lovelace", "Barack Obama", "Zoë Moreau", "Kofi Annan", "Marie Curie")
PLACES = ("Berlin", "Paris", "Lagos", "New York", "Tokyo", "Buenos Aires")
ORGS = ("Acme Corp", "the United Nations", "Siemens", "the BBC", "Toyota", "Google")


def corpus(path: Path, count: int) -> Path:
    """``count`` distinct news-like records (two sentences, ~30 tokens each)."""
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            person, place, org = PEOPLE[n % 6], PLACES[(n // 6) % 6], ORGS[(n // 36) % 6]
            text = (
                f"{person} met the board of {org} in {place} on {n % 28 + 1} May {1990 + n % 30}. "
                f"The talks, item {n}, were about trade, energy and the {n % 9 + 2} new factories."
            )
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    return path


def timed_import(source: Path, db_path: Path, model: str | None, predictor: ClusterPredictor | None) -> float:
    """Seconds for one import into a new database."""
    started = time.perf_counter()
    db = store.open_store(db_path)
    try:
        import_sources(db, [source], model=model, predict=predictor)
    finally:
        db.close()
    return time.perf_counter() - started


def adopt_orphans() -> None:
    """Have the processes a command leaves behind (a local cluster's fork server and its workers) come to
    this process when the command ends (Linux: a child subreaper), so that their CPU time is counted."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def children_cpu() -> float:
    """CPU seconds of every process this one has waited for, the adopted ones reaped first."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def command_import(
    source: Path, db_path: Path, model: str | None, where: str | None, shard_size: int | None
) -> tuple[float, float, float]:
    """The ``spandesk import`` command in a fresh process, pre-annotating ``where`` (None: in this process;
    ``jobs:N``: ``--jobs N``; else ``--cluster where``): (seconds end to end, the shards' own docs/s, CPU
    seconds of all its processes: workers, fork server and the rest)."""
    argv = ["import", str(source), "--db", str(db_path)] + (["--model", model] if model else [])
    if where and where.startswith("jobs:"):
        argv += ["--jobs", where.removeprefix("jobs:")]
    elif where:
        argv += ["--cluster", where] + (["--shard-size", str(shard_size)] if shard_size else [])
    code = f"import sys; from annotations.cli import main; sys.argv = ['spandesk', *{argv!r}]; main()"
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"spandesk {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    rates = re.findall(r"shards \d+/\d+, ([\d,]+) docs/s", done.stderr)
    return seconds, float(rates[-1].replace(",", "")) if rates else 0.0, cpu


def store_rate(
    source: Path, db_path: Path, model: str | None, workers: int, shard_size: int | None, count: int
) -> dict[str, float]:
    """The single writer: the main process's docs/s once every shard is in the work folder (the workers'
    load of the model left out: the import starts once they have said which model they run)."""
    predictor = ClusterPredictor(
        f"local:{workers}", db_path, pipeline_spec(model, None, None), shard_size=shard_size
    )
    with predictor:
        timed_import(source, db_path, model, predictor)  # fills the work folder (and a database)
    assert predictor.folder is not None and predictor.folder.is_dir()
    again = db_path.with_name("again.db")
    shutil.copytree(predictor.folder, again.parent / f"{again.name}.{predictor.folder.name.split('.')[-1]}")
    started = time.perf_counter()
    load_pipeline(model)
    load = time.perf_counter() - started
    predictor_again = ClusterPredictor(
        f"local:{workers}", again, pipeline_spec(model, None, None), shard_size=shard_size
    )
    with predictor_again:
        predictor_again.model(lambda: False)  # the workers loaded it
        seconds = timed_import(source, again, model, predictor_again)  # every shard kept: none to do
    offsets = sum(path.stat().st_size for path in predictor.folder.glob("shard-*.json"))
    started = time.perf_counter()
    for path in sorted(predictor.folder.glob("shard-*.json")):
        json.loads(path.read_text(encoding="utf-8"))
    parse = time.perf_counter() - started
    return {
        "writer_rate": count / max(seconds, 1e-9),
        "load": load,
        "bytes_per_doc": offsets / count,
        "parse_per_doc_us": parse / count * 1e6,
    }


def ratios(baseline: list[float], timed: list[float]) -> str:
    """``1.62x, 1.71x``: each round's baseline over its timed run."""
    return ", ".join(f"{before / after:.2f}x" for before, after in zip(baseline, timed))


VARIANTS = {"plain": None, "--jobs 2": "jobs:2", "local:1": "local:1", "local:2": "local:2"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--shard-size", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default=None)
    parser.add_argument("--only", default=",".join(VARIANTS), help="comma-separated: " + ",".join(VARIANTS))
    args = parser.parse_args()
    n = args.documents
    variants = [name for name in VARIANTS if name in args.only.split(",")]
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    rates: dict[str, list[float]] = {name: [] for name in variants}
    cpus: dict[str, list[float]] = {name: [] for name in variants}
    adopt_orphans()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        source = corpus(folder / "news.jsonl", n)
        for round_number in range(args.rounds):
            order = variants if round_number % 2 == 0 else variants[::-1]
            for name in order:
                db_path = folder / f"{name.strip('-').replace(':', '').replace(' ', '')}-{round_number}.db"
                took, rate, cpu = command_import(source, db_path, args.model, VARIANTS[name], args.shard_size)
                seconds[name].append(took)
                rates[name].append(rate)
                cpus[name].append(cpu)
                print(f"  round {round_number + 1}, {name}: {took:.1f} s, CPU {cpu:.1f} s", flush=True)
        complete = variants == list(VARIANTS)
        parts = store_rate(source, folder / "parts.db", args.model, 1, args.shard_size, n) if complete else {}
    median = {name: statistics.median(values) for name, values in seconds.items()}
    shard_rate = {name: statistics.median(values) for name, values in rates.items()}
    cut = f"shards of {args.shard_size}" if args.shard_size else "the command's shards"
    print(f"{n} documents, {cut}, model {args.model or 'default'}, {args.rounds} rounds")
    for name in variants:
        runs = ", ".join(f"{value:.1f}" for value in seconds[name])
        shards = f"; shards at {shard_rate[name]:.0f} docs/s" if shard_rate[name] else ""
        print(f"{name:8s} {median[name]:6.1f} s  {n / median[name]:6.0f} docs/s end to end ({runs}){shards}")
    for name in variants:
        runs = ", ".join(f"{value:.1f}" for value in cpus[name])
        print(f"{name:8s} CPU of all its processes {statistics.median(cpus[name]):6.1f} s ({runs})")
    if "plain" in median and "local:2" in median:
        print(f"2 workers / plain import, per round: {ratios(seconds['plain'], seconds['local:2'])}")
        cpu_ratio = statistics.median(cpus["local:2"]) / statistics.median(cpus["plain"])
        print(f"2 workers' CPU / plain import's CPU: {cpu_ratio:.2f}x (the cluster's own cost)")
    if not complete:
        return
    print(f"2 workers / 1 worker, end to end: {median['local:1'] / median['local:2']:.2f}x")
    print(f"2 workers / 1 worker, shards' rate: {shard_rate['local:2'] / shard_rate['local:1']:.2f}x")
    print(f"2 workers / plain import (one process), end to end: {median['plain'] / median['local:2']:.2f}x")
    print(f"--jobs 2 / plain import, end to end: {median['plain'] / median['--jobs 2']:.2f}x")
    print(
        f"model load per worker {parts['load']:.2f} s; results {parts['bytes_per_doc']:.0f} bytes/doc, "
        f"read back in {parts['parse_per_doc_us']:.0f} µs/doc; "
        f"single writer {parts['writer_rate']:.0f} docs/s"
    )
    worker = shard_rate["local:1"]
    writer = parts["writer_rate"]
    print(f"on paper (one worker = {worker:.0f} docs/s, the writer = {writer:.0f} docs/s):")
    for workers in (8, 16, 32, 64):
        rate = min(workers * worker, writer)
        limit = "the single writer" if workers * worker > writer else "the workers"
        print(
            f"  {workers:2d} workers: {rate:7.0f} docs/s, limited by {limit}; "
            f"1M documents in {1e6 / rate / 60:.0f} min"
        )
    print(f"  the writer is reached at about {writer / worker:.0f} workers")


if __name__ == "__main__":
    main()
