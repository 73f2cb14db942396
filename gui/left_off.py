"""Where a person left off: the document they last had open, per database and annotator, in the settings."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QSettings


def _key(db_path: Path, annotator: str) -> str:
    """The settings key of the document a person last had open in a database."""
    digest = hashlib.sha1(f"{db_path.resolve()}\0{annotator}".encode(), usedforsecurity=False).hexdigest()
    return f"left_off/{digest}"


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
