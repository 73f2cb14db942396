"""The pre-annotated import's fast paths store exactly what the precise paths store, and refuse the same
records with the same messages (file and line)."""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import store
from annotations.checking import check_database
from annotations.formats import jsonl, prodigy
from annotations.formats.fields import check_no_surrogates_anywhere
from annotations.importing import ImportFailure, import_sources
from annotations.records import RecordError
from annotations.store import search_index_batch
from annotations.store.search import candidate_texts, index_term

BERLIN = index_term(["Ber", "erl", "rli", "lin"])
TEXT = "Angela Merkel met Acme Corp in Berlin 🇩🇪 on Monday"


def outcome(value: Any, text: str = TEXT) -> Any:
    """What ``prodigy._spans`` makes of a spans value: the spans, or the message refusing them."""
    try:
        return prodigy._spans(value, text, "f.jsonl:3")
    except RecordError as error:
        return f"refused: {error}"


def precise_outcome(value: Any, monkeypatch: pytest.MonkeyPatch, text: str = TEXT) -> Any:
    """The same, with the tight loop switched off (every span through the precise path)."""
    with monkeypatch.context() as patched:
        patched.setattr(prodigy, "_well_formed_spans", lambda value, text: None)
        return outcome(value, text)


OFFSET = st.one_of(
    st.integers(-3, len(TEXT) + 3),
    st.sampled_from([True, False, 1.0, "3", None]),
)
LABEL = st.one_of(st.sampled_from(["PERSON", "ORG", "GPE", "", " ", "A\x01", "DATE"]), st.integers(0, 2))
SPAN = st.one_of(
    st.fixed_dictionaries(
        {"start": OFFSET, "end": OFFSET, "label": LABEL},
        optional={"text": st.one_of(st.sampled_from(["Angela", "Merkel", "🇩🇪", ""]), st.integers(0, 1))},
    ),
    st.fixed_dictionaries({"start": OFFSET, "label": LABEL}),
    st.sampled_from([[0, 6, "PERSON"], "span", 3, None]),
)
WELL_FORMED = st.lists(
    st.tuples(st.integers(0, len(TEXT) - 1), st.integers(1, 5), st.sampled_from(["PERSON", "ORG", "GPE"])),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(SPAN, max_size=6))
def test_spans_fast_path_gives_what_the_precise_path_gives(spans: list[Any]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert outcome(spans) == precise_outcome(spans, monkeypatch)


@settings(max_examples=300, deadline=None)
@given(WELL_FORMED, st.booleans())
def test_mostly_well_formed_spans_agree_too(pieces: list[tuple[int, int, str]], with_text: bool) -> None:
    spans = []
    for start, length, label in pieces:
        span: dict[str, Any] = {"start": start, "end": min(start + length, len(TEXT)), "label": label}
        if with_text:
            span["text"] = TEXT[span["start"] : span["end"]]
        spans.append(span)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert outcome(spans) == precise_outcome(spans, monkeypatch)


def test_overlapping_and_repeated_spans_are_refused_by_name() -> None:
    overlapping = [{"start": 0, "end": 13, "label": "PERSON"}, {"start": 7, "end": 13, "label": "ORG"}]
    assert outcome(overlapping) == "refused: f.jsonl:3: spans 0-13 (PERSON) and 7-13 (ORG) overlap"
    twice = [{"start": 0, "end": 6, "label": "PERSON"}] * 2
    assert "overlap" in outcome(twice)
    unsorted = [{"start": 18, "end": 27, "label": "ORG"}, {"start": 0, "end": 13, "label": "PERSON"}]
    assert [(s.start, s.end, s.label) for s in outcome(unsorted)] == [(0, 13, "PERSON"), (18, 27, "ORG")]


# ---------------------------------------------------------------- surrogate escapes


def has_unpaired_surrogate(value: Any) -> bool:
    """The full check's verdict."""
    try:
        check_no_surrogates_anywhere(value, "x")
    except RecordError:
        return True
    return False


PIECE = st.sampled_from(["a", "\\", "\\\\", "u", "d83d", "\ud83d", "\ude00", "\ud800", "😀", '"', "\\ud83d"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(PIECE, max_size=8).map("".join), max_size=3), st.booleans())
def test_the_surrogate_scan_sends_every_unpaired_one_to_the_full_check(
    strings: list[str], ascii: bool
) -> None:
    line = json.dumps({"text": "x", "meta": {"k": strings}}, ensure_ascii=ascii)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return  # a raw surrogate cannot be in a UTF-8 file (reading the line refuses it first)
    if not jsonl.SURROGATE_ESCAPE.search(line):
        return
    assert jsonl._may_hold_unpaired_surrogate(line) == has_unpaired_surrogate(json.loads(line))


@pytest.mark.parametrize(
    ("line", "unpaired"),
    [
        (r'{"text": "ok \ud83d\ude00"}', False),  # an emoji as json.dumps writes it
        (r'{"text": "ok \\ud800"}', False),  # a backslash, then the letters "ud800"
        (r'{"text": "bad \ud800"}', True),
        (r'{"text": "bad \\\ud800"}', True),  # a backslash, then a surrogate
        (r'{"text": "bad \\ud83d\ude00"}', True),  # "\ud83d" as letters, then a lone low surrogate
        (r'{"text": "bad \ud83d\ud83d\ude00"}', True),
        (r'{"text": "x", "bad \udc00": 1}', True),  # in a key
    ],
)
def test_surrogate_scan_reads_escapes_as_json_does(line: str, unpaired: bool) -> None:
    assert jsonl._may_hold_unpaired_surrogate(line) is unpaired
    assert has_unpaired_surrogate(json.loads(line)) is unpaired


# ---------------------------------------------------------------- whole imports


def varied_records() -> list[dict[str, Any]]:
    """Records of every shape the fast paths meet: tokens or none, spans in any order, emoji written as
    escapes, spans' own keys, annotators, hashes."""
    records: list[dict[str, Any]] = []
    for number in range(40):
        text = f"Angela Merkel {number} met Acme Corp 😀 in Berlin"
        record: dict[str, Any] = {"text": text, "meta": {"n": number}}
        spans = [
            {"start": 0, "end": 13, "label": "PERSON", "text": "Angela Merkel"},
            {"start": text.index("Acme"), "end": text.index("Acme") + 9, "label": "ORG", "score": 0.5},
        ]
        record["spans"] = spans[::-1] if number % 3 == 0 else spans
        if number % 2 == 0:
            record["tokens"] = [
                {"text": word, "start": text.index(word), "end": text.index(word) + len(word), "id": i}
                for i, word in enumerate(dict.fromkeys(text.split()))
            ]
        if number % 5 == 0:
            record["_annotator_id"] = "alice"
        if number % 7 == 0:
            record["answer"] = "reject"
        records.append(record)
    return records


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def all_rows(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes (times left out), and what the search index finds."""
    connection = sqlite3.connect(db_path)
    rows = {
        "documents": connection.execute(
            "SELECT id, dataset_id, text_digest, input_hash, task_hash, text, meta, extra, tokens"
            " FROM documents ORDER BY id"
        ).fetchall(),
        "annotations": connection.execute(
            "SELECT id, document_id, kind, owner, annotator, spans, answer, rev, updated FROM annotations"
            " ORDER BY id"
        ).fetchall(),
        "answer_counts": connection.execute("SELECT * FROM answer_counts ORDER BY rowid").fetchall(),
        "labels": connection.execute("SELECT * FROM labels ORDER BY rowid").fetchall(),
        "search": connection.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'Mer' ORDER BY rowid"
        ).fetchall(),
        "schema": connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
    }
    connection.close()
    return rows


def slow_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every fast path off: spans checked one by one, the full surrogate check on every line with
    a surrogate escape, the search index filled by its trigger document by document."""
    monkeypatch.setattr(prodigy, "_well_formed_spans", lambda value, text: None)
    monkeypatch.setattr(jsonl, "_may_hold_unpaired_surrogate", lambda line: True)

    class Unbatched:
        def __init__(self, db: Any) -> None:
            pass

        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr("annotations.store.new_documents.search_index_batched", Unbatched)


def import_into(db_path: Path, source: Path, **options: Any) -> Any:
    db = store.open_store(db_path)
    try:
        return import_sources(db, [source], **options)
    finally:
        db.close()


def test_import_stores_exactly_what_the_slow_paths_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "first.jsonl", varied_records()[:25])
    second = write(tmp_path / "second.jsonl", varied_records()[15:])  # 10 repeats, 15 new
    fast, slow = tmp_path / "fast.db", tmp_path / "slow.db"
    reports = [import_into(fast, first), import_into(fast, second, annotator="bob")]
    with monkeypatch.context() as patched:
        slow_paths(patched)
        slow_reports = [import_into(slow, first), import_into(slow, second, annotator="bob")]
    assert reports == slow_reports
    assert reports[1].added == 15
    assert all_rows(fast) == all_rows(slow)
    assert len(all_rows(fast)["search"]) == 40


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"start": 17, "end": 20.0, "label": "PER"}, 'span 3 needs an integer "end", not 20.0'),
        ({"start": 17, "end": 99, "label": "PER"}, "span 17-99 (PER) lies outside the text"),
        ({"start": 17, "end": 20, "label": ""}, 'span 3 (17-20) needs a non-empty string "label"'),
        ({"start": 17, "end": 20, "label": "PER", "text": "mex"}, "says its text is 'mex'"),
        ({"start": 2, "end": 9, "label": "PER"}, "spans 0-13 (PERSON) and 2-9 (PER) overlap"),
    ],
)
def test_a_bad_record_is_named_by_its_line_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: dict[str, Any], message: str
) -> None:
    records = varied_records()
    records[17]["spans"] = [*records[17]["spans"], bad]
    source = write(tmp_path / "bad.jsonl", records)
    errors = []
    for name, switch in (("fast", None), ("slow", slow_paths)):
        with monkeypatch.context() as patched:
            if switch:
                switch(patched)
            with pytest.raises(ImportFailure) as failure:
                import_into(tmp_path / f"{name}.db", source)
        errors.append(str(failure.value))
        assert all_rows(tmp_path / f"{name}.db")["documents"] == []
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"{source}:18: ")
    assert message in errors[0]


def test_a_line_with_an_unpaired_surrogate_is_refused_and_emoji_escapes_are_not(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "ok \\ud83d\\ude00", "spans": []}\n{"text": "ok \\\\ud800", "spans": []}\n')
    assert import_into(tmp_path / "good.db", good).added == 2
    bad = tmp_path / "bad.jsonl"
    lone = '{"text": "x", "meta": {"k": "bad \\\\\\ud800"}, "spans": []}\n'  # a backslash, then a surrogate
    bad.write_text('{"text": "fine", "spans": []}\n' + lone)
    with pytest.raises(ImportFailure, match=r"bad\.jsonl:2: holds an unpaired surrogate"):
        import_into(tmp_path / "bad.db", bad)


def test_search_finds_imported_documents_and_the_database_checks_clean(tmp_path: Path) -> None:
    source = write(tmp_path / "posts.jsonl", varied_records())
    db = store.open_store(tmp_path / "db.db")
    import_sources(db, [source])
    trigger = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = ?", [search_index_batch.TRIGGER]
    ).fetchone()
    assert trigger is not None  # made again after the import
    assert [text for _, text in candidate_texts(db, BERLIN)] == [r["text"] for r in varied_records()]
    assert check_database(db) == []
    db.close()


def test_a_failed_write_leaves_the_trigger_and_no_index_rows(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "db.db")
    key = store.ensure_dataset(db, "default")
    with pytest.raises(sqlite3.IntegrityError), store.write_transaction(db):
        store.insert_documents(db, key, [store.NewDocument("Berlin is big", (), 1)])
        db.execute("INSERT INTO documents (id, dataset_id, text) VALUES (1, 1, 'x')")  # fails: id taken
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [search_index_batch.TRIGGER]).fetchone()
    with store.write_transaction(db):
        store.insert_documents(db, key, [store.NewDocument("Berlin is big", (), 1)])
    assert [text for _, text in candidate_texts(db, BERLIN)] == ["Berlin is big"]
    assert check_database(db) == []
    db.close()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_as_it_was_after_an_import(tmp_path: Path, enabled: bool) -> None:
    source = write(tmp_path / "posts.jsonl", varied_records())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "spans": [{"start": 0}]}\n')
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        import_into(tmp_path / "db.db", source)
        assert gc.isenabled() is enabled
        with pytest.raises(ImportFailure):
            import_into(tmp_path / "db.db", bad)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_an_import_encodes_its_rows_before_it_takes_the_write_lock(tmp_path, monkeypatch):
    """Other programs (a window saving an edit) wait for an import's transaction: it holds the lock for
    SQL only, the rows' JSON already made; what is stored is the same."""
    from annotations.store import new_documents

    source = tmp_path / "posts.jsonl"
    rows = [
        {
            "text": f"Post {i} about Berlin",
            "spans": [{"start": 13, "end": 19, "label": "GPE"}],
            "meta": {"i": i},
        }
        for i in range(5)
    ]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    db = store.open_store(tmp_path / "lock.db")
    locked_while_encoding = []
    encoded = new_documents._encoded

    def watched(*args):
        locked_while_encoding.append(db.conn.in_transaction)
        return encoded(*args)

    monkeypatch.setattr(new_documents, "_encoded", watched)
    assert import_sources(db, [source], dataset="news").added == 5
    assert locked_while_encoding == [False] * 5
    stored = store.load_document(db, 3)
    assert [span.key() for span in stored.spans] == [(13, 19, "GPE")] and stored.meta == {"i": 2}
    db.close()
