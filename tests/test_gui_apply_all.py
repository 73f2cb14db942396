"""Apply everywhere in the window: the offer after a correction, the preview, one batch, one Ctrl+Z."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotations import store
from annotations.model import Answer, Span, Version
from annotations.session import Session
from annotations.store import batches as batch_store
from tests.gui_helpers import key, make_database, open_window

TEXTS = [
    "Officials at the Kremlin said no.",  # 1: corrected in the window
    "The Kremlin denied it.",  # 2: changes
    "A Kremlin spokesman spoke.",  # 3: answered already: unchecked
    "Sources near the Kremlin disagreed.",  # 4: changed in another window before Apply
    "The Kremlin Palace was closed.",  # 5: conflict (LOC over "Kremlin Palace")
    "Kremlinology is a field of study.",  # not a whole word: not an occurrence
]


def kremlin(text: str) -> Span:
    start = text.index("Kremlin")
    return Span(start, start + 7, "LOC")


MODEL = [[kremlin(t)] for t in TEXTS[:4]] + [[Span(4, 18, "LOC")]]


def database(tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, TEXTS, MODEL)
    db = store.open_store(path)
    session = Session(db, "tester")
    session.open(3)
    session.apply(session.set_answer(Answer.ACCEPT))
    db.close()
    return path


def open_active(qtbot, path):
    window = open_window(qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window


def seen(path, document_id: int) -> list[tuple[int, int, str]]:
    """The spans tester sees in a document, read through a connection of its own."""
    db = store.open_store(path)
    try:
        return [s.key() for s in store.load_document(db, document_id, viewer="tester").spans]
    finally:
        db.close()


def relabel_first_span_as_org(qtbot, window) -> None:
    key(window.view, Qt.Key.Key_Tab)  # select the span
    QTest.keyClick(window.view, Qt.Key.Key_2)  # ORG
    qtbot.waitUntil(lambda: window.apply_everywhere.offering, timeout=10_000)


def open_preview(qtbot, window):
    key(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.apply_everywhere.dialog is not None, timeout=10_000)
    dialog = window.apply_everywhere.dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def cells(dialog, row: int) -> list[str]:
    return [dialog.table.item(row, column).text() for column in range(dialog.table.columnCount())]


def test_relabel_offers_the_other_occurrences_previews_applies_and_one_undo_restores(qtbot, tmp_path):
    path = database(tmp_path)
    window = open_active(qtbot, path)
    assert window.current_document.id == 1
    relabel_first_span_as_org(qtbot, window)
    offer = window.apply_everywhere
    assert offer.bar.isVisible()
    assert offer.label.text() == "Apply to the 3 other occurrences of “Kremlin”?"  # 2, 3 and 4

    dialog = open_preview(qtbot, window)
    assert dialog.table.rowCount() == 5  # every occurrence, the one just corrected too
    rows = {int(cells(dialog, row)[0]): row for row in range(5)}
    checkable = Qt.ItemFlag.ItemIsUserCheckable
    assert "nothing to do" in cells(dialog, rows[1])[4] and "on screen" in cells(dialog, rows[1])[4]
    assert cells(dialog, rows[2])[4] == "LOC → ORG"
    assert cells(dialog, rows[3])[4] == "already answered (accept): LOC → ORG"
    assert dialog.table.item(rows[3], 0).checkState() == Qt.CheckState.Unchecked
    assert dialog.table.item(rows[3], 0).flags() & checkable  # can be checked on purpose
    assert cells(dialog, rows[5])[4] == "conflict: overlaps LOC 'Kremlin Palace'"
    assert not dialog.table.item(rows[5], 0).flags() & checkable
    assert sorted(dialog.rows[row].document_id for row in dialog.checked_rows()) == [2, 4]
    assert "5 occurrences in 5 documents" in dialog.summary.text()
    assert "1 in documents already answered (unchecked" in dialog.summary.text()
    assert "1 conflict" in dialog.summary.text()
    assert dialog.apply_button.text() == "Apply to 2 occurrences in 2 documents"

    # another window changes document 4 while the preview is open
    other = store.open_store(path)
    session = Session(other, "tester")
    session.open(4)
    session.apply(session.relabel(session.document.spans[0], "PERSON"))
    other.close()

    QTest.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter applies
    assert not dialog.isVisible()
    assert seen(path, 2) == [(4, 11, "ORG")]
    assert seen(path, 3) == [(2, 9, "LOC")]  # answered: left alone
    assert seen(path, 4) == [(17, 24, "PERSON")]  # the other window's edit is kept
    assert seen(path, 5) == [(4, 18, "LOC")]
    message = window.statusBar().currentMessage()
    assert "Applied to 1 occurrence in 1 document" in message
    assert "(batch 1; Ctrl+Z undoes it all)" in message
    assert "Skipped 1 document (4: tester changed it since the preview" in message
    assert window.controller.undo_stack.undoText().startswith("Apply everywhere: relabel 'Kremlin'")

    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one Ctrl+Z: the whole batch
    assert seen(path, 2) == [(4, 11, "LOC")]
    assert seen(path, 1) == [(17, 24, "ORG")]  # the correction itself is a command of its own
    assert "Undone apply everywhere: restored 1 document" in window.statusBar().currentMessage()
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert seen(path, 2) == [(4, 11, "ORG")]  # redo applies it again
    assert "Applied again to 1 occurrence" in window.statusBar().currentMessage()
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert seen(path, 2) == [(4, 11, "LOC")] and seen(path, 1) == [(17, 24, "LOC")]


def test_the_preview_by_keyboard_space_checks_an_answered_document_and_the_open_one_reloads(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    text = "The Kremlin and the Kremlin again."
    make_database(
        path, [text, "A Kremlin spokesman."], [[Span(4, 11, "LOC"), Span(20, 27, "LOC")], [Span(2, 9, "LOC")]]
    )
    db = store.open_store(path)
    session = Session(db, "tester")
    session.open(2)
    session.apply(session.set_answer(Answer.REJECT))
    db.close()
    window = open_active(qtbot, path)
    relabel_first_span_as_org(qtbot, window)
    assert window.apply_everywhere.label.text() == "Apply to the 2 other occurrences of “Kremlin”?"
    dialog = open_preview(qtbot, window)
    assert dialog.table.hasFocus()
    rows = [int(cells(dialog, row)[0]) for row in range(dialog.table.rowCount())]
    assert rows == [1, 1, 2]
    assert [dialog.rows[row].document_id for row in dialog.checked_rows()] == [1]
    QTest.keyClick(dialog.table, Qt.Key.Key_Down)
    QTest.keyClick(dialog.table, Qt.Key.Key_Down)
    QTest.keyClick(dialog.table, Qt.Key.Key_Space)  # check the answered document's occurrence
    assert dialog.apply_button.text() == "Apply to 2 occurrences in 2 documents"
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)
    assert seen(path, 2) == [(2, 9, "ORG")]
    # the document on screen had another occurrence: it is shown as stored now
    assert [s.key() for s in window.current_document.spans] == [(4, 11, "ORG"), (20, 27, "ORG")]
    assert [s.key() for s in window.view._document.spans] == [(4, 11, "ORG"), (20, 27, "ORG")]


def test_escape_cancels_the_preview_and_nothing_changes(qtbot, tmp_path):
    path = database(tmp_path)
    window = open_active(qtbot, path)
    relabel_first_span_as_org(qtbot, window)
    dialog = open_preview(qtbot, window)
    QTest.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert seen(path, 2) == [(4, 11, "LOC")]
    assert window.apply_everywhere.offering  # still offered
    db = store.open_store(path)
    assert batch_store.recent_batches(db) == []
    db.close()


def test_delete_resize_and_add_are_offered_too_and_an_answer_is_not(qtbot, tmp_path):
    path = tmp_path / "db.sqlite"
    texts = ["Talks in the United States today.", "Visitors from the United States came."]
    make_database(path, texts, [[Span(9, 26, "GPE")], [Span(14, 31, "GPE")]])
    window = open_active(qtbot, path)
    key(window.view, Qt.Key.Key_Tab)
    key(
        window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: window.apply_everywhere.offering, timeout=10_000)  # resize: "the" out
    assert window.apply_everywhere.label.text() == "Apply to the 1 other occurrence of “the United States”?"
    dialog = open_preview(qtbot, window)
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)
    assert seen(path, 2) == [(18, 31, "GPE")]
    key(window.view, Qt.Key.Key_Tab)
    key(window.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.apply_everywhere.offering, timeout=10_000)
    assert "of “United States”" in window.apply_everywhere.label.text()
    window.apply_everywhere.dismiss()
    key(window.view, Qt.Key.Key_A)  # an answer: no offer
    qtbot.wait(200)
    assert not window.apply_everywhere.offering


def test_undo_after_closing_and_reopening_the_window(qtbot, tmp_path):
    path = database(tmp_path)
    window = open_active(qtbot, path)
    relabel_first_span_as_org(qtbot, window)
    dialog = open_preview(qtbot, window)
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)
    assert seen(path, 2) == [(4, 11, "ORG")] and seen(path, 4) == [(17, 24, "ORG")]
    window.close()

    again = open_active(qtbot, path)
    key(again.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "Edit ▸ Undo last apply-everywhere undoes “relabel 'Kremlin'" in again.statusBar().currentMessage()
    assert seen(path, 2) == [(4, 11, "ORG")]
    action = next(a for a in again.menuBar().actions()[1].menu().actions() if "apply-&everywhere" in a.text())
    action.trigger()
    assert seen(path, 2) == [(4, 11, "LOC")] and seen(path, 4) == [(17, 24, "LOC")]
    assert seen(path, 1) == [(17, 24, "ORG")]
    assert "restored 2 documents" in again.statusBar().currentMessage()
    action.trigger()
    assert "left to undo" in again.statusBar().currentMessage()
    db = store.open_store(path)
    assert batch_store.last_undoable_batch(db, "tester") is None
    assert store.load_document(db, 2, Version.of("tester")).spans[0].label == "LOC"
    db.close()


def test_a_correction_right_after_the_window_appears_is_offered_before_and_after_the_window_finishes(
    qtbot, tmp_path
):
    """Apply everywhere is made once the window has painted (``finish_building``, from ``gui.app``); a
    correction or Ctrl+Shift+A that comes sooner makes it then and works the same."""
    path = database(tmp_path)
    window = open_active(qtbot, path)
    assert window._apply_everywhere is None  # not made for the first paint
    assert (
        window.offer_bar.isHidden()
        and window.statusBar().minimumHeight() > window.offer_bar.sizeHint().height()
    )
    key(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.statusBar().currentMessage().startswith("Nothing to apply everywhere: correct a span first")
    relabel_first_span_as_org(qtbot, window)
    assert window.apply_everywhere.label.text() == "Apply to the 3 other occurrences of “Kremlin”?"
    window.finish_building()  # after the first paint: the offer already made stays as it is
    assert window.apply_everywhere.offering and window.offer_bar.isVisible()

    (tmp_path / "other").mkdir()
    other = open_active(qtbot, database(tmp_path / "other"))
    other.finish_building()
    assert other._apply_everywhere is not None and not other.offer_bar.isVisible()
    relabel_first_span_as_org(qtbot, other)
    assert other.apply_everywhere.bar is other.offer_bar and other.offer_bar.isVisible()


def test_applying_while_another_program_writes_waits_at_the_gate_then_applies(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialog

    from tests.reliability_helpers import OtherWriter

    path = database(tmp_path)
    window = open_active(qtbot, path)
    relabel_first_span_as_org(qtbot, window)
    dialog = open_preview(qtbot, window)
    writer = OtherWriter(path)  # an import writing, say
    try:
        QTest.keyClick(dialog.table, Qt.Key.Key_Return)
        wait = window.findChild(QDialog, "write_wait")
        assert wait is not None and wait.isVisible()
        assert seen(path, 2) == [(4, 11, "LOC")]
    finally:
        writer.release()
    qtbot.waitUntil(lambda: not wait.isVisible(), timeout=5000)
    assert seen(path, 2) == [(4, 11, "ORG")]
    assert "Applied to 2 occurrences in 2 documents" in window.statusBar().currentMessage()
    key(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one Ctrl+Z undoes it, as ever
    assert seen(path, 2) == [(4, 11, "LOC")]
