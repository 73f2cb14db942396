"""A hostile pass on the window's team features: Work as…, review mode, Dataset ▸ Agreement, the import's
Keep/Replace question, each abused as a person at the keyboard and mouse would."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window
from PySide6.QtCore import Qt

from annotations import store
from annotations.model import REVIEW, Answer, Span, Version
from annotations.session import Session

Key = Qt.Key
TEXT = "Angela Merkel met Emmanuel Macron in Paris on Monday"
MODEL = [Span(0, 13, "PERSON"), Span(18, 33, "PERSON"), Span(37, 42, "GPE")]


def team(path: Path, people: list[str], texts: tuple[str, ...] = (TEXT, "Second text", "Third")) -> Path:
    """Document 1: every person accepts it; the second person calls Merkel an ORG, the third deletes Paris,
    the fourth and later mark only "Angela" as LOC. Everyone rejects document 3."""
    make_database(path, list(texts), [MODEL])
    db = store.open_store(path)
    for index, name in enumerate(people):
        session = Session(db, name)
        session.open(1)
        if index % 3 == 1:
            session.apply(session.relabel(session.document.spans[0], "ORG"))
        if index % 3 == 2:
            session.apply(session.remove_span(session.document.spans[2]))
        if index >= 3:
            session.apply(session.add_span(0, 6, "LOC"))
        session.apply(session.set_answer(Answer.ACCEPT))
        session.open(3)
        session.apply(session.set_answer(Answer.REJECT))
    db.close()
    return path


def reviewed_spans(path: Path, document_id: int = 1) -> list[tuple[int, int, str]]:
    db = store.open_store(path)
    try:
        return [span.key() for span in store.load_document(db, document_id, REVIEW).spans]
    finally:
        db.close()


# ------------------------------------------------------------ review mode


def test_review_mode_does_not_keep_saying_you_see_your_own_versions(qtbot, tmp_path):
    window = open_window(qtbot, team(tmp_path / "t.db", ["alice", "bob", "carol"]))
    assert "you see your own versions" in window.statusBar().currentMessage()
    window.set_review_mode(True)
    message = window.statusBar().currentMessage()
    assert "you see your own versions" not in message
    assert "Review mode" in message
    window.set_review_mode(False)
    assert "your own versions" in window.statusBar().currentMessage()


def test_a_tenth_annotators_proposal_is_taken_with_0(qtbot, tmp_path):
    people = [f"a{n:02d}" for n in range(1, 11)]  # a10 is the tenth in the panel's order
    window = open_window(qtbot, team(tmp_path / "t.db", people))
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)  # the first disagreement: Merkel
    proposals = window.controller.session.review.disagreements[0].proposals
    assert [p.owner for p in proposals][-1] == "a10"
    assert "<b>[0]</b></td><td>a10" in window.review_panel.text()
    key(window.view, Key.Key_1)  # a01's PERSON "Angela Merkel" first, so that taking a10's changes it
    assert (0, 13, "PERSON") in reviewed_spans(window.db_path)
    key(window.view, Key.Key_0)
    assert (0, 6, "LOC") in reviewed_spans(window.db_path)
    assert (0, 13, "PERSON") not in reviewed_spans(window.db_path)


# ------------------------------------------------------------ a small screen


@pytest.mark.parametrize("reviewing", [False, True])
def test_the_window_fits_a_1000_by_700_screen_in_either_mode(qtbot, tmp_path, reviewing):
    window = open_window(qtbot, team(tmp_path / "t.db", ["alice", "bob", "carol"]))
    window.set_review_mode(reviewing)
    window.review_step(1)
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() <= 1000)
    assert window.minimumSizeHint().width() <= 1000 and window.minimumSizeHint().height() <= 700
    qtbot.waitUntil(lambda: window.legend.isVisible() and bool(window.legend.text()))  # a legend that fits
    line = window.legend.fontMetrics().height()
    assert window.legend.height() < 2.5 * line
    assert window.view.viewport().height() >= 8 * line  # the document keeps room to work in


# ------------------------------------------------------------ databases of other people


def test_opening_an_assigned_persons_database_works_as_that_person(qtbot, tmp_path):
    window = open_window(qtbot, team(tmp_path / "team.db", ["alice", "bob"]))
    bobs = tmp_path / "bob.db"
    make_database(bobs, [TEXT])
    db = store.open_store(bobs)
    store.set_setting(db, "annotator", "bob")
    db.close()
    assert window.files.open_database(bobs)
    assert window.annotator == "bob"
    assert "working as bob" in window.windowTitle()
    assert "bob" in window.statusBar().currentMessage()
    key(window.view, Key.Key_A)
    db = store.open_store(bobs)
    try:
        assert store.load_document(db, 1, Version.of("bob")).answer == Answer.ACCEPT
        assert store.annotators(db) == ["bob"]
    finally:
        db.close()


def test_a_new_database_keeps_the_name_the_window_works_as(qtbot, tmp_path):
    window = open_window(qtbot, team(tmp_path / "team.db", ["alice", "bob"]))
    assert window.work_as("carol")
    assert window.files.open_database(tmp_path / "new.db", create=True)
    assert window.annotator == "carol"
    assert store.get_setting(window.db, "annotator") == "carol"


# ------------------------------------------------------------ the agreement dialog


def test_the_agreement_dialog_goes_with_the_database_it_was_computed_on(qtbot, tmp_path):
    window = open_window(qtbot, team(tmp_path / "team.db", ["alice", "bob"]))
    window.show_agreement()
    dialog = window.agreement_dialog
    qtbot.waitUntil(dialog.progress_row.isHidden, timeout=20_000)
    other = tmp_path / "other.db"
    make_database(other, ["Something else entirely", "Another"])
    assert window.files.open_database(other)
    assert not dialog.isVisible()
    dialog.document_chosen.emit(1)  # a late Enter in the list cannot open the other file's document 1
    assert window.current_document is None or window.current_document.text != TEXT
    assert window.db_path == other


def test_closing_the_window_stops_the_agreement_worker(qtbot, tmp_path, monkeypatch):
    from gui import agreement_dialog

    gate, reading = threading.Event(), agreement_dialog.versions_by_document

    def slow(db, dataset=None):
        gate.wait(10)
        yield from reading(db, dataset)

    monkeypatch.setattr(agreement_dialog, "versions_by_document", slow)
    window = open_window(qtbot, team(tmp_path / "team.db", ["alice", "bob"]))
    window.show_agreement()
    run = window.agreement_dialog.run
    assert run.thread.isRunning()
    threading.Timer(0.3, gate.set).start()  # the worker's next look at the cancel flag
    window.close()
    assert not run.thread.isRunning()  # closed and waited for: no thread outlives the window
    assert not window.agreement_dialog.isVisible()


# ------------------------------------------------------------ the import's question


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_an_import_answered_after_opening_another_database_never_lands_in_that_one(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    window = open_window(qtbot, path)
    differing = write(
        tmp_path / "alice.jsonl",
        [
            {"text": "A text of alice's own.", "spans": [], "answer": "accept", "_annotator_id": "alice"},
            {"text": TEXT, "spans": [], "answer": "reject", "_annotator_id": "alice"},
        ],
    )
    other = tmp_path / "other.db"
    make_database(other, ["Something else entirely"])
    first = window.files.start_import([differing], "test")
    assert window.files.open_database(other)  # before the import's answer comes back
    with qtbot.waitSignal(first.done, timeout=60_000):
        pass
    qtbot.wait(50)
    box = window.files.versions_box
    if box is not None and box.isVisible():  # asked: whatever is chosen, the other file gets nothing
        next(b for b in box.buttons() if "Replace" in b.text()).click()
        last = window.files.last_import
        qtbot.waitUntil(lambda: last not in window.files.runs, timeout=60_000)
    db = store.open_store(other)
    try:
        assert store.count_queue(db) == 1 and store.annotators(db) == []
    finally:
        db.close()
    assert "team.db" in window.statusBar().currentMessage()


def test_escape_on_the_import_question_cancels_and_the_document_keys_work(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    window = open_window(qtbot, path)
    window.work_as("alice")
    differing = write(
        tmp_path / "alice.jsonl", [{"text": TEXT, "spans": [], "answer": "reject", "_annotator_id": "alice"}]
    )
    first = window.files.start_import([differing], "test")
    with qtbot.waitSignal(first.done, timeout=60_000):
        pass
    box = window.files.versions_box
    qtbot.waitUntil(box.isVisible)
    key(box, Key.Key_Escape)
    qtbot.waitUntil(lambda: "Import cancelled" in window.statusBar().currentMessage())
    window.activateWindow()
    window.view.setFocus()
    window.open_row(0)
    key(window.view, Key.Key_X)
    db = store.open_store(path)
    try:
        assert store.load_document(db, 1, Version.of("alice")).answer == Answer.REJECT
        assert [e["kind"] for e in store.history(db, 1, Version.of("alice"))][-1] != "import"
    finally:
        db.close()


# ------------------------------------------------------------ a long document


def long_team(path: Path, words: int = 100_000) -> Path:
    """One document of ``words`` words, ~40,000 entities; bob relabels every 50th word's and drops every
    77th's (about 1,300 disagreements with alice)."""
    import random

    from annotations.importing import import_sources

    rng = random.Random(7)
    names = ["Paris", "the", "Merkel", "met", "in", "Berlin", "and", "a", "Macron", "on"]
    chosen = [rng.choice(names) for _ in range(words)]
    alice, bob, offset = [], [], 0
    for index, word in enumerate(chosen):
        if word[0].isupper():
            label = "GPE" if word in ("Paris", "Berlin") else "PERSON"
            span = {"start": offset, "end": offset + len(word), "label": label}
            alice.append(span)
            if index % 50 == 0:
                bob.append({**span, "label": "ORG"})
            elif index % 77:
                bob.append(span)
        offset += len(word) + 1
    text = " ".join(chosen)
    records = [
        {"text": text, "spans": spans, "answer": "accept", "_annotator_id": name}
        for name, spans in (("alice", alice), ("bob", bob))
    ]
    make_database(path, [])
    db = store.open_store(path)
    try:
        import_sources(db, [write(path.with_suffix(".jsonl"), records)], dataset="test")
    finally:
        db.close()
    return path


def test_tab_between_disagreements_stays_fast_on_a_100000_word_document(qtbot, tmp_path):
    import time

    window = open_window(qtbot, long_team(tmp_path / "long.db"))
    window.set_review_mode(True)
    count = len(window.controller.session.review.disagreements)
    assert count > 1000
    key(window.view, Key.Key_Tab)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        key(window.view, Key.Key_Tab)
        times.append(time.perf_counter() - started)
    assert window.review_keys.current == 5
    assert min(times) < 0.25, times  # 7 to 19 s each before
    panel = window.review_panel.text()
    assert panel.count("(label)") + panel.count("(missing)") + panel.count("(boundaries)") <= 9
    assert f"{count - 9:,} more" in panel or "more (Tab)" in panel
    assert window.minimumSizeHint().height() <= 700  # the panel of 1,300 disagreements made it 34,000 px
    started = time.perf_counter()
    key(window.view, Key.Key_2)
    assert time.perf_counter() - started < 1.0
    assert window.controller.session.review.disagreements[5].chosen(window.current_document.state) == 1


# ------------------------------------------------------------ other processes on the same database


def run_python(code: str) -> None:
    """Run ``code`` in a separate Python process (another program on the same database)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr


def run_spandesk(*args: str) -> str:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-c", "from annotations.cli import cli; cli()", *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_another_process_editing_the_same_review_is_refused_and_reloaded_never_overwritten(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    window = open_window(qtbot, path)
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)  # Merkel: alice PERSON, bob ORG
    run_python(
        "from annotations import store\n"
        "from annotations.review_session import ReviewSession\n"
        f"db = store.open_store({str(path)!r})\n"
        "session = ReviewSession(db, 'zoe')\n"
        "session.open(1)\n"
        "session.apply(session.take(0, 1))\n"  # zoe takes bob's ORG
    )
    key(window.view, Key.Key_1)  # the window's reviewer takes alice's PERSON: refused
    assert "changed in another window" in window.statusBar().currentMessage()
    assert (0, 13, "ORG") in reviewed_spans(path)
    assert (0, 13, "ORG") in [s.key() for s in window.current_document.spans]  # reloaded
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_1)  # and then the window goes on as usual
    assert (0, 13, "PERSON") in reviewed_spans(path)


def test_a_merge_bringing_a_third_annotator_shows_their_proposals_on_coming_back(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    run_spandesk(
        "assign", "--db", str(path), "--dataset", "test", "--annotators", "carol", "--out", str(tmp_path)
    )
    carols = tmp_path / "carol.db"
    db = store.open_store(carols)
    carol = Session(db, "carol")
    carol.open(1)
    carol.apply(carol.add_span(0, 6, "LOC"))
    carol.apply(carol.set_answer(Answer.ACCEPT))
    db.close()
    window = open_window(qtbot, path)
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)
    assert "carol" not in window.review_panel.text()
    run_spandesk("merge", "--db", str(path), str(carols))
    window._on_application_state(Qt.ApplicationState.ApplicationActive)  # back from the terminal
    assert "carol" in window.review_panel.text()
    assert "carol" in window.statusBar().currentMessage()
    owners = [p.owner for p in window.controller.session.review.disagreements[0].proposals]
    assert owners == ["alice", "bob", "carol"]
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_3)
    assert (0, 6, "LOC") in reviewed_spans(path)


def test_undo_and_redo_keep_to_the_mode_they_were_made_in(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    window = open_window(qtbot, path)
    window.work_as("alice")
    key(window.view, Key.Key_Tab)  # select alice's first span and delete it: her own version
    key(window.view, Key.Key_Delete)
    own = [s.key() for s in window.current_document.spans]
    window.set_review_mode(True)
    key(window.view, Key.Key_Tab)
    key(window.view, Key.Key_2)  # take bob's ORG in the review
    assert (0, 13, "ORG") in reviewed_spans(path)
    window.set_review_mode(False)
    key(window.view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoes alice's delete, not the take
    assert (0, 13, "ORG") in reviewed_spans(path)
    assert len(window.current_document.spans) == len(own) + 1
    window.set_review_mode(True)
    key(window.view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoes the take
    assert (0, 13, "ORG") not in reviewed_spans(path)
    key(window.view, Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert (0, 13, "ORG") in reviewed_spans(path)


def test_a_document_every_annotator_rejected_is_counted_and_described_as_rejected(qtbot, tmp_path):
    window = open_window(qtbot, team(tmp_path / "team.db", ["alice", "bob", "carol"]))
    window.set_review_mode(True)
    assert "0 rejected" in window.counts_label.text()
    window.open_row(window.queue_model.row_of(3))
    assert window.current_document.answer == Answer.REJECT  # the answer all gave
    assert "1 rejected" in window.counts_label.text()
    key(window.view, Key.Key_Tab)
    message = window.statusBar().currentMessage()
    assert "rejected" in message and "A accepts it as it is" not in message


def test_closing_the_window_while_the_import_asks_closes_the_question_and_imports_nothing(qtbot, tmp_path):
    path = team(tmp_path / "team.db", ["alice", "bob"])
    window = open_window(qtbot, path)
    differing = write(
        tmp_path / "alice.jsonl", [{"text": TEXT, "spans": [], "answer": "reject", "_annotator_id": "alice"}]
    )
    first = window.files.start_import([differing], "test")
    with qtbot.waitSignal(first.done, timeout=60_000):
        pass
    box = window.files.versions_box
    qtbot.waitUntil(box.isVisible)
    window.close()
    assert not box.isVisible()
    assert window.files.last_import is first and not window.files.runs
    db = store.open_store(path)
    try:
        assert store.load_document(db, 1, Version.of("alice")).answer == Answer.ACCEPT
    finally:
        db.close()


def test_with_ten_annotators_the_worst_documents_show_their_text_and_several_rows(qtbot, tmp_path):
    people = [f"a{n:02d}" for n in range(1, 11)]
    window = open_window(qtbot, team(tmp_path / "team.db", people))
    window.show_agreement()
    dialog = window.agreement_dialog
    qtbot.waitUntil(dialog.progress_row.isHidden, timeout=20_000)
    table = dialog.documents
    assert table.rowCount() == 2
    assert table.item(0, 2).text() == "10 accept"
    assert "a10: accept" in table.item(0, 2).toolTip()
    text_column = table.columnViewportPosition(3)
    assert 0 <= text_column < table.viewport().width() - 100  # the text is in sight, not scrolled off
    assert table.viewport().height() >= 3 * table.rowHeight(0)


def test_on_a_small_screen_the_active_label_is_scrolled_into_the_rows_shown(qtbot, tmp_path):
    """Labels beyond the rows the bar shows scroll (test_gui_hostile_keys: fifty labels); choosing one of
    them as the active label brings it into view."""
    window = open_window(qtbot, team(tmp_path / "t.db", ["alice", "bob"]))
    window.label_bar.set_labels([(f"LABEL_{number}", "#a0c4ff") for number in range(30)])
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() <= 1000)
    rows = window.label_bar._labels
    qtbot.waitUntil(lambda: rows.widget().height() > rows.height() > 0)  # more rows than shown: they scroll
    last = window.label_bar.names[-1]
    window.label_bar.set_active(last)
    shown = window.label_bar.buttons[last]
    top = shown.mapTo(rows.viewport(), shown.rect().topLeft()).y()
    assert top >= 0 and top + shown.height() <= rows.viewport().height()
