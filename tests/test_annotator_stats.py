"""`spandesk stats` per annotator: answers, time per document, the model's spans, agreement with review."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.annotator_stats import annotator_stats
from annotations.cli import cli
from annotations.hashing import input_hash
from annotations.model import REVIEW, Answer, DocumentState, Span, SpanSource
from annotations.session import Session
from annotations.text import whitespace_tokens

TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday."
MERKEL, MACRON, PARIS, MONDAY = (0, 13), (18, 33), (37, 42), (46, 52)
PREDICTED = (
    Span(*MERKEL, "PERSON", SpanSource.MODEL),
    Span(*MACRON, "PERSON", SpanSource.MODEL),
    Span(*PARIS, "GPE", SpanSource.MODEL),
)


class Clock:
    """The time the store writes into each event, set by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn)


@pytest.fixture
def team(db_path: Path, monkeypatch) -> Path:
    """Four documents the model annotated; alice and bob work on them at known times; two are reviewed."""
    clock = Clock()
    monkeypatch.setattr("annotations.store.edits.time.time", clock)
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        documents = [
            store.NewDocument(
                f"{TEXT}{' ' * i}",
                whitespace_tokens(TEXT),
                input_hash(f"{TEXT}{' ' * i}"),
                DocumentState(PREDICTED),
                store.Prediction("model", "1", PREDICTED),
            )
            for i in range(4)
        ]
        store.insert_documents(db, dataset, documents)
    alice, bob = Session(db, "alice"), Session(db, "bob")

    def act(session: Session, at: float, document_id: int, *edits) -> None:
        clock.now = at
        session.open(document_id)
        for make in edits:
            session.apply(make(session))

    accept = lambda s: s.set_answer(Answer.ACCEPT)  # noqa: E731
    act(alice, 100, 1, accept)  # keeps the model's three spans
    act(alice, 130, 2, lambda s: s.relabel(s.document.spans[1], "ORG"), accept)
    remove_paris = lambda s: s.remove_span(s.document.spans[2])  # noqa: E731
    act(alice, 150, 3, remove_paris, lambda s: s.add_span(*MONDAY, "DATE"), accept)
    act(alice, 2000, 4, lambda s: s.set_answer(Answer.REJECT))  # after a 31-minute break
    act(bob, 10, 1, lambda s: s.resize(s.document.spans[0], 7, 13), accept)
    act(bob, 20, 2, lambda s: s.set_answer(Answer.IGNORE))
    review_1 = DocumentState(PREDICTED, Answer.ACCEPT)
    review_2 = DocumentState(PREDICTED, Answer.ACCEPT)
    with store.write_transaction(db):
        store.insert_version(db, 1, REVIEW, review_1, "rita", 3000.0)
        store.insert_version(db, 2, REVIEW, review_2, "rita", 3000.0)
    db.close()
    return db_path


def test_each_annotator_has_answers_time_model_changes_and_review_agreement(team: Path) -> None:
    db = store.open_store(team)
    alice, bob = annotator_stats(db)
    assert (alice.name, bob.name) == ("alice", "bob")
    assert alice.answers == {"accept": 3, "reject": 1} and alice.answered == 4
    assert bob.answers == {"accept": 1, "ignore": 1} and bob.answered == 2
    # alice answered at 100, 130, 150 and 2000: gaps of 30 and 20 s (the 1850 s one is a break)
    assert alice.seconds_per_document == (30 + 20) / 2 and alice.timed == 2
    assert bob.seconds_per_document == 20 - 10 and bob.timed == 1
    # alice: document 1 kept 3, 2 kept 2 + relabelled 1, 3 kept 2 + deleted 1 + added DATE, 4 kept 3
    assert alice.model_outcomes == {"kept": 10, "relabelled": 1, "deleted": 1} and alice.added == 1
    # bob: document 1 kept 2 + resized Merkel, document 2 (ignored, unchanged) kept 3
    assert bob.model_outcomes == {"kept": 5, "resized": 1} and bob.added == 0
    # the review of 1 and 2 is the model's spans; alice accepted both: 3 + 2 matches, her ORG is 1 fp, 1 fn
    assert alice.reviewed_documents == 2 and alice.review_f1 == pytest.approx(f1(5, 1, 1))
    # bob accepted only document 1: Merkel resized is 1 fp and 1 fn, 2 matches
    assert bob.reviewed_documents == 1 and bob.review_f1 == pytest.approx(f1(2, 1, 1))


def test_the_stats_command_keeps_its_report_and_adds_the_table_per_annotator(team: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--db", str(team)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dataset news: 4 documents")
    table = result.output[result.output.index("Per annotator") :].splitlines()
    assert table[1].split() == [
        "Annotator", "Answered", "Accept", "Reject", "Ignore", "Pending", "s/doc",
        "Kept", "Relabelled", "Resized", "Deleted", "Added", "Review", "F1", "(docs)",
    ]  # fmt: skip
    alice = ["alice", "4", "3", "1", "0", "0", "25.0", "10", "1", "0", "1", "1", "0.833", "2"]
    assert table[2].split() == alice
    assert table[3].split() == ["bob", "2", "1", "0", "1", "0", "10.0", "5", "0", "1", "0", "0", "0.667", "1"]


def test_a_database_without_annotators_versions_prints_no_table(db_path: Path) -> None:
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        store.insert_documents(
            db, dataset, [store.NewDocument(TEXT, whitespace_tokens(TEXT), input_hash(TEXT), DocumentState())]
        )
    db.close()
    result = CliRunner().invoke(cli, ["stats", "--db", str(db_path)])
    assert result.exit_code == 0 and "Per annotator" not in result.output
