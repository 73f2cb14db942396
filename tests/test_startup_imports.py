"""Opening the window must not load spaCy (nor numpy): showing stored documents needs neither; nor what
only a menu or a rarely used call needs (the agreement dialog, dateutil's parser)."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.app import build_window
window = build_window(Path(sys.argv[1]))
window.show()
app.processEvents()
assert window.controller.document is not None
print(sorted(name for name in ("spacy", "numpy", "thinc", "regex") if name in sys.modules))
deferred = ("gui.agreement_dialog", "annotations.agreement", "dateutil.tz", "dateutil.parser._parser")
print(sorted(name for name in deferred if name in sys.modules))
window.show_agreement()  # the agreement dialog still opens (its module loaded on demand)
assert window.agreement_dialog is not None and window.agreement_dialog.isVisible()
window.agreement_dialog.close()
from sqlite_utils.recipes import parsedate  # and sqlite-utils' date parsing still works
assert str(parsedate("2024-01-02")) == "2024-01-02"
import spacy  # and spaCy still loads afterwards, numpy with it
print(spacy.blank("en")("still works").text)
"""


def test_the_window_shows_a_stored_document_without_loading_spacy(tmp_path) -> None:
    from annotations import store
    from annotations.model import Token

    path = tmp_path / "start.db"
    db = store.open_store(path)
    with store.write_transaction(db):
        document = store.NewDocument("Paris in spring", (Token(0, 5),), 1)
        store.insert_documents(db, store.ensure_dataset(db, "x"), [document])
    db.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded, deferred, after = result.stdout.splitlines()[-3:]
    assert loaded == "[]"
    assert deferred == "[]"  # nor the agreement dialog, nor dateutil's parser (sqlite-utils imports it)
    assert after == "still works"
