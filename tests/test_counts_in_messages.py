"""Counts read as a person writes them: "1 document", "2 documents", never "1 documents" or "document(s)";
and Prodigy's `meta` is written back when a document has it, as the README says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from annotations.cli import cli
from annotations.counting import agreeing, counted

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_counted_is_singular_for_one_and_plural_otherwise() -> None:
    assert counted(1, "document") == "1 document"
    assert counted(0, "document") == "0 documents"
    assert counted(12345, "span", grouped=True) == "12,345 spans"
    assert counted(2, "entry", "entries") == "2 entries"
    assert agreeing(1, "has", "have") == "has" and agreeing(3, "has", "have") == "have"


def test_stats_of_one_document_says_one_document(tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    source = write_jsonl(tmp_path / "one.jsonl", [{"text": "Paris", "spans": [], "answer": "accept"}])
    assert run("import", str(source), "--db", str(db)).exit_code == 0
    output = run("stats", "--db", str(db)).output
    assert "Dataset default: 1 document (" in output
    assert "1 documents" not in output


def test_no_message_in_the_code_counts_with_s_in_brackets_or_a_bare_plural() -> None:
    """What a person reads is built with `counted`: a new "{n} documents" or "span(s)" would say
    "1 documents" to somebody."""
    bracketed = re.compile(r"\w\(s\)")
    # a count in braces before a plural noun (not a status name: "pending documents")
    bare_plural = re.compile(
        r"\{(?![^}]*STATUS)[^{}]*\} (documents|spans|records|files|versions|rows|occurrences)\b"
    )
    found = []
    for source in [*ROOT.joinpath("annotations").rglob("*.py"), *ROOT.joinpath("gui").rglob("*.py")]:
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().startswith('"""'):
                continue  # a docstring, for programmers
            strings = re.findall(r"f?\"[^\"]*\"|f?'[^']*'", line)
            if any(bracketed.search(text) or bare_plural.search(text) for text in strings):
                found.append(f"{source.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_prodigy_export_writes_the_meta_a_record_brought_and_the_readme_says_when(tmp_path: Path) -> None:
    db = tmp_path / "meta.db"
    rows = [
        {"text": "Olaf Scholz spoke.", "spans": [], "answer": "accept", "meta": {"source": "speech.txt"}},
        {"text": "Nothing here.", "spans": [], "answer": "accept"},
    ]
    assert run("import", str(write_jsonl(tmp_path / "in.jsonl", rows)), "--db", str(db)).exit_code == 0
    out = run("export", "--db", str(db), "--format", "prodigy")
    tasks = {task["text"]: task for task in map(json.loads, out.stdout.splitlines())}
    assert tasks["Olaf Scholz spoke."]["meta"] == {"source": "speech.txt"}
    assert "meta" not in tasks["Nothing here."]
    readme = " ".join(ROOT.joinpath("README.md").read_text(encoding="utf-8").split())
    assert "`meta` when the document has any" in readme
