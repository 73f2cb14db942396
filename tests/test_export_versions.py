"""Export chooses whose version: the current one, the reviewed ones, every annotator's, or one person's."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations import store
from annotations.exporting import ExportFailure, export
from annotations.importing import import_sources
from annotations.model import REVIEW, Answer, DocumentState, Span

ROOT = Path(__file__).resolve().parents[1]
PARIS = "Alice met Bob in Paris."
ROME = "Carol lives in Rome."
LONE = "Nobody annotated this one."


def span(text: str, word: str, label: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label}


def task(text: str, spans: list[dict], who: str | None) -> dict:
    record = {"text": text, "spans": spans, "answer": "accept"}
    if who:
        record["_annotator_id"] = who
    return record


@pytest.fixture
def team(db, tmp_path):
    """alice marks people; bob marks people and places (so his versions differ); one text has no
    annotator's version at all."""
    alice = [
        task(PARIS, [span(PARIS, "Alice", "PERSON")], "alice"),
        task(ROME, [span(ROME, "Carol", "PERSON")], "alice"),
    ]
    bob = [
        task(PARIS, [span(PARIS, "Alice", "PERSON"), span(PARIS, "Paris", "GPE")], "bob"),
        task(ROME, [span(ROME, "Carol", "PERSON"), span(ROME, "Rome", "GPE")], "bob"),
    ]
    for name, records in (("alice", alice), ("bob", bob), ("lone", [task(LONE, [], None)])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        import_sources(db, [path])
    return db


def lines(db, **options) -> tuple[list[dict], tuple[str, ...]]:
    out = io.StringIO()
    report = export(db, options.pop("fmt", "prodigy"), None, stream=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()], report.warnings


def review(db, text: str, spans: tuple[Span, ...]) -> None:
    document_id = next(d.id for d in store.iter_documents(db) if d.text == text)
    with store.write_transaction(db):
        store.insert_version(
            db, document_id, REVIEW, DocumentState(spans, Answer.ACCEPT), "rita", time.time()
        )


def test_current_writes_every_document_and_warns_about_unreviewed_disagreements(team) -> None:
    records, warnings = lines(team)
    assert [r["text"] for r in records] == [PARIS, ROME, LONE]
    assert len(warnings) == 1
    assert warnings[0].startswith("2 documents have versions by several annotators that differ")
    assert "--version NAME" in warnings[0] and "--version every" in warnings[0]


def test_a_reviewed_document_is_exported_as_reviewed_and_no_longer_warned_about(team) -> None:
    review(team, PARIS, (Span(17, 22, "GPE"),))
    records, warnings = lines(team)
    assert records[0]["spans"][0]["label"] == "GPE" and len(records[0]["spans"]) == 1
    assert warnings[0].startswith("1 document has versions by several annotators that differ")


def test_reviewed_writes_only_the_reviewed_versions_and_says_how_many_were_left_out(team) -> None:
    review(team, ROME, ())
    records, warnings = lines(team, version="reviewed")
    assert [(r["text"], r["spans"]) for r in records] == [(ROME, [])]
    assert warnings == ("2 documents have no reviewed version and were left out",)


def test_name_writes_that_persons_versions_only(team) -> None:
    records, warnings = lines(team, version="bob")
    assert [r["text"] for r in records] == [PARIS, ROME]
    assert [[s["label"] for s in r["spans"]] for r in records] == [["PERSON", "GPE"], ["PERSON", "GPE"]]
    assert {r["_annotator_id"] for r in records} == {"bob"}
    assert warnings == ("1 document has no version by bob and was left out",)


def test_every_writes_one_record_per_annotator_version_carrying_its_owner(team) -> None:
    records, warnings = lines(team, version="every")
    assert [(r["text"], r["_annotator_id"], r["_session_id"]) for r in records] == [
        (PARIS, "alice", "default-alice"),
        (PARIS, "bob", "default-bob"),
        (ROME, "alice", "default-alice"),
        (ROME, "bob", "default-bob"),
    ]
    assert warnings == ("1 document has no annotator's version and was left out",)
    doccano, _ = lines(team, fmt="doccano", version="every")
    assert [(r["text"], r["_annotator_id"], len(r["label"])) for r in doccano] == [
        (PARIS, "alice", 1),
        (PARIS, "bob", 2),
        (ROME, "alice", 1),
        (ROME, "bob", 2),
    ]


def test_every_exported_file_imports_back_as_the_same_versions(team, tmp_path) -> None:
    output = tmp_path / "every.jsonl"
    export(team, "prodigy", output, version="every")
    fresh = store.open_store(tmp_path / "again.db")
    try:
        report = import_sources(fresh, [output])
        assert report.added == 2 and report.new_versions == (("bob", 2),)
        assert store.annotators(fresh) == ["alice", "bob"]
    finally:
        fresh.close()


@pytest.mark.parametrize("fmt", ["prodigy", "doccano", "labelstudio"])
def test_every_with_unanswered_versions_imports_back_as_the_same_versions(team, tmp_path, fmt) -> None:
    """A person's version not answered yet says whose it is too (Label Studio: as their draft)."""
    from annotations.session import Session

    session = Session(team, "carla")
    session.open(next(d.id for d in store.iter_documents(team) if d.text == PARIS))
    session.apply(session.add_span(PARIS.index("Bob"), PARIS.index("Bob") + 3, "PERSON"))
    session.apply(session.set_answer(None))  # her version, begun from the accepted base: not answered yet
    output = tmp_path / f"every.{fmt}"
    export(team, fmt, output, version="every", include_unanswered=True)
    fresh = store.open_store(tmp_path / "again.db")
    try:
        import_sources(fresh, [output], fmt=fmt)
        assert store.annotators(fresh) == ["alice", "bob", "carla"]
        carla = Session(fresh, "carla")
        carla.open(fresh.execute("SELECT id FROM documents WHERE text = ?", [PARIS]).fetchone()[0])
        assert carla.document is not None and carla.document.answer is None
        assert [PARIS[s.start : s.end] for s in carla.document.spans] == ["Alice", "Bob"]
    finally:
        fresh.close()


@pytest.mark.parametrize("fmt", ["spacy", "conll", "hf", "brat"])
def test_every_is_refused_by_formats_that_cannot_say_whose_a_record_is(team, tmp_path, fmt) -> None:
    output = tmp_path / f"out-{fmt}"
    with pytest.raises(ExportFailure, match=r"--version every .*annotators: alice, bob"):
        export(team, fmt, output, version="every")
    assert not output.exists()


@pytest.mark.parametrize("fmt", ["spacy", "conll", "hf", "brat", "labelstudio", "doccano", "prodigy"])
def test_name_chooses_whose_spans_every_format_writes(team, tmp_path, fmt) -> None:
    alice = export(team, fmt, tmp_path / f"alice-{fmt}", version="alice")
    bob = export(team, fmt, tmp_path / f"bob-{fmt}", version="bob")
    assert (alice.documents, alice.spans) == (2, 2)
    assert (bob.documents, bob.spans) == (2, 4)


def test_conll_of_one_annotator_holds_their_labels(team, tmp_path) -> None:
    export(team, "conll", tmp_path / "bob.conll", version="bob")
    export(team, "conll", tmp_path / "alice.conll", version="alice")
    assert "B-GPE" in (tmp_path / "bob.conll").read_text(encoding="utf-8")
    assert "B-GPE" not in (tmp_path / "alice.conll").read_text(encoding="utf-8")


def test_an_unknown_annotator_is_refused_naming_those_there_are(team, tmp_path) -> None:
    with pytest.raises(ExportFailure, match=r"nobody called 'zed'.*annotators: alice, bob"):
        export(team, "prodigy", tmp_path / "z.jsonl", version="zed")
    assert not (tmp_path / "z.jsonl").exists()


def test_the_nothing_exported_note_counts_the_chosen_versions(team) -> None:
    with store.write_transaction(team):
        document_id = next(d.id for d in store.iter_documents(team) if d.text == ROME)
        team.execute(
            "UPDATE annotations SET answer = 'reject' WHERE document_id = ? AND owner = 'bob'", [document_id]
        )
    records, warnings = lines(team, version="bob", answers=[Answer.IGNORE])
    assert records == []
    assert "of the 2 in the database (1 accepted, 1 rejected), none is ignored" in warnings[0]


def test_cli_version_option(team, db_path, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from annotations.cli import main; sys.argv[0] = 'spandesk'; main()"
    team.close()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "export",
            "--db",
            str(db_path),
            "--format",
            "prodigy",
            "--version",
            "every",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["_annotator_id"] for line in result.stdout.splitlines()] == ["alice", "bob"] * 2
    assert "Warning: 1 document has no annotator's version and was left out" in result.stderr
    refused = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "export",
            "--db",
            str(db_path),
            "--format",
            "conll",
            "--version",
            "every",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (
        refused.returncode == 1 and "--version NAME" in refused.stderr and "Traceback" not in refused.stderr
    )


def test_a_brought_session_stays_with_the_version_of_the_person_whose_file_brought_it(db, tmp_path) -> None:
    """alice's file brought a (timestamped) Prodigy session; bob's version, added later, is not in it."""
    alice = task(PARIS, [], "alice") | {"_session_id": "default-2024-02-06_10-17-19"}
    bob = task(PARIS, [span(PARIS, "Paris", "GPE")], "bob") | {"_session_id": "default-bob-laptop"}
    for name, record in (("alice", alice), ("bob", bob)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        import_sources(db, [path])
    records, _ = lines(db, version="every")
    assert [(r["_annotator_id"], r["_session_id"]) for r in records] == [
        ("alice", "default-2024-02-06_10-17-19"),
        ("bob", "default-bob"),
    ]
    doccano, _ = lines(db, fmt="doccano", version="bob")
    assert "_session_id" not in doccano[0] and doccano[0]["_annotator_id"] == "bob"
