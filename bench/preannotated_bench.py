"""Import of files that bring their own spans (no model run) against a bare sqlite3 + json loop.

Run by ``run.py`` in fresh subprocesses: ``preannotated_bench.py write N FILE tokens|notokens`` writes a
Prodigy JSONL file of N generated posts with their entity spans (and their tokens, or none);
``preannotated_bench.py bare|spandesk FILE DB`` imports it and reports the seconds. The baseline reads
each line with ``json.loads`` and stores the same rows a spandesk document has (the text with its
tokens and meta, and its spans and answer in a second table) with ``executemany`` in one transaction;
spandesk's side is ``import_sources(db, [FILE])`` into an empty database, end to end (reading, checking,
hashing, tokenising records that bring no tokens, the one write transaction). Both sides start in a
fresh interpreter, so importing what they need counts.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from harness import ensure_repo_on_path, report

ensure_repo_on_path()


def write_file(documents: int, path: Path, with_tokens: bool) -> None:
    """A Prodigy JSONL file of generated posts with their entity spans (tokens as Prodigy writes them)."""
    import random

    from corpus import iter_posts
    from synth import cheap_tokens

    rng = random.Random(5)
    with path.open("w", encoding="utf-8") as out:
        for item in iter_posts(documents, seed=13):
            record: dict = {"text": item.text, "meta": {"source": "bench"}}
            if with_tokens:
                tokens = cheap_tokens(item.text)
                record["tokens"] = [
                    {"text": item.text[t.start : t.end], "start": t.start, "end": t.end, "id": i, "ws": True}
                    for i, t in enumerate(tokens)
                ]
            record["spans"] = [{"start": s, "end": e, "label": label} for s, e, label in item.entities]
            record["answer"] = rng.choice(("accept", "accept", "accept", "reject"))
            out.write(json.dumps(record) + "\n")


def run_bare(path: Path, db_path: Path) -> dict:
    """sqlite3 + json: each line decoded, its rows stored with executemany in one transaction."""
    import sqlite3

    start, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, text TEXT, tokens TEXT, meta TEXT, input_hash INT)"
    )
    connection.execute("CREATE TABLE annotations (document_id INT, spans TEXT, answer TEXT)")
    documents, annotations = [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            record = json.loads(line)
            tokens = [[t["start"], t["end"]] for t in record.get("tokens", ())]
            documents.append(
                (number, record["text"], json.dumps(tokens), json.dumps(record["meta"]), hash(record["text"]))
            )
            spans = [[s["start"], s["end"], s["label"]] for s in record["spans"]]
            annotations.append((number, json.dumps(spans), record["answer"]))
    with connection:
        connection.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", documents)
        connection.executemany("INSERT INTO annotations VALUES (?, ?, ?)", annotations)
    connection.close()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "documents": len(documents),
    }


def run_spandesk(path: Path, db_path: Path) -> dict:
    """spandesk's import of the file into an empty database (no model: the records bring spans)."""
    start, cpu = time.perf_counter(), time.process_time()
    from annotations.importing import import_sources
    from annotations.store import open_store

    db = open_store(db_path)
    imported = import_sources(db, [path])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    loaded = "spacy" in sys.modules
    db.close()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "documents": imported.added,
        "preannotated": imported.preannotated,
        "spacy_loaded": loaded,
    }


def main(argv: list[str]) -> None:
    """One measurement in this (fresh) process."""
    mode = argv[0]
    if mode == "write":
        write_file(int(argv[1]), Path(argv[2]), argv[3] == "tokens")
        report({"written": argv[2]})
    elif mode == "bare":
        report(run_bare(Path(argv[1]), Path(argv[2])))
    else:
        report(run_spandesk(Path(argv[1]), Path(argv[2])))


if __name__ == "__main__":
    main(sys.argv[1:])
