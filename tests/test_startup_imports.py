"""Opening the window (`spandesk gui --db`) must not load spaCy (nor numpy): showing stored documents needs
neither; nor what only a menu, a dialog, another command or a rarely used call needs (the agreement dialog,
dateutil's parser, review mode, the training, the CLI's other commands, the file dialogs, the
messages for failed writes); nor click, which reads every other command line; nor sqlite-utils, which
wraps the connection after the first paint."""

from __future__ import annotations

import os
import subprocess
import sys

# What only a menu, a key or a rarely used path needs: imported when first used, never before the first paint.
# A top-level import of one of these in a module the window loads at start fails this test.
ON_DEMAND = (
    "gui.corpus_search",  # Edit ▸ Find in all documents
    "annotations.search",
    "annotations.search_preview",
    "gui.model_menu",  # Model ▸ Train from my corrections
    "gui.cluster_job",  # File ▸ Import on a cluster
    "gui.version_choice",  # the export's and the import's questions about versions
    "gui.first_start",  # the sample's notice, on a first start only
    "gui.find_in_document",  # "/": find in this document
    "gui.label_picker",  # "L": choose a label
    "annotations.review",  # review mode
    "annotations.records",
    "annotations.store.batches",  # apply everywhere's batches and their undo
    "annotations.store.transfer",  # assign, merge
    "annotations.store.models",  # spandesk train's models
    "annotations.store.edits",  # the first edit
    "ctypes",  # the X11 libraries' check (xcb only)
    "importlib.abc",
    "getpass",  # the annotator's name on a database's first start
    "annotations.store.incoming",  # an import's versions
    "annotations.store.scored_predictions",  # spandesk reannotate's predictions
    "annotations.store.kept_proposals",  # spandesk models
    "annotations.store.new_documents",  # an import's documents, the first edit's version
    "annotations.store.versions_by_document",  # agreement, statistics
    "annotations.store.versions_by_text",  # an import's versions
    "gui.apply_everywhere",  # the offer after a correction: made once the window has painted
    "annotations.identity",  # documents kept twice by an old upgrade: only when the database holds some
    "hashlib",  # a pastel for a label spaCy's colours do not name
)

# `spandesk gui --db DB` as its console script runs it (DB: the script's first argument; ``given``: all of
# them), its event loop stopped once the window has painted: ``shown`` holds the window and whether the
# collector was running then.
OPEN_WINDOW = """
import gc, sys
given = sys.argv[1:]
from PySide6.QtWidgets import QApplication
shown = {}
def until_painted(app):
    from gui.main_window import MainWindow
    shown["window"] = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    app.processEvents()
    shown["collecting"] = gc.isenabled()
    if "AFTER_PAINT" in globals():  # checks of the open window (its database is closed once main returns)
        exec(AFTER_PAINT, globals())
    return 0
QApplication.exec = until_painted
sys.argv = ["spandesk", "gui", "--db", given[0]]
from annotations.launch import main  # the spandesk console script (pyproject.toml)
try:
    main()
except SystemExit:
    pass
"""

CHECK = (
    'AFTER_PAINT = """'
    + """
ON_DEMAND = given[1].split(",")  # the modules named below (ON_DEMAND)
window = shown["window"]
assert window.controller.document.text == "Paris in spring"
assert window.queue_model.data(window.queue_model.index(0)) == "Paris in spring"
print(sorted(name for name in ("spacy", "numpy", "thinc", "regex") if name in sys.modules))
deferred = ("gui.agreement_dialog", "annotations.agreement", "dateutil.tz", "dateutil.parser._parser",
    "sqlite_utils", "annotations.migrations", "annotations.review_session", "annotations.training",
    "annotations.import_versions", "annotations.find_command", "annotations.bulk_commands",
    "annotations.team_commands", "annotations.train_command", "gui.annotator_dialog", "gui.shortcuts",
    "gui.apply_preview", "annotations.bulk", "annotations.bulk_apply", "gui.file_dialogs",
    "annotations.output_file", "click", "annotations.cli", "annotations.cli_options")
print(sorted(name for name in deferred if name in sys.modules))
print(sorted(name for name in ON_DEMAND if name in sys.modules))
from gui.app import finish_opening
finish_opening(window)  # what the window does once painted: sqlite-utils wraps the connection, apply
assert "gui.apply_everywhere" in sys.modules  # everywhere is made, ready for the first correction
assert "sqlite_utils" in sys.modules and "numpy" not in sys.modules
assert window.db["documents"].count == 1
window.show_agreement()  # the agreement dialog still opens (its module loaded on demand)
assert window.agreement_dialog is not None and window.agreement_dialog.isVisible()
window.agreement_dialog.close()
from gui import file_actions  # the file dialogs still open from the menus (their module loaded on demand)
asked = []
file_actions.ask_for_paths = lambda dialog: asked.append(dialog.fileMode()) or []
folder = next(a for a in window.menuBar().actions()[0].menu().actions() if "folder" in a.text())
folder.trigger()
from PySide6.QtWidgets import QFileDialog
assert asked == [QFileDialog.FileMode.Directory], asked
from sqlite_utils.recipes import parsedate  # and sqlite-utils' date parsing still works
assert str(parsedate("2024-01-02")) == "2024-01-02"
import spacy  # and spaCy still loads afterwards, numpy with it
print(spacy.blank("en")("still works").text)
window.show_search()  # Edit ▸ Find in all documents still opens (its module loaded on demand)
assert window.search_dock.isVisible() and window.search_panel.isVisible()
model = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Model")
assert [a.text() for a in model.actions()] == ["&Train from my corrections…"]
window.keyboard.find_box.open()  # "/" and "L" still open the find box and the label picker
assert window.keyboard.find_box.isVisible()
window.keyboard.find_box.close()
window.keyboard.open_picker()
assert window.keyboard.picker.isVisible()
print(sorted(name for name in ("gui.corpus_search", "gui.find_in_document", "gui.label_picker")
    if name in sys.modules))
"""
    + '"""\n'
    + OPEN_WINDOW
)


def one_document_database(path):
    """A database holding one stored document and the annotator the window's first start would keep."""
    from annotations import store
    from annotations.model import Token

    db = store.open_store(path)
    with store.write_transaction(db):
        document = store.NewDocument("Paris in spring", (Token(0, 5),), 1)
        store.insert_documents(db, store.ensure_dataset(db, "x"), [document])
    store.set_setting(db, "annotator", "ann")  # kept by the window's first start (a write: sqlite-utils)
    db.close()
    return path


def test_the_window_shows_a_stored_document_without_loading_spacy(tmp_path) -> None:
    path = one_document_database(tmp_path / "start.db")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    command = [sys.executable, "-c", CHECK, str(path), ",".join(ON_DEMAND)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded, deferred, on_demand, after, used = result.stdout.splitlines()[-5:]
    assert loaded == "[]"
    assert deferred == "[]"  # nor any module the first paint does not need
    assert on_demand == "[]"  # nor what only a menu, a key or review mode needs
    assert after == "still works"
    assert used == str(["gui.corpus_search", "gui.find_in_document", "gui.label_picker"])
