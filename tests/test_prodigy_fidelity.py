"""What the checks against public Prodigy files found (issue 13): keys a file brings on its spans are written
back, tasks of other views are never read as entities, and answered tasks carry Prodigy's ``_session_id``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotations import span_extra, store
from annotations.cli import cli
from annotations.model import DocumentState, Span, Version
from annotations.store import Versions

OWN_SPAN_KEYS = {"token_start", "token_end"}  # what export computes afresh on every span

# a span as Prodigy's ner.teach / ner.correct writes it: the model's keys beside the span's own
APPLE = {"text": "Apple", "start": 0, "end": 5, "label": "ORG", "source": "en_core_web_sm", "input_hash": 1}
APPLE |= {"rank": 0, "score": 0.93, "note": {"why": ["kept", None]}}
TIM = {"start": 10, "end": 18, "token_start": 2, "token_end": 3, "label": "PERSON", "text": "Tim Cook"}
TASK = {
    "text": "Apple met Tim Cook",
    "spans": [APPLE, TIM],
    "_view_id": "ner",
    "answer": "accept",
    "_annotator_id": "news-alex",
    "_session_id": "news-alex",
}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    return result


def imported(db_path: Path, source: Path, dataset: str = "news") -> None:
    result = run("import", str(source), "--db", str(db_path), "--dataset", dataset)
    assert result.exit_code == 0, result.output


def exported_tasks(db_path: Path, fmt: str = "prodigy") -> list[dict[str, Any]]:
    result = run("export", "--db", str(db_path), "--format", fmt, "--all")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def without_token_indices(span: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in span.items() if key not in OWN_SPAN_KEYS}


def edited(db_path: Path, spans: tuple[Span, ...], annotator: str = "bob") -> None:
    """A person changes the first document's spans in spandesk (as the window does)."""
    db = store.open_store(db_path)
    try:
        document = next(
            store.iter_documents(db, include_unanswered=True, versions=Versions.seen_by(annotator))
        )
        state = DocumentState(spans, document.answer)
        store.write_state(
            db,
            document.id,
            state,
            kind="edit",
            annotator=annotator,
            expected_rev=None,  # their first edit makes their version
            before=document.state,
            version=Version.of(annotator),
        )
    finally:
        db.close()


# ---------------------------------------------------------------- span keys


def test_the_keys_a_prodigy_file_brings_on_its_spans_are_written_back(tmp_path: Path) -> None:
    """Before: text, source, input_hash, rank and score of each span were dropped on export."""
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [TASK]))
    (task,) = exported_tasks(db_path)
    assert [without_token_indices(span) for span in task["spans"]] == [
        without_token_indices(APPLE),
        without_token_indices(TIM),
    ]
    assert task["spans"][1]["token_start"] == 2 and task["spans"][1]["token_end"] == 3
    assert span_extra.KEY not in task  # the stored form is spandesk's own, never a key of the task


def test_a_span_a_person_changed_keeps_none_of_the_old_keys_the_others_keep_theirs(tmp_path: Path) -> None:
    """A relabelled span is a new span: its score and source were the model's, for another label."""
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [TASK]))
    edited(db_path, (Span(0, 5, "PRODUCT"), Span(10, 18, "PERSON")))
    (task,) = exported_tasks(db_path)
    relabelled, kept = task["spans"]
    assert relabelled == {"start": 0, "end": 5, "token_start": 0, "token_end": 0, "label": "PRODUCT"}
    assert without_token_indices(kept) == without_token_indices(TIM)


def test_span_keys_reach_no_other_format_and_no_document_extra(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [TASK]))
    (record,) = exported_tasks(db_path, "doccano")
    assert span_extra.KEY not in record and record["label"] == [[0, 5, "ORG"], [10, 18, "PERSON"]]
    db = store.open_store(db_path)
    try:
        (document,) = store.iter_documents(db, include_unanswered=True)
    finally:
        db.close()
    assert document.extra == {"_session_id": "news-alex"}  # what any writer sees of the file's other keys
    assert document.span_extra[(0, 5, "ORG")]["score"] == 0.93


def test_a_prodigy_export_imports_back_with_its_span_keys(tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    imported(first, write_jsonl(tmp_path / "in.jsonl", [TASK]))
    once = exported_tasks(first)
    imported(second, write_jsonl(tmp_path / "out.jsonl", once))
    assert exported_tasks(second) == once


# ---------------------------------------------------------------- views


def entity_linking_task(number: int) -> dict[str, Any]:
    """A task of Prodigy's entity-linking recipe: one span, knowledge-base options, the chosen one."""
    text = f"Emerson {number} won the race."
    return {
        "text": text,
        "spans": [{"start": 0, "end": 7, "label": "ORG"}],
        "options": [{"id": "Q312", "html": "Emerson Fittipaldi"}, {"id": "NIL", "text": "none"}],
        "accept": ["Q312"],
        "_view_id": "choice",
        "answer": "accept",
    }


def test_entity_linking_tasks_are_refused_not_imported_as_entities(tmp_path: Path) -> None:
    """Before: 30 choice tasks became 30 ORG entities in the DocBin."""
    db_path = tmp_path / "s.db"
    source = write_jsonl(tmp_path / "el.jsonl", [entity_linking_task(n) for n in range(30)])
    result = run("import", str(source), "--db", str(db_path))
    assert result.exit_code == 1
    assert f'{source}:1: is a Prodigy "choice" task, not span annotation' in result.output
    assert '30 tasks are of other views (30 "choice"; lines 1, 2, 3, 4, 5 and 25 more)' in result.output
    assert "Nothing was imported" in result.output
    db = store.open_store(db_path)
    try:
        assert list(store.iter_documents(db, include_unanswered=True)) == []
    finally:
        db.close()


@pytest.mark.parametrize(
    ("task", "view"),
    [
        (
            {"text": "Good film.", "label": "POSITIVE", "answer": "accept", "_view_id": "classification"},
            "classification",
        ),
        ({"text": "Tim at Apple", "relations": [], "spans": [], "_view_id": "relations"}, "relations"),
        (
            {"text": "Which?", "options": [{"id": 1, "text": "a"}], "accept": [1], "answer": "accept"},
            "choice",
        ),
        ({"text": "Blocks", "spans": [], "_view_id": "blocks"}, "blocks"),
    ],
)
def test_tasks_of_other_views_are_named_by_line_and_view(tmp_path: Path, task: dict, view: str) -> None:
    source = write_jsonl(tmp_path / "mixed.jsonl", [TASK, task])
    result = run("import", str(source), "--db", str(tmp_path / "s.db"))
    assert result.exit_code == 1
    assert (
        f'{source}:2: is a Prodigy "{view}" task, not span annotation; 1 task is of other views'
        in result.output
    )


@pytest.mark.parametrize("view", ["ner", "ner_manual", "spans_manual", None])
def test_span_annotation_views_are_imported(tmp_path: Path, view: str | None) -> None:
    task = {
        "text": "Apple met Tim Cook",
        "spans": [{"start": 0, "end": 5, "label": "ORG"}],
        "answer": "accept",
    }
    if view is not None:
        task["_view_id"] = view
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [task]))
    (written,) = exported_tasks(db_path)
    assert written["spans"][0]["label"] == "ORG" and written["_view_id"] == "ner_manual"


# ---------------------------------------------------------------- _session_id


def test_an_answered_task_gets_prodigys_session_id(tmp_path: Path) -> None:
    """Before: _annotator_id without _session_id, which Prodigy's review and db-merge group by."""
    task = {"text": "Berlin", "spans": [{"start": 0, "end": 6, "label": "GPE"}], "answer": "accept"}
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [task | {"_annotator_id": "anna"}]))
    (written,) = exported_tasks(db_path)
    assert (written["_annotator_id"], written["_session_id"]) == ("anna", "news-anna")


def test_a_task_without_annotator_gets_no_session_id(tmp_path: Path) -> None:
    task = {"text": "Berlin", "spans": [{"start": 0, "end": 6, "label": "GPE"}], "answer": "accept"}
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [task]))
    (written,) = exported_tasks(db_path)
    assert "_session_id" not in written and "_annotator_id" not in written


def test_a_brought_session_is_kept_until_someone_edits_the_document(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    imported(db_path, write_jsonl(tmp_path / "in.jsonl", [TASK | {"_session_id": "news-2024-02-06"}]))
    (written,) = exported_tasks(db_path)
    assert (written["_annotator_id"], written["_session_id"]) == ("news-alex", "news-2024-02-06")
    edited(db_path, (Span(0, 5, "ORG"),), annotator="bob")
    (written,) = exported_tasks(db_path)
    assert (written["_annotator_id"], written["_session_id"]) == ("bob", "news-bob")


def test_a_view_id_that_is_not_a_string_is_a_bad_record(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "x", "_view_id": ["ner"]}])
    result = run("import", str(source), "--db", str(tmp_path / "s.db"))
    assert result.exit_code == 1 and f'{source}:1: "_view_id" must be a string, not' in result.output
