"""A team's whole day, end to end: hand out the work, two people correct it in their own windows by keys,
their files come back, agreement is measured, a reviewer settles the disagreements, the training data is
exported, and merging the same files again changes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from gui_helpers import key, make_database
from PySide6.QtCore import QSettings, Qt

from annotations import store
from annotations.cli import cli
from annotations.model import REVIEW, Span, Version
from gui.app import build_window
from gui.main_window import MainWindow

Key = Qt.Key
TEXTS = [
    "Angela Merkel met Emmanuel Macron in Paris on Monday",
    "Apple hired Tim Cook in California",
    "The Kremlin said nothing",
]
MODEL = [
    [Span(0, 13, "PERSON"), Span(18, 33, "PERSON"), Span(37, 42, "GPE")],
    [Span(0, 5, "ORG"), Span(12, 20, "PERSON"), Span(24, 34, "GPE")],
    [Span(4, 11, "FAC")],
]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def window_on(qtbot, path: Path, name: str | None = None) -> MainWindow:
    """The window as ``gui.app`` builds it: working as the database's annotator unless ``name`` is given."""
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = build_window(path, settings, annotator=name)
    assert window is not None
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def versions_of(path: Path, name: str) -> dict[int, list[tuple[int, int, str]]]:
    db = store.open_store(path)
    try:
        rows = {}
        for document_id in store.document_ids(db):
            version = store.load_document(db, document_id, viewer=name)
            rows[document_id] = [span.key() for span in version.spans]
        return rows
    finally:
        db.close()


def test_assign_annotate_merge_agree_review_export_and_merge_again(qtbot, tmp_path: Path) -> None:
    team = tmp_path / "TEAM.db"
    make_database(team, TEXTS, MODEL)
    run("assign", "--db", team, "--annotators", "alice,bob", "--overlap", "2", "--out", tmp_path / "out")
    alice_db, bob_db = tmp_path / "out" / "alice.db", tmp_path / "out" / "bob.db"

    alice = window_on(qtbot, alice_db)
    assert alice.annotator == "alice" and "working as alice" in alice.windowTitle()
    for _ in TEXTS:
        key(alice.view, Key.Key_A)  # accept the model's proposals as they are
    alice.close()
    bob = window_on(qtbot, bob_db)
    assert bob.annotator == "bob"
    key(bob.view, Key.Key_Tab)  # select "Angela Merkel"
    key(bob.view, Key.Key_Delete)
    key(bob.view, Key.Key_A)
    key(bob.view, Key.Key_A)
    key(bob.view, Key.Key_Tab)  # "Kremlin": FAC becomes ORG (label key 2)
    key(bob.view, Key.Key_2)
    key(bob.view, Key.Key_A)
    bob.close()

    run("merge", "--db", team, alice_db, bob_db)
    merged = dump(team)
    run("merge", "--db", team, alice_db, bob_db)
    assert dump(team) == merged  # merging again changes nothing
    alice_spans, bob_spans = versions_of(team, "alice"), versions_of(team, "bob")
    assert bob_spans[1] == [(18, 33, "PERSON"), (37, 42, "GPE")] and bob_spans[3] == [(4, 11, "ORG")]
    assert alice_spans == {i + 1: [s.key() for s in spans] for i, spans in enumerate(MODEL)}

    figures = json.loads(run("agreement", "--db", team, "--json"))
    (pair,) = figures["pairwise"]
    alice_all = {(i, *s) for i, spans in alice_spans.items() for s in spans}
    bob_all = {(i, *s) for i, spans in bob_spans.items() for s in spans}
    f1 = 2 * len(alice_all & bob_all) / (len(alice_all) + len(bob_all))
    assert pair["annotators"] == ["alice", "bob"] and pair["documents"] == 3
    assert abs(pair["span_f1"] - f1) < 1e-12
    assert [d["id"] for d in figures["documents"]][-1] == 2  # the one they agree on comes last

    reviewer = window_on(qtbot, team, name="rita")
    key(reviewer.view, Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert reviewer.reviewing
    key(reviewer.view, Key.Key_Tab)  # document 1: Merkel, alice PERSON, bob nothing
    key(reviewer.view, Key.Key_2)  # take bob's
    key(reviewer.view, Key.Key_A)
    key(reviewer.view, Key.Key_A)  # document 2: nothing to settle
    key(reviewer.view, Key.Key_Tab)  # document 3: Kremlin, FAC or ORG
    key(reviewer.view, Key.Key_1)  # take alice's
    key(reviewer.view, Key.Key_A)
    reviewer.close()

    db = store.open_store(team)
    reviewed = {i: [s.key() for s in store.load_document(db, i, REVIEW).spans] for i in (1, 2, 3)}
    assert reviewed == {1: bob_spans[1], 2: alice_spans[2], 3: alice_spans[3]}
    # history: document 1 started without Merkel (no majority: the range starts empty, as bob had it), so
    # only the accept; document 2 started accepted (both accepted, no disagreement); document 3: take, accept
    assert [len(store.replay_history(db, i, REVIEW)) for i in (1, 2, 3)] == [1, 0, 2]
    assert store.load_document(db, 1, Version.of("alice")).spans[0].key() == (0, 13, "PERSON")  # kept
    db.close()
    exported = tmp_path / "train.jsonl"
    run("export", "--db", team, "--format", "prodigy", "-o", exported)
    tasks = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [[(s["start"], s["end"], s["label"]) for s in t["spans"]] for t in tasks] == [
        reviewed[1],
        reviewed[2],
        reviewed[3],
    ]
    assert "ok" in run("check", "--db", team)
    assert dump(team) != merged
    reviewed_dump = dump(team)
    run("merge", "--db", team, alice_db, bob_db)
    assert dump(team) == reviewed_dump  # and again, after the review: nothing changes
