"""`spandesk agreement`: the tables, the JSON object, and what it says when there is nothing to compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_agreement import REPORT, STUDY

from annotations import agreement_source
from annotations.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def imported(tmp_path: Path, db_path: Path) -> Path:
    """A database of this branch's schema: one version per text, made by 'ann'."""
    rows = [
        {"text": "Tim Cook runs Apple.", "answer": "accept", "_annotator_id": "ann",
         "spans": [{"start": 0, "end": 8, "label": "PERSON"}]},
        {"text": "Nothing here.", "answer": "reject", "_annotator_id": "ann"},
    ]  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert run("import", str(source), "--db", str(db_path), "--dataset", "demo").exit_code == 0
    return db_path


def test_one_annotator_is_nothing_to_compare(imported) -> None:
    result = run("agreement", "--db", str(imported))
    assert result.exit_code == 0
    assert "needs the versions of two or more annotators; found 1: ann" in result.output

    as_json = run("agreement", "--db", str(imported), "--json")
    assert json.loads(as_json.stdout)["pairwise"] == [] and "found 1: ann" in as_json.stderr


def test_an_unknown_dataset_is_named(imported) -> None:
    result = run("agreement", "--db", str(imported), "--dataset", "nope")
    assert result.exit_code == 1 and "no dataset called 'nope' (have: demo)" in result.output


@pytest.fixture
def three_annotators(imported, monkeypatch) -> Path:
    """The test study's versions (three annotators on CoNLL-2003 sentences), as the store would give them."""
    seen = []

    def versions(db, dataset=None):
        seen.append(dataset)
        return iter(STUDY.documents())

    monkeypatch.setattr(agreement_source, "versions_by_document", versions)
    yield imported
    assert seen and set(seen) == {"demo"}


def test_json_carries_every_figure_of_the_report(three_annotators) -> None:
    result = run("agreement", "--db", str(three_annotators), "--dataset", "demo", "--json")
    report = json.loads(result.stdout)

    pairs = {tuple(p["annotators"]): p for p in report["pairwise"]}
    assert list(pairs) == [("ann", "bob"), ("ann", "carol"), ("bob", "carol")]
    for expected in REPORT.pairwise:
        got = pairs[expected.annotators]
        assert got["documents"] == expected.documents
        assert (got["span_f1"], got["relaxed_f1"], got["kappa"]) == (
            expected.spans.f,
            expected.relaxed.f,
            expected.kappa,
        )
        assert got["alpha_u"] == expected.alpha.alpha
        assert {label: (v["p"], v["r"], v["f"]) for label, v in got["per_label"].items()} == {
            label: (s.p, s.r, s.f) for label, s in expected.per_label.items()
        }
    assert report["fleiss_kappa"] == REPORT.fleiss_kappa
    assert report["alpha_u"] == REPORT.alpha.alpha
    assert report["alpha_u_per_label"] == {k: c.alpha for k, c in REPORT.alpha.per_category.items()}
    scores = [d["score"] for d in report["documents"]]
    assert scores == sorted(scores) and report["documents"][0]["id"] == REPORT.documents[0].id


def test_label_option_limits_the_comparison(three_annotators) -> None:
    result = run(
        "agreement", "--db", str(three_annotators), "--dataset", "demo", "--json", "--label", "PER,LOC"
    )
    report = json.loads(result.stdout)
    assert all(set(p["per_label"]) == {"PER", "LOC"} for p in report["pairwise"])
    assert set(report["alpha_u_per_label"]) == {"PER", "LOC"}


def test_tables_show_pairs_labels_alpha_and_the_worst_documents(three_annotators) -> None:
    result = run("agreement", "--db", str(three_annotators), "--dataset", "demo")
    lines = result.output.splitlines()

    ann_bob = REPORT.pairwise[0]
    row = next(line for line in lines if line.startswith("ann & bob "))
    assert row.split()[3:] == [
        str(ann_bob.documents),
        f"{ann_bob.spans.f:.3f}",
        f"{ann_bob.relaxed.f:.3f}",
        f"{ann_bob.kappa:.3f}",
        f"{ann_bob.alpha.alpha:.3f}",
    ]
    assert "ann & carol, per label:" in result.output
    assert (
        f"Fleiss' kappa over the 18 documents all 3 annotators accepted: {REPORT.fleiss_kappa:.3f}" in lines
    )
    worst = lines[lines.index(next(line for line in lines if line.startswith("Lowest agreement"))) + 2]
    assert worst.split()[:2] == ["0.000", str(REPORT.documents[0].id)]
    assert REPORT.documents[0].snippet in worst
