"""Opening an up-to-date database without importing sqlite-utils, so the window paints its first document
sooner (issue 14); sqlite-utils wraps the same connection as soon as anything but a read needs it.

The schema is known to be current when the file is in WAL mode and its migrations table records exactly
``SCHEMA_VERSION`` of spandesk's migrations (one more, from a newer spandesk, and the count differs);
anything else takes the full open in ``connection.open_store`` (checks, WAL, migrations). Part of
``annotations.store``, the one place that touches SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

SCHEMA_VERSION = 10  # len(annotations.migrations.KNOWN_MIGRATIONS): bump with every new migration
MIGRATION_SET = "spandesk"  # annotations.migrations.MIGRATION_SET (importing it would load sqlite-utils)
READS = ("select", "with")  # statements run on the bare connection before sqlite-utils is loaded


def import_sqlite_utils() -> None:
    """Import sqlite-utils the way spandesk does (numpy hidden, dateutil's parser lazy)."""
    from annotations import _import_sqlite_utils_without_numpy

    _import_sqlite_utils_without_numpy()


def full_database(connection: sqlite3.Connection) -> Database:
    """sqlite-utils' ``Database`` on an open connection."""
    import_sqlite_utils()
    from sqlite_utils import Database

    return Database(connection, execute_plugins=False)


def is_current(connection: sqlite3.Connection) -> bool:
    """Whether the file is in WAL mode with exactly this version's migrations applied (one small read)."""
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return False
    applied = connection.execute(
        "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
    ).fetchone()[0]
    return applied == SCHEMA_VERSION


class QuickDatabase:
    """A connection answering reads itself until anything else is asked of it; then (and from then on)
    everything goes to sqlite-utils' ``Database`` on the same connection (``finish`` does it at once)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.conn = connection
        self._full: Database | None = None

    def finish(self) -> Database:
        """sqlite-utils' ``Database`` on this connection (imported now if it was not yet)."""
        if self._full is None:
            self._full = full_database(self.conn)
        return self._full

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        """Run a read on the bare connection; any other statement through sqlite-utils."""
        if self._full is None and _is_read(sql):
            return self.conn.execute(sql, parameters) if parameters is not None else self.conn.execute(sql)
        return self.finish().execute(sql, parameters)

    def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Rows of a read as dictionaries (sqlite-utils' ``query``)."""
        if self._full is not None or not _is_read(sql):
            return self.finish().query(sql, params)
        cursor = self.conn.execute(sql, params) if params is not None else self.conn.execute(sql)
        keys = [column[0] for column in cursor.description]
        if len(set(keys)) < len(keys):  # sqlite-utils renames repeated names: let it
            return self.finish().query(sql, params)
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __getitem__(self, name: str) -> Any:
        return self.finish()[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.finish(), name)


def finish_opening(db: object) -> None:
    """Load sqlite-utils for a database opened quickly (a window calls it once its first paint is done)."""
    if isinstance(db, QuickDatabase):
        db.finish()


def known_current(db: object) -> bool:
    """Whether ``db`` was opened quickly, its schema known to be this version's (no need to look)."""
    return isinstance(db, QuickDatabase)


def _is_read(sql: str) -> bool:
    words = sql.lstrip().split(None, 1)
    if words and words[0].lower() == "pragma":
        return "=" not in sql  # `PRAGMA table_info(x)` reads; `PRAGMA x=y` sets
    return bool(words) and words[0].lower() in READS
