"""A new user's first session: the window opens on the pre-annotated sample, they correct it, export."""

from __future__ import annotations

import io
import json

from gui_helpers import click, drag, key
from PySide6.QtCore import QSettings, Qt

from annotations import store
from annotations.exporting import export
from gui.app import build_window, import_sample_if_empty

Key, Ctrl, Shift, Alt = (
    Qt.Key,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)


def _span_at(document, start: int, text: str):
    return next(s for s in document.predicted if s.start == start and document.text[s.start : s.end] == text)


def test_a_new_user_corrects_the_sample_and_the_export_shows_exactly_that(qtbot, tmp_path):
    path = tmp_path / "first.db"
    window = build_window(path, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    run = import_sample_if_empty(window)  # the window is open while spaCy works
    assert run is not None and window.isVisible()
    with qtbot.waitSignal(run.finished, timeout=120_000):
        pass
    qtbot.waitUntil(lambda: window.controller.document is not None)
    document = window.controller.document
    assert document.dataset == "sample" and len(document.spans) > 20
    assert "Model: " in window.model_label.text() and "—" not in window.model_label.text()
    text = document.text
    united = _span_at(document, text.index("the United States"), "the United States")
    kremlin = _span_at(document, text.index("Kremlin"), "Kremlin")
    sputnik = _span_at(document, text.index("Sputnik"), "Sputnik / Mikhail Metzel / Pool / REUTERS")
    putin = text.index("borderPutin") + len("border")
    assert putin == 1809

    view = window.view
    click(view, united.start + 10)
    key(view, Key.Key_Right, Ctrl | Shift)  # its start one token right: "United States"
    click(view, kremlin.start + 2)
    key(view, Key.Key_2)  # ORG
    click(view, sputnik.start + 3)
    key(view, Key.Key_Delete)
    key(view, Key.Key_Escape)
    key(view, Key.Key_1)  # no span selected: PERSON becomes the active label
    drag(view, putin, putin + 5, Alt)  # characters inside the token "borderPutin"
    key(view, Key.Key_A)

    db = store.open_store(path)
    stream = io.StringIO()
    export(db, "prodigy", None, stream=stream)
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    predicted = {s.key() for s in store.load_document(db, document.id).predicted}
    db.close()
    exported = {(s["start"], s["end"], s["label"]) for s in record["spans"]}
    assert record["answer"] == "accept"
    assert predicted - exported == {united.key(), kremlin.key(), sputnik.key()}
    assert exported - predicted == {
        (united.start + 4, united.end, "GPE"),
        (kremlin.start, kremlin.end, "ORG"),
        (putin, putin + 5, "PERSON"),
    }
    putin_span = next(s for s in record["spans"] if s["start"] == putin)
    token = record["tokens"][putin_span["token_start"]]
    assert (token["start"], record["tokens"][putin_span["token_end"]]["end"]) == (putin, putin + 5)
