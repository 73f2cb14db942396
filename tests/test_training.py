"""`spandesk train` and `spandesk models`: a model trained on the accepted corrections, scored, registered;
nothing left behind when training is cancelled or fails."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner
from spacy.tokens import DocBin

from annotations import store, training
from annotations.cli import cli
from annotations.model import Answer
from annotations.session import Session

NAMES = ("Alice", "Bob", "Carol", "Dmitri", "Erin", "Farah", "Gustav", "Hana")
CITIES = ("Paris", "Berlin", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Rome")
FAST = ["--base", "blank", "--max-steps", "12"]


def record(index: int, answer: str | None = "accept") -> dict:
    """'NAME flew to CITY on day N.' with NAME a PERSON and CITY a CITY."""
    name, city = NAMES[index % 8], CITIES[(index * 3) % 8]
    start = len(name) + len(" flew to ")
    spans = [
        {"start": 0, "end": len(name), "label": "PERSON"},
        {"start": start, "end": start + len(city), "label": "CITY"},
    ]
    task = {"text": f"{name} flew to {city} on day {index}.", "spans": spans}
    return task | ({"answer": answer} if answer else {})


def imported(db_path: Path, tmp_path: Path, records: list[dict]) -> Path:
    """A database made by the real import of the records (Prodigy JSONL)."""
    source = tmp_path / "corpus.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(source), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return db_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def registered(db_path: Path) -> list[store.ModelRow]:
    db = store.open_store(db_path)
    try:
        return store.registered_models(db)
    finally:
        db.close()


def nothing_left(model: Path, db_path: Path) -> None:
    assert not model.exists()
    assert training.scratch_folders(model) == []
    assert registered(db_path) == []


def test_train_writes_a_model_that_predicts_the_labels_prints_scores_and_is_registered(
    db_path: Path, tmp_path: Path
) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(30)])
    model = tmp_path / "model"
    code, output = run(
        "train", "--db", str(db_path), "-o", str(model), "--base", "blank", "--max-steps", "40"
    )
    assert code == 0, output
    assert "LOSS NER" in output and "ENTS_F" in output  # spaCy's progress: steps, loss, dev score
    assert re.search(r"^PERSON\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%$", output, re.M), output
    assert re.search(r"^CITY\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%$", output, re.M), output
    assert "held-out" in output and "registered" in output
    nlp = spacy.load(model)
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "CITY"}
    predicted = {ent.label_ for ent in nlp("Gustav flew to Lima on day 3.").ents}
    assert predicted <= {"PERSON", "CITY"} and predicted
    [row] = registered(db_path)
    assert (row.path, row.base, row.documents, row.spans) == (str(model), "blank", 24, 48)
    assert set(row.scores["ents_per_type"]) <= {"PERSON", "CITY"} and 0 <= row.scores["ents_f"] <= 1
    assert (row.name, row.version) == (f"en_{nlp.meta['name']}", nlp.meta["version"])
    assert training.scratch_folders(model) == []


def test_models_lists_the_registered_models(db_path: Path, tmp_path: Path) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(10)])
    assert run("models", "--db", str(db_path))[1].startswith("No model has been trained yet")
    assert run("train", "--db", str(db_path), "-o", str(tmp_path / "first"), *FAST)[0] == 0
    assert run("train", "--db", str(db_path), "-o", str(tmp_path / "first"), *FAST)[0] == 1  # not empty
    assert run("train", "--db", str(db_path), "-o", str(tmp_path / "first"), *FAST, "--force")[0] == 0
    code, output = run("models", "--db", str(db_path))
    assert code == 0 and output.count(str(tmp_path / "first")) == 2
    listed = json.loads(run("models", "--db", str(db_path), "--json")[1])
    assert [m["version"] for m in listed] == ["1.0.0", "2.0.0"]
    assert listed[1]["scores"]["ents_per_type"] and listed[1]["documents"] == 8
    assert spacy.load(tmp_path / "first").meta["version"] == "2.0.0"  # --force replaced the folder's model


def test_the_curve_prints_a_score_for_each_quarter_of_the_training_part(
    db_path: Path, tmp_path: Path
) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(20)])
    code, output = run("train", "--db", str(db_path), "-o", str(tmp_path / "m"), *FAST, "--curve")
    assert code == 0, output
    points = re.findall(r"^\s*(\d+)% of the training part \(\s*(\d+) documents\): F\s+\d", output, re.M)
    assert points == [("25", "4"), ("50", "8"), ("75", "12"), ("100", "16")]
    assert len(registered(db_path)) == 1  # only the model trained on everything is kept


def test_training_uses_each_documents_current_version(db_path: Path, tmp_path: Path) -> None:
    imported(db_path, tmp_path, [record(i, answer=None) for i in range(6)])
    db = store.open_store(db_path)
    session = Session(db, "ann")
    for document_id in store.document_ids(db):
        document = session.open(document_id)
        city = [s for s in document.spans if s.label == "CITY"][0]
        session.apply(session.relabel(city, "GPE"))
        if document_id % 2:
            session.apply(session.set_answer(Answer.ACCEPT))
    documents = training.training_documents(db, None)
    db.close()
    assert len(documents) == 3  # only the accepted ones
    assert {span.label for d in documents for span in d.spans} == {"PERSON", "GPE"}


def test_sub_token_spans_are_entities_as_the_docbin_export_makes_them(tmp_path: Path, db_path: Path) -> None:
    text = "The borderPutin crossed."
    start = text.index("Putin")
    task = {
        "text": text,
        "spans": [{"start": start, "end": start + 5, "label": "PERSON"}],
        "answer": "accept",
    }
    imported(db_path, tmp_path, [task])
    db = store.open_store(db_path)
    documents = training.training_documents(db, None)
    db.close()
    training.write_docbin(documents, tmp_path / "t.spacy", "en")
    [doc] = DocBin().from_disk(tmp_path / "t.spacy").get_docs(spacy.blank("en").vocab)
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Putin", "PERSON")]


def test_the_split_is_fixed_by_the_seed_and_keeps_one_text_on_one_side(db_path: Path, tmp_path: Path) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(40)])
    db = store.open_store(db_path)
    documents = training.training_documents(db, None)
    db.close()
    first, again = (training.split_documents(documents, 0.25, seed=1) for _ in range(2))
    other = training.split_documents(documents, 0.25, seed=2)
    held = [d.text for d in first.held_out]
    assert held == [d.text for d in again.held_out] and held != [d.text for d in other.held_out]
    assert len(held) == 10 and not set(held) & {d.text for d in first.train}


def test_too_few_documents_say_so(db_path: Path, tmp_path: Path) -> None:
    imported(db_path, tmp_path, [record(i, answer=None) for i in range(3)] + [record(5, "reject")])
    model = tmp_path / "m"
    code, output = run("train", "--db", str(db_path), "-o", str(model), *FAST)
    assert code == 1 and "no accepted documents to train on" in output and "No model was written" in output
    imported(db_path, tmp_path, [record(i) for i in range(10, 12)])
    code, output = run("train", "--db", str(db_path), "-o", str(model), *FAST)
    assert code == 1 and "2 accepted texts are too few for --eval-split 0.2" in output
    assert "no document to score on" in output
    nothing_left(model, db_path)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--eval-split", "1.5"], "--eval-split must be between 0 and 1 (got 1.5)"),
        (["--dataset", "nope"], "there is no dataset called 'nope' (have: default)"),
        (["--base", "no_such_pipeline_xyz"], "'no_such_pipeline_xyz' is neither an installed package"),
    ],
)
def test_bad_options_say_what_is_wrong(
    db_path: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(10)])
    model = tmp_path / "m"
    code, output = run("train", "--db", str(db_path), "-o", str(model), "--max-steps", "2", *arguments)
    assert code == 1 and message in output, output
    nothing_left(model, db_path)


def test_a_bad_config_and_a_full_output_folder_are_refused(db_path: Path, tmp_path: Path) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(10)])
    config = tmp_path / "bad.cfg"
    config.write_text("[nlp\nlang = ", encoding="utf-8")
    code, output = run("train", "--db", str(db_path), "-o", str(tmp_path / "m"), "--config", str(config))
    assert code == 1 and f"{config}: not a spaCy config" in output
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine", encoding="utf-8")
    code, output = run("train", "--db", str(db_path), "-o", str(full), *FAST)
    assert code == 1 and "the folder is not empty" in output and "--force" in output
    assert (full / "keep.txt").read_text(encoding="utf-8") == "mine" and registered(db_path) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError, OSError])
def test_an_interrupted_or_failed_training_leaves_nothing(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    imported(db_path, tmp_path, [record(i) for i in range(10)])
    model = tmp_path / "m"

    def put_in_place(*_args: object) -> None:  # after training and registering, before the commit
        raise failure("stopped")

    monkeypatch.setattr(training, "_put_in_place", put_in_place)
    result = CliRunner().invoke(cli, ["train", "--db", str(db_path), "-o", str(model), *FAST])
    if failure is KeyboardInterrupt:
        assert result.exit_code == 130 and "Training cancelled" in result.output
    else:
        assert result.exit_code != 0
    nothing_left(model, db_path)


def long_training(db_path: Path, model: Path) -> subprocess.Popen[str]:
    """`spandesk train` from a blank model for far more steps than a test waits for, its output piped."""
    environment = os.environ | {"PYTHONPATH": str(Path(__file__).parents[1]), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [
            sys.executable, "-c", "from annotations.cli import main; main()",
            "train", "--db", str(db_path), "-o", str(model), "--base", "blank", "--max-steps", "100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )  # fmt: skip


def test_terminating_the_training_process_leaves_nothing(db_path: Path, tmp_path: Path) -> None:
    """What the window's Cancel does: SIGTERM to a running `spandesk train`."""
    imported(db_path, tmp_path, [record(i) for i in range(30)])
    model = tmp_path / "m"
    process = long_training(db_path, model)
    assert process.stdout is not None
    for line in process.stdout:
        if "LOSS NER" in line:  # training has started
            break
    time.sleep(0.5)
    assert training.scratch_folders(model)  # it is at work in its temporary folder
    process.send_signal(signal.SIGTERM)
    rest = process.communicate(timeout=60)[0]
    assert process.returncode == 130 and "Training cancelled" in rest and "Traceback" not in rest
    nothing_left(model, db_path)


def test_the_default_base_is_the_model_that_pre_annotated_the_database(db_path: Path, tmp_path: Path) -> None:
    from annotations.hashing import input_hash
    from annotations.model import DocumentState, Span, SpanSource
    from annotations.preannotate import resolve_model_name
    from annotations.text import whitespace_tokens

    text = "Alice flew to Paris."
    spans = (Span(0, 5, "PERSON", SpanSource.MODEL),)
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "d")
        new = store.NewDocument(
            text, whitespace_tokens(text), input_hash(text), DocumentState(spans),
            store.Prediction("en_spandesk_news", "2.0.0", spans),
        )  # fmt: skip
        store.insert_documents(db, dataset, [new])
    assert training.base_model(db, None) == resolve_model_name(None)  # not installed, not registered
    (tmp_path / "news").mkdir()
    row = store.NewModel(str(tmp_path / "news"), "en_spandesk_news", "2.0.0", "blank", 1, 1, {})
    store.register_model(db, row)
    assert training.base_model(db, None) == str(tmp_path / "news")
    assert training.base_model(db, "Blank") is None
    db.close()


def test_training_with_ones_own_config(db_path: Path, tmp_path: Path) -> None:
    from spacy.cli.init_config import init_config

    imported(db_path, tmp_path, [record(i) for i in range(10)])
    config = tmp_path / "mine.cfg"
    init_config(lang="en", pipeline=["ner"]).to_disk(config)
    code, output = run("train", "--db", str(db_path), "-o", str(tmp_path / "m"), "--config", str(config),
                       "--max-steps", "8")  # fmt: skip
    assert code == 0, output
    [row] = registered(db_path)
    assert row.base == f"config {config}" and spacy.load(tmp_path / "m").get_pipe("ner").labels


@pytest.mark.parametrize("where", [".", "sub"])
def test_force_never_replaces_a_folder_that_holds_the_database(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o . --force` beside the database deleted the database (and its -wal) with the folder."""
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    db_path = imported(project / "sub" / "spandesk.db", tmp_path, [record(i) for i in range(10)])
    (project / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(project / "sub" if where == "." else project)
    for curve in ([], ["--curve"]):
        code, output = run("train", "--db", str(db_path), "-o", where, "--force", *FAST, *curve)
        assert code == 1 and "holds the database" in output, output
        assert db_path.is_file() and (project / "notes.txt").read_text(encoding="utf-8") == "mine"
        assert registered(db_path) == []


def test_a_killed_trainings_temporary_folder_is_removed_by_the_next_training(
    db_path: Path, tmp_path: Path
) -> None:
    """SIGKILL cannot be cleaned up after: the next training into the same folder removes what it left
    (a copy of the training data among it) and says so; a running training's folder is left alone."""
    imported(db_path, tmp_path, [record(i) for i in range(10)])
    model = tmp_path / "m"
    process = long_training(db_path, model)
    assert process.stdout is not None
    for line in process.stdout:
        if "LOSS NER" in line:
            break
    left = training.scratch_folders(model)
    assert left and (left[0] / "train.spacy").is_file()
    process.kill()
    process.communicate(timeout=60)
    running = tmp_path / f".m.training-{os.getpid()}-keepme"  # as if this process were training into m
    running.mkdir()
    code, output = run("train", "--db", str(db_path), "-o", str(model), *FAST)
    assert code == 0 and f"Removed {left[0]}, left by a training that was killed" in output, output
    assert training.scratch_folders(model) == [running] and len(registered(db_path)) == 1


def test_a_config_without_ner_is_refused_before_training(db_path: Path, tmp_path: Path) -> None:
    """A senter's config trained, then failed with a traceback (KeyError 'ents_p') scoring the entities."""
    from spacy.cli.init_config import init_config

    imported(db_path, tmp_path, [record(i) for i in range(10)])
    config = tmp_path / "senter.cfg"
    init_config(lang="en", pipeline=["senter"], optimize="efficiency").to_disk(config)
    model = tmp_path / "m"
    code, output = run(
        "train", "--db", str(db_path), "-o", str(model), "--config", str(config), "--max-steps", "3"
    )
    assert (
        code == 1
        and f"{config}: the pipeline has no ner component to train (it has senter (senter))" in output
    )
    assert "Training on" not in output  # refused before spaCy started
    nothing_left(model, db_path)


def test_the_default_base_is_the_model_that_proposed_last_even_run_from_its_folder(
    db_path: Path, tmp_path: Path
) -> None:
    """After train -> preannotate --model FOLDER, the next train started from en_core_web_sm: models were
    tried in alphabetical order (the installed en_core_web_sm first), and the folder's predictions
    (version 2.0.0+DIGEST) never matched the registered 2.0.0."""
    from annotations.model import Span, SpanSource
    from annotations.preannotate import resolve_model_name

    installed = resolve_model_name(None)

    db = store.open_store(db_path)
    imported(db_path, tmp_path, [record(i) for i in range(4)])
    (tmp_path / "news").mkdir()
    store.register_model(
        db, store.NewModel(str(tmp_path / "news"), "en_spandesk_news", "2.0.0", "blank", 1, 1, {})
    )
    span = (Span(0, 5, "PERSON", SpanSource.MODEL),)
    with store.write_transaction(db):
        for model, version, when in (
            (installed, "3.8.0", 1.0),
            ("en_spandesk_news", "2.0.0+0123abcd", 2.0),
        ):
            store.store_prediction(db, store.ScoredPrediction(1, model, version, span, None, None), now=when)
    assert training.base_model(db, None) == str(tmp_path / "news")
    with store.write_transaction(db):  # the installed model ran after it
        store.store_prediction(db, store.ScoredPrediction(1, installed, "3.8.0", span, None, None), now=3.0)
    assert training.base_model(db, None) == installed
    db.close()


def test_a_seed_too_big_for_spacys_config_is_refused_by_the_command_line(tmp_path: Path) -> None:
    """A seed past 64 bits reached spaCy's config writer and ended in a traceback after the split."""
    result = CliRunner().invoke(
        cli, ["train", "--db", str(tmp_path / "t.db"), "-o", str(tmp_path / "m"), "--seed", str(2**64)]
    )
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output
    assert not (tmp_path / "m").exists()
