"""Label Studio JSON: tasks written in the shape Label Studio imports, its exports read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import hashing, store
from annotations.cli import cli
from annotations.formats import WriteOptions, labelstudio
from annotations.model import Answer, Document, DocumentState, Span
from annotations.records import Record, RecordError
from annotations.sources import HEAD_BYTES
from annotations.text import whitespace_tokens

WORKTREE = Path(__file__).resolve().parents[1]

# A Label Studio JSON export of a named-entity project (the "Named Entity Recognition" template:
# <Labels name="label" toName="text">, <Text name="text" value="$text">), modelled on the task format
# in Label Studio's documentation: task 1 was submitted by one annotator and skipped by another,
# task 2 carries an older and a newer submission and a model's prediction, task 3 only a prediction,
# task 4 nothing at all.
EXPORT = [
    {
        "id": 1,
        "annotations": [
            {
                "id": 1001,
                "completed_by": 10,
                "result": [
                    {
                        "value": {"start": 0, "end": 4, "text": "Sony", "labels": ["ORG"]},
                        "id": "Dx_aB91ISN",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "origin": "manual",
                    },
                    {
                        "value": {"start": 19, "end": 24, "text": "Tokyo", "labels": ["LOC"]},
                        "id": "t5sp3TyXPo",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "origin": "manual",
                    },
                    {
                        "from_id": "Dx_aB91ISN",
                        "to_id": "t5sp3TyXPo",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["based_in"],
                    },
                    {
                        "value": {"choices": ["Business"]},
                        "id": "c0Ab1",
                        "from_name": "topic",
                        "to_name": "text",
                        "type": "choices",
                    },
                ],
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": "2021-03-09T22:16:08.728353Z",
                "updated_at": "2021-03-09T22:16:08.728378Z",
                "lead_time": 4.288,
                "prediction": {},
                "result_count": 0,
                "task": 1,
                "parent_prediction": None,
                "parent_annotation": None,
            },
            {
                "id": 1002,
                "completed_by": {"id": 11, "email": "later@example.com", "first_name": "", "last_name": ""},
                "result": [],
                "was_cancelled": True,
                "ground_truth": False,
                "created_at": "2021-03-10T09:00:00.000000Z",
                "updated_at": "2021-03-10T09:00:00.000000Z",
                "task": 1,
            },
        ],
        "file_upload": "ner_tasks.json",
        "drafts": [],
        "predictions": [],
        "data": {"text": "Sony sued Apple in Tokyo.", "source": "wire"},
        "meta": {},
        "created_at": "2021-03-09T21:52:49.513742Z",
        "updated_at": "2021-03-09T22:16:08.746926Z",
        "inner_id": 1,
        "total_annotations": 1,
        "cancelled_annotations": 1,
        "total_predictions": 0,
        "project": 83,
        "updated_by": None,
    },
    {
        "id": 2,
        "annotations": [
            {
                "id": 1004,
                "completed_by": {"id": 12, "email": "newer@example.com"},
                "result": [
                    {
                        "value": {"start": 0, "end": 8, "text": "Opossums", "labels": ["ANIMAL"]},
                        "id": "abc",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                    }
                ],
                "was_cancelled": False,
                "updated_at": "2021-03-11T10:00:00.000000Z",
            },
            {
                "id": 1003,
                "completed_by": 10,
                "result": [],
                "was_cancelled": False,
                "updated_at": "2021-03-10T10:00:00.000000Z",
            },
        ],
        "predictions": [
            {
                "id": 7,
                "model_version": "one",
                "created_ago": "3 hours",
                "score": 0.5,
                "result": [
                    {
                        "id": "p1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {
                            "start": 0,
                            "end": 8,
                            "score": 0.7,
                            "text": "Opossums",
                            "labels": ["ANIMAL"],
                        },
                    }
                ],
            }
        ],
        "data": {"text": "Opossums like to be aloft in trees."},
        "meta": {"batch": 3},
    },
    {
        "id": 3,
        "annotations": [],
        "predictions": [
            {
                "model_version": "one",
                "score": 0.9,
                "result": [
                    {
                        "id": "p2",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 0, "end": 6, "text": "Berlin", "labels": ["LOC"]},
                    }
                ],
            }
        ],
        "data": {"text": "Berlin is big."},
    },
    {"id": 4, "annotations": [], "predictions": [], "data": {"text": "Nothing was done here."}},
]


def document(
    text: str,
    spans: tuple[Span, ...] = (),
    answer: Answer | None = Answer.ACCEPT,
    *,
    predicted: tuple[Span, ...] = (),
    predicted_by: str | None = None,
    annotator: str | None = None,
    updated: float | None = None,
    meta: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Document:
    """A stored document as the exporter passes it."""
    return Document(
        id=1,
        dataset="test",
        text=text,
        tokens=whitespace_tokens(text),
        state=DocumentState(spans, answer),
        predicted=predicted,
        predicted_by=predicted_by,
        meta=meta or {},
        input_hash=hashing.input_hash(text),
        annotator=annotator,
        updated=updated,
        extra=extra or {},
    )


def document_from(record: Record) -> Document:
    """The document an importer would store for a record (no model)."""
    return document(
        record.text,
        record.spans or (),
        record.answer,
        annotator=record.annotator,
        updated=record.timestamp,
        meta=record.meta,
        extra=record.extra,
    )


def written(documents: list[Document]) -> bytes:
    """The export's bytes."""
    pieces = list(labelstudio.write(documents, WriteOptions()))
    assert all(name == "" for name, _ in pieces)
    return b"".join(data for _, data in pieces)


def read_back(tmp_path: Path, data: bytes, name: str = "tasks.json") -> list[Record]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(labelstudio.read(path))


def keys(spans: tuple[Span, ...] | None) -> list[tuple[int, int, str]]:
    return [span.key() for span in spans or ()]


# ---------------------------------------------------------------- writing


def test_written_task_has_the_shape_label_studio_imports() -> None:
    doc = document(
        "Sony sued Apple.",
        (Span(0, 4, "ORG"), Span(10, 15, "ORG")),
        annotator="ann@example.com",
        updated=1700000000.0,
        predicted=(Span(0, 4, "ORG"),),
        predicted_by="en_core_web_sm 3.8.0",
        meta={"source": "wire"},
    )
    [task] = json.loads(written([doc]))
    assert task["data"] == {"text": "Sony sued Apple."} and task["meta"] == {"source": "wire"}
    [annotation] = task["annotations"]
    assert annotation["was_cancelled"] is False and annotation["ground_truth"] is False
    assert annotation["completed_by"] == {"email": "ann@example.com"}  # what Label Studio resolves
    assert annotation["updated_at"] == "2023-11-14T22:13:20+00:00"
    first = annotation["result"][0]
    assert first["from_name"] == "label" and first["to_name"] == "text" and first["type"] == "labels"
    assert first["value"] == {"start": 0, "end": 4, "text": "Sony", "labels": ["ORG"]}
    [prediction] = task["predictions"]
    assert prediction["model_version"] == "en_core_web_sm 3.8.0" and "score" not in prediction
    assert [r["value"]["text"] for r in prediction["result"]] == ["Sony"]
    ids = [r["id"] for r in annotation["result"] + prediction["result"]]
    assert len(set(ids)) == len(ids)  # Label Studio wants every result id of a task unique


def test_file_is_a_json_array_with_one_task_a_line() -> None:
    data = written([document("One.", ()), document("Two.", ())])
    assert data.startswith(b"[\n{") and data.endswith(b"}\n]\n") and data.count(b"\n") == 4
    assert len(json.loads(data)) == 2
    assert json.loads(written([])) == []


def test_a_name_that_is_not_an_email_is_never_sent_as_completed_by() -> None:
    """Label Studio refuses a whole import whose completed_by is neither a member's email nor id."""
    [task] = json.loads(written([document("Text.", annotator="dataset-alice")]))
    [annotation] = task["annotations"]
    assert "completed_by" not in annotation and annotation["created_username"] == "dataset-alice"


def test_a_time_beyond_any_calendar_is_left_out_not_a_crash() -> None:
    [task] = json.loads(written([document("Text.", updated=1e14)]))
    assert "updated_at" not in task["annotations"][0]


@pytest.mark.parametrize(
    ("answer", "cancelled"), [(Answer.ACCEPT, False), (Answer.IGNORE, True), (Answer.REJECT, True)]
)
def test_answers_become_submitted_or_skipped_annotations(answer: Answer, cancelled: bool) -> None:
    [task] = json.loads(written([document("Text.", answer=answer)]))
    assert task["annotations"][0]["was_cancelled"] is cancelled


def test_unanswered_document_has_no_annotation_and_its_spans_as_last_prediction() -> None:
    edited = document(
        "Sony sued Apple.", (Span(0, 4, "ORG"),), None, predicted=(Span(10, 15, "ORG"),), predicted_by="m 1"
    )
    [task] = json.loads(written([edited]))
    assert task["annotations"] == []
    assert [p["model_version"] for p in task["predictions"]] == ["m 1", "spandesk"]
    untouched = document(
        "Sony sued Apple.", (Span(0, 4, "ORG"),), None, predicted=(Span(0, 4, "ORG"),), predicted_by="m 1"
    )
    [task] = json.loads(written([untouched]))
    assert [p["model_version"] for p in task["predictions"]] == ["m 1"]


# ---------------------------------------------------------------- reading Label Studio's export


def test_label_studio_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "project-83-at-2021-03-11.json"
    path.write_text(json.dumps(EXPORT, indent=2), encoding="utf-8")
    first, second, third, fourth = labelstudio.read(path)

    assert first.text == "Sony sued Apple in Tokyo."
    assert keys(first.spans) == [(0, 4, "ORG"), (19, 24, "LOC")]
    assert first.answer is Answer.ACCEPT  # the skip of another annotator does not undo a submission
    assert first.annotator == "10" and first.timestamp == pytest.approx(1615328168.728378)
    assert first.where == f"{path}: task 1 (id 1)"
    kept = first.extra[labelstudio.KEPT]
    assert kept["data"] == {"source": "wire"}
    relation, choice = kept["results"]
    assert (relation["from_id"], relation["to_id"]) == ("s0-4", "s19-24")  # renamed to the ids written
    assert choice["value"] == {"choices": ["Business"]}
    assert first.extra["id"] == 1 and first.extra["project"] == 83 and "drafts" not in first.extra

    assert keys(second.spans) == [(0, 8, "ANIMAL")]  # the newer submission, not the list's last
    assert second.annotator == "newer@example.com" and second.meta == {"batch": 3}
    assert second.extra[labelstudio.KEPT]["predictions"][0]["model_version"] == "one"

    assert keys(third.spans) == [(0, 6, "LOC")] and third.answer is None  # pre-annotated, to answer
    assert fourth.spans is None and fourth.answer is None  # nothing: the model will propose spans


def test_label_studio_export_goes_back_with_its_other_results_and_predictions(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    first, second, *_ = labelstudio.read(path)
    [task] = json.loads(written([document_from(first)]))
    results = task["annotations"][0]["result"]
    spans = [r for r in results if r["type"] == "labels"]
    relation = next(r for r in results if r["type"] == "relation")
    assert {relation["from_id"], relation["to_id"]} == {spans[0]["id"], spans[1]["id"]}
    assert task["data"] == {"text": "Sony sued Apple in Tokyo.", "source": "wire"}
    # the person deletes Tokyo: the relation that named it goes, the choice stays
    without = document_from(first)
    without = document(without.text, without.spans[:1], extra=without.extra, annotator=without.annotator)
    [task] = json.loads(written([without]))
    assert [r["type"] for r in task["annotations"][0]["result"]] == ["labels", "choices"]
    [task] = json.loads(written([document_from(second)]))
    assert [p["model_version"] for p in task["predictions"]] == ["one"]


def test_utf16_offsets_are_recognised_by_the_text_they_state(tmp_path: Path) -> None:
    """A browser counts 😀 as two units; offsets that only match the stated text that way are
    converted, not shifted by one."""
    task = {
        "data": {"text": "😀 Sony"},
        "annotations": [{"result": [result(3, 7, "ORG", text="Sony")]}],
    }
    [record] = read_back(tmp_path, json.dumps([task]).encode())
    assert keys(record.spans) == [(2, 6, "ORG")]


def test_json_lines_of_tasks_are_read(tmp_path: Path) -> None:
    lines = "".join(json.dumps(task) + "\n" for task in EXPORT[2:])
    third, fourth = read_back(tmp_path, lines.encode(), "tasks.jsonl")
    assert keys(third.spans) == [(0, 6, "LOC")] and fourth.where == f"{tmp_path / 'tasks.jsonl'}:2"


# Label Studio's JSON-MIN export of the same project: the data's keys and each annotation's regions
# (under the Labels tag's name) side by side.
JSON_MIN = [
    {
        "id": 1,
        "text": "Sony sued Apple in Tokyo.",
        "source": "wire",
        "label": [
            {"start": 0, "end": 4, "text": "Sony", "labels": ["ORG"]},
            {"start": 19, "end": 24, "text": "Tokyo", "labels": ["LOC"]},
        ],
        "annotator": 10,
        "annotation_id": 1001,
        "created_at": "2021-03-09T22:16:08.728353Z",
        "updated_at": "2021-03-09T22:16:08.728378Z",
        "lead_time": 4.288,
    },
    {"id": 4, "text": "Nothing was done here."},
]


def test_json_min_export_is_recognised_and_read(tmp_path: Path) -> None:
    data = json.dumps(JSON_MIN, indent=2).encode()
    assert labelstudio.sniff(tmp_path / "min.json", data[:HEAD_BYTES])
    first, second = read_back(tmp_path, data, "min.json")
    assert keys(first.spans) == [(0, 4, "ORG"), (19, 24, "LOC")] and first.answer is Answer.ACCEPT
    assert first.annotator == "10" and first.extra["source"] == "wire"
    assert second.spans is None and second.answer is None


def test_prodigy_array_given_as_label_studio_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="a Prodigy task, not a Label Studio one"):
        read_back(tmp_path, json.dumps([{"text": "A", "spans": []}]).encode())


def test_text_under_another_data_key_is_read() -> None:
    record = labelstudio.parse_task({"data": {"content": "Paris.", "n": 3}}, "w")
    assert record.text == "Paris." and record.extra[labelstudio.KEPT]["data"] == {"n": 3}


def result(start: int, end: int, *labels: str, text: str | None = None) -> dict[str, Any]:
    """A ``labels`` result."""
    value: dict[str, Any] = {"start": start, "end": end, "labels": list(labels)}
    if text is not None:
        value["text"] = text
    return {"id": f"r{start}", "from_name": "label", "to_name": "text", "type": "labels", "value": value}


def result_with_text(start: int, end: int, label: str, text: str) -> dict[str, Any]:
    return result(start, end, label, text=text)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"annotations": []}, 'has no "data" object'),
        ({"data": {"a": "x", "b": "y"}}, '"data" has no "text" key and its keys are'),
        ({"data": {"text": ""}}, '"data.text" is empty'),
        ({"data": {"text": 3}}, '"data.text" must be a string, not a number'),
        ({"data": {"text": "Ab"}, "annotations": {}}, '"annotations" must be a list'),
        (
            {"data": {"text": "Sony"}, "annotations": [{"result": [result(0, 4, "ORG", "COMPANY")]}]},
            'annotation 1, result 1: span 0-4 has 2 labels ["ORG", "COMPANY"]',
        ),
        (
            {"data": {"text": "Sony"}, "annotations": [{"result": [result(0, 9, "ORG")]}]},
            "span 0-9 (ORG) lies outside the text (length 4)",
        ),
        (
            {"data": {"text": "Sony"}, "annotations": [{"result": [result_with_text(0, 2, "ORG", "Sony")]}]},
            "span 0-2 (ORG) says its text is 'Sony' but the text there is 'So'",
        ),
        (
            {
                "data": {"text": "Sony Apple"},
                "annotations": [{"result": [result(0, 6, "A"), result(2, 9, "B")]}],
            },
            "overlap (spandesk annotates named entities, which cannot overlap)",
        ),
        (
            {"data": {"text": "Ab"}, "annotations": [{"result": [{"type": "hypertextlabels", "value": {}}]}]},
            'result 1 is of type "hypertextlabels"',
        ),
        (
            {"data": {"text": "Ab"}, "predictions": [{"result": [result(0, 1, " ")]}]},
            "prediction 1, result 1: span 0-1: the label is only white space",
        ),
        (
            {"data": {"text": "Ab"}, "annotations": [{"result": [], "was_cancelled": "yes"}]},
            '"was_cancelled" must be true or false',
        ),
    ],
)
def test_bad_task_is_refused_naming_file_and_task(tmp_path: Path, task: dict, expected: str) -> None:
    good = {"data": {"text": "Fine."}}
    with pytest.raises(RecordError) as error:
        read_back(tmp_path, json.dumps([good, {"id": 77, **task}]).encode())
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'tasks.json'}: task 2 (id 77)"), message
    assert expected in message, message


def test_broken_json_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"tasks\.json: invalid JSON at line 3 column 1"):
        read_back(tmp_path, b'[\n{"data": {"text": "a"}}\n{"data": {}}]')


def test_empty_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="holds no tasks"):
        read_back(tmp_path, b"[]")


# ---------------------------------------------------------------- recognising


def test_sniff_recognises_label_studio_exports_and_nothing_else(tmp_path: Path) -> None:
    export = json.dumps(EXPORT, indent=2).encode()
    assert labelstudio.sniff(tmp_path / "x.json", export[:HEAD_BYTES])  # "data" comes late: annotations do
    assert labelstudio.sniff(tmp_path / "x.json", written([document("A.", ())]))
    assert labelstudio.sniff(tmp_path / "x.jsonl", (json.dumps(EXPORT[2]) + "\n").encode())
    long_line = json.dumps({"data": {"text": "x" * 5000}}).encode()
    assert labelstudio.sniff(tmp_path / "x.jsonl", long_line[:HEAD_BYTES])
    assert not labelstudio.sniff(tmp_path / "x.jsonl", b'{"text": "Prodigy", "spans": []}\n')
    assert not labelstudio.sniff(tmp_path / "x.jsonl", b'{"text": "doccano", "label": [[0, 1, "X"]]}\n')
    assert not labelstudio.sniff(tmp_path / "x.json", b'[{"text": "plain"}]')
    assert not labelstudio.sniff(tmp_path / "x.txt", b"[1] A footnote about data: {none}")


# ---------------------------------------------------------------- round trips


def test_round_trip_keeps_text_spans_answers_annotators_and_meta(tmp_path: Path) -> None:
    documents = [
        document(
            "Sony 😀 Apple\r\nnext", (Span(0, 4, "ORG"), Span(7, 12, "ORG")), annotator="a@b.c", updated=5.5
        ),
        document("Rejected.", (Span(0, 8, "X"),), Answer.REJECT, annotator="bob"),
        document("Ignored.", (), Answer.IGNORE, meta={"k": [1, 2]}),
        document("Pending borderPutin.", (Span(14, 19, "PER"),), None),
        document("Pending, untouched.", (), None),
    ]
    records = read_back(tmp_path, written(documents))
    for doc, record in zip(documents, records, strict=True):
        assert (record.text, keys(record.spans)) == (doc.text, keys(doc.spans))
        assert (record.answer, record.annotator, record.meta) == (doc.answer, doc.annotator, doc.meta)
    assert records[0].timestamp == 5.5
    assert records[4].spans is None  # no spans, no model: as it was, the model may propose


TEXT = st.lists(
    st.sampled_from(["a", "B", " ", "\r\n", "\n", "😀", "é", "\u00a0", "\u2028", "🇩🇪", "x"]),
    min_size=1,
    max_size=30,
).map("".join)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """A document with emoji, CRLF, sub-token spans and perhaps no spans or no answer."""
    text = draw(TEXT)
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    pairs = list(zip(cuts[::2], cuts[1::2]))
    spans = tuple(Span(a, b, draw(st.sampled_from(["ORG", "PER", "Ort"]))) for a, b in pairs if a < b)
    answer = draw(st.sampled_from([*Answer, None]))
    predicted_by = draw(st.sampled_from([None, "en_core_web_sm 3.8.0"]))
    predicted = spans[: draw(st.integers(0, len(spans)))] if predicted_by else ()
    annotator = draw(st.sampled_from([None, "alice", "bob@example.com"]))
    return document(text, spans, answer, predicted=predicted, predicted_by=predicted_by, annotator=annotator)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents(), min_size=1, max_size=4))
def test_any_documents_come_back_with_the_same_text_spans_and_answer(
    tmp_path: Path, docs: list[Document]
) -> None:
    records = read_back(tmp_path, written(docs))
    assert [r.text for r in records] == [d.text for d in docs]
    for doc, record in zip(docs, records, strict=True):
        assert record.answer == doc.answer and record.annotator == (doc.annotator or None)
        if doc.answer is not None or doc.annotator or doc.spans or doc.predicted_by:
            assert keys(record.spans) == keys(doc.spans)
        else:
            assert record.spans is None


# ---------------------------------------------------------------- the command line


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_cli_import_export_import_gives_the_same_documents(tmp_path: Path) -> None:
    source = tmp_path / "project.json"
    source.write_text(json.dumps(EXPORT), encoding="utf-8")
    first_db, second_db, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.json"
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text('{"label": "THING", "pattern": "Nothing"}\n', encoding="utf-8")
    model = ("--patterns", str(patterns))  # for the task that brings nothing
    run("import", str(source), "--db", str(first_db), *model)  # recognised by its content
    run("export", "--db", str(first_db), "--format", "labelstudio", "--all", "-o", str(out))
    run("import", str(out), "--db", str(second_db), "--format", "labelstudio", *model)

    def stored(path: Path) -> list[tuple]:
        db = store.open_store(path)
        try:
            return [
                (d.text, keys(d.spans), d.answer, d.annotator, d.meta)
                for d in store.iter_documents(db, include_unanswered=True)
            ]
        finally:
            db.close()

    assert stored(first_db) == stored(second_db)
    assert stored(first_db)[0][:3] == (
        "Sony sued Apple in Tokyo.",
        [(0, 4, "ORG"), (19, 24, "LOC")],
        Answer.ACCEPT,
    )


def test_spandesk_script_exports_the_models_predictions(tmp_path: Path) -> None:
    """The real script: plain texts pre-annotated by patterns come out as predictions with the model's
    name and version, and import back as documents still to answer."""
    texts, patterns = tmp_path / "in.jsonl", tmp_path / "patterns.jsonl"
    texts.write_text('{"text": "Sony and Apple."}\n{"text": "Nothing."}\n', encoding="utf-8")
    patterns.write_text('{"label": "ORG", "pattern": "Sony"}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(WORKTREE)}
    script = [sys.executable, "-c", "from annotations.cli import cli; cli()"]
    db, out = tmp_path / "s.db", tmp_path / "out.json"

    def spandesk(*args: str) -> None:
        done = subprocess.run([*script, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    spandesk("import", str(texts), "--db", str(db), "--patterns", str(patterns))
    spandesk("export", "--db", str(db), "--format", "labelstudio", "--all", "-o", str(out))
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["annotations"] for t in tasks] == [[], []]
    [prediction] = tasks[0]["predictions"]
    opened = store.open_store(db)
    try:
        assert [prediction["model_version"]] == store.model_names(opened)  # "name version", as stored
    finally:
        opened.close()
    assert "Sony" in [r["value"]["text"] for r in prediction["result"]]  # the pattern's, at least
    assert tasks[1]["predictions"][0]["result"] == []  # the model found nothing: said so
    records = list(labelstudio.read(out))
    assert (0, 4, "ORG") in keys(records[0].spans) and records[0].answer is None
