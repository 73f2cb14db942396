"""The pre-annotated import's quick paths (orjson for lines it reads exactly as ``json.loads`` does, documents
stored a batch at a time with the ids one INSERT per document would give) store what the precise paths
store, and refuse the same lines with the same messages."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import identity, store
from annotations.formats import jsonl, quick_json
from annotations.importing import ImportFailure, import_sources
from annotations.records import RecordError
from tests.test_import_fast_paths import write

TEXT = "Angela Merkel met Acme Corp in Berlin 🇩🇪 on Monday"


def precise(line: str) -> str:
    """What the precise path makes of a line: the record (written out, so 1 and 1.0 differ), or the
    message refusing it."""
    try:
        return repr(jsonl._record(line, "f.jsonl:3"))
    except RecordError as error:
        return f"refused: {error}"


def quick(line: str) -> str:
    """The same, read as a file's line is read (its bytes given, so orjson may decode it)."""
    try:
        return repr(jsonl._record(line, "f.jsonl:3", line.encode("utf-8")))
    except RecordError as error:
        return f"refused: {error}"


NUMBER = st.one_of(
    st.integers(-(2**70), 2**70),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.0, 0.0, 1e308, 5e-324, 1.7976931348623157e308]),
)
PIECE = st.sampled_from(
    ["a", "é", "😀", "\\ud83d", "\\ude00", "\\ud800", "\\\\", '\\"', "\\u00e9", "\\n", "1" * 19]
)
STRING = st.lists(PIECE, max_size=6).map(lambda pieces: '"' + "".join(pieces) + '"')
SCALAR = st.one_of(NUMBER.map(json.dumps), STRING, st.sampled_from(["true", "false", "null", "NaN", "1e400"]))
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from(['"a"', '"b"', '"\\ud800"', '"é"']), inner, max_size=3).map(
            lambda items: "{" + ", ".join(f"{k}: {v}" for k, v in items.items()) + "}"
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_quick_decoding_gives_json_loads_value_or_steps_aside(literal: str) -> None:
    value = quick_json.decoded(literal.encode("utf-8"))
    try:
        expected = repr(json.loads(literal))
    except (ValueError, RecursionError):
        assert value is quick_json.NOT_QUICK
        return
    if value is not quick_json.NOT_QUICK:
        assert repr(value) == expected


@settings(max_examples=400, deadline=None)
@given(VALUE, VALUE, st.sampled_from(["tokens", "spans", "meta", "custom", "_timestamp", "_input_hash"]))
def test_a_line_read_quickly_gives_the_record_or_message_of_the_precise_path(
    meta: str, other: str, key: str
) -> None:
    tokens = '[{"text": "Angela", "start": 0, "end": 6, "id": 0}, {"start": 7, "end": 13, "ws": true}]'
    spans = '[{"start": 0, "end": 13, "label": "PERSON", "score": 0.5}]'
    fields = {"text": json.dumps(TEXT), "meta": meta, "tokens": tokens, "spans": spans, "answer": '"accept"'}
    fields[key] = other
    line = "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}\n"
    assert quick(line) == precise(line)


@pytest.mark.parametrize(
    "line",
    [
        '{"text": "x", "meta": {"n": 123456789012345678901234567890}}',  # orjson: a float
        '{"text": "x", "_input_hash": 18446744073709551616}',
        '{"text": "x", "meta": {"n": 1e400}}',
        '{"text": "x", "meta": {"n": NaN}}',
        '{"text": "bad \\ud800"}',
        '{"text": "ok \\ud83d\\ude00", "meta": {"n": -0.0, "m": 0.1}}',
        '\ufeff{"text": "x"}',
        '{"text": "x",}',
        '{"text": "x"} x',
        '["text"]',
        '{"text": "x", "meta": ' + "[" * 900 + "]" * 900 + "}",
        '{"text": "x", "meta": ' + "[" * 3000 + "]" * 3000 + "}",
        '{"text": "x", "label": ["A"]}',  # doccano
    ],
)
def test_lines_orjson_would_read_otherwise_are_read_the_precise_way(line: str) -> None:
    assert quick(line) == precise(line)


# ---------------------------------------------------------------- whole imports


def posts(count: int, start: int = 0) -> list[dict[str, Any]]:
    records = []
    for number in range(start, start + count):
        text = f"Post {number} about Acme Corp in Berlin"
        records.append(
            {
                "text": text,
                "meta": {"n": number, "big": 10**20 if number % 4 == 0 else number},
                "spans": [{"start": text.index("Acme"), "end": text.index("Acme") + 9, "label": "ORG"}],
                "answer": "accept",
                "tokens": [
                    {"text": w, "start": text.index(w), "end": text.index(w) + len(w)}
                    for w in dict.fromkeys(text.split())
                ],
            }
        )
    return records


def rows(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(db_path)
    found = {
        "documents": connection.execute(
            "SELECT id, dataset_id, text_digest, input_hash, task_hash, text, meta, extra, tokens"
            " FROM documents ORDER BY id"
        ).fetchall(),
        "annotations": connection.execute(
            "SELECT id, document_id, kind, owner, annotator, spans, answer, rev FROM annotations ORDER BY id"
        ).fetchall(),
        "answer_counts": connection.execute("SELECT * FROM answer_counts ORDER BY rowid").fetchall(),
        "search": connection.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'Acm' ORDER BY rowid"
        ).fetchall(),
    }
    connection.close()
    return found


def import_into(db_path: Path, *sources: Path, **options: Any) -> Any:
    db = store.open_store(db_path)
    try:
        return import_sources(db, list(sources), **options)
    finally:
        db.close()


def test_import_with_orjson_stores_what_the_standard_library_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write(tmp_path / "posts.jsonl", posts(30))
    quick_report = import_into(tmp_path / "quick.db", source, annotator="ann")
    with monkeypatch.context() as patched:
        patched.setattr(quick_json, "decoded", lambda raw: quick_json.NOT_QUICK)
        precise_report = import_into(tmp_path / "precise.db", source, annotator="ann")
    assert quick_report == precise_report
    stored = rows(tmp_path / "quick.db")
    assert stored == rows(tmp_path / "precise.db")
    assert json.loads(stored["documents"][0][6]) == {"n": 0, "big": 10**20}  # an integer still, not 1e+20


def test_new_documents_take_the_ids_after_the_largest_and_texts_stored_meanwhile_are_not_stored_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = tmp_path / "db.db"
    import_into(db_path, write(tmp_path / "first.jsonl", posts(5)))
    meanwhile = posts(3, start=10)
    meanwhile[1]["answer"] = "reject"  # stored by the other window with another answer than the file's
    known = identity.known_digests

    def other_window_stores_some(db: Any, dataset: str) -> set[bytes]:
        found = known(db, dataset)  # what the import saw; then another connection stores two of its texts
        monkeypatch.setattr(identity, "known_digests", known)
        import_into(db_path, write(tmp_path / "meanwhile.jsonl", meanwhile[:2]))
        return found

    monkeypatch.setattr(identity, "known_digests", other_window_stores_some)
    report = import_into(db_path, write(tmp_path / "second.jsonl", posts(8, start=8)))
    stored = rows(db_path)
    texts = [row[5] for row in stored["documents"]]
    assert [row[0] for row in stored["documents"]] == list(range(1, 14))
    assert texts[5:7] == [meanwhile[0]["text"], meanwhile[1]["text"]]  # the other window's, first
    assert texts[7:] == [p["text"] for p in posts(8, start=8) if p["text"] not in texts[5:7]]
    assert len(set(texts)) == len(texts)
    assert report.added == 6 and report.duplicates == 1
    assert report.differing == (f"{tmp_path / 'second.jsonl'}:4",)  # reject there, accept here
    assert [row[0] for row in stored["search"]] == list(range(1, 14))


def test_documents_stored_outside_a_transaction_are_stored_all_or_nothing(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "db.db")
    key = store.ensure_dataset(db, "default")
    first = [store.NewDocument("Berlin is big", (), 1), store.NewDocument("Paris too", (), 2)]
    assert store.insert_documents(db, key, first) == 2
    skipped: list[int] = []
    again = [store.NewDocument("Paris too", (), 2), store.NewDocument("Rome", (), 3)]
    assert store.insert_documents(db, key, [*again, again[1]], skipped) == 1
    assert skipped == [0, 2]
    assert [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")] == [1, 2, 3]
    assert not db.conn.in_transaction
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_documents(db, 99, [store.NewDocument("Oslo", (), 4)])  # no such dataset
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    db.close()


def test_a_bad_line_after_good_ones_stores_nothing_and_names_its_line(tmp_path: Path) -> None:
    records = [json.dumps(r) for r in posts(20)]
    records[12] = records[12].replace('"answer": "accept"', '"answer": "maybe"')
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(records) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match=r"bad\.jsonl:13: \"answer\" must be"):
        import_into(tmp_path / "db.db", source)
    assert rows(tmp_path / "db.db")["documents"] == []


def test_an_import_decodes_its_lines_with_orjson_and_stores_without_a_statement_per_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orjson
    from sqlite_utils import Database

    source = write(tmp_path / "posts.jsonl", posts(300))
    decoded, statements = [], []
    loads, execute = orjson.loads, Database.execute
    monkeypatch.setattr(quick_json.orjson, "loads", lambda raw: decoded.append(raw) or loads(raw))
    monkeypatch.setattr(
        Database, "execute", lambda self, *a, **k: statements.append(a) or execute(self, *a, **k)
    )
    db = store.open_store(tmp_path / "db.db")
    statements.clear()
    assert import_sources(db, [source]).added == 300
    db.close()
    assert len(decoded) == 225  # every line but those holding 10**20 (21 digits: read by json.loads)
    assert len(statements) < 30


def test_answer_counts_added_in_one_statement_are_the_rows_the_triggers_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = posts(12)
    for number, record in enumerate(first):
        record["answer"] = ["accept", "reject", "ignore"][number % 3]
        if number % 4 == 1:
            del record["answer"]
            record["spans"] = []
    second = posts(10, start=8)
    for number, record in enumerate(second):
        record["_annotator_id"] = ["ann", "bo"][number % 2]
        record["answer"] = ["reject", "accept"][number % 3 % 2]
    sources = [write(tmp_path / "first.jsonl", first), write(tmp_path / "second.jsonl", second)]
    import_into(tmp_path / "batched.db", sources[0], dataset="a")
    import_into(tmp_path / "batched.db", *sources, dataset="b", annotator="cy", existing="keep")
    import_into(tmp_path / "batched.db", sources[1], dataset="a", existing="keep")
    with monkeypatch.context() as patched:
        patched.setattr("annotations.store.new_documents.answer_counts_batched", unbatched)
        import_into(tmp_path / "triggers.db", sources[0], dataset="a")
        import_into(tmp_path / "triggers.db", *sources, dataset="b", annotator="cy", existing="keep")
        import_into(tmp_path / "triggers.db", sources[1], dataset="a", existing="keep")
    batched, by_triggers = rows(tmp_path / "batched.db"), rows(tmp_path / "triggers.db")
    assert batched == by_triggers
    assert {row[1] for row in batched["answer_counts"]} == {"base", "annotator", "shadowed"}
    db = store.open_store(tmp_path / "batched.db")
    seen = db.execute(
        "SELECT coalesce((SELECT v.answer FROM annotations v WHERE v.document_id = d.id AND v.owner = 'cy'),"
        " (SELECT b.answer FROM annotations b WHERE b.document_id = d.id AND b.kind = 'base'))"
        " FROM documents d JOIN datasets ds ON ds.id = d.dataset_id WHERE ds.name = 'b'"
    ).fetchall()
    recounted: dict[str | None, int] = {}
    for (answer,) in seen:
        recounted[answer] = recounted.get(answer, 0) + 1
    assert store.answer_counts(db, "b", viewer="cy") == recounted
    db.close()


class unbatched:  # noqa: N801 - stands in for the context manager it switches off
    def __init__(self, db: Any) -> None:
        pass

    def __enter__(self) -> bool:
        return False

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_failed_write_keeps_both_count_triggers_and_the_counts(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "db.db")
    key = store.ensure_dataset(db, "default")
    store.insert_documents(db, key, [store.NewDocument("Berlin is big", (), 1)])
    before = db.execute("SELECT * FROM answer_counts").fetchall()
    with pytest.raises(sqlite3.IntegrityError), store.write_transaction(db):
        store.insert_documents(db, key, [store.NewDocument("Paris", (), 2, annotator="ann")])
        db.execute("INSERT INTO documents (id, dataset_id, text) VALUES (1, 1, 'x')")  # fails: id taken
    assert db.execute("SELECT * FROM answer_counts").fetchall() == before
    triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"answer_counts_insert", "answer_counts_shadow"} <= triggers
    store.insert_documents(db, key, [store.NewDocument("Rome", (), 3, annotator="ann")])
    counts = db.execute("SELECT kind, owner, answer, documents FROM answer_counts ORDER BY rowid").fetchall()
    assert counts == [("base", "", "", 2), ("shadowed", "ann", "", 1), ("annotator", "ann", "", 1)]
    db.close()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)), max_size=6), st.integers(-8, 8))
def test_tokens_kept_as_offsets_read_and_are_written_like_a_tuple_of_tokens(
    pairs: list[tuple[int, int]], index: int
) -> None:
    from annotations.model import Token
    from annotations.store.encoding import encode_tokens
    from annotations.token_offsets import TokenOffsets

    tokens = tuple(Token(start, end) for start, end in pairs)
    kept = TokenOffsets([offset for pair in pairs for offset in pair])
    assert len(kept) == len(tokens) and list(kept) == list(tokens) and bool(kept) == bool(tokens)
    assert kept == tokens and tokens == kept and hash(kept) == hash(tokens) and repr(kept) == repr(tokens)
    assert kept[index:] == tokens[index:] and kept[::2] == tokens[::2]
    if -len(tokens) <= index < len(tokens):
        assert kept[index] == tokens[index] and isinstance(kept[index], Token)
    else:
        with pytest.raises(IndexError):
            kept[index]
    assert encode_tokens(kept) == encode_tokens(tokens) == json.dumps([o for pair in pairs for o in pair])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="ab .,😀🇩🇪\n\t-'é" + "\u00a0", max_size=30), min_size=1, max_size=5))
def test_tokens_made_for_records_without_them_are_spacys_tokens(texts: list[str]) -> None:
    from annotations.preannotate import _blank_tokenizer, doc_tokens, tokenize

    made = list(tokenize(texts))
    expected = [doc_tokens(doc) for doc in _blank_tokenizer("en").pipe(texts)]
    assert made == expected
    assert [store.encode_tokens(tokens) for tokens in made] == [store.encode_tokens(t) for t in expected]


def test_documents_whose_ids_would_pass_sqlites_largest_are_refused_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "db.db"
    import_into(db_path, write(tmp_path / "first.jsonl", posts(2)))
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("UPDATE documents SET id = 9223372036854775806 WHERE id = 2")
    connection.close()
    with pytest.raises(ImportFailure, match=r"db\.db: .*largest SQLite allows.*nothing was stored"):
        import_into(db_path, write(tmp_path / "second.jsonl", posts(3, start=5)))
    assert len(rows(db_path)["documents"]) == 2


def test_an_import_of_annotated_records_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    from annotations.importing import ImportCancelled

    source = write(tmp_path / "posts.jsonl", posts(150))
    seen: list[tuple[int, int]] = []
    db = store.open_store(tmp_path / "db.db")
    assert import_sources(db, [source], progress=lambda done, total: seen.append((done, total))).added == 150
    assert seen[0] == (0, 150) and seen[-1] == (150, 150) and seen == sorted(seen)
    asked: list[int] = []
    with pytest.raises(ImportCancelled):
        import_sources(
            db,
            [write(tmp_path / "more.jsonl", posts(150, start=500))],
            cancelled=lambda: bool(asked.append(1)) or len(asked) > 70,
        )
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 150
    db.close()
