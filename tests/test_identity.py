"""Document identity: a document is its text, one per dataset, whatever format brought it (issue 9, 2)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from annotations import hashing, identity, store
from annotations.checking import check_database
from annotations.cli import cli
from annotations.exporting import export
from annotations.importing import ImportFailure, import_sources
from annotations.migrations import migrations


def ticket(number: int) -> str:
    """The ticket texts of the issue's 100,000-line import."""
    return f"Ticket {number}: printer on floor {number % 7} is jammed again."


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def words(text: str) -> list[dict]:
    """Prodigy tokens for a text split at spaces."""
    tokens, start = [], 0
    for number, word in enumerate(text.split(" ")):
        tokens.append({"text": word, "start": start, "end": start + len(word), "id": number, "ws": True})
        start += len(word) + 1
    return tokens


def annotated(text: str, spans=(), answer: str | None = "accept", **extra) -> dict:
    """A Prodigy task arriving annotated, with its tokens (no model runs)."""
    task = {"text": text, "tokens": words(text)} | ({"answer": answer} if answer else {})
    task["spans"] = [{"start": s, "end": e, "label": label} for s, e, label in spans]
    return task | extra


def stored_texts(db: Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT text FROM documents ORDER BY id")]


def exported_prodigy(db: Database) -> list[dict]:
    stream = io.StringIO()
    export(db, "prodigy", None, include_unanswered=True, stream=stream)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# ---------------------------------------------------------------- distinct texts are never merged


def test_the_two_tickets_whose_32_bit_input_hashes_collide_are_two_documents(db, tmp_path: Path) -> None:
    """Tickets 23240 and 63140 share a 32-bit input hash; the second was dropped as 'already there'."""
    assert hashing.input_hash(ticket(23240)) == hashing.input_hash(ticket(63140))
    source = write_jsonl(tmp_path / "tickets.jsonl", [annotated(ticket(23240)), annotated(ticket(63140))])
    report = import_sources(db, [source])
    assert (report.added, report.duplicates) == (2, 0)
    assert stored_texts(db) == [ticket(23240), ticket(63140)]
    assert [task["_input_hash"] for task in exported_prodigy(db)] == [hashing.input_hash(ticket(23240))] * 2
    assert not store.holds_same_texts(db)  # two texts, each once: the window names nothing


def test_distinct_texts_a_file_gives_one_input_hash_are_two_documents(db, tmp_path: Path) -> None:
    """A Prodigy file whose tasks share an _input_hash (32-bit hashes collide): both texts are stored, and
    each is exported with the hash it came with."""
    rows = [annotated("First report.", _input_hash=42), annotated("Second report.", _input_hash=42)]
    report = import_sources(db, [write_jsonl(tmp_path / "same-hash.jsonl", rows)])
    assert (report.added, report.duplicates) == (2, 0)
    assert [(t["text"], t["_input_hash"]) for t in exported_prodigy(db)] == [
        ("First report.", 42),
        ("Second report.", 42),
    ]


def test_a_hundred_thousand_tickets_are_a_hundred_thousand_documents(db, tmp_path: Path) -> None:
    """The issue's import: 100,000 distinct lines store 100,000 documents (99,999 before)."""
    rows = [{"text": ticket(i), "label": []} for i in range(100_000)]  # doccano, annotated: no model
    source = write_jsonl(tmp_path / "tickets.jsonl", rows)
    report = import_sources(db, [source])
    assert (report.added, report.duplicates, report.differing) == (100_000, 0, ())
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 100_000


def test_distinct_texts_whose_digests_match_are_refused_never_merged(db, tmp_path, monkeypatch) -> None:
    """Texts are compared when their digests match: a (never seen) digest collision stops the import."""
    monkeypatch.setattr(hashing, "text_digest", lambda text: b"same digest for every text")
    source = write_jsonl(tmp_path / "two.jsonl", [annotated("one text"), annotated("another text")])
    with pytest.raises(ImportFailure, match=r"two\.jsonl:2: its text differs from a stored text"):
        import_sources(db, [source])
    assert stored_texts(db) == []


# ---------------------------------------------------------------- the same text is one document


def same_text_in_three_formats(tmp_path: Path, text: str) -> tuple[Path, Path, Path]:
    """One text as a Prodigy task carrying its own hashes, a doccano record and a plain JSONL input."""
    prodigy = write_jsonl(
        tmp_path / "prodigy.jsonl",
        [annotated(text, [(0, 6, "PERSON")], answer=None, _input_hash=-17, _task_hash=99)],
    )
    doccano = write_jsonl(tmp_path / "doccano.jsonl", [{"text": text, "label": [[0, 6, "PERSON"]]}])
    plain = write_jsonl(tmp_path / "plain.jsonl", [{"text": text}])
    return prodigy, doccano, plain


def test_one_text_through_three_formats_is_one_document(db, tmp_path: Path) -> None:
    """A Prodigy task with its own _input_hash, then the doccano and plain records of the same text."""
    text = "Angela Merkel visited Paris."
    prodigy, doccano, plain = same_text_in_three_formats(tmp_path, text)
    assert import_sources(db, [prodigy]).added == 1
    for source in (doccano, plain):
        report = import_sources(db, [source])
        assert (report.added, report.duplicates, report.differing) == (0, 1, ())
    assert stored_texts(db) == [text]


def test_exported_prodigy_tasks_carry_the_hashes_they_came_with(db, tmp_path: Path) -> None:
    """The hashes a file brings are kept as they came (64-bit ones too), whatever else holds the text."""
    big = 2**62 + 12345
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            annotated("First text here.", [(0, 5, "ORG")], _input_hash=big, _task_hash=-big),
            annotated("Second text here.", _input_hash=7, _task_hash=8),
        ],
    )
    import_sources(db, [source])
    import_sources(
        db, [write_jsonl(tmp_path / "doccano.jsonl", [{"text": "Second text here.", "label": []}])]
    )
    hashes = [(task["_input_hash"], task["_task_hash"]) for task in exported_prodigy(db)]
    assert hashes == [(big, -big), (7, 8)]


def test_split_never_puts_one_text_on_both_sides(db, tmp_path: Path) -> None:
    """The same texts through Prodigy (with hashes) and doccano: each text in train or in dev, never both
    (before: two documents per text under two input hashes, and about a third of the texts on both sides)."""
    texts = [f"Report {n} from Lisbon arrived late." for n in range(60)]
    prodigy = [
        annotated(t, [(16, 22, "GPE")], None, _input_hash=n, _task_hash=n) for n, t in enumerate(texts)
    ]
    doccano = [{"text": t, "label": [[16, 22, "GPE"]]} for t in texts]
    import_sources(db, [write_jsonl(tmp_path / "p.jsonl", prodigy)], dataset="one")
    import_sources(db, [write_jsonl(tmp_path / "d.jsonl", doccano)], dataset="one")
    assert len(stored_texts(db)) == 60
    export(db, "spacy", tmp_path / "corpus", split=0.2, include_unanswered=True)
    sides = {side: docbin_texts(tmp_path / "corpus" / f"{side}.spacy") for side in ("train", "dev")}
    assert sorted(sides["train"] + sides["dev"]) == sorted(texts)
    assert sides["dev"] and sides["train"]


def test_split_keeps_an_older_databases_two_copies_of_a_text_on_one_side(tmp_path: Path) -> None:
    """A text an older database held twice (under two input hashes) goes to train or dev, both copies."""
    path = tmp_path / "old.db"
    old_database(path, copies=40)
    db = store.open_store(path)
    try:
        export(db, "spacy", tmp_path / "corpus", split=0.5, include_unanswered=True)
    finally:
        db.close()
    sides = [set(docbin_texts(tmp_path / "corpus" / f"{side}.spacy")) for side in ("train", "dev")]
    assert sides[0] and sides[1] and not sides[0] & sides[1]


def docbin_texts(path: Path) -> list[str]:
    from spacy.lang.en import English
    from spacy.tokens import DocBin

    return [doc.text for doc in DocBin().from_disk(path).get_docs(English().vocab)]


# ---------------------------------------------------------------- records that differ from the stored version


def test_records_that_differ_from_the_stored_text_are_reported_with_their_lines(db, tmp_path: Path) -> None:
    """Same text, other spans or answer: not imported, and the report says how many, where, what to do."""
    text, other = "Tim Cook runs Apple.", "A new text."
    import_sources(db, [write_jsonl(tmp_path / "first.jsonl", [annotated(text, [(0, 8, "PERSON")])])])
    again = write_jsonl(
        tmp_path / "again.jsonl",
        [
            annotated(text, [(0, 8, "PERSON")]),  # 1: as stored
            annotated(text, [(14, 19, "ORG")]),  # 2: other spans
            annotated(other),  # 3: new
            annotated(text, [(0, 8, "PERSON")], answer="reject"),  # 4: other answer
            {"text": text},  # 5: says nothing of spans
            annotated(other, [(0, 1, "X")]),  # 6: differs from line 3 of this file
        ],
    )
    report = import_sources(db, [again])
    assert (report.added, report.duplicates) == (1, 2)
    assert report.differing == (f"{again}:2", f"{again}:4", f"{again}:6")
    note = report.differing_note()
    assert note.startswith("3 records matched texts already stored (or earlier in this import) but differ")
    assert f"in spans or answer ({again} lines 2, 4, 6); they were not imported" in note
    assert "the versions already there were kept" in note and "another dataset" in note
    assert [task["spans"][0]["label"] for task in exported_prodigy(db) if task["text"] == text] == ["PERSON"]


def test_a_text_another_import_stored_meanwhile_is_compared_too(db, tmp_path, monkeypatch) -> None:
    """Another process stores the same text, with other spans, while this import pre-annotates: the
    record is reported as differing, not counted as 'already there'."""
    text, same = "Tim Cook runs Apple.", "Apple hired Tim."
    theirs = [annotated(text, [(0, 8, "PERSON")]), annotated(same, [(0, 5, "ORG")])]
    import_sources(db, [write_jsonl(tmp_path / "theirs.jsonl", theirs)])
    monkeypatch.setattr(identity, "known_digests", lambda db, dataset: set())  # looked before they stored
    rows = [annotated(text, [(14, 19, "ORG")]), annotated(same, [(0, 5, "ORG")]), annotated("New.")]
    mine = write_jsonl(tmp_path / "mine.jsonl", rows)
    report = import_sources(db, [mine])
    assert (report.added, report.duplicates, report.differing) == (1, 1, (f"{mine}:1",))


def test_the_import_command_says_which_records_differ(tmp_path: Path) -> None:
    """The CLI prints the note after its summary."""
    db_path, text = tmp_path / "cli.db", "Tim Cook runs Apple."
    first = write_jsonl(tmp_path / "first.jsonl", [annotated(text, [(0, 8, "PERSON")])])
    second = write_jsonl(tmp_path / "second.jsonl", [annotated("Other."), annotated(text, [(14, 19, "ORG")])])
    runner = CliRunner()
    runner.invoke(cli, ["import", str(first), "--db", str(db_path)], catch_exceptions=False)
    result = runner.invoke(cli, ["import", str(second), "--db", str(db_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Imported 1 document into 'default'; 0 already there." in result.output
    assert "1 record matched texts already stored (or earlier in this import)" in result.output
    assert f"differs in spans or answer ({second} line 2); they were not imported" in result.output


# ---------------------------------------------------------------- upgrading an older database


def old_database(path: Path, copies: int = 0) -> None:
    """A database at the schema before m004 (unique on the 32-bit input hash), holding one text twice in
    dataset 'a' (under two input hashes, as a Prodigy and a doccano file stored it), once in 'b', and the
    colliding tickets' first one; with annotations, predictions and events. ``copies`` more texts are
    each held twice in 'a'."""
    connection = sqlite3.connect(path)
    db = Database(connection)
    migrations.apply(db, stop_before="m004_text_identity")
    db.execute("INSERT INTO datasets (id, name, created) VALUES (1, 'a', 1), (2, 'b', 1)")
    rows = [
        (1, 1, -17, 99, "Angela Merkel visited Paris."),
        (2, 1, 12345, None, ticket(23240)),
        (3, 1, hashing.input_hash("Angela Merkel visited Paris."), None, "Angela Merkel visited Paris."),
        (4, 2, -17, 99, "Angela Merkel visited Paris."),
    ]
    for n in range(copies):
        text = f"Copy {n} went to Paris."
        rows += [(5 + 2 * n, 1, n, None, text), (6 + 2 * n, 1, hashing.input_hash(text), None, text)]
    for document_id, dataset_id, input_hash, task_hash, text in rows:
        db.execute(
            "INSERT INTO documents (id, dataset_id, input_hash, task_hash, text, tokens, created)"
            " VALUES (?, ?, ?, ?, ?, '[0, 6]', 1)",
            [document_id, dataset_id, input_hash, task_hash, text],
        )
        db.execute(
            "INSERT INTO annotations (document_id, spans, answer, rev) VALUES (?, ?, ?, 1)",
            [document_id, f'[[0, 4, "L{document_id}", "human"]]', "accept" if document_id != 3 else None],
        )
        answer = "accept" if document_id != 3 else None
        db.execute(
            "INSERT INTO events (document_id, at, kind, before, after) VALUES (?, 1, 'edit', ?, ?)",
            [
                document_id,
                '{"spans": [], "answer": null}',
                json.dumps({"spans": [[0, 4, f"L{document_id}", "human"]], "answer": answer}),
            ],
        )
    db.execute("INSERT INTO predictions VALUES (3, 'm', '1', '[]', 1)")
    connection.commit()
    connection.close()


def rows_of(path: Path, table: str, columns: str = "*") -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()
    finally:
        connection.close()


def test_an_older_database_is_upgraded_with_nothing_lost_and_same_texts_reported(tmp_path: Path) -> None:
    """Every row is kept (both copies of a text); the later copy is reported, not merged."""
    path = tmp_path / "old.db"
    old_database(path)
    columns = "id, dataset_id, input_hash, task_hash, text, meta, extra, tokens, created"
    tables = ("datasets", "labels", "settings")
    kept_columns = {  # later migrations add columns (versions: m006; scores: m010) to these tables
        "predictions": "document_id, model, model_version, spans, created",
        "documents": columns,
        "annotations": "document_id, annotator, spans, answer, rev, updated",
        "events": "id, document_id, annotator, at, kind, before, after",
    }
    before = {table: rows_of(path, table) for table in tables} | {
        table: rows_of(path, table, kept) for table, kept in kept_columns.items()
    }
    db = store.open_store(path)
    try:
        assert identity.same_text_documents(db) == [identity.SameText("a", 3, 1)]
        assert store.holds_same_texts(db)  # what the window looks at before loading identity
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert check_database(db) == []
    finally:
        db.close()
    after = {table: rows_of(path, table) for table in tables} | {
        table: rows_of(path, table, kept) for table, kept in kept_columns.items()
    }
    assert after == before


def test_an_upgraded_database_takes_one_document_per_text(tmp_path: Path) -> None:
    """After the upgrade the colliding ticket joins its twin, and a stored text is already there."""
    path = tmp_path / "old.db"
    old_database(path)
    db = store.open_store(path)
    try:
        rows = [annotated(ticket(63140)), {"text": "Angela Merkel visited Paris."}]
        report = import_sources(db, [write_jsonl(tmp_path / "more.jsonl", rows)], dataset="a")
        assert (report.added, report.duplicates) == (1, 1)
        assert check_database(db) == []
    finally:
        db.close()


def test_upgrading_a_large_database_keeps_every_document(tmp_path: Path) -> None:
    """40,000 documents upgrade, every one kept (the time it takes is measured in bench/upgrade_bench.py:
    a self-referencing key once made it quadratic)."""
    path = tmp_path / "large.db"
    old_database(path)
    connection = sqlite3.connect(path)
    with connection:
        rows = [(10 + n, 1, 10**6 + n, f"Text number {n}.") for n in range(40_000)]
        connection.executemany(
            "INSERT INTO documents (id, dataset_id, input_hash, text, created) VALUES (?, ?, ?, ?, 1)", rows
        )
        connection.executemany("INSERT INTO annotations (document_id) VALUES (?)", [(r[0],) for r in rows])
    connection.close()
    store.open_store(path).close()
    assert len(rows_of(path, "documents", "id")) == 40_004


def test_the_cli_tells_about_documents_an_older_database_held_twice(tmp_path: Path) -> None:
    """`stats` and `check` name the documents holding a text already in their dataset."""
    path = tmp_path / "old.db"
    old_database(path)
    runner = CliRunner()
    for command in ("stats", "check"):
        result = runner.invoke(cli, [command, "--db", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "1 document holds the same text as an earlier document of their dataset" in result.output
        assert "3 (= 1, 'a')" in result.output
