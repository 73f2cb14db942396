"""The window says which model proposed a span and how sure it was, marks the doubtful ones, walks
them least certain first (Ctrl+Tab), and the queue can put the most likely wrong documents first."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import key, make_database, open_window, queue_read
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from annotations import store
from annotations.model import Span, SpanSource

TEXTS = ["Angela Merkel met Macron in Berlin on Monday.", "Paris is big.", "Tim Cook visited Rome."]
SPANS = [
    [Span(0, 13, "PERSON", SpanSource.MODEL), Span(18, 24, "PERSON", SpanSource.MODEL),
     Span(28, 34, "GPE", SpanSource.MODEL)],
    [Span(0, 5, "GPE", SpanSource.MODEL)],
    [Span(0, 8, "PERSON", SpanSource.MODEL), Span(17, 21, "GPE", SpanSource.MODEL)],
]  # fmt: skip
SCORES = [(0.99, 0.41, 0.62), (0.97,), (0.3, 0.5)]


def scored_database(path: Path) -> None:
    make_database(path, TEXTS, SPANS)
    db = store.open_store(path)
    with store.write_transaction(db):
        for document_id, (spans, scores) in enumerate(zip(SPANS, SCORES, strict=True), start=1):
            doubt = round(sum(1 - s for s in scores), 4)
            store.store_prediction(
                db, store.ScoredPrediction(document_id, "en_news", "2.0", tuple(spans), scores, doubt)
            )
    db.close()


def tooltips(window) -> list[str]:
    model = window.span_list.span_model
    return [model.item(row).toolTip() for row in range(model.rowCount())]


def test_the_span_list_says_which_model_proposed_each_span_and_how_sure_it_was(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)
    assert window.controller.document.id == 1
    said = tooltips(window)
    assert "proposed by en_news 2.0, confidence 0.41" in said[1]
    assert "confidence 0.99" in said[0] and "confidence 0.62" in said[2]
    # the spans under the threshold are outlined in the text
    assert window.view.doubtful == [(18, 24, "PERSON"), (28, 34, "GPE")]


def test_ctrl_tab_walks_the_least_certain_spans_first(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.view.selected.key() == (18, 24, "PERSON")
    assert "confidence 0.41" in window.statusBar().currentMessage()
    key(window.view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.view.selected.key() == (28, 34, "GPE")
    key(
        window.view,
        Qt.Key.Key_Backtab,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.view.selected.key() == (18, 24, "PERSON")


def test_ctrl_tab_goes_on_from_a_deleted_span_to_the_next_least_certain(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)

    def walk() -> None:
        key(window.view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)

    walk()
    walk()
    assert window.view.selected.key() == (28, 34, "GPE")  # 0.62, the second least certain
    key(window.view, Qt.Key.Key_Delete)
    assert (28, 34, "GPE") not in [span.key() for span in window.controller.document.spans]
    walk()
    assert window.view.selected.key() == (0, 13, "PERSON")  # 0.99: none skipped
    assert "least certain 2 of 2" in window.statusBar().currentMessage()
    walk()
    assert window.view.selected.key() == (18, 24, "PERSON")  # round again from the least certain


def test_a_span_a_person_made_says_so_and_is_not_marked(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)
    window.controller.delete_span(Span(18, 24, "PERSON")) if hasattr(
        window.controller, "delete_span"
    ) else None
    document = window.controller.document
    window.confidence.document_opened(document)
    person = Span(0, 5, "ORG")
    assert window.confidence.proposed is not None
    from gui.confidence_marks import describe

    assert describe(person, window.confidence.proposed) == "ORG 0-5, made by a person"


def test_the_queue_puts_the_most_likely_wrong_documents_first_and_remembers_it(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)
    queue = window.queue_model
    assert [queue.document_id(row) for row in range(queue.rowCount())] == [1, 2, 3]
    window.queue_panel.order_choice.setCurrentIndex(1)  # "Most likely wrong first"
    queue_read(qtbot, window)
    queue = window.queue_model
    assert [queue.document_id(row) for row in range(queue.rowCount())] == [3, 1, 2]  # doubt 1.2, 0.98, 0.03
    window.close()
    again = open_window(qtbot, path)  # the same settings file: the choice is remembered
    assert again.queue_panel.order_choice.currentText() == "Most likely wrong first"
    assert [again.queue_model.document_id(row) for row in range(again.queue_model.rowCount())] == [3, 1, 2]


def test_hovering_a_span_in_the_text_shows_its_whole_label_and_origin(qtbot, tmp_path):
    path = tmp_path / "c.db"
    scored_database(path)
    window = open_window(qtbot, path)
    view = window.view
    inside = view.cursorRect(view._cursor_at(view.display.to_qt(20))).center()  # in "Macron"
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, inside, view.mapToGlobal(inside)))
    assert QToolTip.text() == "PERSON 18-24, proposed by en_news 2.0, confidence 0.41"
    outside = view.cursorRect(view._cursor_at(view.display.to_qt(15))).center()  # in "met"
    QApplication.sendEvent(
        view.viewport(), QHelpEvent(QEvent.Type.ToolTip, outside, view.mapToGlobal(outside))
    )
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
