"""`spandesk label-all`, `unlabel-all`, `undo-batch` and `batches`: apply one correction everywhere from the
command line, see what changed, and take it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.cli import cli
from annotations.model import Answer, DocumentState, Span, SpanSource
from annotations.text import whitespace_tokens
from tests.reliability_helpers import dump, run_spandesk

TEXTS = [
    ("The Kremlin said on Monday that Putin would travel.", [("Kremlin", "FAC"), ("Putin", "PERSON")], None),
    ("A spokesman for the Kremlin denied it.", [("Kremlin", "FAC")], None),
    ("Kremlin officials met.", [], None),
    ("The Kremlin Palace Museum opened.", [("Kremlin Palace Museum", "ORG")], None),
    ("Answered: the Kremlin spoke.", [("Kremlin", "FAC")], Answer.ACCEPT),
    ("Nothing here about Moscow.", [], None),
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    db = store.open_store(path)
    documents = []
    for i, (text, parts, answer) in enumerate(TEXTS):
        spans = tuple(
            Span(text.index(p), text.index(p) + len(p), label, SpanSource.MODEL) for p, label in parts
        )
        documents.append(
            store.NewDocument(text, whitespace_tokens(text), i + 1, DocumentState(spans, answer))
        )
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "news"), documents)
        store.set_setting(db, "annotator", "alice")
    db.close()
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def seen(path: Path, annotator: str = "alice") -> list[list[tuple[str, str]]]:
    """Every document's spans as (text, label), as ``annotator`` sees them."""
    db = store.open_store(path)
    try:
        documents = [store.load_document(db, i, viewer=annotator) for i in store.document_ids(db)]
        return [[(d.text[s.start : s.end], s.label) for s in d.spans] for d in documents]
    finally:
        db.close()


def test_label_all_relabels_and_adds_and_explains_what_it_left(db_path: Path) -> None:
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))
    assert code == 0, output
    assert "label 'Kremlin' as ORG, in alice's versions:" in output
    assert "document 1: The «Kremlin» said on Monday" in output and "changed: FAC -> ORG" in output
    assert "document 3: «Kremlin» officials met.  -> changed: +ORG" in output
    assert "conflict: overlaps ORG 'Kremlin Palace Museum'" in output
    assert "answered, left out (FAC -> ORG; --include-answered to change it)" in output
    assert "Changed 3 occurrences in 3 documents as batch 1; undo it with: spandesk undo-batch 1" in output
    spans = seen(db_path)
    assert spans[0][0] == ("Kremlin", "ORG") and spans[2] == [("Kremlin", "ORG")]
    assert spans[3] == [("Kremlin Palace Museum", "ORG")] and spans[4] == [("Kremlin", "FAC")]
    assert seen(db_path, "bob")[0][0] == ("Kremlin", "FAC")  # the base (what bob sees) is untouched


def test_dry_run_prints_the_same_lines_and_writes_nothing(db_path: Path) -> None:
    before = dump(db_path)
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path), "--dry-run")
    assert code == 0, output
    assert "would change: FAC -> ORG" in output
    assert "Dry run: would change 3 occurrences in 3 documents; nothing written." in output
    assert dump(db_path) == before


def test_include_answered_changes_answered_documents_too(db_path: Path) -> None:
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path), "--include-answered")
    assert code == 0 and "in 4 documents" in output
    assert seen(db_path)[4] == [("Kremlin", "ORG")]


def test_unlabel_all_with_a_label_and_the_annotator_named(db_path: Path) -> None:
    code, output = run("unlabel-all", "Kremlin", "--label", "FAC", "--db", str(db_path), "--annotator", "bob")
    assert code == 0, output
    assert "in bob's versions" in output and "Changed 2 occurrences in 2 documents" in output
    assert seen(db_path, "bob")[:2] == [[("Putin", "PERSON")], []]
    assert seen(db_path, "alice")[1] == [("Kremlin", "FAC")]


def test_a_name_differing_only_in_case_from_a_persons_is_refused(db_path: Path) -> None:
    """As an import refuses it: "Alice" beside "alice" would be two people, each with part of the work."""
    run("label-all", "Putin", "--label", "NORP", "--db", str(db_path), "--annotator", "alice")
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path), "--annotator", "Alice")
    assert code != 0 and "'Alice' differs only in case from 'alice'" in output and "Traceback" not in output
    db = store.open_store(db_path)
    try:
        assert store.annotators(db) == ["alice"]
    finally:
        db.close()


def test_undo_batch_in_another_process_brings_every_document_back(db_path: Path) -> None:
    before = seen(db_path)
    assert run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))[0] == 0
    assert seen(db_path) != before
    undone = run_spandesk("undo-batch", "--db", str(db_path))  # a new process: undo across a restart
    assert undone.returncode == 0, undone.stderr
    assert "Undid batch 1: 3 documents back as they were (batch 2)" in undone.stdout
    assert seen(db_path) == before
    checked = run_spandesk("check", "--db", str(db_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run("undo-batch", "--db", str(db_path))
    assert again[0] == 1 and "alice has no batch left to undo" in again[1]
    assert run("undo-batch", "1", "--db", str(db_path))[1].endswith(
        "batch 1 was undone already (by batch 2)\n"
    )


def test_undo_batch_reports_a_document_changed_since(db_path: Path) -> None:
    run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))
    run(
        "unlabel-all", "Kremlin", "--db", str(db_path), "--label", "ORG"
    )  # batch 2 changes the same documents
    code, output = run("undo-batch", "1", "--db", str(db_path))
    assert code == 0, output
    assert "document 1: skipped: changed since the batch; left as it is" in output
    assert "Undid batch 1: 0 documents back as they were" in output and "3 skipped" in output


def test_batches_lists_what_was_done_and_undone(db_path: Path) -> None:
    run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path))
    run("undo-batch", "--db", str(db_path))
    code, output = run("batches", "--db", str(db_path))
    lines = output.splitlines()
    assert code == 0 and len(lines) == 2
    assert "undo batch 1: label 'Kremlin' as ORG" in lines[0]
    assert lines[1].endswith("label 'Kremlin' as ORG, undone by batch 2") and "3 documents" in lines[1]


def test_bad_input_is_a_message_not_a_traceback(db_path: Path, tmp_path: Path) -> None:
    code, output = run("label-all", "Kremlin", "--label", "ORG", "--db", str(db_path), "--dataset", "nope")
    assert code == 1 and "there is no dataset called 'nope' (have: 'news')" in output
    code, output = run("label-all", "", "--label", "ORG", "--db", str(db_path))
    assert code == 2 and "Traceback" not in output
    code, output = run("label-all", "Kremlin", "--label", " ", "--db", str(db_path))
    assert code == 2 and "the label is empty" in output
    code, output = run("undo-batch", "7", "--db", str(db_path))
    assert code == 1 and "there is no batch 7" in output
    code, output = run("unlabel-all", "Kremlin", "--db", str(tmp_path / "missing.db"))
    assert code == 1 and "no such database" in output


def test_nothing_found_says_so(db_path: Path) -> None:
    code, output = run("label-all", "Vladivostok", "--label", "GPE", "--db", str(db_path))
    assert code == 0 and "0 occurrences in 0 documents" in output and "Nothing changed." in output
