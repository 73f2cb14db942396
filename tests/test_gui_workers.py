"""Import and export off the GUI thread: progress, cancel, results applied in the window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window
from PySide6.QtCore import Qt

from annotations import store


@pytest.fixture
def annotated_jsonl(tmp_path: Path) -> Path:
    source = tmp_path / "tasks.jsonl"
    lines = []
    for i in range(300):
        text = f"Document {i} mentions Berlin"
        lines.append(
            {"text": text, "spans": [{"start": text.index("Berlin"), "end": len(text), "label": "GPE"}]}
        )
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return source


def _count(path: Path) -> int:
    db = store.open_store(path)
    try:
        return store.count_queue(db)
    finally:
        db.close()


def test_an_import_runs_in_a_worker_and_fills_the_queue(qtbot, tmp_path, annotated_jsonl):
    path = tmp_path / "import.db"
    make_database(path, [])
    window = open_window(qtbot, path)
    run = window.files.start_import([annotated_jsonl], "tasks")
    with qtbot.waitSignal(run.finished, timeout=60_000):
        pass
    assert _count(path) == 300
    qtbot.waitUntil(lambda: window.queue_model.total == 300)
    assert window.controller.document is not None
    assert [s.key() for s in window.controller.document.spans] == [(20, 26, "GPE")]
    assert "Imported 300" in window.statusBar().currentMessage()


def test_an_import_says_which_records_differ_from_the_stored_texts(qtbot, tmp_path, annotated_jsonl):
    """A record whose text is stored with other spans is not imported, and the status bar says where."""
    path = tmp_path / "differ.db"
    make_database(path, [])
    window = open_window(qtbot, path)
    with qtbot.waitSignal(window.files.start_import([annotated_jsonl], "tasks").finished, timeout=60_000):
        pass
    again = tmp_path / "again.jsonl"
    again.write_text(json.dumps({"text": "Document 7 mentions Berlin", "spans": []}) + "\n", encoding="utf-8")
    with qtbot.waitSignal(window.files.start_import([again], "tasks").finished, timeout=60_000):
        pass
    message = window.statusBar().currentMessage()
    assert "Imported 0 documents" in message
    assert (
        "1 record matched texts already stored (or earlier in this import) but differs in spans or answer"
        in message
    )
    assert f"({again} line 1)" in message
    assert _count(path) == 300


def test_a_cancelled_import_stores_nothing_and_says_so(qtbot, tmp_path, annotated_jsonl):
    path = tmp_path / "cancel.db"
    make_database(path, ["An existing document"])
    window = open_window(qtbot, path)
    run = window.files.start_import([annotated_jsonl], "tasks")
    run.cancel()  # the Cancel button of the progress dialog does this
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: "Import failed" in window.statusBar().currentMessage())
    assert "cancelled" in window.statusBar().currentMessage()
    assert _count(path) == 1


def test_the_progress_dialog_cancel_button_sets_the_cancel_flag(qtbot, tmp_path, annotated_jsonl):
    path = tmp_path / "dialog.db"
    make_database(path, [])
    window = open_window(qtbot, path)
    run = window.files.start_import([annotated_jsonl], "tasks")
    window.files.progress_dialog.canceled.emit()  # what its Cancel button emits
    assert run.worker.cancelled
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass


def test_export_runs_in_a_worker_and_writes_the_answered_documents(qtbot, tmp_path):
    path = tmp_path / "export.db"
    make_database(path, ["Angela Merkel spoke", "Nobody spoke"])
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    output = tmp_path / "out.jsonl"
    run = window.files.start_export("prodigy", output)
    with qtbot.waitSignal(run.finished, timeout=60_000) as finished:
        pass
    assert finished.args[0].documents == 1
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["text"], r["answer"]) for r in records] == [("Angela Merkel spoke", "accept")]
    qtbot.waitUntil(lambda: "Exported 1 document" in window.statusBar().currentMessage())


def test_an_export_that_writes_nothing_says_why_in_the_window(qtbot, tmp_path):
    """Nothing answered yet: the export box says so and how to include the pending documents."""
    path = tmp_path / "pending.db"
    make_database(path, ["Angela Merkel spoke"])
    window = open_window(qtbot, path)
    run = window.files.start_export("conll", tmp_path / "out.conll")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    box = window.files.failure_box
    assert box is not None and "Exported 0 documents" in box.text() and "--all" in box.text()


@pytest.mark.parametrize("fmt", ["conll", "hf", "brat", "labelstudio"])
def test_every_format_of_the_export_menu_writes_from_the_window(qtbot, tmp_path, fmt):
    path = tmp_path / f"{fmt}.db"
    make_database(path, ["Angela Merkel spoke", "Nobody spoke"])
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    output = tmp_path / ("brat-out" if fmt == "brat" else f"out.{fmt}")
    run = window.files.start_export(fmt, output)
    with qtbot.waitSignal(run.finished, timeout=60_000) as finished:
        pass
    assert finished.args[0].documents == 1 and output.exists()


def test_a_bad_file_is_reported_in_a_message_and_stores_nothing(qtbot, tmp_path):
    path = tmp_path / "bad.db"
    make_database(path, [])
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "fine"}\n{"text": 5}\n', encoding="utf-8")
    window = open_window(qtbot, path)
    run = window.files.start_import([source], "tasks")
    with qtbot.waitSignal(run.failed, timeout=60_000) as failed:
        pass
    assert "bad.jsonl" in failed.args[0] and ":2" in failed.args[0]
    assert window.files.failure_box.isVisible()
    assert _count(path) == 0


def test_the_window_keeps_taking_edits_while_spacy_pre_annotates_an_import(qtbot, tmp_path):
    from annotations.model import Span

    path = tmp_path / "busy.db"
    make_database(path, ["Angela Merkel visited Paris"], [[Span(0, 13, "PERSON")]])
    source = tmp_path / "plain.jsonl"
    texts = [f"Report {i}: Angela Merkel met Emmanuel Macron in Paris on Monday." for i in range(400)]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    window = open_window(qtbot, path)
    run = window.files.start_import([source], "reports")
    progressed, finished = [], []
    run.progress.connect(lambda done, total: progressed.append(done))
    run.finished.connect(finished.append)
    qtbot.waitUntil(lambda: bool(progressed or finished), timeout=120_000)
    key(window.view, Qt.Key.Key_Tab)
    key(window.view, Qt.Key.Key_2)  # relabel PERSON -> ORG while the worker pre-annotates
    edited_while_running = not finished
    qtbot.waitUntil(lambda: bool(finished), timeout=120_000)
    assert edited_while_running
    db = store.open_store(path)
    assert [s.key() for s in store.load_document(db, 1).spans] == [(0, 13, "ORG")]
    assert store.count_queue(db, "reports") == 400
    db.close()


def test_closing_the_window_during_an_import_cancels_it_at_once(qtbot, tmp_path):
    path = tmp_path / "closing.db"
    make_database(path, ["An existing document"])
    source = tmp_path / "plain.jsonl"
    texts = [f"Report {i}: Angela Merkel met Emmanuel Macron in Paris on Monday." for i in range(2000)]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    window = open_window(qtbot, path)
    run = window.files.start_import([source], "reports")
    progressed: list[int] = []
    run.progress.connect(lambda done, total: progressed.append(done))
    qtbot.waitUntil(lambda: bool(progressed), timeout=120_000)
    window.close()  # cancels the import and waits for its thread
    assert run.thread.isFinished()
    assert _count(path) == 1


def test_a_backup_runs_in_a_worker_and_never_replaces_a_file(qtbot, tmp_path):
    path = tmp_path / "backup.db"
    make_database(path, ["Angela Merkel spoke"])
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)  # in the -wal file only: the copy must have it
    copy = tmp_path / "copy.db"
    run = window.files.start_backup(copy)
    with qtbot.waitSignal(run.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: "Backed up to" in window.statusBar().currentMessage())
    backup = store.open_store(copy)
    assert store.load_document(backup, 1).answer is not None
    backup.close()
    notes = tmp_path / "notes.db"
    notes.write_text("my notes", encoding="utf-8")
    run = window.files.start_backup(notes)
    with qtbot.waitSignal(run.failed, timeout=60_000) as failed:
        pass
    assert "already exists" in failed.args[0] and window.files.failure_box.isVisible()
    assert notes.read_text(encoding="utf-8") == "my notes"
