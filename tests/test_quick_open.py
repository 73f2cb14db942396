"""An up-to-date database opens on a bare connection (sqlite-utils loaded later); anything else takes the
full open: checks, WAL, migrations, and a newer spandesk's file still refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotations import store
from annotations.migrations import KNOWN_MIGRATIONS
from annotations.store.quick_open import SCHEMA_VERSION


def _made(path: Path) -> None:
    db = store.open_store(path)
    with store.write_transaction(db):
        store.ensure_dataset(db, "x")
    db.close()


def test_the_schema_version_counts_every_migration() -> None:
    assert len(KNOWN_MIGRATIONS) == SCHEMA_VERSION  # a new migration must bump it (else opens go slow)


def test_a_database_opened_again_is_opened_quickly_and_still_reads_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "quick.db"
    _made(path)
    db = store.open_store(path)
    assert type(db).__name__ == "QuickDatabase"
    assert store.dataset_names(db) == ["x"]
    store.set_setting(db, "colour", "blue")  # a write: through sqlite-utils, committed as before
    assert db["datasets"].count == 1  # and sqlite-utils' own API answers on the same connection
    db.close()
    again = store.open_store(path, read_only=True)
    assert store.get_setting(again, "colour") == "blue"
    again.close()


def test_a_database_not_in_wal_mode_takes_the_full_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _made(path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=DELETE")  # as a copy made by another tool may be
    connection.close()
    db = store.open_store(path)
    assert type(db).__name__ == "Database"
    db.close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # switched back: next time quick
    connection.close()


def test_a_newer_spandesk_database_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    _made(path)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('spandesk', 'm999_x', '')"
        )
    connection.close()
    with pytest.raises(store.StoreError, match="newer spandesk"):
        store.open_store(path)
