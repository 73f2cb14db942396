"""File dialogs that never open the files they list.

Qt's own file dialog asks its icon provider for each file's icon and type, and the default provider
finds them with QMimeDatabase, which opens and reads files whose name says nothing (``x.db-wal``,
``x.db-shm``) or too little (``x.db``). Closing that descriptor drops every POSIX lock this process
holds on the file, so a dialog showing the database's folder let another process checkpoint and delete
the write-ahead log under the window (SQLite's "How To Corrupt", section 2.2). These dialogs name
icons and types from the file name alone, and never use a platform dialog that might sniff in-process.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget

from gui.plain_text import window_title


class DialogKind(Enum):
    """What a file dialog asks for."""

    OPEN_ONE = "open one"
    OPEN_MANY = "open many"
    SAVE = "save"
    FOLDER = "folder"


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the file name and kind alone: no file is ever opened to find them."""

    def __init__(self) -> None:
        super().__init__()
        style = QApplication.style()
        self._folder = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._drive = style.standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon)
        self.setOptions(QAbstractFileIconProvider.Option.DontUseCustomDirectoryIcons)

    def icon(self, what: QFileInfo | QAbstractFileIconProvider.IconType) -> QIcon:  # type: ignore[override]
        """A folder, drive or file icon (called from Qt's file-information thread too: no new objects)."""
        if isinstance(what, QFileInfo):
            if what.isRoot():
                return self._drive
            return self._folder if what.isDir() else self._file
        if what in (QAbstractFileIconProvider.IconType.Drive, QAbstractFileIconProvider.IconType.Computer):
            return self._drive
        return self._folder if what == QAbstractFileIconProvider.IconType.Folder else self._file

    def type(self, info: QFileInfo) -> str:
        """``Folder``, or the file's suffix (``db file``): never its content type."""
        if info.isDir():
            return "Folder"
        return f"{info.suffix()} file" if info.suffix() else "File"


def file_dialog(
    parent: QWidget | None, title: str, kind: DialogKind, start: Path | str = "", name_filter: str = ""
) -> QFileDialog:
    """A Qt (never native) file dialog that lists files without opening them."""
    dialog = QFileDialog(parent, window_title(title), str(start), name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setOption(QFileDialog.Option.DontUseCustomDirectoryIcons, True)
    provider = NameOnlyIconProvider()
    dialog.setIconProvider(provider)
    dialog.icon_provider = provider  # the dialog does not own its provider: keep it alive as long
    if kind is DialogKind.SAVE:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    elif kind is DialogKind.OPEN_MANY:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    elif kind is DialogKind.FOLDER:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return dialog


def ask_for_paths(dialog: QFileDialog) -> list[Path]:
    """Run a dialog; the chosen paths (none if it was cancelled). Its window is made the active one again
    (with no window manager, X leaves the focus on the closed dialog: the window's shortcuts were dead,
    and the keys typed for them went to the document, where a letter answers it)."""
    try:
        accepted = dialog.exec() == QFileDialog.DialogCode.Accepted
    finally:
        given_back(dialog)
    return [Path(name) for name in dialog.selectedFiles()] if accepted else []


def given_back(dialog: QWidget) -> None:
    """After ``dialog`` closes, the window it belongs to is the active one again."""
    owner = dialog.parentWidget()
    if owner is not None:
        owner.window().activateWindow()
