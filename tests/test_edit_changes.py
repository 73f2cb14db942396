"""The undo history keeps what an edit changed, not the document: its size does not grow with the document."""

from __future__ import annotations

import gc
import sys

import pytest
from sqlite_utils import Database

from annotations import store
from annotations.edit_changes import Change
from annotations.model import Answer, DocumentState, Span, SpanSource, Token
from annotations.session import Session
from tests.test_session import add_document


def _long_document(db: Database, words: int) -> int:
    text = " ".join(f"w{index:05}" for index in range(words))
    tokens = tuple(Token(index * 7, index * 7 + 6) for index in range(words))
    spans = tuple(Span(index * 7, index * 7 + 6, "ORG", SpanSource.MODEL) for index in range(0, words, 2))
    return add_document(db, text, tokens, spans)


def _reachable_size(root: object) -> int:
    """Bytes of every object reachable from ``root`` (strings and numbers counted once each)."""
    seen, stack, total = set(), [root], 0
    while stack:
        thing = stack.pop()
        if id(thing) in seen or isinstance(thing, type):
            continue
        seen.add(id(thing))
        total += sys.getsizeof(thing)
        stack.extend(gc.get_referents(thing))
    return total


def _relabel_change(db: Database, words: int) -> tuple[Change, Session]:
    session = Session(db, "ana")
    session.open(_long_document(db, words))
    edit = session.relabel(session.document.spans[len(session.document.spans) // 2], "PERSON")
    session.apply(edit)
    return Change.of(edit), session


def test_an_undo_entry_costs_the_same_for_a_short_and_a_long_document(db: Database) -> None:
    short, _ = _relabel_change(db, 20)
    long, _ = _relabel_change(db, 20_000)
    assert len(long.removed) == len(long.added) == 1
    # a state of 10,000 spans would be hundreds of kilobytes; the change is the same few hundred bytes
    assert _reachable_size(long) <= _reachable_size(short) + 64
    assert not any(isinstance(thing, DocumentState) for thing in gc.get_referents(long))


@pytest.mark.parametrize("words", [20, 2_000])
def test_undo_and_redo_rebuilt_from_the_changes_store_exactly_the_states_the_edits_made(
    db: Database, words: int
) -> None:
    session = Session(db, "ana")
    document_id = _long_document(db, words)
    session.open(document_id)
    spans = session.document.spans
    gestures = [
        lambda: session.add_span(spans[1].end + 1, spans[1].end + 4, "GPE"),
        lambda: session.relabel(spans[0], "PERSON"),
        lambda: session.resize(spans[2], spans[2].start, spans[2].end + 7),  # over the next span too
        lambda: session.remove_span(spans[-1]),
        lambda: session.set_answer(Answer.ACCEPT),
    ]
    states, changes = [session.document.state], []
    for gesture in gestures:
        edit = gesture()
        changes.append(Change.of(edit))
        session.apply(edit)
        states.append(store.load_document(db, document_id, viewer="ana").state)
    for change, before in zip(reversed(changes), reversed(states[:-1])):
        session.apply(session.edit_for(change.reversed()))
        assert store.load_document(db, document_id, viewer="ana").state == before
    for change, after in zip(changes, states[1:]):
        session.apply(session.edit_for(change))
        assert store.load_document(db, document_id, viewer="ana").state == after


def test_a_change_made_elsewhere_is_a_conflict_and_the_document_is_reloaded(db: Database) -> None:
    change, session = _relabel_change(db, 200)
    other = Session(db, "ana")
    other.open(change.document_id)
    other.apply(other.set_answer(Answer.REJECT))
    session.reload()  # what is stored now is not what the change made: undoing it must be refused
    with pytest.raises(store.EditConflict):
        session.edit_for(change.reversed())
    assert session.document.answer is Answer.REJECT


def test_the_fingerprint_a_chain_of_edits_carries_equals_the_one_summed_afresh(db: Database) -> None:
    """Each edit's fingerprint starts from the last edit's (not a sum over every span): after many
    edits it still equals the fingerprint of an equal state built from new objects, so undo matches."""
    from annotations.edit_changes import fingerprint

    session = Session(db, "ana")
    session.open(_long_document(db, 40))
    for index in range(1, 40, 4):
        edit = session.add_span(index * 7, index * 7 + 6, "GPE")
        Change.of(edit)
        session.apply(edit)
    relabel = session.relabel(session.document.spans[3], "LOC")
    change = Change.of(relabel)
    session.apply(relabel)
    state = session.document.state
    rebuilt = DocumentState(tuple(Span(s.start, s.end, s.label, s.source) for s in state.spans), state.answer)
    assert len(state.spans) == 30
    assert change.after == fingerprint(rebuilt) == fingerprint(state)
