"""Export to Prodigy JSONL: spandesk's ``export`` against a bare sqlite3 + json.dumps loop.

Run by ``run.py`` in fresh subprocesses: ``export_bench.py spandesk|bare DB OUT``. Each reports
its time, the documents written, its resident memory just before the export and its peak
(``ru_maxrss``) after it, so the growth during the export can be compared between databases of
10,000 and 100,000 documents.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

from harness import current_rss_mib, ensure_repo_on_path, peak_rss_mib, report

ensure_repo_on_path()

BARE_SQL = """
    SELECT d.text, d.meta, d.tokens, d.input_hash, d.task_hash, a.spans, a.answer, a.annotator, a.updated
    FROM documents d JOIN annotations a ON a.document_id = d.id ORDER BY d.id
"""


def run_spandesk(db_path: Path, output: Path) -> dict:
    """spandesk's export of every document (answered or not) to Prodigy JSONL."""
    from annotations.exporting import export
    from annotations.store import open_store

    db = open_store(db_path, read_only=True)
    before = current_rss_mib()
    start = time.perf_counter()
    written = export(db, "prodigy", output, include_unanswered=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "documents": written.documents, "rss_before": before, "peak": peak_rss_mib()}


def run_bare(db_path: Path, output: Path) -> dict:
    """The baseline: one SELECT over the same rows, JSON columns decoded, one json.dumps per line."""
    connection = sqlite3.connect(db_path)
    before = current_rss_mib()
    start = time.perf_counter()
    written = 0
    with output.open("w", encoding="utf-8") as handle:
        for (
            text,
            meta,
            tokens,
            input_hash,
            task_hash,
            spans,
            answer,
            annotator,
            updated,
        ) in connection.execute(BARE_SQL):
            record = {
                "text": text,
                "meta": json.loads(meta),
                "tokens": json.loads(tokens),
                "spans": json.loads(spans),
                "_input_hash": input_hash,
                "_task_hash": task_hash,
                "answer": answer,
                "_annotator_id": annotator,
                "_timestamp": updated,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "documents": written, "rss_before": before, "peak": peak_rss_mib()}


def main(argv: list[str]) -> None:
    """Entry point for one measurement in this (fresh) process."""
    mode, db_path, output = argv[0], Path(argv[1]), Path(argv[2])
    report((run_spandesk if mode == "spandesk" else run_bare)(db_path, output))


if __name__ == "__main__":
    main(sys.argv[1:])
