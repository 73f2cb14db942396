"""Apply everywhere: a correction planned at every occurrence of its text, applied as one batch, undone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from annotations import bulk, store
from annotations.bulk import Add, Delete, Outcome, Relabel, Resize
from annotations.bulk_apply import BatchError, apply_plan, plan_change, undo_batch
from annotations.checking import check_database
from annotations.model import BASE, Answer, DocumentState, Span, SpanSource, Version
from annotations.text import whitespace_tokens
from tests.reliability_helpers import dump

ME = "alice"


class Found(NamedTuple):
    """An occurrence, as ``annotations.search.find`` yields them (found here with str.find)."""

    document_id: int
    start: int
    end: int


def span(text: str, part: str, label: str, source: SpanSource = SpanSource.MODEL) -> Span:
    """The span over the first ``part`` of ``text``."""
    start = text.index(part)
    return Span(start, start + len(part), label, source)


def make_db(path: Path, documents: list[tuple[str, list[Span], Answer | None]]) -> list[int]:
    """A database holding the documents (text, base spans, base answer); their ids."""
    db = store.open_store(path)
    try:
        with store.write_transaction(db):
            dataset = store.ensure_dataset(db, "default")
            store.insert_documents(
                db,
                dataset,
                [
                    store.NewDocument(
                        text, whitespace_tokens(text), i + 1, DocumentState(tuple(sorted(s)), a)
                    )
                    for i, (text, s, a) in enumerate(documents)
                ],
            )
        return store.document_ids(db, "default")
    finally:
        db.close()


def occurrences(db, text: str) -> list[Found]:
    """Every occurrence of ``text`` in every document (test code's own finder)."""
    found = []
    for document_id in store.document_ids(db):
        document_text = store.load_document(db, document_id).text
        start = document_text.find(text)
        while start >= 0:
            found.append(Found(document_id, start, start + len(text)))
            start = document_text.find(text, start + len(text))
    return found


def mine(db, document_id: int) -> DocumentState:
    """The state alice sees of a document."""
    return store.load_document(db, document_id, viewer=ME).state


def keys(state: DocumentState) -> list[tuple[int, int, str]]:
    return [s.key() for s in state.spans]


def labelled(db, document_id: int) -> list[tuple[str, str]]:
    """Alice's spans as (text, label)."""
    document = store.load_document(db, document_id, viewer=ME)
    return [(document.text[s.start : s.end], s.label) for s in document.spans]


KREMLIN = [
    ("The Kremlin said on Monday that Putin would travel.", ["Kremlin:FAC", "Putin:PERSON"], None),
    ("A spokesman for the Kremlin denied it.", ["Kremlin:FAC"], None),
    ("Kremlin officials and the Kremlin press office met.", ["Kremlin:FAC"], None),
    ("Nothing about Moscow here.", ["Moscow:GPE"], None),
    ("The Kremlin Palace Museum opened.", ["Kremlin Palace Museum:ORG"], None),
    ("The Kremlin was already right here.", ["Kremlin:ORG"], None),
    ("Answered: the Kremlin spoke.", ["Kremlin:FAC"], Answer.ACCEPT),
]


def build(entries) -> list[tuple[str, list[Span], Answer | None]]:
    """Documents from (text, ["part:LABEL", ...], answer)."""
    return [
        (text, [span(text, *part.rsplit(":", 1)) for part in parts], answer)
        for text, parts, answer in entries
    ]


@pytest.fixture
def kremlin(tmp_path: Path):
    path = tmp_path / "k.db"
    ids = make_db(path, build(KREMLIN))
    db = store.open_store(path)
    yield db, ids, path
    db.close()


def relabel_kremlin(db, include_answered: bool = False) -> bulk.Plan:
    return plan_change(
        db,
        Relabel("FAC", "ORG"),
        "Kremlin",
        occurrences(db, "Kremlin"),
        annotator=ME,
        include_answered=include_answered,
    )


def test_relabel_plans_each_occurrence_and_explains_the_rest(kremlin) -> None:
    db, ids, _ = kremlin
    plan = relabel_kremlin(db)
    outcomes = {
        (o.document_id, o.start): (o.outcome, o.reason) for d in plan.documents for o in d.occurrences
    }
    assert outcomes[(ids[0], 4)] == (Outcome.CHANGE, "")
    assert outcomes[(ids[4], 4)] == (Outcome.CONFLICT, "overlaps ORG 'Kremlin Palace Museum'")
    assert outcomes[(ids[5], 4)][0] is Outcome.ALREADY
    third = [o for d in plan.documents if d.target.document_id == ids[2] for o in d.occurrences]
    assert [o.outcome for o in third] == [Outcome.CHANGE, Outcome.ABSENT]  # the second has no span
    assert plan.counts[Outcome.CHANGE] == 4 and plan.counts[Outcome.CONFLICT] == 1
    assert [d.target.document_id for d in plan.answered_documents] == [ids[6]]


def test_apply_relabels_in_the_persons_version_one_event_per_document(kremlin) -> None:
    db, ids, _ = kremlin
    result = apply_plan(db, relabel_kremlin(db))
    assert sorted(result.changed) == ids[:3] and result.occurrences == 3 and not result.skipped
    assert labelled(db, ids[0]) == [("Kremlin", "ORG"), ("Putin", "PERSON")]
    assert labelled(db, ids[4]) == [("Kremlin Palace Museum", "ORG")]  # the conflict left alone
    assert labelled(db, ids[6]) == [("Kremlin", "FAC")]  # answered: left out by default
    assert store.load_document(db, ids[0], BASE).spans[0].label == "FAC"  # the base is untouched
    events = store.history(db, ids[0], Version.of(ME))
    assert len(events) == 1 and events[0]["batch_id"] == result.batch_id
    assert [e["batch_id"] for e in store.batch_events(db, result.batch_id)] == [result.batch_id] * 3
    assert check_database(db) == []


def test_answered_documents_are_changed_when_asked_and_keep_their_answer(kremlin) -> None:
    db, ids, _ = kremlin
    result = apply_plan(db, relabel_kremlin(db, include_answered=True))
    assert ids[6] in result.changed
    document = store.load_document(db, ids[6], viewer=ME)
    assert [s.label for s in document.spans] == ["ORG"] and document.answer is Answer.ACCEPT


def test_only_the_chosen_occurrences_are_applied(kremlin) -> None:
    db, ids, _ = kremlin
    plan = relabel_kremlin(db)
    chosen = [o for o in plan.default_choice() if o.document_id == ids[1]]
    result = apply_plan(db, plan, chosen)
    assert result.changed == [ids[1]]
    assert labelled(db, ids[0])[0] == ("Kremlin", "FAC")


def test_delete_removes_exact_spans_with_that_label_only(tmp_path: Path) -> None:
    docs = build(
        [
            ("Photo: Reuters staff, 2020.", ["Reuters:ORG"], None),
            ("Reuters reported.", ["Reuters:PERSON"], None),
            ("Thomson Reuters Corp rose.", ["Thomson Reuters Corp:ORG"], None),
            ("Reuters again.", [], None),
        ]
    )
    ids = make_db(tmp_path / "d.db", docs)
    db = store.open_store(tmp_path / "d.db")
    plan = plan_change(db, Delete("ORG"), "Reuters", occurrences(db, "Reuters"), annotator=ME)
    reasons = [o.reason for d in plan.documents for o in d.occurrences]
    assert reasons == ["", "labelled PERSON, not ORG", "inside ORG 'Thomson Reuters Corp'", "no span here"]
    apply_plan(db, plan)
    assert labelled(db, ids[0]) == [] and labelled(db, ids[1]) == [("Reuters", "PERSON")]
    any_label = plan_change(db, Delete(None), "Reuters", occurrences(db, "Reuters"), annotator=ME)
    assert apply_plan(db, any_label).changed == [ids[1]]
    db.close()


def test_add_labels_bare_occurrences_and_reports_overlaps(tmp_path: Path) -> None:
    docs = build(
        [
            ("The United States Army moved.", ["United States Army:ORG"], None),
            ("Trade with the United States grew.", [], None),
            ("The United States said.", ["United States:GPE"], None),
            ("The United States voted.", ["United States:NORP"], None),
        ]
    )
    ids = make_db(tmp_path / "a.db", docs)
    db = store.open_store(tmp_path / "a.db")
    plan = plan_change(db, Add("GPE"), "United States", occurrences(db, "United States"), annotator=ME)
    found = [(o.outcome, o.reason) for d in plan.documents for o in d.occurrences]
    assert found == [
        (Outcome.CONFLICT, "overlaps ORG 'United States Army'"),
        (Outcome.CHANGE, ""),
        (Outcome.ALREADY, "already GPE"),
        (Outcome.CONFLICT, "labelled NORP"),
    ]
    assert apply_plan(db, plan).changed == [ids[1]]
    added = store.load_document(db, ids[1], viewer=ME).spans
    assert [(s.label, s.source) for s in added] == [("GPE", SpanSource.HUMAN)]
    db.close()


def test_resize_shrinks_the_old_text_to_the_new_one(tmp_path: Path) -> None:
    docs = build(
        [
            ("He flew to the United States today.", ["the United States:GPE"], None),
            ("Back in the United States again.", ["United States:GPE"], None),
            ("All of the United States voted.", [], None),
            ("Across the United States Army bases.", ["the United States Army:ORG"], None),
        ]
    )
    ids = make_db(tmp_path / "r.db", docs)
    db = store.open_store(tmp_path / "r.db")
    text = docs[0][0]
    before = span(text, "the United States", "GPE")
    searched, change = bulk.correction(text, before, span(text, "United States", "GPE"))
    assert searched == "the United States" and change == Resize("GPE", (0, 17), (4, 17))
    plan = plan_change(db, change, searched, occurrences(db, searched), annotator=ME)
    assert [o.outcome for d in plan.documents for o in d.occurrences] == [
        Outcome.CHANGE,
        Outcome.ALREADY,
        Outcome.ABSENT,
        Outcome.CONFLICT,
    ]
    apply_plan(db, plan)
    assert labelled(db, ids[0]) == [("United States", "GPE")]
    db.close()


def test_resize_that_grows_searches_the_longer_text(tmp_path: Path) -> None:
    text = "Talks at the United Nations in May."
    ids = make_db(
        tmp_path / "g.db",
        build([(text, ["United:ORG"], None), ("The United Nations met.", ["United:ORG"], None)]),
    )
    db = store.open_store(tmp_path / "g.db")
    searched, change = bulk.correction(text, span(text, "United", "ORG"), span(text, "United Nations", "ORG"))
    assert searched == "United Nations"
    apply_plan(db, plan_change(db, change, searched, occurrences(db, searched), annotator=ME))
    assert labelled(db, ids[1]) == [("United Nations", "ORG")]
    db.close()


def test_an_occurrence_inside_a_token_is_kept_as_a_sub_token_span(tmp_path: Path) -> None:
    text = "The NATO-led force and NATO met."
    ids = make_db(tmp_path / "t.db", build([(text, [], None)]))
    db = store.open_store(tmp_path / "t.db")
    plan = plan_change(db, Add("ORG"), "NATO", occurrences(db, "NATO"), annotator=ME)
    assert [o.splits_token for o in plan.documents[0].occurrences] == [True, False]
    apply_plan(db, plan)
    assert labelled(db, ids[0]) == [("NATO", "ORG"), ("NATO", "ORG")]
    import spacy

    from annotations.formats.docbin import doc_from_document

    doc = doc_from_document(store.load_document(db, ids[0], viewer=ME), spacy.blank("en").vocab)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(4, 8, "ORG"), (23, 27, "ORG")]
    db.close()


def test_a_document_edited_elsewhere_after_the_preview_is_skipped_not_overwritten(kremlin) -> None:
    db, ids, path = kremlin
    plan = relabel_kremlin(db)
    other = store.open_store(path)  # another window, its own connection
    first = store.load_document(other, ids[0], viewer=ME)
    edited = DocumentState(first.spans[1:], Answer.REJECT)
    store.write_state(
        other,
        ids[0],
        edited,
        kind="edit",
        annotator=ME,
        expected_rev=None,
        before=first.state,
        version=Version.of(ME),
    )
    other.close()
    result = apply_plan(db, plan)
    assert [s.document_id for s in result.skipped] == [ids[0]]
    assert "changed it since the preview" in result.skipped[0].reason
    assert mine(db, ids[0]) == edited
    assert sorted(result.changed) == ids[1:3]


def test_an_edit_by_another_process_between_plan_and_apply_is_reported(kremlin) -> None:
    db, ids, path = kremlin
    apply_plan(
        db, plan_change(db, Relabel("PERSON", "NORP"), "Putin", occurrences(db, "Putin"), annotator=ME)
    )
    plan = relabel_kremlin(db)  # alice has a version of the first document now: rev 1
    script = (
        "import sys; from annotations import store; from annotations.model import *\n"
        f"db = store.open_store({str(path)!r}); d = store.load_document(db, {ids[0]}, viewer='alice')\n"
        f"store.write_state(db, {ids[0]}, DocumentState(d.spans, Answer.IGNORE), kind='edit',"
        " annotator='alice', expected_rev=d.rev, before=d.state, version=Version.of('alice'))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parents[1])
    result = apply_plan(db, plan)
    assert result.skipped[0].document_id == ids[0]
    assert result.skipped[0].reason == "changed since the preview (revision 1, now 2)"
    assert mine(db, ids[0]).answer is Answer.IGNORE and labelled(db, ids[0])[0] == ("Kremlin", "FAC")


def test_undo_restores_every_document_as_one_batch(kremlin) -> None:
    db, ids, path = kremlin
    own = plan_change(db, Relabel("PERSON", "NORP"), "Putin", occurrences(db, "Putin"), annotator=ME)
    apply_plan(db, own)  # alice's version of the first document exists before the batch
    before = [mine(db, i) for i in ids]
    applied = apply_plan(db, relabel_kremlin(db))
    undone = undo_batch(db, applied.batch_id, ME)
    assert sorted(undone.changed) == sorted(applied.changed) and not undone.skipped
    assert [mine(db, i) for i in ids] == before
    assert store.batch(db, undone.batch_id).undoes == applied.batch_id
    assert store.batch(db, applied.batch_id).undone_by == undone.batch_id
    assert check_database(db) == []
    with pytest.raises(BatchError, match="undone already"):
        undo_batch(db, applied.batch_id, ME)


def test_undo_after_closing_and_reopening_the_database(kremlin) -> None:
    db, ids, path = kremlin
    before = [mine(db, i) for i in ids]
    applied = apply_plan(db, relabel_kremlin(db))
    db.close()
    reopened = store.open_store(path)  # a restart
    try:
        assert store.last_undoable_batch(reopened, ME).id == applied.batch_id
        undo_batch(reopened, applied.batch_id, ME)
        assert [mine(reopened, i) for i in ids] == before
        assert store.last_undoable_batch(reopened, ME) is None
    finally:
        reopened.close()


def test_undo_skips_a_document_edited_since_and_reverses_the_others(kremlin) -> None:
    db, ids, _ = kremlin
    applied = apply_plan(db, relabel_kremlin(db))
    edited = store.load_document(db, ids[1], viewer=ME)
    later = DocumentState(edited.spans, Answer.ACCEPT)
    store.write_state(
        db,
        ids[1],
        later,
        kind="edit",
        annotator=ME,
        expected_rev=edited.rev,
        before=edited.state,
        version=Version.of(ME),
    )
    undone = undo_batch(db, applied.batch_id, ME)
    assert [s.document_id for s in undone.skipped] == [ids[1]]
    assert mine(db, ids[1]) == later
    assert labelled(db, ids[0])[0] == ("Kremlin", "FAC") and labelled(db, ids[2])[0] == ("Kremlin", "FAC")
    assert check_database(db) == []


def test_batches_undone_newest_first_are_all_undone(kremlin) -> None:
    """A later batch and its undo leave the documents as the earlier batch left them: that one is undone
    too (every document was skipped as "changed since the batch"), and so is one whose answer was given
    and taken back meanwhile."""
    db, ids, _ = kremlin
    before = [mine(db, i) for i in ids]
    first = apply_plan(db, relabel_kremlin(db))
    second = apply_plan(
        db, plan_change(db, Relabel("PERSON", "NORP"), "Putin", occurrences(db, "Putin"), annotator=ME)
    )
    answered = store.load_document(db, ids[1], viewer=ME)
    for state in (DocumentState(answered.spans, Answer.ACCEPT), answered.state):  # answered, taken back
        now = store.load_document(db, ids[1], viewer=ME)
        store.write_state(
            db, ids[1], state, kind="edit", annotator=ME, expected_rev=now.rev, before=now.state,
            version=Version.of(ME),
        )  # fmt: skip
    assert not undo_batch(db, second.batch_id, ME).skipped
    undone = undo_batch(db, first.batch_id, ME)
    assert not undone.skipped and sorted(undone.changed) == sorted(first.changed)
    assert [mine(db, i).spans for i in ids] == [state.spans for state in before]
    assert check_database(db) == []


def test_a_batch_by_someone_else_undone_leaves_the_answered_work_the_current_version(kremlin) -> None:
    """bob's batch made him versions; undone, they hold nothing of his own: alice's answered version stays
    the one exported, trained on and counted (bob's, changed last, had hidden it)."""
    db, ids, _ = kremlin
    answered = store.load_document(db, ids[0], viewer=ME)
    store.write_state(
        db, ids[0], DocumentState(answered.spans, Answer.ACCEPT), kind="answer", annotator=ME,
        expected_rev=None, before=answered.state, version=Version.of(ME),
    )  # fmt: skip
    applied = apply_plan(
        db,
        plan_change(
            db, Relabel("FAC", "ORG"), "Kremlin", occurrences(db, "Kremlin"), annotator="bob",
            include_answered=True,
        ),
    )  # fmt: skip
    assert ids[0] in applied.changed
    undo_batch(db, applied.batch_id, "bob")
    current = store.load_document(db, ids[0])
    assert current.version == Version.of(ME) and current.answer is Answer.ACCEPT
    assert check_database(db) == []


def test_undo_brings_every_table_back_but_the_history(kremlin) -> None:
    db, ids, path = kremlin
    apply_plan(
        db, plan_change(db, Relabel("PERSON", "NORP"), "Putin", occurrences(db, "Putin"), annotator=ME)
    )
    before = dump(path)
    plan = relabel_kremlin(db)  # only the first document, whose version alice has already
    applied = apply_plan(db, plan, [o for o in plan.default_choice() if o.document_id == ids[0]])
    assert applied.changed == [ids[0]]
    undo_batch(db, applied.batch_id, ME)
    after = dump(path)
    for table in before:
        if table not in ("events", "batches", "annotations"):
            assert after[table] == before[table], table
    # annotations: id, document_id, kind, owner, annotator, spans, answer, rev, updated; the spans and answers
    # are back byte for byte; rev and updated count and date the two changes, as the history does
    assert [row[:7] for row in after["annotations"]] == [row[:7] for row in before["annotations"]]
    assert after["events"][: len(before["events"])] == before["events"]


def test_a_choice_that_would_overlap_a_span_is_skipped_not_written(kremlin) -> None:
    db, ids, _ = kremlin
    plan = relabel_kremlin(db)
    foreign = bulk.OccurrencePlan(ids[0], 0, 8, Outcome.CHANGE, adds=Span(0, 8, "LOC"))  # not of this plan
    result = apply_plan(db, plan, [foreign, *plan.default_choice()[1:]])
    assert [s.document_id for s in result.skipped] == [ids[0]] and "overlap" in result.skipped[0].reason
    assert labelled(db, ids[0]) == [("Kremlin", "FAC"), ("Putin", "PERSON")]
    assert sorted(result.changed) == ids[1:3]


def test_nothing_to_change_writes_no_batch(kremlin) -> None:
    db, ids, path = kremlin
    before = dump(path)
    result = apply_plan(
        db, plan_change(db, Relabel("GPE", "LOC"), "Kremlin", occurrences(db, "Kremlin"), annotator=ME)
    )
    assert result.batch_id is None and result.changed == []
    assert dump(path) == before


def test_occurrences_in_any_order_are_planned_once_per_document(kremlin) -> None:
    db, ids, _ = kremlin
    found = occurrences(db, "Kremlin")
    plan = plan_change(db, Relabel("FAC", "ORG"), "Kremlin", list(reversed(found)), annotator=ME)
    assert [d.target.document_id for d in plan.documents] == sorted({o.document_id for o in found})
    assert sorted(apply_plan(db, plan).changed) == ids[:3]
