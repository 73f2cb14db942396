"""`spandesk merge` of ten people's databases into one team database, against a bare sqlite3 ATTACH +
INSERT ... SELECT copy of the same rows in the same run.

python bench/merge_bench.py FOLDER [DOCUMENTS [PEOPLE]]     (run.py runs it as a worker)

One database of DOCUMENTS generated posts (synth.py) is built once and copied with SQLite's backup API
for each person; each person then has a version (an answer changed, one history event) on every fifth
document, a different fifth for each. The merge is the real command, in a fresh process, into a new
TEAM.db: the documents arrive from the first file, everyone's versions and history from all.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import synth
from harness import REPO, ensure_repo_on_path, report

ensure_repo_on_path()

from annotations import store  # noqa: E402
from annotations.model import Answer  # noqa: E402

SHARE = 5  # each person has a version of one document in SHARE


def person_database(template: Path, path: Path, person: int) -> int:
    """Copy ``template`` to ``path`` and give person ``person`` a version of their fifth of it."""
    source = sqlite3.connect(template)
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    db = store.open_store(path)
    try:
        with store.write_transaction(db):
            name = f"person{person:02d}"
            store.set_setting(db, "annotator", name)
            return _versions(db, name, person)
    finally:
        db.close()


def _versions(db, name: str, person: int) -> int:  # noqa: ANN001
    """One version per chosen document: the base's spans, a new answer, and the event that set it."""
    rng = random.Random(person)
    rows = db.execute(
        "SELECT document_id, spans, answer FROM annotations WHERE kind = 'base' AND document_id % ? = ?",
        [SHARE, person % SHARE],
    ).fetchall()
    now = time.time()
    for document_id, spans, answer in rows:
        chosen = rng.choice([a for a in Answer if a.value != answer])
        version = db.execute(
            "INSERT INTO annotations (document_id, kind, owner, annotator, spans, answer, rev, updated)"
            " VALUES (?, 'annotator', ?, ?, ?, ?, 1, ?)",
            [document_id, name, name, spans, chosen.value, now],
        ).lastrowid
        db.execute(
            "INSERT INTO events (document_id, version_id, annotator, at, kind, before, after)"
            " VALUES (?, ?, ?, ?, 'answer', ?, ?)",
            [
                document_id,
                version,
                name,
                now,
                store.encode_change((), Answer(answer) if answer else None),
                store.encode_change((), chosen),
            ],
        )
    return len(rows)


def spandesk_merge(team: Path, sources: list[Path]) -> float:
    """Seconds for the real `spandesk merge --db TEAM.db ...` (a fresh process, start-up included)."""
    script = Path(sys.executable).with_name("spandesk")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from annotations.cli import main; main()"]
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    subprocess.run(
        [*command, "merge", "--db", str(team), *map(str, sources)], check=True, env=env, capture_output=True
    )
    return time.perf_counter() - started


def bare_copy(target: Path, sources: list[Path]) -> float:
    """Seconds for sqlite3 alone to copy the same rows: the first file's documents, predictions and
    bases, then every file's annotator versions and events (ids renumbered), into the same schema."""
    store.open_store(target).close()  # the same tables, indexes and triggers
    connection = sqlite3.connect(target, isolation_level=None)
    started = time.perf_counter()
    for number, source in enumerate(sources):
        connection.execute(f"ATTACH DATABASE ? AS s{number}", [str(source)])
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO datasets SELECT * FROM s0.datasets")
    connection.execute("INSERT INTO documents SELECT * FROM s0.documents")
    connection.execute("INSERT INTO predictions SELECT * FROM s0.predictions")
    connection.execute("INSERT INTO annotations SELECT * FROM s0.annotations WHERE kind = 'base'")
    for number in range(len(sources)):
        shift = connection.execute("SELECT max(id) FROM annotations").fetchone()[0]
        connection.execute(
            "INSERT INTO annotations SELECT id + ?, document_id, kind, owner, annotator, spans, answer, rev,"
            f" updated FROM s{number}.annotations WHERE kind = 'annotator'",
            [shift],
        )
        connection.execute(
            "INSERT INTO events (document_id, version_id, annotator, at, kind, before, after)"
            " SELECT document_id, version_id + ?, annotator, at, kind, before, after"
            f" FROM s{number}.events",
            [shift],
        )
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def main() -> None:
    folder = Path(sys.argv[1])
    documents = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    people = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    started = time.perf_counter()
    template = folder / "merge-template.db"
    synth.build_posts_database(template, documents)
    sources = [folder / f"person{n:02d}.db" for n in range(people)]
    versions = sum(person_database(template, path, n) for n, path in enumerate(sources))
    built = time.perf_counter() - started
    merge_seconds = spandesk_merge(folder / "TEAM.db", sources)
    bare_seconds = bare_copy(folder / "bare.db", sources)
    again = spandesk_merge(folder / "TEAM.db", sources)  # everything there already: nothing changes
    report(
        {
            "documents": documents,
            "people": people,
            "versions": versions,
            "built": built,
            "seconds": merge_seconds,
            "bare": bare_seconds,
            "again": again,
        }
    )


if __name__ == "__main__":
    main()
