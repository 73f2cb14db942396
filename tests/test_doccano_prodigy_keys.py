"""doccano records that carry Prodigy's task keys: what is stored is what every export writes, and
every export imports back to the same documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotations import hashing, store
from annotations.exporting import export
from annotations.importing import ImportFailure, import_sources
from annotations.model import DocumentState, Span

RECORDS = [
    {
        "text": "EU rejects German call to boycott British lamb.",
        "label": [[0, 2, "ORG"], [11, 17, "MISC"]],
        "answer": "reject",
        "_annotator_id": "ds-anna",
        "_timestamp": 1700000000,
        "meta": {"source": "wire"},
        "id": 12,
    },
    {"text": "Peter Blackburn spoke.", "labels": [[0, 15, "PER"]], "answer": "accept", "Comments": ["ok"]},
    {"text": "Still to be checked.", "label": [[0, 5, "X"]]},
    {"text": "Answered, nothing to mark.", "label": [], "answer": "ignore", "_view_id": "ner_manual"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def documents(db_path: Path) -> list[tuple]:
    """What a person sees of every stored document."""
    db = store.open_store(db_path)
    try:
        return [
            (d.text, [s.key() for s in d.spans], d.answer, d.meta, d.annotator, d.extra)
            for d in store.iter_documents(db, include_unanswered=True)
        ]
    finally:
        db.close()


def export_lines(db_path: Path, fmt: str) -> str:
    db = store.open_store(db_path)
    try:
        out = io.StringIO()
        export(db, fmt, None, stream=out, include_unanswered=True)  # type: ignore[arg-type]
        return out.getvalue()
    finally:
        db.close()


def imported(db_path: Path, source: Path) -> None:
    db = store.open_store(db_path)
    try:
        import_sources(db, [source])
    finally:
        db.close()


def test_prodigy_keys_on_doccano_records_are_stored_as_they_say(tmp_path: Path) -> None:
    """Today the answer and annotator went to the extra keys: stored pending, exported as answered."""
    db_path = tmp_path / "first.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", RECORDS))
    stored = documents(db_path)
    assert [(answer.value if answer else None) for _, _, answer, _, _, _ in stored] == [
        "reject",
        "accept",
        None,
        "ignore",
    ]
    assert stored[0][3:] == ({"source": "wire"}, "ds-anna", {"id": 12})
    assert stored[1][5] == {"Comments": ["ok"]}
    assert stored[3][5] == {}


@pytest.mark.parametrize("fmt", ["prodigy", "doccano"])
def test_every_export_imports_back_to_the_same_documents(tmp_path: Path, fmt: str) -> None:
    first = tmp_path / "first.db"
    imported(first, write_jsonl(tmp_path / "in.jsonl", RECORDS))
    exported = tmp_path / f"out.{fmt}.jsonl"
    exported.write_text(export_lines(first, fmt), encoding="utf-8")
    second = tmp_path / "second.db"
    imported(second, exported)
    again = documents(second)
    if fmt == "prodigy":  # the export wrote Prodigy's _session_id (dataset-annotator), brought back as a key
        assert again[0][5].pop("_session_id") == "default-ds-anna"
    assert again == documents(first)
    assert export_lines(second, fmt) == export_lines(first, fmt)


@pytest.mark.parametrize(
    ("record", "said"),
    [
        ({"text": "x", "label": [], "meta": "from doccano"}, '"meta" must be an object, not a string'),
        ({"text": "x", "label": [], "meta": [1]}, '"meta" must be an object, not a list'),
        ({"text": "x", "label": [], "answer": "yes"}, '"answer" must be "accept", "reject" or "ignore"'),
        ({"text": "x", "label": [], "_annotator_id": 5}, '"_annotator_id" must be a string'),
        ({"text": "x", "label": [], "_timestamp": "noon"}, '"_timestamp" must be a number'),
        ({"text": "x", "label": [], "_input_hash": "abc"}, '"_input_hash" must be an integer'),
    ],
)
def test_a_prodigy_key_of_the_wrong_type_is_refused_with_its_line(
    tmp_path: Path, record: dict, said: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "fine", "label": []}, record])
    db = store.open_store(tmp_path / "x.db")
    try:
        with pytest.raises(ImportFailure) as caught:
            import_sources(db, [source])
        assert str(caught.value).startswith(f"{source}:2: ") and said in str(caught.value)
        assert store.dataset_names(db) == []
    finally:
        db.close()


def test_prodigy_keys_an_older_import_left_in_extra_are_not_exported(db) -> None:
    """A database filled before this fix holds ``answer`` and a string ``meta`` in a document's extra
    keys: exports write the document's own answer and meta, and the export imports back."""
    text = "Kept pending."
    stale = {"answer": "accept", "meta": "from doccano", "_annotator_id": "old", "id": 4}
    new = store.NewDocument(
        text=text,
        tokens=(),
        input_hash=hashing.input_hash(text),
        state=DocumentState((Span(0, 4, "X"),), None),
        extra=stale,
    )
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "default"), [new])
    for fmt in ("prodigy", "doccano"):
        out = io.StringIO()
        export(db, fmt, None, stream=out, include_unanswered=True)  # type: ignore[arg-type]
        (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
        assert "answer" not in row and "meta" not in row and "_annotator_id" not in row
        assert row["id"] == 4
