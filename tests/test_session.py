"""Edits through the session: each one stored at once, with history, undoable, and safe across windows."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from annotations import store
from annotations.model import BASE, Answer, DocumentState, InvalidSpan, Span, SpanSource, Token, Version
from annotations.session import Session

TEXT = "Russian President Vladimir Putin met Xi in Beijing."
TOKENS = (
    Token(0, 7),
    Token(8, 17),
    Token(18, 26),
    Token(27, 32),
    Token(33, 36),
    Token(37, 39),
    Token(40, 42),
    Token(43, 50),
    Token(50, 51),
)
MODEL_SPANS = (Span(0, 7, "NORP", SpanSource.MODEL), Span(18, 32, "PERSON", SpanSource.MODEL))


def add_document(db: Database, text: str = TEXT, tokens=TOKENS, spans=MODEL_SPANS) -> int:
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        prediction = store.Prediction("en_core_web_sm", "3.8.0", spans)
        store.insert_documents(
            db, dataset, [store.NewDocument(text, tokens, 7, DocumentState(spans), prediction)]
        )
    return store.document_ids(db)[-1]


def stored(db: Database, document_id: int) -> list[tuple[int, int, str]]:
    return [span.key() for span in store.load_document(db, document_id).spans]


def test_adding_a_span_is_stored_at_once_with_a_history_event(db: Database) -> None:
    session = Session(db, "ana")
    session.open(add_document(db))
    session.apply(session.add_span(40, 42, "PERSON"))
    assert (40, 42, "PERSON") in stored(db, 1)
    events = store.history(db, 1)
    assert [e["kind"] for e in events] == ["add"] and events[0]["annotator"] == "ana"


def test_a_span_over_a_token_with_a_byte_order_mark_leaves_the_invisible_mark_out(db: Database) -> None:
    """spaCy's first token of a text starting with a BOM holds it; the person sees only the word."""
    text = "\ufeffMicrosoft is in Redmond\u200b."
    tokens = [Token(0, 10), Token(11, 13), Token(14, 16), Token(17, 25), Token(25, 26)]
    session = Session(db, "ana")
    session.open(add_document(db, text, tokens, []))
    session.apply(session.add_span(0, 10, "ORG"))
    session.apply(session.add_span(17, 25, "GPE"))  # "Redmond" and the zero-width space after it
    assert stored(db, 1) == [(1, 10, "ORG"), (17, 24, "GPE")]
    (org, _gpe) = session.document.spans
    session.apply(session.resize(org, 0, 13))
    assert stored(db, 1)[0] == (1, 13, "ORG")
    with pytest.raises(InvalidSpan):
        session.add_span(0, 1, "ORG")  # nothing visible is left


def test_resizing_never_stops_on_white_space_such_as_spacys_blank_line_tokens(db: Database) -> None:
    """spaCy keeps a paragraph break as a token of its own: a span's edge steps past it, never onto it."""
    text = "Xi Jinping.\n\nWith"
    tokens = [Token(0, 2), Token(3, 10), Token(10, 11), Token(11, 13), Token(13, 17)]
    session = Session(db, "ana")
    session.open(add_document(db, text, tokens, []))
    session.apply(session.add_span(0, 10, "PERSON"))
    for expected in ((0, 11, "PERSON"), (0, 17, "PERSON")):
        session.apply(session.nudge(session.document.spans[0], "end", 1))
        assert stored(db, 1) == [expected]
    session.apply(session.resize(session.document.spans[0], 0, 13))
    assert stored(db, 1) == [(0, 11, "PERSON")]
    session.apply(session.add_span(13, 17, "ORG"))
    session.apply(session.nudge(session.document.spans[1], "start", -1))  # past the break, onto "."
    assert stored(db, 1) == [(10, 17, "ORG")]  # the span it came to overlap is replaced, as always


def test_a_new_span_replaces_the_spans_it_overlaps_and_undo_brings_them_back(db: Database) -> None:
    session = Session(db, "ana")
    session.open(add_document(db))
    edit = session.add_span(27, 36, "ORG")
    assert "replacing 1" in edit.description
    session.apply(edit)
    assert stored(db, 1) == [(0, 7, "NORP"), (27, 36, "ORG")]
    session.apply(edit.reversed())
    assert stored(db, 1) == [(0, 7, "NORP"), (18, 32, "PERSON")]


def test_relabelled_and_resized_spans_become_the_humans(db: Database) -> None:
    session = Session(db, "ana")
    document = session.open(add_document(db))
    session.apply(session.relabel(document.spans[0], "GPE"))
    person = session.document.spans[1]
    session.apply(session.nudge(person, "start", 1))
    spans = store.load_document(db, 1).spans
    assert [(s.key(), s.source) for s in spans] == [
        ((0, 7, "GPE"), SpanSource.HUMAN),
        ((27, 32, "PERSON"), SpanSource.HUMAN),
    ]
    assert store.load_document(db, 1).predicted == MODEL_SPANS


def test_nudging_moves_an_edge_by_one_token_and_stops_at_the_span_itself(db: Database) -> None:
    session = Session(db, "ana")
    document = session.open(add_document(db))
    norp = document.spans[0]
    assert session.nudge(norp, "end", -1) is None
    grown = session.nudge(norp, "end", 1)
    assert grown.after.spans[0].key() == (0, 17, "NORP")
    person = document.spans[1]
    assert session.nudge(person, "start", -1).after.spans[1].key() == (8, 32, "PERSON")


def test_nudging_moves_by_the_pieces_of_a_token_split_by_a_span(db: Database) -> None:
    text = "along the borderPutin has"
    tokens = (Token(0, 5), Token(6, 9), Token(10, 21), Token(22, 25))
    session = Session(db, "ana")
    session.open(add_document(db, text, tokens, ()))
    session.apply(session.add_span(16, 21, "PERSON"))
    span = session.document.spans[0]
    assert session.nudge(span, "start", -1).after.spans[0].key() == (10, 21, "PERSON")


def test_answers_are_stored_and_undone(db: Database) -> None:
    session = Session(db, "ana")
    session.open(add_document(db))
    edit = session.set_answer(Answer.ACCEPT)
    session.apply(edit)
    assert store.load_document(db, 1).answer is Answer.ACCEPT
    session.apply(edit.reversed())
    assert store.load_document(db, 1).answer is None


def test_spans_outside_the_text_or_empty_are_refused(db: Database) -> None:
    session = Session(db, "ana")
    session.open(add_document(db))
    with pytest.raises(InvalidSpan):
        session.add_span(40, 400, "ORG")
    with pytest.raises(InvalidSpan):
        session.add_span(5, 5, "ORG")


def test_a_second_window_editing_the_same_document_gets_a_conflict_not_a_lost_update(db_path) -> None:
    first_db, second_db = store.open_store(db_path), store.open_store(db_path)
    document_id = add_document(first_db)
    first, second = Session(first_db, "ana"), Session(second_db, "ana")  # one person, two windows
    first.open(document_id)
    second.open(document_id)
    first.apply(first.add_span(40, 42, "PERSON"))
    with pytest.raises(store.EditConflict):
        second.apply(second.add_span(43, 50, "GPE"))
    assert (40, 42, "PERSON") in [s.key() for s in second.document.spans]
    second.apply(second.add_span(43, 50, "GPE"))
    assert {(40, 42, "PERSON"), (43, 50, "GPE")} <= set(stored(first_db, document_id))


def test_two_annotators_editing_one_document_each_keep_their_own_version(db_path) -> None:
    first_db, second_db = store.open_store(db_path), store.open_store(db_path)
    document_id = add_document(first_db)
    base = store.load_document(first_db, document_id, BASE)
    ana, ben = Session(first_db, "ana"), Session(second_db, "ben")
    ana.open(document_id)
    ben.open(document_id)
    ana.apply(ana.add_span(40, 42, "PERSON"))
    ben.apply(ben.add_span(43, 50, "GPE"))  # no conflict: ben edits his own version
    ben.apply(ben.set_answer(Answer.REJECT))

    def keys(version):
        return [s.key() for s in store.load_document(first_db, document_id, version).spans]

    assert (40, 42, "PERSON") in keys(Version.of("ana")) and (43, 50, "GPE") not in keys(Version.of("ana"))
    assert (43, 50, "GPE") in keys(Version.of("ben")) and (40, 42, "PERSON") not in keys(Version.of("ben"))
    assert store.load_document(first_db, document_id, BASE).state == base.state  # never edited
    assert len(store.replay_history(first_db, document_id, Version.of("ana"))) == 1
    assert len(store.replay_history(first_db, document_id, Version.of("ben"))) == 2
    assert store.answer_counts(first_db, viewer="ben") == {Answer.REJECT.value: 1}
    assert store.answer_counts(first_db, viewer="ana") == {None: 1}
    assert store.answer_counts(first_db, viewer="carl") == {None: 1}  # carl sees the base


def test_undo_across_documents_reopens_the_edited_document(db: Database) -> None:
    session = Session(db, "ana")
    first = add_document(db)
    with store.write_transaction(db):
        store.insert_documents(db, 1, [store.NewDocument("Another text.", (Token(0, 7),), 8)])
    session.open(first)
    edit = session.set_answer(Answer.REJECT)
    session.apply(edit)
    session.open(2)
    session.apply(edit.reversed())
    assert session.document.id == first
    assert store.load_document(db, first).answer is None
