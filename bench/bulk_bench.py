"""Apply everywhere on a large database: search + preview (plan) time, apply time, undo time, and a dump of
the database before the apply and after its undo compared.

python bench/bulk_bench.py FOLDER [DOCUMENTS [OCCURRENCES]]     (run.py --only bulk runs it as a worker)

DOCUMENTS generated posts (synth.py); every (DOCUMENTS / OCCURRENCES)th one ends with a planted sentence
holding PLANTED, which the model labelled FAC. The change: relabel PLANTED FAC -> ORG in the person
"bench"'s versions, answered documents included (synth answers three in four), so every occurrence
changes. Two rounds:

1. The person has no version of any document yet: the apply makes one per document (copy on write).
   The undo puts every version back to the base's state; the versions stay (the events refer to them).
   Compared: every table except events and batches, annotations and answer_counts byte for byte; the
   base versions byte for byte; what the person sees of every document (spans and answer) equal.
2. The same change again, now that the person has those versions: the dump before the apply and after
   the undo compared table by table, every row and column, except what is append-only by design or
   counts the changes: the rows events and batches gained (the old rows must be an exact prefix), and
   the rev (must be 2 more: the apply and the undo) and updated columns of the versions changed.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import synth
from corpus import GeneratedText, iter_posts
from harness import ensure_repo_on_path, report

ensure_repo_on_path()

from annotations import store  # noqa: E402
from annotations.bulk import Relabel  # noqa: E402
from annotations.bulk_apply import apply_plan, plan_change, undo_batch  # noqa: E402
from annotations.search import Query, find  # noqa: E402

PLANTED = "Vostrakh Keep"
SENTENCE = f" Officials at {PLANTED} declined to comment."
PERSON = "bench"


def planted(documents: int, occurrences: int) -> list[GeneratedText]:
    """The generated posts, every (documents / occurrences)th with the planted sentence (labelled FAC)."""
    step = documents // occurrences
    items = []
    for index, item in enumerate(iter_posts(documents, seed=31)):
        if index % step == 0 and len(items) // step < occurrences:
            start = len(item.text) + SENTENCE.index(PLANTED)
            entity = (start, start + len(PLANTED), "FAC")
            item = GeneratedText(item.text + SENTENCE, (*item.entities, entity))
        items.append(item)
    return items


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a separate read-only connection."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return {name: _rows(connection, name) for (name,) in connection.execute(tables).fetchall()}
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    """A table's rows in rowid order; sorted for a table without rowids (the search index's config)."""
    try:
        return connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    except sqlite3.OperationalError:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall())


def timed_round(db) -> dict[str, Any]:  # noqa: ANN001
    """Search + plan, apply, undo: seconds each, and what they did."""
    started = time.perf_counter()
    found = list(find(db, Query(PLANTED)))
    searched = time.perf_counter()
    plan = plan_change(db, Relabel("FAC", "ORG"), PLANTED, found, annotator=PERSON, include_answered=True)
    planned = time.perf_counter()
    applied = apply_plan(db, plan)
    done = time.perf_counter()
    undone = undo_batch(db, applied.batch_id, PERSON)
    reversed_at = time.perf_counter()
    assert not applied.skipped and not undone.skipped
    return {
        "found": len(found),
        "changed": len(applied.changed),
        "undone": len(undone.changed),
        "search": searched - started,
        "plan": planned - searched,
        "apply": done - planned,
        "undo": reversed_at - done,
    }


def compare_first(before: dict, after: dict) -> list[str]:
    """Round 1: the differences that are not the versions the apply made (see the module's docstring)."""
    kept = [t for t in before if t not in ("events", "batches", "annotations", "answer_counts")]
    problems = [table for table in kept if before[table] != after[table]]
    bases = [row for row in after["annotations"] if row[2] == "base"]
    if bases != before["annotations"]:
        problems.append("annotations (base versions)")
    seen = {row[1]: row[5:7] for row in bases}
    seen.update({row[1]: row[5:7] for row in after["annotations"] if row[2] == "annotator"})
    if seen != {row[1]: row[5:7] for row in before["annotations"]}:
        problems.append("what the person sees")
    return problems


def compare_second(before: dict, after: dict) -> list[str]:
    """Round 2: every table, row and column but the append-only rows and the changed versions' rev/updated."""
    problems = []
    for table in before:
        if table in ("events", "batches"):
            if after[table][: len(before[table])] != before[table]:
                problems.append(f"{table} (old rows changed)")
        elif table == "annotations":
            if [row[:7] for row in after[table]] != [row[:7] for row in before[table]]:
                problems.append("annotations")
            revs = {row[7] - old[7] for row, old in zip(after[table], before[table], strict=True)}
            if not revs <= {0, 2}:
                problems.append(f"annotations.rev moved by {sorted(revs)}")
        elif after[table] != before[table]:
            problems.append(table)
    return problems


def main(folder: str, documents: int = 100_000, occurrences: int = 10_000) -> None:
    """Build, run both rounds, compare, report."""
    path = Path(folder) / "bulk.db"
    started = time.perf_counter()
    synth.build_database(path, planted(documents, occurrences), seed=31)
    built = time.perf_counter() - started
    rounds, problems = [], []
    for compare in (compare_first, compare_second):
        before = dump(path)
        db = store.open_store(path)
        try:
            rounds.append(timed_round(db))
        finally:
            db.close()
        problems.append(compare(before, dump(path)))
    report({"documents": documents, "built": built, "rounds": rounds, "problems": problems})


if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:]))
