"""Fuzzing every importer: no input crashes them, and whatever they accept exports back the same."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from reliability_helpers import dump

from annotations import importing, store
from annotations.exporting import export
from annotations.formats.doccano import is_doccano
from annotations.formats.jsonl import parse_object, read_jsonl
from annotations.formats.textfile import read_text_file
from annotations.importing import ImportFailure, import_sources
from annotations.preannotate import load_pipeline
from annotations.records import RecordError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
KEYS = (
    "text",
    "spans",
    "tokens",
    "answer",
    "meta",
    "label",
    "labels",
    "entities",
    "_input_hash",
    "_task_hash",
)
KEYS += ("_timestamp", "_annotator_id", "_view_id", "id", "start", "end", "start_offset", "end_offset")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(min_value=-3, max_value=40)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["accept", "reject", "ignore", "PERSON", "ORG"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner)
    ),
    max_leaves=12,
)
texts = st.text(min_size=1, max_size=30)


@st.composite
def valid_spans(draw, text: str, doccano: bool) -> list:
    """Non-overlapping spans inside ``text`` in Prodigy or doccano shape."""
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=6))))
    pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
    labels = draw(
        st.lists(st.sampled_from(["PERSON", "ORG", "Ünï", "x y"]), min_size=len(pairs), max_size=len(pairs))
    )
    if doccano:
        return [[a, b, label] for (a, b), label in zip(pairs, labels)]
    return [{"start": a, "end": b, "label": label} for (a, b), label in zip(pairs, labels)]


@st.composite
def records(draw, doccano: bool) -> dict:
    """A record that is mostly plausible, with any key possibly replaced by an arbitrary value."""
    text = draw(texts)
    record: dict = {"text": text}
    if doccano:
        record["label"] = draw(valid_spans(text, True))
    elif draw(st.booleans()):
        record["spans"] = draw(valid_spans(text, False))
    if draw(st.booleans()):  # doccano records may carry Prodigy's keys too
        record["answer"] = draw(st.sampled_from(["accept", "reject", "ignore"]))
    if draw(st.booleans()):
        record["_annotator_id"] = draw(st.sampled_from(["anna", "ds-bob"]))
    if draw(st.booleans()):
        record["meta"] = draw(st.dictionaries(st.text(max_size=5), json_values, max_size=3))
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=2)):
        record[key] = draw(json_values)
    return record


# ---------------------------------------------------------------- the readers never crash


@FUZZ
@given(data=st.binary(max_size=400))
def test_read_jsonl_refuses_any_bytes_with_a_record_error(tmp_path_factory, data: bytes) -> None:
    """Arbitrary bytes as a .jsonl file: records, or a RecordError; nothing else."""
    path = tmp_path_factory.mktemp("bytes") / "input.jsonl"
    path.write_bytes(data)
    try:
        list(read_jsonl(path))
    except RecordError as error:
        assert str(path) in str(error)


@FUZZ
@given(data=st.binary(max_size=400))
def test_read_text_file_refuses_any_bytes_with_a_record_error(tmp_path_factory, data: bytes) -> None:
    """Arbitrary bytes as a .txt file: the text exactly, or a RecordError."""
    path = tmp_path_factory.mktemp("bytes") / "input.txt"
    path.write_bytes(data)
    try:
        record = read_text_file(path)
    except RecordError as error:
        assert str(path) in str(error)
    else:
        assert record.text in _faithful_decodings(data), "the text is not exactly what the file holds"


def _faithful_decodings(data: bytes) -> set[str]:
    """Every exact decoding of the bytes (UTF-8 keeps a BOM as U+FEFF; UTF-16/32 consume theirs)."""
    found = set()
    for codec in ("utf-8", "utf-16", "utf-32"):
        with contextlib.suppress(UnicodeDecodeError):
            found.add(data.decode(codec))
    return found


@FUZZ
@given(lines=st.lists(json_values | records(False) | records(True), min_size=1, max_size=4))
def test_read_jsonl_refuses_any_json_value_with_a_record_error(tmp_path_factory, lines: list) -> None:
    """Arbitrary JSON values (and nearly valid records), one per line: records or a RecordError."""
    path = tmp_path_factory.mktemp("json") / "input.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    try:
        list(read_jsonl(path))
    except RecordError as error:
        _assert_precise(str(error), path)


def _assert_precise(message: str, path: Path) -> None:
    """A refusal names the file (and line) first, is one line, and hints at overlaps only for one."""
    assert message.startswith(f"{path}:"), message
    assert "\n" not in message
    assert "cannot overlap" not in message or ") overlap (" in message, message


@pytest.mark.parametrize(
    "line",
    [
        "[" * 100_000,
        '{"text": "x", "meta": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"text": "x", "_timestamp": 1e400}',
        '{"text": "x", "meta": {"n": -1e999}}',
        '{"text": "x", "_input_hash": 99999999999999999999999999}',
        '{"text": "x", "_timestamp": ' + "9" * 400 + "}",
        '{"text": "x\\ud800"}',
        '{"text": "x", "meta": {"\\udfff": 1}}',
        '{"text": "x", "spans": [{"start": 0, "end": 99999999999999999999999, "label": "A"}]}',
        '{"text": "x", "label": [[0, 1, "A", "B"]]}',
    ],
)
def test_hostile_lines_are_refused_or_stored_cleanly(tmp_path: Path, line: str) -> None:
    """Deep nesting, numbers too large for SQLite or JSON, broken Unicode: a message, never a crash."""
    path = tmp_path / "hostile.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    db = store.open_store(tmp_path / "hostile.db")
    try:
        before = dump(tmp_path / "hostile.db")
        try:
            import_sources(db, [path], answer=None)
        except ImportFailure as error:
            assert f"{path}:1" in str(error)
            assert dump(tmp_path / "hostile.db") == before
        else:
            _assert_exports_back(db, list(read_jsonl(path)), "prodigy")
    finally:
        db.close()


# ---------------------------------------------------------------- import, then export in the same format


@pytest.fixture(scope="module")
def cached_model():
    """The real pipeline, loaded once and handed to every import of this module."""
    pipeline = load_pipeline()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importing, "load_pipeline", lambda *args, **kwargs: pipeline)
        yield pipeline


def _essentials(record) -> tuple:
    """What a round trip must keep of a record."""
    spans = None if record.spans is None else tuple(s.key() for s in record.spans)
    return record.text, spans, record.answer, record.meta, record.annotator


def _current_records(accepted: list) -> list:
    """The record each text is exported as. A document is its text: its first record is its base; each
    record naming an annotator adds that person's version (the first record always, a later one when it
    brings spans or an answer, once per person; the meta stays the first record's); the export writes the
    current version: an annotator's,
    the one changed last (by ``_timestamp``, then the one stored later), else the base."""
    by_text: dict[str, list] = {}
    for record in accepted:
        by_text.setdefault(record.text, []).append(record)
    chosen = []
    for group in by_text.values():
        versions: dict[str, tuple[int, object]] = {}
        for order, record in enumerate(group):
            if record.annotator and (order == 0 or record.arrives_annotated):
                versions.setdefault(record.annotator, (order, record))
        if not versions:
            chosen.append(group[0])
            continue
        current = max(versions.values(), key=lambda v: (v[1].timestamp or 0, v[0]))[1]
        chosen.append(dataclasses.replace(current, meta=group[0].meta))  # meta is the document's
    return chosen


def _assert_exports_back(db, accepted: list, fmt: str) -> None:
    """Exporting what was imported, in the same format, and reading it again gives the same records."""
    stream = io.StringIO()
    export(db, fmt, None, include_unanswered=True, stream=stream)
    lines = [json.loads(line) for line in stream.getvalue().split("\n") if line]
    again = [parse_object(obj, "export") for obj in lines]
    expected = _current_records(accepted)
    assert len(again) == len(expected)
    for before, after in zip(expected, again):
        if before.arrives_annotated:
            assert _essentials(after) == _essentials(before)
        else:
            assert (after.text, after.meta) == (before.text, before.meta)


@FUZZ
@given(doccano=st.booleans(), data=st.data())
def test_whatever_import_accepts_exports_back_the_same(tmp_path_factory, cached_model, doccano, data) -> None:
    """Fuzzed files through import_sources: ImportFailure, nothing stored; or an exact round trip."""
    rows = data.draw(st.lists(records(doccano), min_size=1, max_size=4))
    folder = tmp_path_factory.mktemp("roundtrip")
    path = folder / "input.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    db = store.open_store(folder / "fuzz.db")
    try:
        try:
            import_sources(db, [path])
        except ImportFailure as error:
            event("refused")
            _assert_precise(str(error), path)
            assert store.document_ids(db) == []
            return
        event("accepted")
        accepted = list(read_jsonl(path))
        shapes = {is_doccano(row) for row in rows}
        assume(len(shapes) == 1)
        for fmt in ("prodigy", "doccano"):  # every export imports back to the same documents
            _assert_exports_back(db, accepted, fmt)
    finally:
        db.close()


@FUZZ
@given(data=st.binary(min_size=1, max_size=300), suffix=st.sampled_from([".txt", ".jsonl", ".md"]))
def test_import_sources_refuses_any_bytes_cleanly(
    tmp_path_factory, cached_model, data: bytes, suffix: str
) -> None:
    """Arbitrary bytes through import_sources: ImportFailure (database unchanged) or a stored document."""
    folder = tmp_path_factory.mktemp("import")
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    db = store.open_store(folder / "fuzz.db")
    try:
        try:
            import_sources(db, [path])
        except ImportFailure as error:
            assert str(path) in str(error)
            assert store.document_ids(db) == []
    finally:
        db.close()
