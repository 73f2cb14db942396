"""doccano sequence-labelling records: read in each of doccano's shapes, written back the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import hashing
from annotations.formats.doccano import parse_record, record_from_document
from annotations.formats.jsonl import parse_object
from annotations.model import Document, DocumentState, Span
from annotations.records import Record, RecordError
from annotations.text import whitespace_tokens

EU = "EU rejects German call to boycott British lamb."


def document_from(record: Record) -> Document:
    """The document an importer would store for a record."""
    return Document(
        id=1,
        dataset="test",
        text=record.text,
        tokens=whitespace_tokens(record.text),
        state=DocumentState(record.spans or (), record.answer),
        meta=record.meta,
        input_hash=hashing.input_hash(record.text),
        extra=record.extra,
    )


def keys(record: Record) -> list[tuple[int, int, str]]:
    """The record's spans as (start, end, label)."""
    return [span.key() for span in record.spans]


@pytest.mark.parametrize("label_key", ["label", "labels"])
def test_label_lists_are_read_as_spans(label_key: str) -> None:
    record = parse_record({"text": EU, label_key: [[11, 17, "MISC"], [0, 2, "ORG"]]}, "in.jsonl:1")
    assert keys(record) == [(0, 2, "ORG"), (11, 17, "MISC")]
    assert record.answer is None and record.extra == {}


def test_relation_extraction_entities_are_read_and_relations_kept() -> None:
    relations = [{"id": 0, "from_id": 0, "to_id": 1, "type": "rejects"}]
    obj = {
        "id": 12,
        "text": EU,
        "entities": [
            {"id": 0, "start_offset": 0, "end_offset": 2, "label": "ORG"},
            {"id": 1, "start_offset": 11, "end_offset": 17, "label": "MISC"},
        ],
        "relations": relations,
    }
    record = parse_record(obj, "in.jsonl:1")
    assert keys(record) == [(0, 2, "ORG"), (11, 17, "MISC")]
    assert record.extra == {"id": 12, "relations": relations}


def test_empty_label_list_means_no_spans_not_pending() -> None:
    record = parse_record({"text": EU, "label": []}, "in.jsonl:1")
    assert record.spans == () and record.arrives_annotated


def test_meta_and_user_keys_are_kept() -> None:
    obj = {"text": EU, "label": [], "meta": {"source": "reuters"}, "id": 4, "Comments": ["check"]}
    record = parse_record(obj, "in.jsonl:1")
    assert record.meta == {"source": "reuters"}
    assert record.extra == {"id": 4, "Comments": ["check"]}


def test_jsonl_dispatch_tells_doccano_label_list_from_prodigy_label_string() -> None:
    doccano_record = parse_object({"text": EU, "label": [[0, 2, "ORG"]]}, "w")
    prodigy_task = parse_object({"text": EU, "label": "POSITIVE", "answer": "accept"}, "w")
    assert keys(doccano_record) == [(0, 2, "ORG")]
    assert prodigy_task.spans == () and prodigy_task.extra == {"label": "POSITIVE"}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"text": EU, "label": [[0, 2, "ORG"], [1, 6, "MISC"]]}, "0-2 (ORG) and 1-6 (MISC) overlap"),
        ({"text": EU, "label": [[0, 99, "ORG"]]}, "0-99 (ORG) lies outside the text"),
        ({"text": EU, "label": [[5, 2, "ORG"]]}, "5-2 (ORG) ends before it starts"),
        ({"text": EU, "label": [[0, 2]]}, '"label" entry 1 must be [start, end, label]'),
        ({"text": EU, "label": [[0, 2, ""]]}, '"label" entry 1 (0-2): the label is empty'),
        (
            {"text": EU, "labels": [[0, "2", "ORG"]]},
            'entry 1 [0, "2", "ORG"]: the end must be an integer, not "2"',
        ),
        ({"text": EU, "labels": "ORG"}, '"labels" must be a list'),
        ({"text": EU, "label": ["positive", "sports"]}, "doccano text-classification file"),
        ({"text": EU, "entities": [{"start_offset": 0, "label": "ORG"}]}, 'needs integer "start_offset"'),
        ({"text": EU, "entities": [[0, 2, "ORG"]]}, '"entities" entry 1 must be an object'),
        ({"label": [[0, 2, "ORG"]]}, 'has no "text" key'),
        ({"text": "", "label": []}, '"text" is empty'),
    ],
)
def test_bad_record_is_refused_naming_place_and_problem(obj: dict[str, Any], expected: str) -> None:
    with pytest.raises(RecordError) as raised:
        parse_record(obj, "in.jsonl:3")
    assert str(raised.value).startswith("in.jsonl:3: ")
    assert expected in str(raised.value)


def test_overlap_message_explains_that_entities_cannot_overlap() -> None:
    with pytest.raises(RecordError, match="cannot overlap"):
        parse_record({"text": EU, "label": [[0, 10, "A"], [3, 6, "B"]]}, "in.jsonl:3")


def test_written_record_uses_label_and_meta() -> None:
    record = Record(EU, "w", spans=(Span(0, 2, "ORG"), Span(11, 17, "MISC")), meta={"source": "r"})
    written = record_from_document(document_from(record))
    assert written == {"text": EU, "label": [[0, 2, "ORG"], [11, 17, "MISC"]], "meta": {"source": "r"}}


def test_written_record_without_meta_or_answer_has_neither() -> None:
    written = record_from_document(document_from(Record(EU, "w", spans=())))
    assert written == {"text": EU, "label": []}


def test_entities_input_is_written_as_label_with_relations_kept() -> None:
    obj = {
        "text": EU,
        "entities": [{"id": 0, "start_offset": 0, "end_offset": 2, "label": "ORG"}],
        "relations": [],
    }
    written = record_from_document(document_from(parse_record(obj, "w")))
    assert written == {"text": EU, "label": [[0, 2, "ORG"]], "relations": []}


PIECES = [
    "EU",
    "lamb",
    " ",
    "  ",
    "\t",
    "\r\n",
    "\u00a0",
    "\u2028",
    "e\u0301",
    "\U0001f600",
    "\U0001f1e9\U0001f1ea",
]
PIECES += ["\U0001f469\u200d\U0001f469\u200d\U0001f467", "\ufeff", "\u4e2d"]


@st.composite
def doccano_records(draw: st.DrawFn) -> Record:
    """A doccano record with Unicode text, non-overlapping spans, maybe meta and user keys."""
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25)))
    edges = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    spans = tuple(Span(a, b, "ORG") for a, b in zip(edges[::2], edges[1::2], strict=False))
    meta = draw(st.sampled_from([{}, {"source": "r\u00e9"}]))
    extra = draw(st.sampled_from([{}, {"id": 3, "Comments": ["\U0001f600"]}]))
    return Record(text, "w", spans=spans, meta=meta, extra=extra)


@settings(max_examples=200, deadline=None)
@given(doccano_records())
def test_round_trip_keeps_text_spans_meta_and_extra(record: Record) -> None:
    line = json.dumps(record_from_document(document_from(record)), ensure_ascii=False)
    again = parse_object(json.loads(line), "out.jsonl:1")
    assert again.text == record.text
    assert keys(again) == keys(record)
    assert (again.answer, again.meta, again.extra) == (None, record.meta, record.extra)
