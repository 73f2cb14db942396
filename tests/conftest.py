"""Shared test set-up: Qt runs offscreen; each test gets its own database file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from annotations import store  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database file."""
    return tmp_path / "spandesk.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A fresh, migrated database."""
    database = store.open_store(db_path)
    yield database
    database.close()
