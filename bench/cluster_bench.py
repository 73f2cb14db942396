"""Pre-annotating an import on a Dask cluster: 1 and 2 local workers against a plain one-process import.

    python bench/cluster_bench.py [--documents 3000] [--shard-size 250] [--model NAME]

Imports the same generated corpus (news-like sentences, the default model) three ways, each into a new
database and measured end to end: a plain import (one process), ``--cluster local:1`` and
``--cluster local:2`` (LocalCluster start-up included). It also measures the parts that decide how far a
cluster scales: loading the model (each worker does it once), the compact results per document (bytes, and
the main process's time to read them back), and the single writer (the main process's rate once every
shard is done: the import re-run over a complete work folder, model load left out). From those it works
out, on paper, the rate for 8 to 64 workers and where it stops growing. Quote ratios, not absolute rates:
this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def cluster_import(source: Path, db_path: Path, model: str | None, workers: int, shard_size: int) -> dict:
    """An import on ``local:workers``: total seconds (start-up included), the shards' own rate."""
    rates: list[float] = []
    started = time.perf_counter()
    predictor = ClusterPredictor(
        f"local:{workers}",
        db_path,
        pipeline_spec(model, None, None),
        shard_size=shard_size,
        progress=lambda p: rates.append(p.rate),
    )
    with predictor:
        ready = time.perf_counter() - started
        seconds = timed_import(source, db_path, model, predictor)
    kept = predictor.folder
    total = time.perf_counter() - started
    return {"seconds": total, "start_up": ready, "import": seconds, "shard_rate": rates[-1], "folder": kept}


def store_rate(source: Path, db_path: Path, model: str | None, workers: int, shard_size: int, count: int):
    """The single writer: the main process's docs/s once every shard is in the work folder (the model's
    load in this process left out)."""
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
    seconds = timed_import(source, again, model, predictor_again)  # every shard kept: no cluster needed
    offsets = sum(path.stat().st_size for path in predictor.folder.glob("shard-*.json"))
    started = time.perf_counter()
    for path in sorted(predictor.folder.glob("shard-*.json")):
        json.loads(path.read_text(encoding="utf-8"))
    parse = time.perf_counter() - started
    return {
        "writer_rate": count / max(seconds - load, 1e-9),
        "load": load,
        "bytes_per_doc": offsets / count,
        "parse_per_doc_us": parse / count * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--shard-size", type=int, default=250)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        source = corpus(folder / "news.jsonl", args.documents)
        n = args.documents
        plain = timed_import(source, folder / "plain.db", args.model, None)
        one = cluster_import(source, folder / "one.db", args.model, 1, args.shard_size)
        two = cluster_import(source, folder / "two.db", args.model, 2, args.shard_size)
        parts = store_rate(source, folder / "parts.db", args.model, 1, args.shard_size, n)
    print(f"{n} documents, shards of {args.shard_size}, model {args.model or 'default'}")
    print(f"plain import, one process:  {plain:6.1f} s  {n / plain:7.0f} docs/s")
    for name, run in (("--cluster local:1", one), ("--cluster local:2", two)):
        print(
            f"{name}:         {run['seconds']:6.1f} s  {n / run['seconds']:7.0f} docs/s end to end "
            f"(cluster start {run['start_up']:.1f} s; shards at {run['shard_rate']:.0f} docs/s)"
        )
    print(f"2 workers / 1 worker, end to end: {one['seconds'] / two['seconds']:.2f}x")
    print(f"2 workers / 1 worker, shards' rate: {two['shard_rate'] / one['shard_rate']:.2f}x")
    print(f"2 workers / plain import, end to end: {plain / two['seconds']:.2f}x")
    print(
        f"model load per worker {parts['load']:.2f} s; results {parts['bytes_per_doc']:.0f} bytes/doc, "
        f"read back in {parts['parse_per_doc_us']:.0f} µs/doc; "
        f"single writer {parts['writer_rate']:.0f} docs/s"
    )
    worker = one["shard_rate"]
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
