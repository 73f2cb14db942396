"""Opening the window must not load spaCy (nor numpy): showing stored documents needs neither."""

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
    loaded, after = result.stdout.splitlines()[-2:]
    assert loaded == "[]"
    assert after == "still works"
