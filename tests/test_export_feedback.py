"""What an export tells the person: why it wrote nothing and how to include the documents, a --split that
left one side empty, and its progress on a terminal (issue 13)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from annotations.cli import cli
from annotations.exporting import nothing_exported_note
from annotations.model import Answer

WORKTREE = Path(__file__).resolve().parent.parent
DOCCANO = [  # a doccano corpus: spans, no answers
    {"text": "Apple met Tim Cook", "label": [[0, 5, "ORG"], [10, 18, "PERSON"]]},
    {"text": "Berlin is big", "label": [[0, 6, "GPE"]]},
    {"text": "Nothing here", "label": []},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def imported(tmp_path: Path, rows: list[dict[str, Any]]) -> str:
    db = str(tmp_path / "s.db")
    result = run("import", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--db", db, "--dataset", "d")
    assert result.exit_code == 0, result.output
    return db


def test_an_unanswered_corpus_exported_for_training_says_why_nothing_was_written(tmp_path: Path) -> None:
    """Before: `export --format spacy` of a doccano corpus wrote an empty DocBin and said nothing more."""
    db = imported(tmp_path, DOCCANO)
    result = run("export", "--db", db, "--format", "spacy", "-o", str(tmp_path / "train.spacy"))
    assert result.exit_code == 0  # the export did what was asked: the file holds no documents
    assert "Warning: exported no documents: of the 3 in the database (3 unanswered), none is accepted" in (
        result.stderr
    )
    assert "--format spacy exports the accepted ones unless --answer says otherwise" in result.stderr
    assert "add --all (adds the unanswered)" in result.stderr
    again = run("export", "--db", db, "--format", "spacy", "--all", "-o", str(tmp_path / "train.spacy"))
    assert "Exported 3 documents (3 spans)" in again.stderr and "Warning" not in again.stderr


def test_answers_left_out_are_named_with_the_answer_option_that_includes_them(tmp_path: Path) -> None:
    db = imported(tmp_path, [row | {"answer": "reject"} for row in DOCCANO[:2]])
    result = run("export", "--db", db, "--format", "prodigy", "--dataset", "d")
    assert result.exit_code == 0 and result.stdout.count("\n") == 2  # prodigy exports every answer
    result = run("export", "--db", db, "--format", "spacy", "-o", str(tmp_path / "train.spacy"))
    assert "of the 2 in dataset" not in result.stderr  # no --dataset: the whole database
    assert "of the 2 in the database (2 rejected), none is accepted" in result.stderr
    assert "to include them, add --answer accept,reject" in result.stderr


def test_the_dataset_chosen_is_named_in_the_message(tmp_path: Path) -> None:
    db = imported(tmp_path, [DOCCANO[0] | {"answer": "accept"}])
    run("import", str(write_jsonl(tmp_path / "b.jsonl", [{"text": "x", "label": []}])), "--db", db)
    result = run("export", "--db", db, "--format", "doccano", "--dataset", "default", "--answer", "accept")
    assert (
        "Warning: exported no documents: of the 1 in dataset 'default' (1 unanswered), none is accepted"
        in (result.stderr)
    )


def test_a_split_that_leaves_one_side_empty_warns(tmp_path: Path) -> None:
    """Before: a dev.spacy without documents was written without a word; spacy train needs both."""
    db = imported(tmp_path, [row | {"answer": "accept"} for row in DOCCANO])
    folder = tmp_path / "corpus"
    result = run("export", "--db", db, "--format", "spacy", "--split", "0.001", "-o", str(folder))
    assert result.exit_code == 0
    assert f"Warning: {folder / 'dev.spacy'} holds no documents: --split 0.001 put all 3 in train.spacy" in (
        result.stderr
    )


def test_a_database_without_documents_says_so() -> None:
    note = nothing_exported_note({}, "prodigy", tuple(Answer), False, None)
    assert note == "exported no documents: the database holds none"


def terminal_stderr(*args: str) -> tuple[int, str]:
    """Run ``spandesk`` with its standard error on a terminal (a pseudo-terminal); what it shows there."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(WORKTREE))
    command = [sys.executable, "-c", "from annotations.cli import main; main()", *args]
    process = subprocess.run(command, stderr=follower, stdout=subprocess.DEVNULL, env=env, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.returncode, shown.decode("utf-8", "replace")


def test_export_shows_its_progress_on_a_terminal_like_import(tmp_path: Path) -> None:
    """Before: a long export showed nothing until it ended."""
    rows = [
        {"text": f"About Berlin, part {n}", "label": [[6, 12, "GPE"]], "answer": "accept"} for n in range(600)
    ]
    db = imported(tmp_path, rows)
    code, shown = terminal_stderr(
        "export", "--db", db, "--format", "prodigy", "-o", str(tmp_path / "o.jsonl")
    )
    assert code == 0
    assert "Exporting" in shown and "100%" in shown
    assert "Exported 600 documents (600 spans)" in shown


def test_export_draws_no_progress_bar_when_standard_error_is_not_a_terminal(tmp_path: Path) -> None:
    db = imported(tmp_path, [DOCCANO[0] | {"answer": "accept"}])
    result = run("export", "--db", db, "--format", "prodigy", "-o", str(tmp_path / "o.jsonl"))
    assert "Exporting" not in result.stderr and "Exported 1 document (" in result.stderr
