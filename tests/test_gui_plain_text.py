"""Names and values from the database or a file are shown as text, never read as markup (issue 9, part 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import shown_text
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QColorDialog, QLabel, QMessageBox, QStyledItemDelegate, QWidget

from annotations import store
from annotations.model import DocumentState, Span, SpanSource
from annotations.store import NewDocument, Prediction
from annotations.text import whitespace_tokens
from gui.main_window import MainWindow

MARKUP = '<img src="red.png"><b>X</b> & [*]'
DATASET = f"DS {MARKUP}"
LABEL = f"L{MARKUP}"
ANNOTATOR = f"ann {MARKUP}"
MODEL = f"model{MARKUP}"
TEXT = f"Before {MARKUP} after."


def shown_as_tooltip(tip: str) -> str:
    """What a tooltip displays: Qt renders it as HTML whenever it might be rich text."""
    document = QTextDocument()
    if GuiQt.mightBeRichText(tip):
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document.toPlainText()


def shown_with_mnemonics(text: str) -> str:
    """What a button or menu item displays: ``&&`` is one ``&``, a single ``&`` marks the shortcut key."""
    return "&".join(part.replace("&", "") for part in text.split("&&"))


def shown_as_title(title: str) -> str:
    """What a window title displays (Qt's own handling of the ``[*]`` mark)."""
    probe = QWidget()
    probe.setWindowTitle(title)
    probe.show()
    shown = probe.windowHandle().title()
    probe.close()
    return shown


def shows_literally(label: QLabel, text: str) -> bool:
    """A label that shows ``text`` as it is."""
    return label.textFormat() == Qt.TextFormat.PlainText and text in label.text()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A database whose every name and value is markup, in a file whose name is too."""
    folder = tmp_path / "<b>folder & co"
    folder.mkdir()
    path = folder / "<img src=red.png><i>notes & [*].db"
    db = store.open_store(path)
    start = TEXT.index(MARKUP)
    span = Span(start, start + len(MARKUP), LABEL, SpanSource.MODEL)
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, DATASET)
        store.add_labels(db, [LABEL, "PERSON"])
        document = NewDocument(
            TEXT,
            whitespace_tokens(TEXT),
            1,
            DocumentState((span,)),
            Prediction(MODEL, "1.0", (span,)),
            meta={"source": MARKUP},
        )
        store.insert_documents(db, dataset, [document])
    db.close()
    return path


@pytest.fixture
def window(qtbot, path: Path) -> MainWindow:
    settings = QSettings(str(path.parent / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(path, store.open_store(path), ANNOTATOR, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_status_bar_shows_dataset_model_and_annotator_names_as_text(window):
    assert shows_literally(window.dataset_label, DATASET)
    assert shows_literally(window.model_label, MODEL)
    assert shows_literally(window.annotator_label, ANNOTATOR)
    assert window.counts_label.textFormat() == Qt.TextFormat.PlainText


def test_label_buttons_and_their_tooltips_show_the_label_name_as_text(window):
    button = window.label_bar.buttons[LABEL]
    assert shown_with_mnemonics(button.text()).endswith(LABEL)
    assert LABEL in shown_as_tooltip(button.toolTip())
    assert "red.png" in shown_as_tooltip(button.toolTip())  # the tag is text, not an image


def test_span_list_rows_and_tooltips_show_label_and_text_as_text(window):
    assert type(window.span_list.itemDelegate()) is QStyledItemDelegate  # draws display text as plain text
    item = window.span_list.span_model.item(0)
    assert item.text().startswith(f"{LABEL}   ") and MARKUP in item.text()
    assert shown_as_tooltip(item.toolTip()).startswith(f"{LABEL} ")


def test_queue_rows_and_the_document_show_the_text_as_text(window):
    assert type(window.queue_panel.queue_view.itemDelegate()) is QStyledItemDelegate
    assert window.queue_model.index(0).data() == TEXT
    assert shown_text(window.view) == TEXT


def test_window_title_and_recent_menu_show_the_file_name_as_text(window, path):
    assert shown_as_title(window.windowTitle()) == f"spandesk — {path.name} — working as {ANNOTATOR}"
    entries = [shown_with_mnemonics(action.text()) for action in window.files.recent_menu.actions()]
    assert entries[0] == str(path.resolve())


def test_the_undo_menu_item_shows_the_edit_with_its_label_as_text(window):
    window.controller.remove_span(window.controller.document.spans[0])
    assert window.controller.undo_stack.canUndo()
    shown = shown_with_mnemonics(window.undo_action.text())
    assert shown.startswith("Undo ") and LABEL in shown


def test_the_import_failed_dialog_quotes_the_file_name_and_bad_value_as_text(qtbot, window, path):
    source = path.parent / "<img src=red.png><b>bad & [*].jsonl"
    source.write_text('{"text": "fine"}\n{"text": "x", "answer": "<img src=red.png>"}\n', encoding="utf-8")
    run = window.files.start_import([source], DATASET)
    with qtbot.waitSignal(run.failed, timeout=60_000):
        pass
    box = window.files.failure_box
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert source.name in box.text() and "<img src=red.png>" in box.text()
    assert source.name in window.statusBar().currentMessage()


def test_a_conflict_notice_is_plain_text(window):
    window.controller.conflict.emit(f"changed {MARKUP}")
    assert window.conflict_box.textFormat() == Qt.TextFormat.PlainText


def test_the_colour_dialog_names_the_label_as_text(window, monkeypatch):
    titles = []

    def get_colour(current, parent, title):
        titles.append(title)
        return current.__class__()  # invalid: cancelled

    monkeypatch.setattr(QColorDialog, "getColor", get_colour)
    window.label_bar.choose_colour(LABEL)
    assert shown_as_title(titles[0]) == f"Colour of {LABEL}"


def test_a_database_that_cannot_be_opened_is_named_as_text(qtbot, tmp_path, monkeypatch):
    from gui import app

    boxes = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: boxes.append(box))
    broken = tmp_path / "<img src=red.png><b>notes.db"
    broken.write_text("not a database", encoding="utf-8")
    assert app.main(broken) == 1
    assert boxes[0].textFormat() == Qt.TextFormat.PlainText and broken.name in boxes[0].text()
