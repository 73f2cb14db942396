"""The upgrade to text identity (migration m004) on a large database from before it, against copying the
documents table once in the same run (what any rebuild of the table must at least do).

python bench/upgrade_bench.py [DOCUMENTS]     prints the two times and their ratio
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from harness import ensure_repo_on_path

ensure_repo_on_path()

from sqlite_utils import Database  # noqa: E402

from annotations import store  # noqa: E402
from annotations.migrations import migrations  # noqa: E402


def old_database(path: Path, documents: int) -> None:
    """A database as spandesk wrote it before m004: ``documents`` texts, 1% of them stored twice."""
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m004_text_identity")
    db.execute("INSERT INTO datasets (id, name, created) VALUES (1, 'bench', 0)")
    rows = [(n, n, f"Ticket {n}: printer on floor {n % 7} is jammed again.") for n in range(1, documents + 1)]
    rows += [(documents + 1 + n, -1 - n, rows[n][2]) for n in range(documents // 100)]
    db.conn.executemany(
        "INSERT INTO documents (id, dataset_id, input_hash, text, tokens, created)"
        " VALUES (?, 1, ?, ?, '[]', 0)",
        rows,
    )
    db.conn.executemany("INSERT INTO annotations (document_id) VALUES (?)", [(row[0],) for row in rows])
    db.conn.commit()
    db.close()


def timed(action) -> float:  # noqa: ANN001
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        upgraded, copied = Path(folder) / "upgraded.db", Path(folder) / "copied.db"
        old_database(upgraded, documents)
        old_database(copied, documents)

        def copy_table() -> None:
            connection = sqlite3.connect(copied)
            connection.execute("CREATE TABLE documents_copy AS SELECT * FROM documents")
            connection.commit()
            connection.close()

        baseline = timed(copy_table)
        upgrade = timed(lambda: store.open_store(upgraded).close())
    print(
        f"{documents:,} documents: upgrade {upgrade:.2f} s, table copy {baseline:.2f} s, "
        f"{upgrade / baseline:.1f}x"
    )


if __name__ == "__main__":
    main()
