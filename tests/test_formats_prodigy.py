"""Prodigy tasks: every shape users bring is read, and what spandesk writes reads back the same."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import FREYA

from annotations import hashing
from annotations.formats.jsonl import parse_object
from annotations.formats.prodigy import parse_task, task_from_document
from annotations.model import Answer, Document, DocumentState, Span, Token
from annotations.records import Record, RecordError
from annotations.text import whitespace_tokens


def document_from(record: Record) -> Document:
    """The document an importer would store for a record (whitespace tokens when it has none)."""
    return Document(
        id=1,
        dataset="test",
        text=record.text,
        tokens=record.tokens or whitespace_tokens(record.text),
        state=DocumentState(record.spans or (), record.answer),
        meta=record.meta,
        input_hash=record.input_hash if record.input_hash is not None else hashing.input_hash(record.text),
        task_hash=record.task_hash,
        annotator=record.annotator,
        updated=record.timestamp,
        extra=record.extra,
    )


def through_json(task: dict[str, Any]) -> Record:
    """Write a task as a JSON line and read it back."""
    return parse_object(json.loads(json.dumps(task, ensure_ascii=False)), "out.jsonl:1")


def with_changes(base: dict[str, Any], drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """A copy of a task without some keys and with others replaced."""
    task = {key: value for key, value in base.items() if key not in drop}
    task.update(changes)
    return task


# ---------------------------------------------------------------- reading


def test_prodigy_db_out_task_is_read_completely() -> None:
    record = parse_task(FREYA, "in.jsonl:1")
    assert record.text == "My name is Freya."
    assert [span.key() for span in record.spans] == [(11, 16, "PERSON")]
    assert record.tokens[3] == Token(11, 16) and len(record.tokens) == 5
    assert record.answer is Answer.ACCEPT
    assert (record.input_hash, record.task_hash) == (896529854, -1486695581)
    assert record.annotator == "2024-02-06_10-17-19"
    assert record.timestamp == 1707211049
    assert record.extra == {"_session_id": "2024-02-06_10-17-19"}


@pytest.mark.parametrize("missing", ["ws", "id", "text"])
def test_tokens_without_optional_keys_are_read(missing: str) -> None:
    tokens = [{k: v for k, v in token.items() if k != missing} for token in FREYA["tokens"]]
    record = parse_task(with_changes(FREYA, tokens=tokens), "in.jsonl:1")
    assert [(t.start, t.end) for t in record.tokens] == [(t["start"], t["end"]) for t in FREYA["tokens"]]


def test_older_export_without_view_id_ws_or_spans_is_an_answer_with_no_spans() -> None:
    record = parse_task(with_changes(FREYA, drop=("_view_id", "spans")), "in.jsonl:1")
    assert record.spans == ()
    assert record.answer is Answer.ACCEPT


def test_plain_input_without_answer_or_spans_waits_for_the_model() -> None:
    record = parse_task({"text": "Apple buys a startup.", "meta": {"source": "news"}}, "in.jsonl:1")
    assert record.spans is None and record.tokens is None and record.answer is None
    assert record.meta == {"source": "news"}
    assert not record.arrives_annotated


def test_highlight_chars_task_without_tokens_keeps_spans_inside_words() -> None:
    task = {
        "text": "the borderPutin line",
        "spans": [{"start": 10, "end": 15, "label": "PERSON", "text": "Putin"}],
    }
    record = parse_task(task, "in.jsonl:1")
    assert record.tokens is None
    assert [span.key() for span in record.spans] == [(10, 15, "PERSON")]


def test_spans_without_answer_arrive_annotated() -> None:
    record = parse_task(with_changes(FREYA, drop=("answer",)), "in.jsonl:1")
    assert record.answer is None and record.arrives_annotated


def test_spans_are_sorted_and_token_indices_are_not_trusted_for_offsets() -> None:
    spans = [
        {"start": 11, "end": 16, "token_start": 0, "token_end": 0, "label": "PERSON"},
        {"start": 0, "end": 2, "label": "X"},
    ]
    record = parse_task(with_changes(FREYA, spans=spans), "in.jsonl:1")
    assert [span.key() for span in record.spans] == [(0, 2, "X"), (11, 16, "PERSON")]


@pytest.mark.parametrize("answer", ["accept", "reject", "ignore"])
def test_each_answer_is_read(answer: str) -> None:
    assert parse_task(with_changes(FREYA, answer=answer), "w").answer == Answer(answer)


def test_unknown_top_level_keys_are_kept_as_extra() -> None:
    task = with_changes(FREYA, label="POSITIVE", _is_binary=False, custom={"a": [1, 2]})
    assert parse_task(task, "w").extra == {
        "_session_id": "2024-02-06_10-17-19",
        "label": "POSITIVE",
        "_is_binary": False,
        "custom": {"a": [1, 2]},
    }


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"answer": "maybe"}, '"answer" must be "accept", "reject" or "ignore"'),
        ({"answer": True}, '"answer" must be'),
        ({"spans": [{"start": 11, "end": 99, "label": "PERSON"}]}, "11-99 (PERSON) lies outside the text"),
        ({"spans": [{"start": 16, "end": 11, "label": "PERSON"}]}, "16-11 (PERSON) ends before it starts"),
        (
            {"spans": [{"start": 3, "end": 3, "label": "PERSON"}]},
            "3-3 (PERSON) is empty: it starts and ends at 3",
        ),
        ({"spans": [{"start": -1, "end": 2, "label": "PERSON"}]}, "lies outside the text"),
        (
            {"spans": [{"start": 0, "end": 7, "label": "A"}, {"start": 3, "end": 10, "label": "B"}]},
            "0-7 (A) and 3-10 (B) overlap",
        ),
        ({"spans": [{"start": 0, "end": 2}]}, 'span 1 (0-2) needs a non-empty string "label"'),
        ({"spans": [{"start": "0", "end": 2, "label": "X"}]}, 'span 1 needs an integer "start"'),
        ({"spans": [{"start": 0, "end": 2.5, "label": "X"}]}, 'span 1 needs an integer "end"'),
        ({"spans": ["0-2"]}, "span 1 must be an object"),
        ({"spans": {"start": 0}}, '"spans" must be a list'),
        ({"spans": [{"start": 0, "end": 2, "label": "X", "text": "Mx"}]}, "says its text is 'Mx'"),
        ({"tokens": [{"start": 0, "end": 40}]}, "token 0 (0-40) lies outside the text"),
        ({"tokens": [{"start": 0, "end": 7}, {"start": 3, "end": 7}]}, "token 1 (3-7) overlaps"),
        ({"tokens": [{"start": 0, "end": 2, "text": "Yo"}]}, "token 0 says its text is 'Yo'"),
        ({"tokens": [{"start": 0}]}, 'token 0 must be an object with integer "start" and "end"'),
        ({"meta": "news"}, '"meta" must be an object, not a string'),
        ({"_input_hash": "abc"}, '"_input_hash" must be an integer'),
        ({"_timestamp": "yesterday"}, '"_timestamp" must be a number'),
        ({"_annotator_id": 7}, '"_annotator_id" must be a string'),
        ({"text": ""}, '"text" is empty'),
        ({"text": 42}, '"text" must be a string, not a number'),
        ({"text": None}, '"text" must be a string, not null'),
    ],
)
def test_bad_task_is_refused_naming_place_and_problem(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(RecordError) as raised:
        parse_task(with_changes(FREYA, **changes), "in.jsonl:7")
    assert str(raised.value).startswith("in.jsonl:7: ")
    assert expected in str(raised.value)


def test_task_without_text_is_refused() -> None:
    with pytest.raises(RecordError, match='in.jsonl:2: has no "text" key'):
        parse_task(with_changes(FREYA, drop=("text",)), "in.jsonl:2")


# ---------------------------------------------------------------- writing


def test_written_task_has_prodigys_shape() -> None:
    task = task_from_document(document_from(parse_task(FREYA, "in.jsonl:1")))
    assert task == FREYA
    assert list(task)[:6] == ["text", "_input_hash", "_task_hash", "tokens", "_view_id", "spans"]


def test_span_inside_a_token_gets_its_own_token_indices() -> None:
    text = "Fighting at the borderPutin said"
    document = document_from(Record(text, "w", spans=(Span(22, 27, "PERSON"),), answer=Answer.ACCEPT))
    task = task_from_document(document)
    (span,) = task["spans"]
    tokens = task["tokens"]
    assert tokens[span["token_start"]]["start"] == 22 and tokens[span["token_end"]]["end"] == 27
    assert [t["text"] for t in tokens[span["token_start"] : span["token_end"] + 1]] == ["Putin"]
    assert tokens[span["token_start"] - 1] == {"text": "border", "start": 16, "end": 22, "id": 3, "ws": False}


def test_spans_starting_or_ending_on_white_space_get_exact_token_indices() -> None:
    text = "We met  Ann Lee\nin Paris"
    spans = (Span(6, 15, "PERSON"), Span(15, 18, "X"), Span(18, 19, "SPACE"))
    task = task_from_document(document_from(Record(text, "w", spans=spans)))
    tokens = task["tokens"]
    for span in task["spans"]:
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]
        assert span["token_start"] <= span["token_end"]


def test_written_tokens_rebuild_the_text_with_ws() -> None:
    text = "  Two  spaces,\ttab and\r\nCRLF \u00a0end "
    task = task_from_document(document_from(Record(text, "w", spans=(Span(8, 14, "X"),))))
    assert "".join(t["text"] + (" " if t["ws"] else "") for t in task["tokens"]) == text
    assert [t["id"] for t in task["tokens"]] == list(range(len(task["tokens"])))


def test_unanswered_document_has_no_answer_and_computed_hashes() -> None:
    document = document_from(Record("Apple is big.", "w", spans=(Span(0, 5, "ORG"),)))
    task = task_from_document(document)
    assert "answer" not in task and "_timestamp" not in task and "_annotator_id" not in task
    assert "meta" not in task
    assert task["_input_hash"] == hashing.input_hash("Apple is big.")
    assert task["_task_hash"] == hashing.task_hash(task["_input_hash"], document.spans)


def test_stored_task_hash_is_kept() -> None:
    task = task_from_document(document_from(parse_task(FREYA, "w")))
    assert task["_task_hash"] == FREYA["_task_hash"]


def test_view_id_is_always_ner_manual_and_extra_cannot_override_own_keys() -> None:
    document = document_from(parse_task(with_changes(FREYA, _view_id="ner"), "w"))
    task = task_from_document(replace(document, extra={"text": "x", "_view_id": "ner"}))
    assert task["_view_id"] == "ner_manual" and task["text"] == FREYA["text"]


def test_meta_and_float_timestamp_are_written() -> None:
    record = Record("Hi there", "w", spans=(), answer=Answer.REJECT, meta={"id": 3}, timestamp=17.9)
    task = task_from_document(document_from(record))
    assert task["meta"] == {"id": 3} and task["_timestamp"] == 17 and task["answer"] == "reject"


# ---------------------------------------------------------------- round trips

PIECES = [
    "Apple",
    "Putin",
    "border",
    ".",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "e\u0301",
    "\U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1e9\U0001f1ea",
    "\u4e2d\u6587",
    "\u05e9\u05dc\u05d5\u05dd",
]


@st.composite
def annotated_records(draw: st.DrawFn) -> Record:
    """A record with Unicode text, non-overlapping spans at any code point, and maybe an answer and meta."""
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25)))
    edges = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    pairs = list(zip(edges[::2], edges[1::2], strict=False))
    spans = tuple(Span(a, b, draw(st.sampled_from(["ORG", "PERSON", "GPE"]))) for a, b in pairs)
    answer = draw(st.none() | st.sampled_from(list(Answer)))
    meta = draw(st.sampled_from([{}, {"source": "n\u00e9ws", "n": 1}]))
    extra = draw(st.sampled_from([{}, {"_session_id": "s1", "custom": [1, {"x": None}]}]))
    return Record(text, "in.jsonl:1", spans=spans, answer=answer, meta=meta, extra=extra)


@settings(max_examples=200, deadline=None)
@given(annotated_records())
def test_round_trip_keeps_text_spans_answer_meta_and_extra(record: Record) -> None:
    document = document_from(record)
    again = through_json(task_from_document(document))
    assert again.text == record.text
    assert [s.key() for s in again.spans] == [s.key() for s in record.spans]
    assert again.answer == record.answer
    assert again.meta == record.meta
    assert again.extra == record.extra
    assert again.input_hash == document.input_hash


@settings(max_examples=200, deadline=None)
@given(annotated_records())
def test_written_tokens_cover_text_and_every_span_edge(record: Record) -> None:
    task = task_from_document(document_from(record))
    tokens = task["tokens"]
    assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == record.text
    for span in task["spans"]:
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]
    again = through_json(task)
    assert again.tokens == tuple(Token(t["start"], t["end"]) for t in tokens)
