"""Importing files that bring their own spans: no spaCy when the records carry tokens, the same checks
(and messages) as before on the fast paths, and the same stored result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotations import store
from annotations.importing import ImportFailure, import_sources

REPO = Path(__file__).resolve().parent.parent

CHECK = """
import sys
from pathlib import Path
from annotations import store
from annotations.importing import import_sources
db = store.open_store(Path(sys.argv[2]))
report = import_sources(db, [Path(sys.argv[1])])
print(report.added, report.preannotated, "spacy" in sys.modules)
"""


def task(text: str, spans: list[tuple[int, int, str]], tokens: bool) -> dict:
    record: dict = {"text": text, "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans]}
    if tokens:
        words, offset = [], 0
        for number, word in enumerate(text.split(" ")):
            words.append({"text": word, "start": offset, "end": offset + len(word), "id": number})
            offset += len(word) + 1
        record["tokens"] = words
    return record


def write(path: Path, tokens: bool) -> Path:
    records = [
        task("Ada Lovelace met Babbage in London", [(0, 12, "PERSON"), (28, 34, "GPE")], tokens),
        task("Caf\u00e9 owners in Paris \U0001f600 agree", [(15, 20, "GPE")], tokens),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run_import(source: Path, db: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", CHECK, str(source), str(db)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_records_that_bring_tokens_and_spans_import_without_loading_spacy(tmp_path) -> None:
    assert run_import(write(tmp_path / "tok.jsonl", True), tmp_path / "a.db") == ["2", "0", "False"]
    # without tokens, spaCy's tokenizer makes them (and so is loaded)
    assert run_import(write(tmp_path / "bare.jsonl", False), tmp_path / "b.db") == ["2", "0", "True"]


def test_tokens_the_file_brings_are_stored_as_given(tmp_path) -> None:
    db = store.open_store(tmp_path / "t.db")
    import_sources(db, [write(tmp_path / "tok.jsonl", True)])
    document = store.load_document(db, 1)
    assert [document.text[t.start : t.end] for t in document.tokens] == document.text.split(" ")
    assert [(s.start, s.end, s.label) for s in document.spans] == [(0, 12, "PERSON"), (28, 34, "GPE")]
    db.close()


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ([{"start": 0, "end": 3}, {"start": 2, "end": 5}], "token 1 (2-5) overlaps or precedes"),
        ([{"start": 0, "end": 3, "text": "Adb"}], "token 0 says its text is 'Adb' but the text at 0-3 is"),
        ([{"start": 0, "end": 99}], "token 0 (0-99) lies outside the text (length 12)"),
        ([{"start": 0, "end": True}], 'token 0 must be an object with integer "start" and "end"'),
        (["Ada"], 'token 0 must be an object with integer "start" and "end"'),
    ],
)
def test_a_bad_token_is_named_with_its_line(tmp_path, tokens, message) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps({"text": "Ada Lovelace", "tokens": tokens, "spans": []}) + "\n")
    db = store.open_store(tmp_path / "bad.db")
    with pytest.raises(ImportFailure, match="bad.jsonl:1") as failure:
        import_sources(db, [source])
    assert message in str(failure.value)
    assert store.count_queue(db) == 0
    db.close()


def test_an_escaped_unpaired_surrogate_is_refused_and_an_escaped_pair_kept(tmp_path) -> None:
    source = tmp_path / "s.jsonl"
    good, bad = '{"text": "smile \\ud83d\\ude00 ok", "spans": []}\n', '{"text": "bad \\ud800", "spans": []}\n'
    source.write_text(good + bad)
    db = store.open_store(tmp_path / "s.db")
    with pytest.raises(ImportFailure, match="s.jsonl:2.*unpaired surrogate"):
        import_sources(db, [source])
    source.write_text(good)
    import_sources(db, [source])
    assert store.load_document(db, 1).text == "smile \U0001f600 ok"
    db.close()
