"""`spacy train` runs on a `--format spacy --split 0.2` export of the corrected sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import store
from annotations.cli import cli
from annotations.model import Answer
from annotations.resources import sample_article
from annotations.session import Session


def corrected_sample(db_path: Path, tmp_path: Path) -> None:
    """The sample article, one document per paragraph, pre-annotated, corrected and accepted."""
    paragraphs = [p for p in sample_article().read_text(encoding="utf-8").split("\n\n") if p.strip()]
    source = tmp_path / "sample.jsonl"
    source.write_text("".join(json.dumps({"text": p}) + "\n" for p in paragraphs), encoding="utf-8")
    assert CliRunner().invoke(cli, ["import", str(source), "--db", str(db_path)]).exit_code == 0
    db = store.open_store(db_path)
    session = Session(db, "trainer")
    for document_id in store.document_ids(db):
        document = session.open(document_id)
        if "Kremlin" in document.text:
            kremlin = [s for s in document.spans if document.text[s.start : s.end] == "Kremlin"]
            for span in kremlin:
                session.apply(session.relabel(span, "ORG"))
        session.apply(session.set_answer(Answer.ACCEPT))
    db.close()


@pytest.mark.slow
def test_spacy_train_runs_on_an_export_split_into_train_and_dev(db_path: Path, tmp_path: Path) -> None:
    corrected_sample(db_path, tmp_path)
    corpus = tmp_path / "corpus"
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db_path), "--format", "spacy", "--split", "0.2", "-o", str(corpus)]
    )
    assert result.exit_code == 0, result.output
    assert (corpus / "train.spacy").stat().st_size > 0 and (corpus / "dev.spacy").stat().st_size > 0
    config = tmp_path / "config.cfg"
    spacy = [sys.executable, "-m", "spacy"]
    subprocess.run(
        [*spacy, "init", "config", str(config), "--lang", "en", "--pipeline", "ner"],
        check=True,
        capture_output=True,
    )
    trained = subprocess.run(
        [
            *spacy,
            "train",
            str(config),
            "--output",
            str(tmp_path / "model"),
            "--paths.train",
            str(corpus / "train.spacy"),
            "--paths.dev",
            str(corpus / "dev.spacy"),
            "--training.max_steps",
            "6",
            "--training.eval_frequency",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()
    assert "W030" not in trained.stderr
