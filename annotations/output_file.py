"""Where an export or backup may write, and writing there atomically.

An output is refused when it is the open database or one of its files (``-wal``, ``-shm``,
``-journal``: the same file by device and inode, or the same name in the same folder), any other
SQLite database, or a folder. The database's own files are only ever compared with ``os.stat``:
opening and closing them would drop the process's SQLite locks.

A regular file, or a new one, is written to a short hidden temporary in its folder
(``.spandesk-PID-XXXXXXXX.tmp``), flushed to disk and renamed over the target, keeping the
target's mode; a new file's mode follows the umask. A symbolic link is written through: its target
is replaced. A device or FIFO (``/dev/null``, ``/dev/stdout``, a pipe) is written directly.
Temporaries left behind by a killed process (its pid no longer runs) are removed by the next
export or backup into the same folder.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from annotations import store
from annotations.database_files import SIDE_SUFFIXES, database_paths, is_database_file

if TYPE_CHECKING:
    from sqlite_utils import Database

SQLITE_HEADER = b"SQLite format 3\x00"
# How a WAL file (either byte order of its checksums) and a rollback journal begin.
SIDE_FILE_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83", b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
TEMPORARY_NAME = re.compile(r"\.spandesk-(\d+)-[0-9a-f]{8}\.tmp(-wal|-shm|-journal)?")
WRITE_BUFFER = 1 << 20  # bytes: a large export in few system calls
STREAM_NAME = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|thread-self|\d+)/fd/\d+")

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than this system allows",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EIO: "the disk reported an input/output error",
}


class OutputError(Exception):
    """An output that may not, or could not, be written; the message names it and says why."""


def describe_os_error(error: OSError) -> str:
    """A one-line message for a failed file operation, naming the file."""
    reason = _REASONS.get(error.errno or 0, error.strerror or str(error))
    return f"{error.filename}: {reason}" if error.filename is not None else reason


# ---------------------------------------------------------------- where an output may go


def check_output(path: Path, database: Path | None) -> None:
    """Refuse an output that is the database or one of its files, another SQLite database, or a folder."""
    if database is not None and is_database_file(path, database):
        raise OutputError(
            f"{path}: is the database being exported ({database}) or one of its files; choose another name"
        )
    _check_not_a_side_file(path)
    status = _stat(path)
    if status is None:
        folder = _resolved(path).parent
        if not folder.is_dir():
            raise OutputError(f"{path}: the folder {folder} does not exist")
        return
    if stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{path}: is a folder; give the name of a file to write")
    if stat.S_ISREG(status.st_mode) and _holds_sqlite_header(path):
        raise OutputError(f"{path}: is an SQLite database; it was left untouched (choose another name)")
    if stat.S_ISREG(status.st_mode) and _starts_with(path, SIDE_FILE_MAGIC):
        raise OutputError(
            f"{path}: is an SQLite journal or WAL file; it was left untouched (choose another name)"
        )


def _check_not_a_side_file(path: Path) -> None:
    """Refuse ``x.db-wal``, ``x.db-shm`` or ``x.db-journal`` beside an SQLite database ``x.db``: replacing
    the file another program's connection writes into loses what it committed there."""
    for candidate in {path, _resolved(path)}:
        for suffix in SIDE_SUFFIXES:
            if candidate.name.endswith(suffix) and len(candidate.name) > len(suffix):
                main = candidate.with_name(candidate.name[: -len(suffix)])
                if main.is_file() and _holds_sqlite_header(main):
                    raise OutputError(
                        f"{path}: is a file SQLite keeps beside the database {main}; "
                        "it was left untouched (choose another name)"
                    )


def _stat(path: Path) -> os.stat_result | None:
    """What ``path`` names (links followed), None if nothing is there; OutputError if it is unusable."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(describe_os_error(error)) from error


def _resolved(path: Path) -> Path:
    """The path with every symbolic link followed (as far as the links exist)."""
    return Path(os.path.realpath(path))


def _holds_sqlite_header(path: Path) -> bool:
    """Whether a file that is not our database starts like an SQLite database."""
    return _starts_with(path, (SQLITE_HEADER,))


def _starts_with(path: Path, beginnings: tuple[bytes, ...]) -> bool:
    """Whether a file that is not our database starts with one of ``beginnings``."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(max(map(len, beginnings)))
    except OSError as error:
        raise OutputError(describe_os_error(error)) from error
    return head.startswith(beginnings)


def _written_as_given(path: Path, status: os.stat_result | None) -> bool:
    """Whether to write straight into ``path``: a device, FIFO or socket, or a stream's name
    (``/dev/stdout`` redirected to a file is that stream, not a file to replace)."""
    if status is None:
        return False
    return not stat.S_ISREG(status.st_mode) or STREAM_NAME.fullmatch(str(path.absolute())) is not None


# ---------------------------------------------------------------- writing


@contextmanager
def replaced(path: Path, database: Path | None = None) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only once fully written (a device or FIFO is written directly).

    An OSError while writing (a full disk) becomes OutputError; ``path`` is then unchanged and the
    temporary removed.
    """
    check_output(path, database)
    status = _stat(path)
    if _written_as_given(path, status):
        with _direct(path) as handle:
            yield handle
        return
    target = _resolved(path)
    clear_stale_temporaries(target.parent)
    temporary = _new_temporary(target.parent)
    try:
        if status is not None:
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
        with open(temporary, "wb", buffering=WRITE_BUFFER) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        raise OutputError(
            f"{path}: could not be written ({_reason(error)}); it was left as it was"
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(target.parent)


@contextmanager
def _direct(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for writing as it is (appending: a device or pipe has nothing to truncate)."""
    try:
        with open(path, "ab", buffering=WRITE_BUFFER) as handle:
            yield handle
    except OSError as error:
        raise OutputError(f"{path}: could not be written ({_reason(error)})") from error


def _reason(error: OSError) -> str:
    """Why an operation failed, without the file name (the message names the output itself)."""
    return _REASONS.get(error.errno or 0, error.strerror or str(error))


def _new_temporary(folder: Path) -> Path:
    """Create an empty temporary in ``folder`` (mode from the umask), named so it can be recognised."""
    for _attempt in range(100):
        temporary = folder / f".spandesk-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"{folder}: cannot write there ({_reason(error)})") from error
        os.close(descriptor)
        return temporary
    raise OutputError(f"{folder}: could not create a temporary file there")


@contextmanager
def replaced_folder(folder: Path, database: Path | None = None) -> Iterator[Callable[[str, bytes], None]]:
    """A function writing files by name into a temporary folder that becomes ``folder`` only once every
    file is written: a failed or killed export leaves no half-written folder (and the next export
    clears the temporary of a killed one). ``folder`` must be missing or empty (files left in it from
    before would be read back with the export's on the next import); a symbolic link is written through
    (the folder it names, even one not there yet, becomes the export)."""
    check_output_folder(folder)
    folder = _resolved(folder.absolute())
    parent = folder.parent
    clear_stale_temporaries(parent)
    temporary = _new_temporary(parent)
    temporary.unlink()
    temporary.mkdir()

    def write(name: str, data: bytes) -> None:
        path = temporary / name
        check_output(path, database)
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    try:
        yield write
        if folder.exists():
            folder.rmdir()  # empty, checked above; a file that arrived since makes this fail, safely
        os.replace(temporary, folder)
    except OSError as error:
        raise OutputError(
            f"{folder}: could not be written ({_reason(error)}); nothing was left there"
        ) from error
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    _sync_folder(parent)


def check_output_folder(folder: Path) -> None:
    """Refuse an output folder that is a file, or a folder that already holds files."""
    status = _stat(folder)
    if status is None:
        parent = _resolved(folder.absolute()).parent  # a dangling link's target is made
        if not parent.is_dir():
            raise OutputError(f"{folder}: the folder {parent} does not exist")
        return
    if not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{folder}: exists and is not a folder; give the name of a new or empty folder")
    if any(os.scandir(folder)):
        raise OutputError(
            f"{folder}: is not empty; export into a new or empty folder (what is there would be mixed "
            "with the export, and read back with it on the next import)"
        )


def in_temporary(path: Path, root: Path) -> bool:
    """Whether ``path`` (under ``root``) lies in a spandesk temporary, such as a killed export's folder."""
    return any(TEMPORARY_NAME.fullmatch(part) for part in path.relative_to(root).parts)


def clear_stale_temporaries(folder: Path) -> list[Path]:
    """Remove spandesk temporaries in ``folder`` whose process no longer runs; return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMPORARY_NAME.fullmatch(entry.name)
        if match is None or process_runs(int(match.group(1))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def process_runs(pid: int) -> bool:
    """Whether a process with this id runs (assumed so where that cannot be asked safely)."""
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk, where the system allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------- backup


def check_no_side_files(target: Path) -> None:
    """Refuse to make the database file ``target`` while a ``-wal``, ``-shm`` or ``-journal`` of that name is
    there (os.stat only): SQLite would read a left-over ``-wal`` or ``-journal`` into the new file (a
    corrupt database), and one a program has open means that program still works on the file there."""
    found = [side.name for side in database_paths(target)[1:] if os.path.lexists(side)]
    if not found:
        return
    if os.path.lexists(target):
        raise OutputError(
            f"{target}: is open in spandesk, or was not closed cleanly ({', '.join(found)} beside it): "
            "replacing it would lose that work and leave its journal to damage the new file. Close the "
            "window working on it (if none is, open the file in spandesk once and close it), then run again"
        )
    raise OutputError(
        f"{target}: {', '.join(found)} of an earlier file of that name is there; SQLite would read it into "
        "the new file. Move it away (it may hold unsaved work of that file), or choose another name"
    )


def write_backup(db: Database, target: Path) -> None:
    """Copy the database to the new file ``target`` (SQLite's online backup), which appears when complete."""
    if os.path.lexists(target):
        raise OutputError(f"{target}: already exists; choose a new file name")
    check_no_side_files(target)
    check_output(target, store.database_path(db))
    folder = target.absolute().parent
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    clear_stale_temporaries(folder)
    temporary = _new_temporary(folder)
    try:
        _copy_database(db, temporary)
        _publish(temporary, target)
    except OSError as error:
        raise OutputError(f"{target}: the backup could not be written ({_reason(error)})") from error
    except sqlite3.Error as error:
        raise OutputError(f"{target}: the backup could not be written ({error})") from error
    finally:
        for path in database_paths(temporary):
            path.unlink(missing_ok=True)
    _sync_folder(folder)


def _copy_database(db: Database, temporary: Path) -> None:
    """SQLite's backup of ``db`` into the (new, empty) temporary, flushed to disk."""
    destination = sqlite3.connect(temporary.absolute().as_uri(), uri=True)  # a path, never a URI from a name
    try:
        db.conn.backup(destination)
        # One self-contained file: a copy left in WAL mode cannot even be read where its -shm cannot be
        # created (a read-only disk or share), so `spandesk check` could not look at the backup there.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    descriptor = os.open(temporary, os.O_RDONLY)  # our new copy, not the open database
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish(temporary: Path, target: Path) -> None:
    """Give the finished copy its name, never replacing a file that appeared there meanwhile."""
    try:
        os.link(temporary, target)
    except FileExistsError as error:
        raise OutputError(f"{target}: already exists; choose a new file name") from error
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        if os.path.lexists(target):  # a file system without hard links: check, then rename
            raise OutputError(f"{target}: already exists; choose a new file name") from error
        os.rename(temporary, target)


# ---------------------------------------------------------------- a new database file


def write_database(target: Path, build: Callable[[Path], None], *, replace: bool = False) -> None:
    """Make the database file ``target`` with ``build(temporary)`` (which creates, fills and closes a
    database there), named only once complete; an existing ``target`` is refused unless ``replace``."""
    if os.path.lexists(target) and not replace:
        raise OutputError(f"{target}: already exists (--force replaces it)")
    check_no_side_files(target)
    folder = _resolved(target.absolute()).parent
    clear_stale_temporaries(folder)
    temporary = _new_temporary(folder)
    try:
        build(temporary)
        descriptor = os.open(temporary, os.O_RDONLY)  # our finished file; no connection holds it now
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if replace:
            os.replace(temporary, target)
        else:
            _publish(temporary, target)
    except OSError as error:
        raise OutputError(f"{target}: could not be written ({_reason(error)})") from error
    finally:
        for path in database_paths(temporary):
            path.unlink(missing_ok=True)
    _sync_folder(folder)
