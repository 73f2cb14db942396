"""Opening a database (WAL, busy timeout, migrations) and the transactions every write runs in.

Nothing here opens the database file but SQLite itself: closing any other descriptor of it would
drop every POSIX lock this process holds on it (SQLite's "How To Corrupt", 2.2).
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from annotations.database_files import database_location
from annotations.store.errors import StoreError
from annotations.store.quick_open import QuickDatabase, full_database, is_current

if TYPE_CHECKING:
    from sqlite_utils import Database

T = TypeVar("T")


BUSY_TIMEOUT_SECONDS = 30.0


def open_store(path: str | os.PathLike[str], *, read_only: bool = False, upgrade: bool = True) -> Database:
    """Open (creating if needed) a spandesk database: WAL, busy timeout, schema up to date.

    ``read_only`` opens it so that nothing can be written (commands that only read); a database
    from an older spandesk is first upgraded, unless ``upgrade`` is False (``check`` looks at it as
    it is). A file that is not a regular file, not an SQLite database, or another application's
    database is refused untouched: nothing here opens the file but SQLite itself.
    """
    location = _location(path)
    if read_only:
        _roll_back_interrupted_write(location)
    if read_only and upgrade and _needs_upgrade(location):
        open_store(location).close()
    connection = _connect(location, read_only)
    if not read_only and _is_current(connection):  # sqlite-utils and the migrations load when needed
        return QuickDatabase(_tuned(connection))  # type: ignore[return-value]  # a Database when asked
    db = full_database(connection)
    try:
        _check_is_spandesk(db, location, read_only)
        _check_not_newer(db, location)
        if not read_only:
            _use_wal(db)
            _tuned(db)
            _migrate(db, location)
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError(f"{location}: {describe_error(error)}") from error
    except StoreError:
        db.close()
        raise
    return db


def _is_current(connection: sqlite3.Connection) -> bool:
    """Whether the file's schema is this version's (``quick_open.is_current``); else the full open decides."""
    try:
        return is_current(connection)
    except sqlite3.DatabaseError:
        return False  # not a database, or unreadable: the full open says so


def _tuned(db: T) -> T:
    """This connection's settings: full sync, and freed pages zeroed only where it costs nothing."""
    db.execute("PRAGMA synchronous=FULL")  # type: ignore[attr-defined]
    # Some builds (Debian's) zero every freed page, which doubled what an edit of a long
    # document writes; FAST still zeroes deleted content where that costs no extra I/O.
    db.execute("PRAGMA secure_delete=FAST")  # type: ignore[attr-defined]
    return db


def _use_wal(db: Database) -> None:
    """Switch the database to WAL (once per file). The switch needs the file to itself and SQLite does
    not wait for it as it waits for a lock, so a switch racing other first opens is retried."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _location(path: str | os.PathLike[str]) -> Path:
    """The database's absolute path; StoreError for a folder, FIFO, device or unusable name."""
    try:
        return database_location(path)
    except OSError as error:
        raise StoreError(f"{error.filename or path}: {error.strerror or error}") from error


CASEFOLD = "spandesk_casefold"  # SQL function: Python's str.casefold (SQLite's lower() folds ASCII only)


def _casefold(text: object) -> object:
    """``text`` case-folded (ZOË and zoë alike), anything else as it is."""
    return text.casefold() if isinstance(text, str) else text


def _connect(location: Path, read_only: bool) -> sqlite3.Connection:
    """A connection with a busy timeout, usable from worker threads.

    The name is always passed as a ``file:`` URI built from the absolute path, so that a path
    such as ``file:x.db?mode=memory`` is a file of that name, never SQLite URI parameters.
    """
    uri = location.as_uri() + ("?mode=ro" if read_only else "")
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{location}: {describe_error(error)}") from error
    return connection


def _roll_back_interrupted_write(location: Path) -> None:
    """Let SQLite roll back a write interrupted in rollback-journal mode (a "hot" ``-journal``, as left by
    a program killed while writing a backup copy), which a read-only connection cannot do: it would refuse
    to read the file at all ("read-only"). The rollback restores the last committed state; nothing is
    written when there is no journal, and a failure is left to the read-only open to report."""
    if not os.path.lexists(f"{location}-journal"):  # os.stat only: no descriptor of the database
        return
    try:
        connection = _connect(location, read_only=False)
    except StoreError:
        return
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        pass
    finally:
        connection.close()


def _needs_upgrade(location: Path) -> bool:
    """Whether a spandesk database has migrations this version would apply (read through SQLite)."""
    if not location.exists():
        return False
    from annotations.migrations import migrations

    db = full_database(_connect(location, read_only=True))
    try:
        return _is_spandesk(db) and bool(migrations.pending(db))
    except sqlite3.DatabaseError:
        return False  # the read-only open that follows reports it
    finally:
        db.close()


def _is_spandesk(db: Database) -> bool:
    """Whether the database holds spandesk's schema (its migration set is recorded)."""
    from annotations.migrations import MIGRATION_SET

    if not db["_sqlite_migrations"].exists():
        return False
    return bool(
        db.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]).fetchone()
    )


def _check_is_spandesk(db: Database, location: Path, read_only: bool) -> None:
    """Refuse another application's SQLite database, or (to read) an empty one, untouched.

    Reading the schema through SQLite is also what finds a file that is not a database at all
    ("file is not a database"): the header is never read with a descriptor of our own.
    """
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if _is_spandesk(db):
        return
    if tables:
        raise StoreError(
            f"{location}: is an SQLite database of another application (it has no spandesk tables); "
            "it was left untouched"
        )
    if read_only:
        raise StoreError(f"{location}: holds no spandesk data yet (import documents into it first)")


def _check_not_newer(db: Database, location: Path) -> None:
    """Refuse a database written by a newer spandesk (migrations this version does not know)."""
    from annotations.migrations import KNOWN_MIGRATIONS, migrations

    if not db["_sqlite_migrations"].exists():
        return
    applied = {m.name for m in migrations.applied(db)}
    unknown = sorted(applied - set(KNOWN_MIGRATIONS))
    if unknown:
        raise StoreError(
            f"{location}: was written by a newer spandesk (schema {unknown[-1]}); "
            "upgrade spandesk to open it. The file was left untouched."
        )


def _migrate(db: Database, location: Path) -> None:
    """Apply pending migrations holding the write lock, so windows opening a new file at once agree."""
    from annotations.migrations import migrations

    if db["_sqlite_migrations"].exists() and not migrations.pending(db):
        return
    with write_transaction(db):
        _check_not_newer(db, location)
        migrations.apply(db)


def describe_error(error: sqlite3.Error) -> str:
    """A short, human message for an SQLite error."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return "is corrupt or not an SQLite database (it was left untouched)"
    if "readonly" in text or "read-only" in text:
        return "is read-only; open a copy, or make the file writable"
    if "disk is full" in text or "disk I/O" in text:
        return "the disk is full or failing; nothing was written"
    if _is_busy(error):
        return (
            f"another program (an import, a merge, a window saving) kept it locked for"
            f" {BUSY_TIMEOUT_SECONDS:g} s; nothing was written: try again once it has finished"
        )
    if "unable to open" in text:
        return "cannot be opened (check the folder exists and is writable)"
    return text


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) and committed at the end."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.commit()
        except sqlite3.Error:
            db.rollback()
            raise


def free_to_write(db: Database, wait_seconds: float) -> bool:
    """Whether a write could begin now, waiting at most ``wait_seconds`` for another program's write to
    end; nothing is written. False only when another connection holds the write lock that long.

    A window asks before an edit, so that an import or a merge writing for a minute makes it wait with
    the window alive instead of stalling in SQLite's busy wait (``BUSY_TIMEOUT_SECONDS``) and then
    refusing. Any other error (a read-only file, a full disk) is left for the write itself to report.
    """
    if db.conn.in_transaction:  # the caller's own transaction holds (or will take) the lock
        return True
    connection = db.conn
    connection.execute(f"PRAGMA busy_timeout={max(0, int(wait_seconds * 1000))}")
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return not _is_busy(error)
    else:
        connection.rollback()
        return True
    finally:
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")


def wait_to_write(
    db: Database,
    waiting: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    poll_seconds: float = 1.0,
) -> bool:
    """Wait, as long as it takes, until no other program holds the write lock; nothing is written.

    A command that worked for minutes (a model over every document, a training, an import) must not lose
    that work to ``BUSY_TIMEOUT_SECONDS`` when another program's write lasts longer (an import or a merge
    of a million documents). ``waiting`` is told the seconds waited, about once every ``poll_seconds``;
    False when ``cancelled`` stopped the wait. Ctrl+C raises KeyboardInterrupt within ``poll_seconds``.
    """
    started = time.monotonic()
    while not free_to_write(db, poll_seconds):
        if cancelled is not None and cancelled():
            return False
        if waiting is not None:
            waiting(time.monotonic() - started)
    return True


def _is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    text = str(error)
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


@contextmanager
def read_snapshot(db: Database) -> Iterator[Database]:
    """One read transaction: every query inside sees the database as its first query found it, whatever
    other windows commit meanwhile (nested in a transaction already open, it is that one)."""
    if db.conn.in_transaction:
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.rollback()


def as_store_error(function: Callable[..., T]) -> Callable[..., T]:
    """Turn SQLite's operational errors (disk full, read-only file, I/O) into a StoreError naming the file."""

    @functools.wraps(function)
    def storing(db: Database, *args: Any, **kwargs: Any) -> T:
        try:
            return function(db, *args, **kwargs)
        except sqlite3.OperationalError as error:
            raise StoreError(f"{database_file(db)}: {describe_error(error)}") from error

    return storing


def database_path(db: Database) -> Path | None:
    """The file holding the database, as SQLite reports it (None for one in memory)."""
    rows = db.execute("PRAGMA database_list").fetchall()
    return next((Path(row[2]) for row in rows if row[1] == "main" and row[2]), None)


def database_file(db: Database) -> str:
    """The file a connection has open, for messages."""
    path = database_path(db)
    return str(path) if path else "the database"


def backup(db: Database, target: str | os.PathLike[str]) -> None:
    """Write a consistent copy of the database to the new file ``target`` (SQLite's online backup API).

    The copy is written to a temporary beside ``target`` and named only when complete; an existing
    ``target`` is refused (OutputError, as for a target that is one of the database's own files).
    """
    from annotations.output_file import write_backup

    write_backup(db, Path(target))
