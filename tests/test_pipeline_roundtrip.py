"""Import then export through the real pipeline: round trips are exact, nothing vanishes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import FREYA

from annotations import store
from annotations.exporting import export
from annotations.importing import ImportFailure, import_sources
from annotations.model import Answer

PRODIGY_TASKS = [
    FREYA,
    {
        "text": "Old export without tokens: Berlin.",
        "spans": [{"start": 27, "end": 33, "label": "GPE"}],
        "answer": "reject",
        "meta": {"source": "old"},
    },
    {"text": "Accepted with no spans key at all.", "answer": "ignore", "meta": {"id": 3}},
    {
        "text": "Family 👨‍👩‍👧 in Zürich\r\nnext\u00a0line",
        "answer": "accept",
        "spans": [{"start": 17, "end": 23, "label": "GPE"}],
    },
]
DOCCANO_RECORDS = [
    {
        "text": "EU rejects German call to boycott British lamb.",
        "label": [[0, 2, "ORG"], [11, 17, "MISC"]],
        "meta": {"id": 1},
    },
    {"text": "Nothing here.", "label": [], "id": 7, "Comments": ["ok"]},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def exported(db, fmt: str, **options) -> list[dict]:
    out = io.StringIO()
    export(db, fmt, None, stream=out, **options)
    return [json.loads(line) for line in out.getvalue().split("\n") if line]


def essentials(row: dict, label_key: str = "spans") -> tuple:
    spans = row.get(label_key) or []
    keys = sorted((s["start"], s["end"], s["label"]) if isinstance(s, dict) else tuple(s) for s in spans)
    return row["text"], keys, row.get("answer"), row.get("meta") or {}


def test_a_prodigy_file_comes_back_the_same(db, tmp_path: Path) -> None:
    report = import_sources(db, [write_jsonl(tmp_path / "in.jsonl", PRODIGY_TASKS)])
    assert report.added == 4 and report.preannotated == 0
    rows = exported(db, "prodigy")
    assert [essentials(r) for r in rows] == [essentials(t) for t in PRODIGY_TASKS]
    first = rows[0]
    assert first["_input_hash"] == 896529854 and first["_task_hash"] == -1486695581
    assert first["_session_id"] == "2024-02-06_10-17-19" and first["_annotator_id"] == "2024-02-06_10-17-19"
    assert first["_timestamp"] == 1707211049 and first["_view_id"] == "ner_manual"
    assert first["tokens"] == PRODIGY_TASKS[0]["tokens"]
    assert first["spans"][0]["token_start"] == 3 and first["spans"][0]["token_end"] == 3


def test_a_doccano_file_comes_back_the_same_with_its_answer(db, tmp_path: Path) -> None:
    """Every key comes back as it was; the answer the import gave each record is written too (an
    export without it would not tell a rejected document from an accepted one)."""
    import_sources(db, [write_jsonl(tmp_path / "in.jsonl", DOCCANO_RECORDS)], answer=Answer.ACCEPT)
    rows = exported(db, "doccano")
    assert [{key: value for key, value in row.items() if key != "answer"} for row in rows] == DOCCANO_RECORDS
    assert [row["answer"] for row in rows] == ["accept", "accept"]


def test_importing_the_same_file_twice_adds_nothing(db, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", PRODIGY_TASKS)
    import_sources(db, [source])
    again = import_sources(db, [source])
    assert again.added == 0 and again.duplicates == 4
    assert store.count_queue(db) == 4


def test_plain_text_is_pre_annotated_and_unanswered_until_asked(db, tmp_path: Path) -> None:
    plain = write_jsonl(
        tmp_path / "plain.jsonl", [{"text": "Angela Merkel visited Paris.", "meta": {"n": 1}}]
    )
    report = import_sources(db, [plain])
    assert report.preannotated == 1 and report.model.startswith("en_core_web_sm")
    assert exported(db, "prodigy") == []
    (row,) = exported(db, "prodigy", include_unanswered=True)
    assert "answer" not in row and row["meta"] == {"n": 1}
    assert ("Paris", "GPE") in {(row["text"][s["start"] : s["end"]], s["label"]) for s in row["spans"]}
    document = store.load_document(db, 1)
    assert document.predicted == document.spans


def test_answer_option_sets_only_records_without_their_own(db, tmp_path: Path) -> None:
    rows = [{"text": "One.", "answer": "reject"}, {"text": "Two.", "spans": []}]
    import_sources(db, [write_jsonl(tmp_path / "in.jsonl", rows)], answer=Answer.ACCEPT)
    assert [r["answer"] for r in exported(db, "prodigy")] == ["reject", "accept"]


def test_a_bad_record_stores_nothing_and_names_file_and_line(db, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", PRODIGY_TASKS)
    import_sources(db, [good])
    before = [dict(r) for r in db.query("SELECT * FROM documents")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "fine"}\n{"text": "span past the end", "spans": [{"start": 0, "end": 99, "label": "X"}]}\n'
    )
    with pytest.raises(ImportFailure, match=r"bad.jsonl:2"):
        import_sources(db, [bad])
    assert [dict(r) for r in db.query("SELECT * FROM documents")] == before


def test_labels_outside_the_label_set_are_refused_and_file_labels_are_added(db, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", DOCCANO_RECORDS)
    with pytest.raises(ImportFailure, match="MISC"):
        import_sources(db, [source], labels=["ORG"])
    import_sources(db, [source])
    assert {"ORG", "MISC"} <= {name for name, _ in store.labels(db)}


def test_folders_of_text_files_are_imported_one_document_per_file(db, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Apple hired Tim Cook.\r\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("\ufeffBOM kept in Berlin.", encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00\x01")
    report = import_sources(db, [folder], answer=Answer.ACCEPT)
    assert report.added == 2
    texts = [row["text"] for row in exported(db, "doccano")]
    assert texts == ["Apple hired Tim Cook.\r\n", "\ufeffBOM kept in Berlin."]


def test_a_span_inside_a_token_survives_every_export(db, tmp_path: Path) -> None:
    text = "tension along the Ukrainian borderPutin has had calls"
    start = text.index("Putin")
    rows = [
        {"text": text, "answer": "accept", "spans": [{"start": start, "end": start + 5, "label": "PERSON"}]}
    ]
    import_sources(db, [write_jsonl(tmp_path / "in.jsonl", rows)])
    (task,) = exported(db, "prodigy")
    (span,) = task["spans"]
    token = task["tokens"][span["token_start"]]
    assert span["token_start"] == span["token_end"] and (token["start"], token["end"]) == (start, start + 5)
    (record,) = exported(db, "doccano")
    assert record["label"] == [[start, start + 5, "PERSON"]]
    import spacy
    from spacy.tokens import DocBin

    export(db, "spacy", tmp_path / "out.spacy")
    (doc,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("en").vocab)
    assert doc.text == text
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(start, start + 5, "PERSON")]


def test_spacy_split_is_deterministic_and_complete(db, tmp_path: Path) -> None:
    rows = [{"text": f"Document number {i} about Paris.", "answer": "accept", "spans": []} for i in range(60)]
    import_sources(db, [write_jsonl(tmp_path / "in.jsonl", rows)])
    first = export(db, "spacy", tmp_path / "one", split=0.2)
    second = export(db, "spacy", tmp_path / "two", split=0.2)
    assert first.documents == 60
    assert (tmp_path / "one" / "dev.spacy").read_bytes() == (tmp_path / "two" / "dev.spacy").read_bytes()
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    dev = len(list(DocBin().from_disk(tmp_path / "one" / "dev.spacy").get_docs(vocab)))
    assert 3 <= dev <= 25 and second.documents == 60


PIECES = [*"ab Zü\n\r\t.,", "😀", "👨‍👩‍👧", "🇫🇷", "e\u0301", "\u00a0", "\u2028", "\r\n"]
unicode_text = (
    st.lists(st.one_of(st.sampled_from(PIECES), st.characters(codec="utf-8")), min_size=1, max_size=30)
    .map("".join)
    .filter(lambda t: t.strip())
)


@st.composite
def annotated_record(draw) -> dict:
    text = draw(unicode_text)
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=6)))
    spans = [
        {"start": a, "end": b, "label": draw(st.sampled_from(["ORG", "PERSON", "GPE"]))}
        for a, b in zip(cuts[::2], cuts[1::2])
        if a < b and text[a:b].strip()
    ]
    return {
        "text": text,
        "spans": spans,
        "answer": draw(st.sampled_from(["accept", "reject", "ignore"])),
        "meta": {"n": draw(st.integers())},
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(annotated_record(), min_size=1, max_size=4, unique_by=lambda r: r["text"]))
def test_prodigy_and_doccano_round_trips_hold_for_any_unicode_text(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("rt")
    db = store.open_store(folder / "x.db")
    import_sources(db, [write_jsonl(folder / "in.jsonl", rows)])
    assert [essentials(r) for r in exported(db, "prodigy")] == [essentials(r) for r in rows]
    doccano = exported(db, "doccano")
    assert [essentials(r, "label")[:2] for r in doccano] == [essentials(r)[:2] for r in rows]
    db.close()


def test_an_imported_task_hash_is_kept_until_the_spans_change(db, tmp_path: Path) -> None:
    from annotations.session import Session

    import_sources(db, [write_jsonl(tmp_path / "in.jsonl", PRODIGY_TASKS[:1])])
    session = Session(db, "ana")
    session.open(1)
    session.apply(session.set_answer(Answer.REJECT))
    assert exported(db, "prodigy")[0]["_task_hash"] == -1486695581
    session.apply(session.add_span(0, 2, "PERSON"))
    assert exported(db, "prodigy")[0]["_task_hash"] != -1486695581
