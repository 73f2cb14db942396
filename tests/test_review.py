"""Reviewing annotators' versions: what is pre-accepted, each disagreement with who proposed what."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from annotations import store
from annotations.cli import cli
from annotations.model import REVIEW, Answer, DocumentState, Span, SpanSource, Version
from annotations.review import build_review, take
from annotations.review_session import ReviewSession, start_review
from annotations.session import Session

TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday"
#       0      7      14  18       27     34 37    43 46
MERKEL, MACRON, PARIS = Span(0, 13, "PERSON"), Span(18, 33, "PERSON"), Span(37, 42, "GPE")
ACCEPT = Answer.ACCEPT


def versions(**people: tuple[tuple[Span, ...], Answer | None]) -> dict[Version, DocumentState]:
    return {Version.of(name): DocumentState(spans, answer) for name, (spans, answer) in people.items()}


def keys(spans) -> list[tuple[int, int, str]]:
    return [span.key() for span in spans]


def test_when_all_agree_everything_is_pre_accepted_and_so_is_the_answer() -> None:
    review = build_review(versions(alice=((MERKEL, PARIS), ACCEPT), bob=((MERKEL, PARIS), ACCEPT)))
    assert review.disagreements == ()
    assert keys(review.state.spans) == keys((MERKEL, PARIS))
    assert review.state.answer is ACCEPT


def test_a_span_one_annotator_left_out_is_a_disagreement_against_nothing() -> None:
    review = build_review(versions(alice=((MERKEL, PARIS), ACCEPT), bob=((PARIS,), ACCEPT)))
    (only,) = review.disagreements
    assert (only.start, only.end, only.kind) == (0, 13, "missing")
    assert only.describe(TEXT) == "alice: PERSON “Angela Merkel” · bob: nothing"
    assert keys(review.state.spans) == keys((PARIS,))  # no majority of two: the range starts empty
    assert review.state.answer is None  # a disagreement is left: pending


def test_another_label_and_other_boundaries_are_told_apart() -> None:
    alice = ((MERKEL, MACRON), ACCEPT)
    bob = ((Span(0, 13, "ORG"), Span(27, 33, "PERSON")), ACCEPT)
    review = build_review(versions(alice=alice, bob=bob))
    label, boundaries = review.disagreements
    assert (label.start, label.end, label.kind) == (0, 13, "label")
    assert (boundaries.start, boundaries.end, boundaries.kind) == (18, 33, "boundaries")
    assert boundaries.describe(TEXT) == "alice: PERSON “Emmanuel Macron” · bob: PERSON “Macron”"
    assert review.state.spans == ()


def test_overlapping_proposals_of_several_spans_make_one_disagreement() -> None:
    review = build_review(
        versions(alice=((Span(0, 6, "PERSON"), Span(7, 13, "PERSON")), ACCEPT), bob=((MERKEL,), ACCEPT))
    )
    (only,) = review.disagreements
    assert (only.start, only.end) == (0, 13)
    assert [keys(p.spans) for p in only.proposals] == [[(0, 6, "PERSON"), (7, 13, "PERSON")], [MERKEL.key()]]


def test_three_annotators_a_strict_majority_is_pre_filled_and_still_a_disagreement() -> None:
    review = build_review(
        versions(
            alice=((MERKEL, PARIS), ACCEPT),
            bob=((MERKEL, Span(37, 42, "LOC")), ACCEPT),
            carol=((Span(0, 13, "ORG"), Span(37, 42, "LOC")), ACCEPT),
        )
    )
    merkel, paris = review.disagreements
    assert merkel.majority == 0 and paris.majority == 1  # alice's (with bob) and bob's (with carol)
    assert keys(review.state.spans) == [MERKEL.key(), (37, 42, "LOC")]
    assert merkel.chosen(review.state) == 0
    assert review.state.answer is None


def test_three_way_split_has_no_majority() -> None:
    review = build_review(
        versions(
            alice=((MERKEL,), ACCEPT),
            bob=((Span(0, 13, "ORG"),), ACCEPT),
            carol=((Span(7, 13, "PERSON"),), ACCEPT),
        )
    )
    (only,) = review.disagreements
    assert only.majority is None and review.state.spans == ()


def test_only_those_who_accepted_count_and_the_answer_then_waits_for_the_reviewer() -> None:
    review = build_review(
        versions(alice=((MERKEL,), ACCEPT), bob=((MERKEL,), ACCEPT), carol=((), Answer.REJECT))
    )
    assert review.counted == ("alice", "bob")
    assert review.annotators == ("alice", "bob", "carol")
    assert review.answers["carol"] is Answer.REJECT
    assert review.disagreements == ()
    assert keys(review.state.spans) == [MERKEL.key()]
    assert review.state.answer is None  # they did not all accept


def test_when_nobody_accepted_every_version_counts_and_a_shared_rejection_is_kept() -> None:
    review = build_review(versions(alice=((MERKEL,), Answer.REJECT), bob=((MERKEL,), Answer.REJECT)))
    assert review.counted == ("alice", "bob")
    assert review.state == DocumentState((MERKEL,), Answer.REJECT)


def test_taking_a_proposal_replaces_what_the_review_has_there() -> None:
    review = build_review(versions(alice=((MERKEL, MACRON), ACCEPT), bob=((Span(0, 13, "ORG"),), ACCEPT)))
    label, missing = review.disagreements
    state = take(review.state, label, 1)
    assert keys(state.spans) == [(0, 13, "ORG")]
    state = take(take(state, missing, 0), label, 0)
    assert keys(state.spans) == [MERKEL.key(), MACRON.key()]
    assert all(span.source is SpanSource.HUMAN for span in state.spans)
    assert label.chosen(state) == 0 and missing.chosen(state) == 0


# ---------------------------------------------------------------- stored


def two_annotators(db_path: Path):
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        model = tuple(Span(s.start, s.end, s.label, SpanSource.MODEL) for s in (MERKEL, MACRON))
        store.insert_documents(
            db,
            dataset,
            [store.NewDocument(TEXT, (), 1, DocumentState(model)), store.NewDocument("Alone", (), 2)],
        )
    alice, bob = Session(db, "alice"), Session(db, "bob")
    alice.open(1)
    alice.apply(alice.add_span(37, 42, "GPE"))
    alice.apply(alice.set_answer(ACCEPT))
    bob.open(1)
    bob.apply(bob.relabel(bob.document.spans[0], "ORG"))
    bob.apply(bob.set_answer(ACCEPT))
    return db


def test_the_review_queue_holds_documents_with_two_versions_pending_until_answered(db_path: Path) -> None:
    db = two_annotators(db_path)
    Session(db, "alice").open(2)  # looked at, never edited: no version of alice's
    assert store.review_ids(db) == [1]
    assert store.count_review_queue(db) == 1 and store.review_counts(db) == {None: 1}
    assert store.count_reviewed(db) == 0
    reviewer = ReviewSession(db, "rita")
    reviewer.open(1)
    assert store.count_reviewed(db) == 1
    reviewer.apply(reviewer.set_answer(ACCEPT))
    assert store.review_counts(db) == {"accept": 1}
    assert store.review_ids(db, status=["accept"]) == [1] and store.review_ids(db, status=[None]) == []
    assert store.review_rows(db, [1]) == {1: ("accept", TEXT)}


def test_the_first_look_stores_the_pre_merged_review_and_takes_are_history(db_path: Path) -> None:
    db = two_annotators(db_path)
    reviewer = ReviewSession(db, "rita")
    document = reviewer.open(1)
    assert document.version == REVIEW and document.rev == 0 and document.annotator == "rita"
    assert keys(document.spans) == [MACRON.key()]  # both kept Macron; Merkel and Paris are disagreements
    assert [d.describe(TEXT) for d in reviewer.review.disagreements] == [
        "alice: PERSON “Angela Merkel” · bob: ORG “Angela Merkel”",
        "alice: GPE “Paris” · bob: nothing",
    ]
    reviewer.apply(reviewer.take(0, 1))
    reviewer.apply(reviewer.take(1, 0))
    reviewer.apply(reviewer.set_answer(ACCEPT))
    stored = store.load_document(db, 1)  # the current version is now the review
    assert stored.version == REVIEW
    assert keys(stored.spans) == [(0, 13, "ORG"), MACRON.key(), PARIS.key()]
    replayed = store.replay_history(db, 1, REVIEW)
    assert [keys(state.spans) for state in replayed] == [
        [(0, 13, "ORG"), MACRON.key()],
        [(0, 13, "ORG"), MACRON.key(), PARIS.key()],
        [(0, 13, "ORG"), MACRON.key(), PARIS.key()],
    ]
    assert [event["kind"] for event in store.history(db, 1, REVIEW)] == ["take", "take", "answer"]
    assert not start_review(db, 1, "someone else")  # made once: a second look changes nothing
    assert store.load_document(db, 1, REVIEW).annotator == "rita"


def test_export_uses_the_review_once_it_exists(db_path: Path) -> None:
    db = two_annotators(db_path)
    before = [d.version for d in store.iter_documents(db)]
    assert before[0].kind == "annotator"
    reviewer = ReviewSession(db, "rita")
    reviewer.open(1)
    reviewer.apply(reviewer.take(0, 0))
    reviewer.apply(reviewer.set_answer(ACCEPT))
    (first, _second) = store.iter_documents(db, include_unanswered=True)
    assert first.version == REVIEW and keys(first.spans) == [MERKEL.key(), MACRON.key()]


def test_spandesk_export_writes_the_reviewed_version(db_path: Path) -> None:
    db = two_annotators(db_path)
    reviewer = ReviewSession(db, "rita")
    reviewer.open(1)
    reviewer.apply(reviewer.take(0, 1))  # bob's ORG
    reviewer.apply(reviewer.set_answer(ACCEPT))
    db.close()
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db_path), "--format", "prodigy"], catch_exceptions=False
    )
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert [(s["start"], s["end"], s["label"]) for s in record["spans"]] == [(0, 13, "ORG"), MACRON.key()]
    assert record["answer"] == "accept"


def test_each_proposal_holds_exactly_the_annotators_spans_that_touch_its_disagreement() -> None:
    """build_review places each span by bisection; the plain definition (every span overlapping the range)
    gives the same proposals on random versions of a document."""
    import random

    from annotations.model import DocumentState, Span, Version
    from annotations.review import build_review, spans_in

    rng = random.Random(3)
    for _ in range(200):
        versions = {}
        for owner in ("alice", "bob", "carol")[: rng.randint(2, 3)]:
            spans, here = [], 0
            while here < 200:
                start = here + rng.randint(0, 6)
                end = start + rng.randint(1, 8)
                if end > 200:
                    break
                spans.append(Span(start, end, rng.choice(["PERSON", "ORG"])))
                here = end
            versions[Version.of(owner)] = DocumentState(tuple(spans), Answer.ACCEPT)
        review = build_review(versions)
        agreed = {span.key() for span in review.agreed}
        for disagreement in review.disagreements:
            for proposal in disagreement.proposals:
                own = [s for s in versions[Version.of(proposal.owner)].spans if s.key() not in agreed]
                assert proposal.spans == spans_in(own, disagreement.start, disagreement.end)
