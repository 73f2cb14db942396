"""The store: schema versions, WAL, de-duplication, append-only history, labels."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from annotations import store
from annotations.checking import check_database
from annotations.migrations import KNOWN_MIGRATIONS, migrations
from annotations.model import Answer, DocumentState, Span, SpanSource, Token


def new(text: str, input_hash: int, spans=(), answer=None) -> store.NewDocument:
    return store.NewDocument(text, (Token(0, len(text)),), input_hash, DocumentState(tuple(spans), answer))


def test_a_new_database_is_in_wal_mode_with_every_migration_recorded(db: Database) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: a commit is on disk
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 2  # FAST: no extra writes to zero pages
    applied = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert applied == list(KNOWN_MIGRATIONS)
    assert {"datasets", "documents", "predictions", "annotations", "events", "labels"} <= set(
        db.table_names()
    )


def test_reopening_applies_nothing_twice(db_path) -> None:
    store.open_store(db_path).close()
    reopened = store.open_store(db_path)
    assert reopened["_sqlite_migrations"].count == len(KNOWN_MIGRATIONS)


def test_documents_are_deduplicated_within_a_dataset_not_across(db: Database) -> None:
    with store.write_transaction(db):
        news, blogs = store.ensure_dataset(db, "news"), store.ensure_dataset(db, "blogs")
        assert store.insert_documents(db, news, [new("a", 1), new("a", 1), new("b", 2)]) == 2
        assert store.insert_documents(db, blogs, [new("a", 1)]) == 1
    assert store.count_queue(db, "news") == 2 and store.count_queue(db) == 3


def test_texts_are_stored_exactly(db: Database) -> None:
    text = "\ufeffCRLF\r\nNBSP\u00a0emoji 👨‍👩‍👧 e\u0301\u2028"
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new(text, 3)])
    assert store.load_document(db, 1).text == text


def test_history_is_append_only(db: Database) -> None:
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new("Paris", 1)])
    state = DocumentState((Span(0, 5, "GPE", SpanSource.HUMAN),), Answer.ACCEPT)
    store.write_state(db, 1, state, kind="add", annotator="ana", expected_rev=0, before=DocumentState())
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET kind = 'x'")
    assert len(store.history(db, 1)) == 1


def test_queue_filters_by_status_and_text(db: Database) -> None:
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "x")
        store.insert_documents(
            db,
            dataset,
            [new("Paris in spring", 1, answer=Answer.ACCEPT), new("Rome", 2), new("paris again", 3)],
        )
    assert store.document_ids(db, status=[None]) == [2, 3]
    assert store.document_ids(db, status=["accept", None], search="PARIS") == [1, 3]
    assert store.document_ids(db, after=1, limit=1) == [2]
    assert store.answer_counts(db) == {"accept": 1, None: 2}


def test_labels_keep_their_order_and_colours(db: Database) -> None:
    store.add_labels(db, ["PERSON", "ORG", "PERSON", "MY_LABEL"])
    names = [name for name, _ in store.labels(db)]
    assert names == ["PERSON", "ORG", "MY_LABEL"]
    store.set_label_colour(db, "ORG", "#123456")
    assert dict(store.labels(db))["ORG"] == "#123456"
    assert dict(store.labels(db))["PERSON"] == "#aa9cfc"


def test_history_records_what_changed_and_replays_to_every_state(db: Database) -> None:
    from annotations.session import Session

    with store.write_transaction(db):
        spans = (Span(0, 5, "GPE", SpanSource.MODEL), Span(9, 15, "GPE", SpanSource.MODEL))
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new("Paris or London", 1, spans)])
    session = Session(db, "ana")
    document = session.open(1)
    session.apply(session.relabel(document.spans[1], "ORG"))
    session.apply(session.set_answer(Answer.ACCEPT))
    first, second = store.history(db, 1)
    assert store.decode_change(first["before"]) == ((Span(9, 15, "GPE"),), None)
    assert store.decode_change(first["after"]) == ((Span(9, 15, "ORG"),), None)
    assert store.decode_change(second["before"]) == ((), None)
    assert store.decode_change(second["after"]) == ((), Answer.ACCEPT)
    states = store.replay_history(db, 1)
    assert [[s.key() for s in state.spans] for state in states] == [[(0, 5, "GPE"), (9, 15, "ORG")]] * 2
    assert [state.answer for state in states] == [None, Answer.ACCEPT]


def test_a_history_that_does_not_lead_to_the_stored_state_is_reported(db: Database) -> None:
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new("Paris", 1)])
    added = DocumentState((Span(0, 5, "GPE", SpanSource.HUMAN),))
    store.write_state(db, 1, added, kind="add", annotator="a", expected_rev=0, before=DocumentState())
    db.execute("UPDATE annotations SET spans = '[]'")  # an overwrite that bypassed the history
    with pytest.raises(store.HistoryMismatch):
        store.replay_history(db, 1)


def test_the_models_that_proposed_spans_are_listed(db: Database) -> None:
    with store.write_transaction(db):
        prediction = store.Prediction("en_core_web_sm", "3.8.0", ())
        document = store.NewDocument("Paris", (Token(0, 5),), 1, prediction=prediction)
        store.insert_documents(db, store.ensure_dataset(db, "x"), [document])
    assert store.model_names(db) == ["en_core_web_sm 3.8.0"]


def test_listing_models_uses_the_index_not_every_prediction(db: Database) -> None:
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "x")
        for number, (model, version) in enumerate([("b", "1"), ("a", "2"), ("a", "1"), ("b", "1")]):
            prediction = store.Prediction(model, version, ())
            document = store.NewDocument(f"text {number}", (Token(0, 4),), number, prediction=prediction)
            store.insert_documents(db, dataset, [document])
    assert store.model_names(db) == ["a 1", "a 2", "b 1"]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    store.model_names(db)
    db.conn.set_trace_callback(None)
    for sql in statements:  # each step reads one index entry: a search, or the first entry of a scan
        plan = [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
        first_entry = "WHERE" not in sql and sql.endswith("LIMIT 1")
        assert all(
            step.startswith("SEARCH predictions USING COVERING INDEX predictions_model (model")
            or (first_entry and step == "SCAN predictions USING COVERING INDEX predictions_model")
            for step in plan
        ), (sql, plan)


@pytest.mark.parametrize("label", ["GPE", 'say "hi"', "back\\slash", "Ünïcödé", "🏳️‍🌈", "tab\tnew\nline"])
def test_edits_of_a_long_document_store_exactly_what_a_full_encoding_gives(db: Database, label: str) -> None:
    from annotations.session import Session

    text = "Paris " * 3000
    spans = tuple(Span(i * 6, i * 6 + 5, label, SpanSource.MODEL) for i in range(3000))
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new(text, 1, spans)])
    session = Session(db, "ana")
    session.open(1)
    for index in (5, -1, 0, 1500, 1500):
        span = session.document.spans[index]
        session.apply(session.relabel(span, "ORG" if span.label == label else label))
        session.apply(session.remove_span(session.document.spans[index - 1]))
        raw = db.execute("SELECT spans FROM annotations WHERE document_id = 1").fetchone()[0]
        assert raw == store.encode_spans(session.document.spans)
        assert store.load_document(db, 1).spans == session.document.spans


@settings(max_examples=40, deadline=None)
@given(
    answers=st.lists(st.sampled_from([None, *Answer]), min_size=1, max_size=12),
    steps=st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from([None, *Answer]), st.booleans()), max_size=25
    ),
)
def test_progress_counts_follow_every_answer_and_undo(answers, steps) -> None:
    """The answer counts that triggers keep equal a count of the annotations, per dataset."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        db = store.open_store(Path(folder) / "counts.db")
        try:
            _answer_and_undo(db, answers, steps)
        finally:
            db.close()


def _answer_and_undo(db: Database, answers, steps) -> None:
    from annotations.session import Session

    with store.write_transaction(db):
        for number, answer in enumerate(answers):
            dataset = store.ensure_dataset(db, f"set{number % 2}")
            store.insert_documents(db, dataset, [new(f"text {number}", number, answer=answer)])
    session = Session(db, "ana")
    ids = store.document_ids(db)
    for index, answer, undo in steps:
        session.open(ids[index % len(ids)])
        edit = session.set_answer(answer)
        session.apply(edit)
        if undo:
            session.apply(edit.reversed())
    assert check_database(db) == []
    for dataset in ("set0", "set1", None):
        recount: dict[str | None, int] = {}
        for document_id in store.document_ids(db, dataset):
            answer = store.load_document(db, document_id).answer
            recount[answer.value if answer else None] = recount.get(answer.value if answer else None, 0) + 1
        assert store.answer_counts(db, dataset) == recount
        assert store.count_queue(db, dataset) == len(store.document_ids(db, dataset))
        assert store.count_queue(db, dataset, status=["accept", None]) == len(
            store.document_ids(db, dataset, status=["accept", None])
        )


def test_a_database_from_before_the_answer_counts_gets_them_on_opening(db_path) -> None:
    old = Database(sqlite3.connect(db_path))
    migrations.apply(old, stop_before="m003_answer_counts")
    old.execute("INSERT INTO datasets (id, name, created) VALUES (1, 'x', 0)")
    for number, (text, answer) in enumerate((("a", "accept"), ("b", None), ("c", None)), 1):
        old.execute(
            "INSERT INTO documents (id, dataset_id, input_hash, text, created) VALUES (?, 1, ?, ?, 0)",
            [number, number, text],
        )
        old.execute("INSERT INTO annotations (document_id, answer) VALUES (?, ?)", [number, answer])
    old.conn.commit()
    old.close()
    read_only = store.open_store(db_path, read_only=True, upgrade=False)  # counted row by row
    assert store.answer_counts(read_only) == {"accept": 1, None: 2}
    assert store.answer_counts(read_only, "x") == {"accept": 1, None: 2}
    assert store.count_queue(read_only, status=[None]) == 2
    assert check_database(read_only) == []
    read_only.close()
    reopened = store.open_store(db_path)
    assert store.answer_counts(reopened) == {"accept": 1, None: 2}
    assert check_database(reopened) == []


def test_check_reports_answer_counts_that_do_not_match(db: Database) -> None:
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, "x"), [new("a", 1), new("b", 2)])
    assert check_database(db) == []
    db.execute("UPDATE answer_counts SET documents = 5")
    db.conn.commit()
    assert [problem.table for problem in check_database(db)] == ["answer_counts"]


@settings(max_examples=100, deadline=None)
@given(labels=st.lists(st.text(min_size=1, max_size=8), max_size=6), model=st.booleans())
def test_stored_span_json_is_what_json_dumps_writes(labels, model) -> None:
    """The formatter that edits splice writes the same characters as ``json.dumps`` would."""
    import json

    source = SpanSource.MODEL if model else SpanSource.HUMAN
    spans = [Span(i * 10, i * 10 + 3, label, source) for i, label in enumerate(labels)]
    expected = json.dumps([[s.start, s.end, s.label, s.source.value] for s in spans], ensure_ascii=False)
    assert store.encode_spans(spans) == expected
    assert store.decode_spans(expected) == tuple(spans)
