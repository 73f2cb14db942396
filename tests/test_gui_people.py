"""The person at the keyboard: `--annotator`, File ▸ Work as…, and Dataset ▸ Agreement in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gui_helpers import key, make_database, open_window
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from annotations import launch, store
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name, others_note
from annotations.cli import cli
from annotations.model import Answer, Span, Version
from annotations.session import Session
from gui import app
from gui.annotator_dialog import AnnotatorDialog

TEXTS = ["Angela Merkel visited Paris", "Olaf Scholz met Macron", "A third text"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Three documents, the model's PERSON on each; alice accepted two and added a GPE to the first."""
    database = tmp_path / "team.db"
    make_database(database, TEXTS, [[Span(0, 13, "PERSON")], [Span(0, 11, "PERSON")], [Span(0, 1, "PERSON")]])
    db = store.open_store(database)
    alice = Session(db, "alice")
    alice.open(1)
    alice.apply(alice.add_span(22, 27, "GPE"))
    for document_id in (1, 2):
        alice.open(document_id)
        alice.apply(alice.set_answer(Answer.ACCEPT))
    db.close()
    return database


def window_as(qtbot, path: Path, annotator: str | None):
    window = app.build_window(
        path, QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat), annotator
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def spans_of(window) -> list[tuple[int, int, str]]:
    return [span.key() for span in window.current_document.spans]


def statuses(window) -> list[str]:
    from gui.queue_model import StatusRole

    return [window.queue_model.index(row).data(StatusRole) for row in range(window.queue_model.rowCount())]


def test_the_annotator_given_at_start_is_shown_kept_and_sees_their_versions(qtbot, path):
    window = window_as(qtbot, path, "alice")
    assert "working as alice" in window.windowTitle() and window.annotator_label.text() == "Annotator: alice"
    assert store.get_setting(window.db, "annotator") == "alice"  # the next start works as alice too
    assert window.current_document.id == 3  # her first pending document (she answered 1 and 2)
    window.controller.open(1)
    assert spans_of(window) == [(0, 13, "PERSON"), (22, 27, "GPE")]
    assert statuses(window) == ["accepted", "accepted", "pending"]
    assert window.counts_label.text().startswith("2 accepted")


def test_working_as_another_person_switches_queue_progress_and_document_without_restarting(qtbot, path):
    window = window_as(qtbot, path, "alice")
    window.controller.open(1)  # alice starts on her first pending document, 3
    assert window.work_as("  bob ")
    assert window.annotator == "bob" and "working as bob" in window.windowTitle()
    assert window.annotator_label.text() == "Annotator: bob"
    assert window.current_document.id == 1 and spans_of(window) == [
        (0, 13, "PERSON")
    ]  # the base: bob has none
    assert statuses(window) == ["pending", "pending", "pending"]
    assert window.counts_label.text() == "0 accepted · 0 rejected · 0 ignored · 3 pending"
    assert window.queue_panel.progress.value() == 0 and window.queue_model.viewer == "bob"
    key(window.view, Qt.Key.Key_X)  # bob rejects the first document, in his own version
    assert store.load_document(window.db, 1, Version.of("bob")).answer == Answer.REJECT
    assert store.load_document(window.db, 1, Version.of("alice")).answer == Answer.ACCEPT
    assert store.get_setting(window.db, "annotator") == "bob"
    window.work_as("alice")
    assert statuses(window) == ["accepted", "accepted", "pending"] and window.current_document.id == 2


def test_the_undo_history_of_the_previous_name_is_cleared(qtbot, path):
    window = window_as(qtbot, path, "alice")
    window.controller.open(3)
    key(window.view, Qt.Key.Key_A)  # alice accepts the third document
    assert window.controller.undo_stack.canUndo()
    window.work_as("bob")
    window.undo()
    assert window.statusBar().currentMessage() == "Nothing to undo."
    assert window.undo_action.text() == "&Undo"
    assert store.load_document(window.db, 3, Version.of("alice")).answer == Answer.ACCEPT  # alice's stays


def test_the_others_who_annotate_here_are_named_once(qtbot, path):
    db = store.open_store(path)
    bob = Session(db, "bob")
    bob.open(3)
    bob.apply(bob.set_answer(Answer.IGNORE))
    db.close()
    window = window_as(qtbot, path, "carol")
    assert (
        window.statusBar().currentMessage() == "alice and bob also annotate here; you see your own versions"
    )
    window.work_as("alice")
    assert window.statusBar().currentMessage() == "bob also annotates here; you see your own versions"


def test_the_work_as_dialog_refuses_names_that_cannot_be_used_and_says_why(qtbot, path):
    window = window_as(qtbot, path, "alice")
    window.choose_annotator()
    dialog: AnnotatorDialog = window.annotator_dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    for bad, reason in (
        ("   ", "empty"),
        ("ev\x07il", "U+0007"),
        ("x" * 65, "65 characters long; at most 64"),
    ):
        dialog.name_edit.setText(bad)
        assert not ok.isEnabled() and reason in dialog.reason.text()
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
        assert dialog.isVisible() and window.annotator == "alice"
    dialog.name_edit.setText("  Dana Ö  ")
    assert ok.isEnabled() and dialog.reason.text() == ""
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert window.annotator == "Dana Ö" and store.get_setting(window.db, "annotator") == "Dana Ö"
    assert not window.work_as("\x1b[31m") and window.annotator == "Dana Ö"
    assert "control character (U+001B)" in window.files.failure_box.text()


def test_annotator_names_are_checked_and_the_others_named() -> None:
    assert checked_annotator_name("  ana ") == "ana"
    for bad in ("", " \t ", "a\nb", "a\u200bb", "y" * 65):
        with pytest.raises(BadAnnotatorName):
            checked_annotator_name(bad)
    assert others_note(["ana"], "ana") is None
    assert others_note(["ana", "ben", "cy", "dee", "eve"], "cy") == (
        "ana, ben, dee and 1 other also annotate here; you see your own versions"
    )


def test_gui_annotator_option_is_checked_and_passed_to_the_window(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(launch, "_front_end", lambda: lambda path, **options: calls.append(options) or 0)
    runner = CliRunner()
    refused = runner.invoke(cli, ["gui", "--db", str(tmp_path / "x.db"), "--annotator", "  "])
    assert refused.exit_code == 2 and "the name is empty" in refused.output and calls == []
    ran = runner.invoke(cli, ["gui", "--db", str(tmp_path / "x.db"), "--annotator", " ana "])
    assert ran.exit_code == 0 and calls == [{"annotator": "ana"}]


def test_changing_name_in_review_mode_leaves_review_mode_as_the_new_person(qtbot, tmp_path):
    """The reviewer's controller belongs to the name that entered review mode: a new name starts afresh."""
    from annotations.model import Answer
    from annotations.session import Session

    path = tmp_path / "two.db"
    db = store.open_store(path)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "news")
        store.insert_documents(db, dataset, [store.NewDocument("Ada met Bob in Paris.", (), 1)])
    for name, label in (("ana", "PERSON"), ("ben", "ORG")):
        session = Session(db, name)
        session.open(1)
        session.apply(session.add_span(0, 3, label))
        session.apply(session.set_answer(Answer.ACCEPT))
    db.close()
    window = open_window(qtbot, path)
    window.set_review_mode(True)
    assert window.reviewing and "reviewing as" in window.windowTitle()
    assert window.work_as("rita")
    assert not window.reviewing and not window.review_action.isChecked()
    assert window.windowTitle().endswith("working as rita")
