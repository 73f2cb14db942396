"""Round trips through every pair of formats: a corpus imported, exported as A, imported, exported as B,
imported again keeps every span that A and B can represent.

Formats that keep the text (Prodigy, doccano, brat, Label Studio) keep every span at its offsets. Token
formats (CoNLL, Hugging Face) keep the tokens, not the text between them: there a document keeps its
spans as the sequence of (span text, label), with the text rebuilt from the tokens.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.cli import cli

TEXT_FORMATS = ("prodigy", "doccano", "brat", "labelstudio")
TOKEN_FORMATS = ("conll", "hf")
OUTPUT_NAMES = {
    "prodigy": "out.jsonl",
    "doccano": "out.jsonl",
    "brat": "out",
    "labelstudio": "out.json",
    "conll": "out.conll",
    "hf": "out.jsonl",
}
CORPUS = (
    (
        "Angela Merkel met Emmanuel Macron in Paris.",
        [(0, 13, "PERSON"), (18, 33, "PERSON"), (37, 42, "GPE")],
    ),
    (
        "Zoë 🇩🇪 flew to Berlin on Monday.\r\nAcme Corp paid.",
        [(0, 3, "PERSON"), (15, 21, "GPE"), (34, 43, "ORG")],
    ),
    ("No entities in this one.", []),
    ("The EU said no.", [(4, 6, "ORG")]),
)


def _write_corpus(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for text, spans in CORPUS:
            task = {
                "text": text,
                "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
                "answer": "accept",
            }
            handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    return path


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, f"spandesk {' '.join(args)}:\n{result.output}"


def _export_and_import(source_db: Path, fmt: str, folder: Path) -> Path:
    """Export every document as ``fmt`` into ``folder`` and import the export into a fresh database."""
    folder.mkdir()
    output = folder / OUTPUT_NAMES[fmt]
    _invoke("export", "--db", str(source_db), "--format", fmt, "--all", "-o", str(output))
    target = folder / "back.db"
    _invoke("import", str(output), "--db", str(target), "--format", fmt, "--dataset", "back")
    return target


def _documents(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    db = store.open_store(path, read_only=True)
    try:
        return [
            (document.text, [span.key() for span in document.spans])
            for document in store.iter_documents(db, include_unanswered=True)
        ]
    finally:
        db.close()


def _span_texts(documents) -> list[list[tuple[str, str]]]:  # noqa: ANN001
    return [[(text[start:end], label) for start, end, label in spans] for text, spans in documents]


@pytest.mark.parametrize(("first", "second"), list(itertools.product(TEXT_FORMATS + TOKEN_FORMATS, repeat=2)))
def test_every_pair_of_formats_keeps_every_span_it_can_represent(tmp_path: Path, first, second) -> None:
    start = tmp_path / "start.db"
    _invoke("import", str(_write_corpus(tmp_path / "corpus.jsonl")), "--db", str(start))
    after_first = _export_and_import(start, first, tmp_path / "first")
    after_second = _export_and_import(after_first, second, tmp_path / "second")
    original, result = _documents(start), _documents(after_second)
    assert len(result) == len(original)
    if first in TEXT_FORMATS and second in TEXT_FORMATS:
        assert result == original
    else:  # a token format keeps each span's tokens and label; the text between tokens is rebuilt
        assert _span_texts(result) == [
            [(" ".join(text.split()), label) for text, label in spans] for spans in _span_texts(original)
        ]
