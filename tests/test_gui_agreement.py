"""Dataset ▸ Agreement: the figures of `spandesk agreement` in a dialog, and the worst documents opened."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from gui_helpers import make_database, open_window, shown_text
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotations import store
from annotations.cli import cli
from annotations.model import Answer, Span
from annotations.session import Session

TEXTS = ["Angela Merkel visited Paris", "Olaf Scholz met Macron", "Joe Biden spoke"]


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn)


def team(path: Path, people: tuple[str, ...]) -> None:
    """Each person accepts the three documents; bob calls Olaf Scholz an ORG."""
    make_database(path, TEXTS, [[Span(0, 13, "PERSON")], [Span(0, 11, "PERSON")], [Span(0, 9, "PERSON")]])
    db = store.open_store(path)
    for name in people:
        session = Session(db, name)
        for document_id in (1, 2, 3):
            session.open(document_id)
            if name == "bob" and document_id == 2:
                session.apply(session.relabel(session.document.spans[0], "ORG"))
            session.apply(session.set_answer(Answer.ACCEPT))
    db.close()


def computed(qtbot, window):
    """Dataset ▸ Agreement, waited for until the worker's figures are shown."""
    window.show_agreement()
    dialog = window.agreement_dialog
    qtbot.waitUntil(dialog.progress_row.isHidden, timeout=20_000)
    return dialog


def cells(table, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "agreement.db"
    team(database, ("alice", "bob"))
    return database


def test_the_dialog_shows_the_figures_of_the_agreement_command(qtbot, path):
    window = open_window(qtbot, path)
    dialog = computed(qtbot, window)
    assert dialog.isVisible() and dialog.pairs.isVisible()
    # bob's ORG on document 2: 2 spans match, 1 false positive, 1 false negative, exact and relaxed alike
    expected = json.loads(CliRunner().invoke(cli, ["agreement", "--db", str(path), "--json"]).output)
    kappa = expected["pairwise"][0]["kappa"]
    assert cells(dialog.pairs, 0)[:5] == [
        "alice & bob", "3", f"{f1(2, 1, 1):.3f}", f"{f1(2, 1, 1):.3f}", f"{kappa:.3f}"
    ]  # fmt: skip
    labels = [cells(dialog.labels, row)[1:5] for row in range(dialog.labels.rowCount())]
    assert labels == [
        ["ORG", "0.000", "0.000", "0.000"],
        ["PERSON", "1.000", f"{2 / 3:.3f}", f"{f1(2, 0, 1):.3f}"],
    ]
    assert "Krippendorff's alpha_u over the 3 documents all 2 annotators accepted" in dialog.summary.text()
    worst = cells(dialog.documents, 0)
    assert worst[:3] == ["0.000", "2", "alice: accept, bob: accept"] and worst[3] == TEXTS[1]
    assert [cells(dialog.documents, row)[1] for row in (1, 2)] == ["1", "3"]


def test_enter_or_a_double_click_on_a_document_opens_it_and_the_dialog_stays(qtbot, path):
    window = open_window(qtbot, path)
    dialog = computed(qtbot, window)
    assert window.current_document.id == 1
    dialog.documents.setCurrentCell(0, 1)
    QTest.keyClick(dialog.documents, Qt.Key.Key_Return)
    assert window.current_document.id == 2 and shown_text(window.view) == TEXTS[1]
    assert dialog.isVisible()
    rect = dialog.documents.visualItemRect(dialog.documents.item(2, 1))
    viewport = dialog.documents.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # a person's press comes first
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_document.id == 3


def test_with_fewer_than_two_annotators_the_dialog_says_so_plainly(qtbot, tmp_path):
    database = tmp_path / "alone.db"
    team(database, ("alice",))
    window = open_window(qtbot, database)
    dialog = computed(qtbot, window)
    assert dialog.summary.text() == (
        "Agreement needs the versions of two or more annotators; this database has 1: alice. "
        "Nothing to compare."
    )
    assert not dialog.pairs.isVisible() and not dialog.tabs.isVisible()


def test_cancel_stops_the_computation_and_nothing_is_shown(qtbot, path, monkeypatch):
    from gui import agreement_dialog

    gate, reading = threading.Event(), agreement_dialog.versions_by_document

    def slow(db, dataset=None):
        gate.wait(10)  # the person clicks Cancel while the worker is still reading
        yield from reading(db, dataset)

    monkeypatch.setattr(agreement_dialog, "versions_by_document", slow)
    window = open_window(qtbot, path)
    dialog = agreement_dialog.AgreementDialog(path, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.computed, timeout=20_000):
        dialog.start()
        dialog.cancel_button.click()
        gate.set()
    assert dialog.summary.text() == "Cancelled: nothing was computed."
    assert dialog.pairs.rowCount() == 0 and not dialog.progress_row.isVisible()
