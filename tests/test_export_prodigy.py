"""Prodigy export's fast path (stored rows straight to tasks, flat token offsets) writes byte for byte
what the reference writer writes: Documents, Token and Word objects, the general token layout."""

from __future__ import annotations

import io
import json
import tempfile
from bisect import bisect_left
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import hashing, span_extra, store
from annotations.exporting import ExportCancelled, export
from annotations.formats.layout import _general_words
from annotations.model import Answer, Document, DocumentState, Span, SpanSource, Token
from annotations.text import whitespace_tokens

# ---------------------------------------------------------------- the reference writer


def reference_task(document: Document) -> dict[str, Any]:
    """The task as spandesk wrote it before the fast path, one object per token, the general layout.

    Changed deliberately since (issue 13): a span carries the other keys its file brought while it is
    as it was (``Document.span_extra``), and a document with an annotator gets Prodigy's
    ``_session_id`` (``dataset-annotator``) unless the file brought one and nobody edited it since."""
    text, spans = document.text, document.spans
    base = [t for t in (document.tokens or whitespace_tokens(text)) if t.end > t.start]
    words = _general_words(text, base, {s.start for s in spans}, {s.end for s in spans})
    starts = [w.start for w in words]
    task_hash = document.task_hash
    if task_hash is None:
        key = json.dumps([document.input_hash, [list(s.key()) for s in sorted(spans)]], ensure_ascii=False)
        task_hash = hashing._signed32(key.encode("utf-8", "surrogatepass"))
    task: dict[str, Any] = {
        "text": text,
        "_input_hash": document.input_hash,
        "_task_hash": task_hash,
        "tokens": [
            {"text": text[w.start : w.end], "start": w.start, "end": w.end, "id": i, "ws": w.ws}
            for i, w in enumerate(words)
        ],
        "_view_id": "ner_manual",
        "spans": [],
    }
    for span in spans:
        first = bisect_left(starts, span.start)
        last = max(first, bisect_left(starts, span.end) - 1)
        written = {
            "start": span.start,
            "end": span.end,
            "token_start": first,
            "token_end": last,
            "label": span.label,
        }
        for key, value in document.span_extra.get(span.key(), {}).items():
            written.setdefault(key, value)
        task["spans"].append(written)
    if document.answer is not None:
        task["answer"] = document.answer.value
    if document.updated is not None:
        task["_timestamp"] = int(document.updated)
    if document.annotator:
        task["_annotator_id"] = document.annotator
        brought = document.extra.get("_session_id")
        derived = f"{document.dataset}-{document.annotator}"
        task["_session_id"] = brought if brought is not None and not document.rev else derived
    if document.meta:
        task["meta"] = document.meta
    for key, value in document.extra.items():
        task.setdefault(key, value)
    return task


def reference_line(task: dict[str, Any]) -> bytes:
    """One JSON line as spandesk wrote it before the fast path."""
    try:
        line = orjson.dumps(task)
    except TypeError:
        line = json.dumps(task, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return line.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029") + b"\n"


def reference_export(db, **selection: Any) -> bytes:
    """What the reference writer writes for the documents ``iter_documents`` selects."""
    documents = store.iter_documents(db, with_predictions=False, **selection)
    return b"".join(reference_line(reference_task(d)) for d in documents)


def exported(db, path: Path, **selection: Any) -> bytes:
    """What export(..., "prodigy", path) writes."""
    export(db, "prodigy", path, **selection)
    return path.read_bytes()


# ---------------------------------------------------------------- documents


def new_document(
    text: str,
    tokens: tuple[Token, ...] = (),
    spans: tuple[Span, ...] = (),
    answer: Answer | None = Answer.ACCEPT,
    **fields: Any,
) -> store.NewDocument:
    fields.setdefault("input_hash", hashing.input_hash(text))
    return store.NewDocument(text=text, tokens=tokens, state=DocumentState(spans, answer), **fields)


def stored(db, documents: list[store.NewDocument], dataset: str = "main") -> None:
    with store.write_transaction(db):
        store.insert_documents(db, store.ensure_dataset(db, dataset), documents)


PIECES = [
    "Paris",
    "is",
    ",",
    " ",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "e\u0301",
    "😀",
    "\u2028",
    '"',
    "\\",
    "\x00",
]


@st.composite
def documents(draw, number: int) -> store.NewDocument:
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=16)))
    kind = draw(st.sampled_from(["words", "words", "split", "none", "intervals"]))
    tokens: tuple[Token, ...] = () if kind == "none" else whitespace_tokens(text)
    if kind == "split":  # punctuation-like pieces split off some tokens
        tokens = tuple(
            piece
            for t in tokens
            for piece in (
                (Token(t.start, t.start + 1), Token(t.start + 1, t.end))
                if t.end - t.start > 1 and draw(st.booleans())
                else (t,)
            )
        )
    if kind == "intervals":  # any sorted disjoint tokens: gaps of anything between them
        edges = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=10))) | {len(text)})
        tokens = tuple(Token(a, b) for a, b in zip([0, *edges], edges) if a < b and draw(st.booleans()))
    usable = tokens or whitespace_tokens(text)
    if draw(st.booleans()) and usable:  # span edges on token edges, or anywhere (inside tokens, on spaces)
        candidates = sorted({t.start for t in usable} | {t.end for t in usable})
        edges = sorted(set(draw(st.lists(st.sampled_from(candidates), max_size=6))))
    else:
        edges = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=6))))
    labels = st.sampled_from(["PERSON", "ORG", "Ünïcode", "X"])
    spans = tuple(
        Span(a, b, draw(labels), draw(st.sampled_from(SpanSource)))
        for a, b in zip(edges[::2], edges[1::2])
        if a < b
    )
    meta = draw(
        st.sampled_from(
            [
                {},
                {"source": "x", "n": 3},
                {"big": 2**70},
                {"f": 1.5, "s": "a\u2028b", "nested": [1, {"k": None}]},
            ]
        )
    )
    extra = draw(
        st.sampled_from(
            [{}, {"custom": [1, 2]}, {"_view_id": "ner", "text": "not mine", "z": 1}, {"_session_id": "s-1"}]
        )
    )
    if spans and draw(st.booleans()):  # keys a Prodigy file brought on a span (and on one since deleted)
        first = spans[0]
        brought = {"text": text[first.start : first.end], "score": 0.5, "start": -1, "source": "\u2028"}
        gone = [len(text) + 1, len(text) + 2, "GONE", {"rank": 3}]
        extra = {**extra, span_extra.KEY: [[first.start, first.end, first.label, brought], gone]}
    return new_document(
        text,
        tokens,
        spans,
        draw(st.sampled_from([None, *Answer])),
        input_hash=number,
        task_hash=draw(st.sampled_from([None, 0, -123456789])),
        meta=meta,
        extra=extra,
        annotator=draw(st.sampled_from([None, "", "anna"])),
        timestamp=draw(st.sampled_from([None, 0.0, 1700000000.75])),
    )


@st.composite
def document_lists(draw) -> list[store.NewDocument]:
    return [draw(documents(number)) for number in range(draw(st.integers(1, 6)))]


# ---------------------------------------------------------------- tests


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document_lists(), st.sampled_from([None, (Answer.ACCEPT,), (Answer.REJECT, Answer.IGNORE)]))
def test_the_fast_export_writes_exactly_what_the_reference_writes(new_documents, answers) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_store(Path(folder) / "x.db")
        try:
            stored(db, new_documents)
            for unanswered in (True, False):
                selection = {"answers": answers, "include_unanswered": unanswered}
                got = exported(db, Path(folder) / "out.jsonl", **selection)
                assert got == reference_export(db, **selection)
        finally:
            db.close()


def test_awkward_documents_are_written_exactly_as_the_reference_writes_them(db, tmp_path) -> None:
    documents = [
        new_document("Putin\r\nmet Xi.\r\n", (Token(0, 5), Token(7, 10), Token(11, 13), Token(13, 14))),
        new_document("😀 Putin 😀 met", whitespace_tokens("😀 Putin 😀 met"), (Span(2, 7, "PERSON"),)),
        new_document("borderPutin met", (Token(0, 11), Token(12, 15)), (Span(6, 11, "PERSON"),)),  # inside
        new_document("no tokens stored here", (), (Span(3, 9, "X"),), answer=None),
        new_document("  leading  and trailing  ", whitespace_tokens("  leading  and trailing  ")),
        new_document("span on a space", whitespace_tokens("span on a space"), (Span(4, 5, "SPACE"),)),
        new_document("line\u2028separator", whitespace_tokens("line\u2028separator"), meta={"n": 2**70}),
        new_document("kept hashes", task_hash=42, extra={"_view_id": "ner", "mine": True}, annotator="anna"),
        new_document("e\u0301 \t\n", whitespace_tokens("e\u0301 \t\n"), (Span(0, 2, "X"),), timestamp=1.9),
    ]
    stored(db, documents)
    report = export(db, "prodigy", tmp_path / "out.jsonl", include_unanswered=True)
    assert (tmp_path / "out.jsonl").read_bytes() == reference_export(db, include_unanswered=True)
    assert (report.documents, report.spans) == (len(documents), 5)


def test_dataset_and_answer_filters_select_what_iter_documents_selects(db, tmp_path) -> None:
    stored(db, [new_document("one", answer=Answer.ACCEPT), new_document("two", answer=None)], "first")
    stored(db, [new_document("three", answer=Answer.REJECT), new_document("four")], "second")
    for selection in (
        {"dataset": "first"},
        {"dataset": "second", "answers": (Answer.ACCEPT,)},
        {"dataset": "first", "include_unanswered": True},
        {"answers": ()},
        {"answers": (), "include_unanswered": True},
    ):
        got = exported(db, tmp_path / "out.jsonl", **selection)
        assert got == reference_export(db, **selection), selection


def test_the_stream_gets_the_same_lines_as_the_file(db, tmp_path) -> None:
    stored(db, [new_document("Putin met Xi.\nThen 😀", answer=a) for a in (Answer.ACCEPT, None)])
    text_stream = io.StringIO()
    export(db, "prodigy", None, stream=text_stream, include_unanswered=True)
    assert text_stream.getvalue().encode() == exported(db, tmp_path / "out.jsonl", include_unanswered=True)


def test_progress_and_cancel_still_apply_to_the_fast_export(db, tmp_path) -> None:
    stored(db, [new_document(f"document {n}", input_hash=n) for n in range(200)])
    seen: list[tuple[int, int]] = []
    report = export(db, "prodigy", tmp_path / "out.jsonl", progress=lambda *done: seen.append(done))
    assert report.documents == 200 and seen[-1] == (200, 200)
    with pytest.raises(ExportCancelled):
        export(db, "prodigy", tmp_path / "cancelled.jsonl", cancelled=lambda: True)
    assert not (tmp_path / "cancelled.jsonl").exists()


def test_line_and_paragraph_separators_are_escaped_wherever_they_come_from(db, tmp_path) -> None:
    stored(
        db,
        [
            new_document("in\u2028the text", input_hash=1),
            new_document("in a label", (), (Span(0, 2, "LA\u2029BEL"),), input_hash=2),
            new_document("in the annotator", annotator="anna\u2028", input_hash=3),
            new_document("in meta", meta={"k\u2029": "v\u2028"}, input_hash=4),
            new_document("in extra", extra={"note": "\u2029"}, input_hash=5),
            new_document("escaped in meta", input_hash=6),
            new_document("escaped in extra", input_hash=7),
            new_document("none at all", meta={"k": "\\u2028 is only text here"}, input_hash=8),
        ],
    )
    # JSON columns written by hand (or by an older version) may hold the \u escape, not the character
    db.execute("UPDATE documents SET meta = ? WHERE input_hash = 6", ['{"k": "a\\u2028b"}'])
    db.execute("UPDATE documents SET extra = ? WHERE input_hash = 7", ['{"x": "\\u2029"}'])
    got = exported(db, tmp_path / "out.jsonl", include_unanswered=True)
    assert got == reference_export(db, include_unanswered=True)
    lines = got.splitlines()
    assert len(lines) == 8 and b"\xe2\x80\xa8" not in got and b"\xe2\x80\xa9" not in got
    assert all(b"\\u202" in line for line in lines[:7])
    assert json.loads(lines[5])["meta"] == {"k": "a\u2028b"}


def test_computed_task_hashes_keep_their_values() -> None:
    spans = [Span(6, 11, "ORG"), Span(0, 5, "PERSON"), Span(12, 17, 'Ünï"code')]  # unsorted, escaped label
    assert hashing.task_hash(42, spans) == 1157473793  # as computed before the export fast path
    assert hashing.task_hash_of_keys(42, [s.key() for s in spans]) == 1157473793
    assert hashing.task_hash_of_keys(42, []) == hashing.task_hash(42, ())
