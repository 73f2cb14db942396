"""The window keeps its locks on the database through every action that opens files or connections.

Closing any descriptor of a file drops every POSIX lock the process holds on it; a window without its
locks lets a ``spandesk`` command believe it is the last user, checkpoint and delete the -wal file the
window still writes into (issue 9, part 1). Linux only: the locks are read from /proc/locks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gui_helpers import key, make_database, open_window
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QFileSystemModel
from reliability_helpers import locks_held

from gui.app import build_window, import_sample_if_empty
from gui.file_dialogs import DialogKind, NameOnlyIconProvider

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's /proc/locks")


def database_locks(path: Path) -> dict[str, set[str]]:
    """The locks this process holds on a database and on its -shm file."""
    return {"db": set(locks_held(path)), "shm": set(locks_held(Path(f"{path}-shm")))}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = tmp_path / "locks.db"
    make_database(database, ["Angela Merkel visited Paris", "Another one"])
    return database


def _locks_now(qtbot, window) -> dict:
    window.refresh_contents()  # the window reads the database: it holds its shared locks
    qtbot.wait(50)
    return database_locks(window.db_path)


def _assert_holds(locks: dict) -> None:
    assert locks["db"], "the window holds no lock on the database file"
    assert locks["shm"], "the window holds no lock on the -shm file"


def test_the_window_holds_locks_on_its_database(qtbot, path):
    window = open_window(qtbot, path)
    _assert_holds(_locks_now(qtbot, window))


def test_locks_are_kept_after_the_first_start_imports_the_sample(qtbot, tmp_path):
    path = tmp_path / "first.db"
    window = build_window(path, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    before = _locks_now(qtbot, window)
    run = import_sample_if_empty(window)
    with qtbot.waitSignal(run.done, timeout=120_000):
        pass
    assert window.queue_model.total > 0
    _assert_holds(before)
    assert _locks_now(qtbot, window) == before


def test_locks_are_kept_after_an_import(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    before = _locks_now(qtbot, window)
    source = tmp_path / "more.jsonl"
    source.write_text(json.dumps({"text": "Olaf Scholz in Bonn", "spans": []}) + "\n", encoding="utf-8")
    run = window.files.start_import([source], "more")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert _locks_now(qtbot, window) == before


@pytest.mark.parametrize("fmt", ["prodigy", "doccano", "spacy"])
def test_locks_are_kept_after_an_export(qtbot, path, tmp_path, fmt):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    before = _locks_now(qtbot, window)
    run = window.files.start_export(fmt, tmp_path / f"out.{fmt}")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert _locks_now(qtbot, window) == before


def test_locks_are_kept_after_a_backup(qtbot, path, tmp_path):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)
    before = _locks_now(qtbot, window)
    run = window.files.start_backup(tmp_path / "copy.db")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert (tmp_path / "copy.db").exists()
    assert _locks_now(qtbot, window) == before


def _browse_the_database_folder(qtbot, folder: Path, shown: list[QFileDialog]):
    """Stand in for QFileDialog.exec: show the dialog on ``folder`` in both views, let it list, cancel."""

    def browse(dialog: QFileDialog) -> int:
        shown.append(dialog)
        dialog.setNameFilter("All files (*)")  # the database, its -wal and -shm all listed
        dialog.setDirectory(str(folder))
        dialog.show()
        model = dialog.findChild(QFileSystemModel)
        if dialog.testOption(QFileDialog.Option.ShowDirsOnly):  # a folder dialog lists no files at all
            qtbot.wait(500)
        else:
            qtbot.waitUntil(lambda: model.rowCount(model.index(str(folder))) >= 3, timeout=10_000)
        for view_mode in (QFileDialog.ViewMode.Detail, QFileDialog.ViewMode.List):
            dialog.setViewMode(view_mode)
            qtbot.wait(300)  # icons and types are asked for as rows are painted
        root = model.index(str(folder))
        for row in range(model.rowCount(root)):  # every icon and type, as a person scrolling would see
            model.index(row, 0, root).data(Qt.ItemDataRole.DecorationRole)
            model.index(row, 2, root).data()
        dialog.reject()
        return QFileDialog.DialogCode.Rejected

    return browse


@pytest.mark.parametrize(
    "choose",
    [
        lambda files: files.choose_import(),
        lambda files: files.choose_import(DialogKind.FOLDER),
        lambda files: files.choose_export("prodigy"),
        lambda files: files.choose_export("brat"),
        lambda files: files.choose_database(),
        lambda files: files.choose_new_database(),
        lambda files: files.choose_backup(),
    ],
    ids=["import", "import folder", "export", "export folder", "open database", "new database", "backup"],
)
def test_locks_are_kept_after_a_file_dialog_shows_the_database_folder(qtbot, path, monkeypatch, choose):
    window = open_window(qtbot, path)
    key(window.view, Qt.Key.Key_A)  # a write: the -wal file has content
    before = _locks_now(qtbot, window)
    _assert_holds(before)
    shown: list[QFileDialog] = []
    monkeypatch.setattr(QFileDialog, "exec", _browse_the_database_folder(qtbot, path.parent, shown))
    choose(window.files)
    assert len(shown) == 1
    assert isinstance(shown[0].iconProvider(), NameOnlyIconProvider)
    assert shown[0].testOption(QFileDialog.Option.DontUseNativeDialog)
    assert _locks_now(qtbot, window) == before
