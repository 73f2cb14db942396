"""`spandesk check` on databases damaged with raw SQL, and every other command on a damaged row.

Each test damages a real database the way a stray script or a broken disk would, then runs the
commands in-process: `check` must name the table, the row and what is wrong; the others must say
which row is damaged, never print a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.cli import CHECK_PROBLEMS_SHOWN, cli
from annotations.model import Answer, Span
from annotations.session import Session

ROWS = [
    {
        "text": "Tim Cook runs Apple in Cupertino.",
        "answer": "accept",
        "spans": [{"start": 0, "end": 8, "label": "PERSON"}, {"start": 14, "end": 19, "label": "ORG"}],
    },
    {"text": "Nothing to see.", "answer": "reject"},
    {"text": "Angela Merkel visited Paris.", "answer": "accept"},
]

# the columns named: m010 added scores and doubt to predictions
PREDICTION = "INSERT INTO predictions (document_id, model, model_version, spans, created) VALUES "


@pytest.fixture
def damaged(tmp_path: Path, db_path: Path) -> Path:
    """A database of three documents where document 1 has two events (a relabel and an answer)."""
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    assert run("import", str(source), "--db", str(db_path)).exit_code == 0
    db = store.open_store(db_path)
    session = Session(db, "ana")
    document = session.open(1)
    session.apply(session.relabel(document.spans[1], "GPE"))
    session.apply(session.set_answer(Answer.REJECT))
    db.close()
    assert run("check", "--db", str(db_path)).exit_code == 0
    return db_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def sql(path: Path, *statements: str) -> None:
    """Damage the database with raw SQL, as a script outside spandesk would."""
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def check(path: Path) -> str:
    """`spandesk check`'s output, asserting it failed with a message (no traceback)."""
    result = run("check", "--db", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


NOTHING = '{"spans": [], "answer": null}'
DROP_EVENT_TRIGGERS = (
    "DROP TRIGGER events_append_only_update",
    "DROP TRIGGER events_append_only_delete",
    "DROP TRIGGER events_no_replace",
)


# ---------------------------------------------------------------- history can no longer be rewritten


def test_insert_or_replace_cannot_rewrite_an_event(damaged: Path) -> None:
    connection = sqlite3.connect(damaged)
    first = connection.execute("SELECT * FROM events WHERE id = 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(
            "INSERT OR REPLACE INTO events (id, document_id, at, kind, before, after) VALUES "
            f"(1, 1, 0, 'forged', '{NOTHING}', '{NOTHING}')"
        )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("REPLACE INTO events SELECT * FROM events WHERE id = 2")
    assert connection.execute("SELECT * FROM events WHERE id = 1").fetchone() == first
    connection.close()
    assert run("check", "--db", str(damaged)).exit_code == 0


def test_edits_still_append_events_after_the_upgrade(damaged: Path) -> None:
    db = store.open_store(damaged)
    session = Session(db, "ana")
    session.open(2)
    session.apply(session.set_answer(Answer.ACCEPT))
    assert [event["kind"] for event in store.history(db, 2)] == ["answer"]
    db.close()


# ---------------------------------------------------------------- check: triggers


def test_check_reports_each_missing_trigger(damaged: Path) -> None:
    sql(damaged, *DROP_EVENT_TRIGGERS, "DROP TRIGGER answer_counts_update")
    output = check(damaged)
    assert "4 problems" in output
    for name in ("events_append_only_update", "events_append_only_delete", "events_no_replace"):
        assert f"schema (trigger {name}): is missing: history can be changed or deleted" in output
    assert "schema (trigger answer_counts_update): is missing: the answer counts" in output


def test_check_reports_a_trigger_rewritten_to_do_nothing_and_a_foreign_one(damaged: Path) -> None:
    sql(
        damaged,
        "DROP TRIGGER events_append_only_delete",
        "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT 1; END",
        "CREATE TRIGGER sneaky AFTER INSERT ON events BEGIN DELETE FROM labels; END",
    )
    output = check(damaged)
    assert "schema (trigger events_append_only_delete): is not the one spandesk created" in output
    assert "schema (trigger sneaky): is not one of spandesk's triggers" in output


# ---------------------------------------------------------------- check: history replayed


def test_check_finds_an_event_changed_once_the_triggers_are_dropped(damaged: Path) -> None:
    sql(
        damaged,
        *DROP_EVENT_TRIGGERS,
        """UPDATE events SET after = '{"spans": [[14, 19, "LOC", "human"]], "answer": null}' WHERE id = 1""",
    )
    output = check(damaged)
    assert "events (id 1, document 1): does not lead to the state after it" in output


def test_check_finds_a_deleted_event(damaged: Path) -> None:
    sql(damaged, *DROP_EVENT_TRIGGERS, "DELETE FROM events WHERE id = 1")
    output = check(damaged)
    assert (
        "annotations (document 1, version 'ana'): is at revision 2 but its history holds 1 events" in output
    )


def test_check_finds_an_annotation_changed_without_an_event(damaged: Path) -> None:
    sql(damaged, "UPDATE annotations SET spans = '[]' WHERE document_id = 1")
    output = check(damaged)
    assert "events (id 1, document 1): does not lead to the state after it" in output
    assert "1 problem:" in output


def test_check_finds_an_event_replaced_in_a_database_without_the_new_trigger(damaged: Path) -> None:
    sql(
        damaged,
        "DROP TRIGGER events_no_replace",
        """INSERT OR REPLACE INTO events (id, document_id, version_id, at, kind, before, after) VALUES
           (2, 1, (SELECT version_id FROM events WHERE id = 2), 0, 'answer', '{"spans": [], "answer": null}',
            '{"spans": [], "answer": "ignore"}')""",
    )
    output = check(damaged)
    assert "schema (trigger events_no_replace): is missing" in output
    assert "events (id 2, document 1): does not lead to the state after it" in output


def test_replay_finds_the_same_events_as_check_one_document_at_a_time(damaged: Path) -> None:
    sql(damaged, "UPDATE annotations SET answer = 'accept' WHERE document_id = 1")
    db = store.open_store(damaged)
    with pytest.raises(store.HistoryMismatch) as raised:
        store.replay_history(db, 1)
    assert raised.value.event_id == 2
    db.close()
    assert "events (id 2, document 1): does not lead to the state after it" in check(damaged)


# ---------------------------------------------------------------- check: every JSON column


@pytest.mark.parametrize(
    ("statement", "reported"),
    [
        (
            'UPDATE annotations SET spans = \'[[0, 8, "PERSON", "mod\' WHERE document_id = 3',
            "annotations (document 3): spans is not valid JSON (truncated?)",
        ),
        (
            'UPDATE annotations SET spans = \'[[0, 99, "PERSON", "human"]]\' WHERE document_id = 3',
            "annotations (document 3): spans span 0 (0-99) is not a range inside the text (28 characters)",
        ),
        (
            "UPDATE annotations SET spans = '[[0, 8, \"PERSON\"]]' WHERE document_id = 3",
            "annotations (document 3): spans span 0 is not [start, end, label, source]",
        ),
        (
            'UPDATE annotations SET spans = \'[[0, 8, "A", "human"], [4, 9, "B", "human"]]\' '
            "WHERE document_id = 3",
            "annotations (document 3): spans span 1 (4-9) overlaps",
        ),
        (
            'UPDATE annotations SET spans = \'[[0, 8, "A", "alien"]]\' WHERE document_id = 3',
            "annotations (document 3): spans span 0 has an unknown source",
        ),
        (
            PREDICTION + "(1, 'sm', '1', '[[0, \"8\", \"PERSON\", \"model\"]]', 0)",
            "predictions (document 1, model 'sm'): spans span 0 has offsets that are not integers",
        ),
        ("UPDATE documents SET tokens = '[0, 3, 4' WHERE id = 2", "(id 2): tokens is not valid JSON"),
        ("UPDATE documents SET tokens = '[0, 3, 4]' WHERE id = 2", "odd number of offsets (3)"),
        ("UPDATE documents SET tokens = '[0, 3, 4, 400]' WHERE id = 2", "token 1 (4-400) is not a range"),
        ("UPDATE documents SET meta = '[1]' WHERE id = 2", "documents (id 2): meta is not a JSON object"),
        ("UPDATE documents SET extra = '{\"a\": ' WHERE id = 2", "documents (id 2): extra is not valid JSON"),
        (
            'UPDATE events SET before = \'{"spans": [[14, 19, "ORG", "human"]\' WHERE id = 1',
            "events (id 1, document 1): before is not valid JSON (truncated?)",
        ),
        (
            'UPDATE events SET after = \'{"spans": [], "answer": "maybe"}\' WHERE id = 2',
            "events (id 2, document 1): after holds an unknown answer: 'maybe'",
        ),
    ],
)
def test_check_names_each_damaged_json_column(damaged: Path, statement: str, reported: str) -> None:
    sql(damaged, *DROP_EVENT_TRIGGERS, statement)
    assert reported in check(damaged)


def test_check_reports_kept_answer_counts_that_do_not_match(damaged: Path) -> None:
    sql(damaged, "UPDATE answer_counts SET documents = 7 WHERE answer = 'accept' AND kind = 'base'")
    output = check(damaged)
    assert (
        "answer_counts (dataset 1, as imported, answer accept): kept 7 for progress, but 2 annotations"
        in output
    )


def test_check_lists_the_first_problems_and_counts_the_rest(damaged: Path) -> None:
    db = store.open_store(damaged)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "more")
        documents = [store.NewDocument(f"text {i}", (), 1000 + i) for i in range(70)]
        store.insert_documents(db, dataset, documents)
    db.close()
    sql(damaged, "UPDATE annotations SET spans = '[' WHERE document_id > 3")
    output = check(damaged)
    assert "70 problems" in output
    assert output.count("spans is not valid JSON") == CHECK_PROBLEMS_SHOWN
    assert f"and {70 - CHECK_PROBLEMS_SHOWN} more" in output


def test_check_writes_nothing_to_a_damaged_database(damaged: Path) -> None:
    sql(damaged, *DROP_EVENT_TRIGGERS, "DELETE FROM events WHERE id = 2")
    before = damaged.read_bytes()
    check(damaged)
    assert damaged.read_bytes() == before
    wal = damaged.with_name(damaged.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # (SQLite may create its side files to read)


# ---------------------------------------------------------------- other commands on a damaged row

TRUNCATED_SPANS = 'UPDATE annotations SET spans = \'[[0, 8, "PERSON", "mod\' WHERE document_id = 3'
SAYS_WHICH_ROW = "documents 3: annotations.spans is not valid JSON (truncated?); run `spandesk check`"
PAST_THE_END = (
    'UPDATE annotations SET spans = \'[[0, 6, "PER", "human"], [22, 99, "LOC", "human"]]\' '
    "WHERE document_id = 3"
)
SAYS_WHERE_IT_ENDS = (
    "documents 3: annotations.spans span 1 (22-99) is not a range inside the text (28 characters)"
)


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "prodigy"],
        ["export", "--format", "doccano"],
        ["export", "--format", "spacy", "-o", "{folder}/out.spacy"],
        ["stats"],
    ],
)
@pytest.mark.parametrize(
    ("damage", "message"), [(TRUNCATED_SPANS, SAYS_WHICH_ROW), (PAST_THE_END, SAYS_WHERE_IT_ENDS)]
)
def test_commands_name_the_damaged_row_instead_of_a_traceback(
    damaged: Path, command: list[str], damage: str, message: str
) -> None:
    sql(damaged, damage)
    args = [part.format(folder=damaged.parent) for part in command]
    result = run(*args, "--db", str(damaged))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert not (damaged.parent / "out.spacy").exists()


@pytest.mark.parametrize(
    ("statement", "column"),
    [
        ("UPDATE documents SET tokens = '[0, 3, ' WHERE id = 3", "documents.tokens is not valid JSON"),
        ("UPDATE documents SET tokens = '{\"a\": 1}' WHERE id = 3", "documents.tokens is not a flat list"),
        ("UPDATE documents SET meta = '{\"source\": ' WHERE id = 3", "documents.meta is not valid JSON"),
        ("UPDATE documents SET extra = '[1, 2' WHERE id = 3", "documents.extra is not valid JSON"),
        (
            "UPDATE annotations SET spans = '[[0, 8]]' WHERE document_id = 3",
            "annotations.spans span 0 is not",
        ),
        (
            "UPDATE annotations SET spans = '{\"a\": 1}' WHERE document_id = 3",
            "annotations.spans is not a list",
        ),
    ],
)
def test_prodigy_export_names_any_damaged_column(damaged: Path, statement: str, column: str) -> None:
    sql(damaged, statement)
    result = run("export", "--format", "prodigy", "--db", str(damaged))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"documents 3: {column}" in result.output


def test_opening_a_damaged_document_names_its_row(damaged: Path) -> None:
    sql(damaged, PREDICTION + "(1, 'sm', '1', '[[0, 8, ', 0)", TRUNCATED_SPANS)
    db = store.open_store(damaged)
    session = Session(db, "ana")
    with pytest.raises(store.DamagedRow, match="documents 1: predictions.spans is not valid JSON"):
        session.open(1)
    with pytest.raises(store.DamagedRow, match="documents 3: annotations.spans is not valid JSON"):
        session.open(3)
    assert session.open(2).text == "Nothing to see."
    db.close()


def test_replaying_a_damaged_event_names_it(damaged: Path) -> None:
    sql(damaged, *DROP_EVENT_TRIGGERS, "UPDATE events SET after = '{\"spans\": [' WHERE id = 2")
    db = store.open_store(damaged)
    with pytest.raises(store.DamagedRow, match=r"events 2 \(document 1\): events.after is not valid JSON"):
        store.replay_history(db, 1)
    db.close()


def test_check_sees_one_moment_while_a_window_keeps_answering(tmp_path) -> None:
    """Answers committed while check runs never show up as counts that disagree with the rows."""
    from reliability_helpers import Child, seed_documents

    from annotations.checking import check_database

    path = tmp_path / "busy.db"
    seed_documents(path, 300)
    window = Child("edits", str(path), "3")  # a window answering and editing as fast as it can
    try:
        window.wait_for("ACK")
        reader = store.open_store(path, read_only=True)
        for _ in range(100):
            assert [str(problem) for problem in check_database(reader)] == []
        reader.close()
    finally:
        window.kill()


def test_check_finds_a_text_changed_after_import(tmp_path) -> None:
    """A document's text edited in place no longer matches its identity: check names the document."""
    from reliability_helpers import seed_documents

    path = tmp_path / "edited.db"
    first = seed_documents(path, 2)[0]
    raw = sqlite3.connect(path)
    raw.execute("UPDATE documents SET text = text || ' (edited)' WHERE id = ?", [first])
    raw.commit()
    raw.close()
    result = CliRunner().invoke(cli, ["check", "--db", str(path)])
    assert result.exit_code == 1
    assert f"documents (id {first}): text is not the text it was imported as" in result.output


@pytest.mark.parametrize(
    ("scores", "problem"),
    [
        ("'[0.5'", "scores is not valid JSON"),
        ("'[0.5, 0.25, 0.1, 0.2, 0.3, 0.4, 0.6]'", "scores holds 7 scores for"),
        ("'{}'", "scores is not a list of scores"),
    ],
)
def test_check_reads_the_predictions_scores(tmp_path: Path, scores: str, problem: str) -> None:
    """The confidences (m010) were not read by check: a damaged scores column passed as "ok"."""
    the_store = store
    db_path = tmp_path / "s.db"
    db = the_store.open_store(db_path)
    with the_store.write_transaction(db):
        dataset = the_store.ensure_dataset(db, "d")
        the_store.insert_documents(db, dataset, [the_store.NewDocument("Alice met Bob.", (), 0)])
        span = Span(0, 5, "PERSON")
        the_store.store_prediction(db, the_store.ScoredPrediction(1, "m", "1", (span,), (0.5,), 0.5))
    db.execute(f"UPDATE predictions SET scores = {scores}")
    db.conn.commit()
    db.close()
    result = CliRunner().invoke(cli, ["check", "--db", str(db_path)])
    assert result.exit_code == 1 and "predictions (document 1, model 'm'): " + problem in result.output, (
        result.output
    )
