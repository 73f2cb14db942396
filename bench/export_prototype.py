"""A prototype of a faster Prodigy JSONL export, to size the fix proposed in the bench report.

It writes byte-for-byte what ``annotations.exporting.export(db, "prodigy", ...)`` writes, but reads
plain tuples with one SELECT (no sqlite-utils dict rows, no predictions sub-query, no Token/Span/
Document objects) and lays out tokens straight from the stored flat offsets whenever every span
edge is a token edge and the gaps between tokens are single spaces, the common case. Any other
document goes through the real ``prodigy.task_from_document``.

``export_prototype.py DB OUT [CHECK]``: time the prototype; with CHECK (a file written by spandesk's
export of the same database) also check the two files are identical.
"""

from __future__ import annotations

import filecmp
import json
import sqlite3
import sys
import time
from pathlib import Path

from harness import ensure_repo_on_path, peak_rss_mib, report

ensure_repo_on_path()

from annotations import hashing, store  # noqa: E402
from annotations.formats import prodigy  # noqa: E402
from annotations.model import Span  # noqa: E402

SQL = """
    SELECT d.id, d.text, d.tokens, a.spans, a.answer, a.updated, a.annotator, d.meta, d.extra,
           d.input_hash, d.task_hash
    FROM documents d JOIN annotations a ON a.document_id = d.id ORDER BY d.id
"""


def simple_tokens(text: str, flat: list[int], spans: list[list]) -> list[dict] | None:
    """Prodigy tokens from flat offsets (spaCy's layout: a single space joins the token before it,
    any other gap is a token), or None when a span edge falls inside a token."""
    starts, ends = flat[0::2], flat[1::2]
    if any(end <= start for start, end in zip(starts, ends, strict=True)):
        return None
    if any(start < end for start, end in zip(starts[1:], ends, strict=False)):
        return None  # overlapping tokens: leave them to the general layout
    token_starts, token_ends = set(starts), set(ends)
    if any(s not in token_starts or e not in token_ends for s, e, _label, _source in spans):
        return None
    length = len(text)
    ranges: list[tuple[int, int]] = []
    position = 0
    for start, end in zip([*starts, length], [*ends, length], strict=True):
        gap = position + 1 if ranges and position < start and text[position] == " " else position
        if gap < start:
            ranges.append((gap, start))
        if end > start:
            ranges.append((start, end))
        position = end
    following = [start for start, _ in ranges[1:]] + [length]
    return [
        {"text": text[start:end], "start": start, "end": end, "id": index, "ws": after > end}
        for index, ((start, end), after) in enumerate(zip(ranges, following, strict=True))
    ]


def task_line(row: tuple, encode) -> str:
    """One JSONL line for a row of ``SQL``."""
    (
        document_id,
        text,
        tokens_json,
        spans_json,
        answer,
        updated,
        annotator,
        meta,
        extra,
        input_hash,
        task_hash,
    ) = row
    spans = json.loads(spans_json)
    tokens = simple_tokens(text, json.loads(tokens_json), spans)
    if tokens is None:
        return encode(prodigy.task_from_document(store.load_document(_db(), document_id)))
    first_of = {token["start"]: token["id"] for token in tokens}
    last_of = {token["end"]: token["id"] for token in tokens}
    if task_hash is None:
        task_hash = hashing.task_hash(input_hash, [Span(s, e, label) for s, e, label, _ in spans])
    task = {
        "text": text,
        "_input_hash": input_hash,
        "_task_hash": task_hash,
        "tokens": tokens,
        "_view_id": "ner_manual",
        "spans": [
            {"start": s, "end": e, "token_start": first_of[s], "token_end": last_of[e], "label": label}
            for s, e, label, _ in spans
        ],
    }
    if answer is not None:
        task["answer"] = answer
    if updated is not None:
        task["_timestamp"] = int(updated)
    if annotator:
        task["_annotator_id"] = annotator
    meta_value = json.loads(meta)
    if meta_value:
        task["meta"] = meta_value
    for key, value in json.loads(extra).items():
        task.setdefault(key, value)
    return encode(task)


_DB: list = []


def _db():
    """The store, opened only when a document needs the general path."""
    if not _DB:
        _DB.append(store.open_store(_PATH[0], read_only=True))
    return _DB[0]


_PATH: list[Path] = []


def main(argv: list[str]) -> None:
    """Time the prototype on a database; optionally compare with spandesk's own output."""
    db_path, output = Path(argv[0]), Path(argv[1])
    _PATH.append(db_path)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    connection = sqlite3.connect(db_path)
    start = time.perf_counter()
    written = 0
    with output.open("w", encoding="utf-8", newline="\n") as handle:
        for row in connection.execute(SQL):
            handle.write(task_line(row, encode))
            handle.write("\n")
            written += 1
    seconds = time.perf_counter() - start
    peak = peak_rss_mib()
    same = None if len(argv) < 3 else filecmp.cmp(argv[2], output, shallow=False)
    report({"seconds": seconds, "documents": written, "identical": same, "peak": peak})


if __name__ == "__main__":
    main(sys.argv[1:])
