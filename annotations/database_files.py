"""The files an SQLite database is made of, told apart from the files spandesk may open itself.

Closing any descriptor of a database file drops every POSIX lock this process holds on it (SQLite's
"How To Corrupt An SQLite Database File", 2.2): another process then believes it is the last user,
checkpoints and deletes the ``-wal`` this process still writes into. So nothing but SQLite may open the
database or its ``-wal``/``-shm``/``-journal``; every check here uses ``os.stat`` (no descriptor).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


class NotAFile(OSError):
    """A path that cannot be a database or a document: a folder, a FIFO, a device, a socket."""


def database_location(path: str | os.PathLike[str]) -> Path:
    """The absolute, symlink-free path of a database file, refusing what is not a regular file.

    A missing file is fine (it will be created); a FIFO, a device (``/dev/null``, also through a
    symlink), a socket or a folder raise NotAFile, whose message says what the path is.
    """
    location = Path(os.path.abspath(path))
    try:
        mode = os.stat(location).st_mode
    except FileNotFoundError:
        return location.resolve()
    if not stat.S_ISREG(mode):
        raise NotAFile(errno.EINVAL, f"is {describe_kind(mode)}, not a database file", str(location))
    return location.resolve()


def describe_kind(mode: int) -> str:
    """What kind of file a ``st_mode`` describes, for messages ("a folder", "a named pipe (FIFO)")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def database_paths(database: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The database file and the files SQLite keeps beside it."""
    main = Path(database)
    return (main, *(main.with_name(main.name + suffix) for suffix in SIDE_SUFFIXES))


def is_database_file(candidate: str | os.PathLike[str], database: str | os.PathLike[str]) -> bool:
    """Whether ``candidate`` is the database or one of its side files: the same file by ``os.stat``
    (hard links, symlinks and other spellings of the path included), that name in its folder
    (a side file that does not exist yet), or a side file's name beside another name of the
    database (``e.db-wal`` when the database is opened as ``hard.db``, a hard link to ``e.db``)."""
    candidate_status = _stat(candidate)
    real = Path(os.path.realpath(candidate))
    if _beside_another_name(candidate, database) or _beside_another_name(real, database):
        return True
    for spelling in {Path(database), Path(os.path.realpath(database))}:
        for side in database_paths(spelling):
            if candidate_status is not None and _same_file(candidate_status, _stat(side)):
                return True
            if real.name == side.name and _same_file(_stat(real.parent), _stat(side.parent)):
                return True
    return False


def _beside_another_name(candidate: str | os.PathLike[str], database: str | os.PathLike[str]) -> bool:
    """Whether ``candidate`` is named as a side file (``-wal``, ``-shm``, ``-journal``) of a file in its
    folder that is the database (by ``os.stat``): SQLite uses that name for any connection to that file."""
    name = Path(candidate).name
    for suffix in SIDE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            main = Path(candidate).with_name(name[: -len(suffix)])
            return _same_file(_stat(main), _stat(database))
    return False


def _same_file(first: os.stat_result | None, second: os.stat_result | None) -> bool:
    """Whether two stats describe one file (device and inode)."""
    return (
        first is not None
        and second is not None
        and (first.st_dev, first.st_ino)
        == (
            second.st_dev,
            second.st_ino,
        )
    )


def _stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """What ``path`` names (links followed), None when nothing usable is there."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None
