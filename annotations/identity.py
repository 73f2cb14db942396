"""Document identity: a document is its text, one per dataset, whatever format brought it.

The store keys documents on ``hashing.text_digest`` of their text (migration ``m004_text_identity``);
these functions read that key: which texts a dataset holds, the stored version of a text an import
brings again, and the documents an older database held twice under two input hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotations import store
from annotations.counting import agreeing, counted
from annotations.model import Answer

if TYPE_CHECKING:
    from sqlite_utils import Database

    from annotations.records import Record

SpanKeys = tuple[tuple[int, int, str], ...]
Version = tuple[SpanKeys, str | None]
"""What an annotated record says about its text: its spans' ``(start, end, label)``, sorted, and answer."""
_BATCH = 500  # digests per query (SQLite allows 32766 parameters; small batches keep statements short)


@dataclass(frozen=True, slots=True)
class StoredText:
    """The first stored document of a text in a dataset: its text and its current annotation."""

    text: str
    version: Version


@dataclass(frozen=True, slots=True)
class SameText:
    """A document holding the same text as an earlier one of its dataset (kept by the upgrade to m004)."""

    dataset: str
    document_id: int
    same_as: int


def version_of(record: Record, default_answer: Answer | None) -> Version | None:
    """What a record says about its text's annotation; None when it says nothing (plain text)."""
    if not record.arrives_annotated:
        return None
    answer = record.answer or default_answer
    keys = tuple(sorted(span.key() for span in record.spans or ()))
    return keys, answer.value if answer is not None else None


def known_digests(db: Database, dataset: str) -> set[bytes]:
    """The text digests of a dataset's documents (none if the dataset does not exist yet)."""
    dataset_key = store.dataset_id(db, dataset)
    if dataset_key is None:
        return set()
    rows = db.execute(
        "SELECT text_digest FROM documents WHERE dataset_id = ? AND same_text_as IS NULL", [dataset_key]
    )
    return {row[0] for row in rows}


def stored_texts(db: Database, dataset: str, digests: Iterable[bytes]) -> dict[bytes, StoredText]:
    """The stored text and annotation of each digest (the first document holding it), a batch at a time."""
    dataset_key = store.dataset_id(db, dataset)
    wanted = sorted(set(digests))
    found: dict[bytes, StoredText] = {}
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        rows = db.execute(
            "SELECT d.text_digest, d.text, a.spans, a.answer FROM documents d "
            + store.Versions.current().join()[0]
            + f" WHERE d.dataset_id = ? AND d.same_text_as IS NULL AND d.text_digest IN ({_marks(batch)})",
            [dataset_key, *batch],
        )
        found.update(
            (digest, StoredText(text, (_sorted_keys(spans), answer))) for digest, text, spans, answer in rows
        )
    return found


def _sorted_keys(spans_json: str) -> SpanKeys:
    """The ``(start, end, label)`` of stored spans, sorted (no decoding for the common empty list)."""
    return () if spans_json == "[]" else tuple(sorted(store.decode_span_keys(spans_json)))


def _marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for the values."""
    return ", ".join("?" for _ in values)


def same_text_documents(db: Database) -> list[SameText]:
    """Documents that repeat a text already stored in their dataset (an older database held the same
    text under two input hashes); the upgrade kept both, and nothing merges them silently."""
    if not store.holds_same_texts(db):  # none (or a read-only look at a database not yet upgraded)
        return []
    rows = db.execute(
        "SELECT ds.name, d.id, d.same_text_as FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
        " WHERE d.same_text_as IS NOT NULL ORDER BY d.same_text_as, d.id"  # the order of documents_same_text
    )
    return [SameText(name, document_id, same_as) for name, document_id, same_as in rows]


def describe_same_texts(same: Sequence[SameText], *, limit: int = 10) -> str:
    """A message listing documents that hold the same text as another of their dataset ('' if none)."""
    if not same:
        return ""
    pairs = ", ".join(f"{s.document_id} (= {s.same_as}, {s.dataset!r})" for s in same[:limit])
    more = f" and {len(same) - limit} more" if len(same) > limit else ""
    holds = agreeing(len(same), "holds", "hold")
    return (
        f"{counted(len(same), 'document')} {holds} the same text as an earlier document of their dataset "
        "(kept from "
        f"before spandesk identified documents by their text): {pairs}{more}. Both copies were kept with "
        "their annotations; compare them, and export each dataset knowing a text may appear twice."
    )


def describe_differing(places: Sequence[str], *, limit: int = 20) -> str:
    """The import's note on records whose text was already there with other spans or answer ('' if none)."""
    if not places:
        return ""
    return (
        f"{counted(len(places), 'record')} matched texts already stored (or earlier in this import) but "
        f"{agreeing(len(places), 'differs', 'differ')} in "
        f"spans or answer ({_lines_by_file(places, limit)}); they were not imported: the versions already "
        "there were kept. "
        "Import them into another dataset (--dataset) to compare."
    )


def _lines_by_file(places: Sequence[str], limit: int) -> str:
    """``a.jsonl lines 3, 9; b.txt`` from ``a.jsonl:3``, ``a.jsonl:9``, ``b.txt`` (the first ``limit``)."""
    lines: dict[str, list[str]] = {}
    for place in places[:limit]:
        path, _, line = place.rpartition(":")
        if path and line.isdigit():
            lines.setdefault(path, []).append(line)
        else:
            lines.setdefault(place, [])
    parts = [
        f"{path} line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}" if numbers else path
        for path, numbers in lines.items()
    ]
    more = f"; and {len(places) - limit} more" if len(places) > limit else ""
    return "; ".join(parts) + more
