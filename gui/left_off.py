"""Where a person left off: the document they last had open, per database and annotator, in the settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCryptographicHash, QSettings, QTimer


def _key(db_path: Path, annotator: str) -> str:
    """The settings key of the document a person last had open in a database."""
    # the SHA-1 of path and name, made by Qt: hashlib's import (OpenSSL's library) cost ~3 ms at start-up
    identity = f"{db_path.resolve()}\0{annotator}".encode()
    digest = QCryptographicHash.hash(identity, QCryptographicHash.Algorithm.Sha1).toHex()
    return f"left_off/{digest.data().decode()}"


def left_off(settings: QSettings, db_path: Path, annotator: str) -> int | None:
    """The document ``annotator`` last had open in the database at ``db_path`` (None: none kept)."""
    value = settings.value(_key(db_path, annotator))
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):  # a settings file edited by hand
        return None


def keep_left_off(settings: QSettings, db_path: Path, annotator: str, document_id: int) -> None:
    """Remember the document on screen, for the next start."""
    settings.setValue(_key(db_path, annotator), document_id)


class LeftOffKeeper:
    """Writes the place a moment after the person stops moving (writing the settings file on every
    document opened took ~5 ms), and at once when asked (the window closing, another database)."""

    DELAY_MS = 2000

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings
        self.place: tuple[Path, str, int] | None = None
        self.timer = QTimer(singleShot=True, interval=self.DELAY_MS)
        self.timer.timeout.connect(self.flush)

    def note(self, db_path: Path, annotator: str, document_id: int) -> None:
        """The document on screen now (written after the delay)."""
        self.place = (db_path, annotator, document_id)
        self.timer.start()

    def flush(self) -> None:
        """Write the place now (nothing if it was written already)."""
        self.timer.stop()
        if self.place is not None:
            keep_left_off(self.settings, *self.place)
            self.settings.sync()
            self.place = None
