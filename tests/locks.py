"""This process's POSIX locks on a file, read from Linux's /proc/locks (closing any descriptor drops them)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from annotations import store

HAVE_PROC_LOCKS = sys.platform.startswith("linux") and Path("/proc/locks").exists()


def held_locks(path: Path) -> set[tuple[str, str, str]]:
    """The (READ/WRITE, first byte, last byte) locks this process holds on ``path``."""
    inode = os.stat(path).st_ino
    held = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.replace("->", "").split()
        kind, mode, pid, device = fields[1], fields[3], fields[4], fields[5]
        if kind == "POSIX" and pid == str(os.getpid()) and device.endswith(f":{inode}"):
            held.add((mode, fields[6], fields[7]))
    return held


def database_locks(path: Path) -> dict[str, set[tuple[str, str, str]]]:
    """The locks this process holds on a database and its -wal and -shm files."""
    files = {"db": path, "wal": Path(f"{path}-wal"), "shm": Path(f"{path}-shm")}
    return {name: held_locks(file) for name, file in files.items() if file.exists()}


def open_store_drops_locks(folder: Path) -> bool:
    """Whether opening a database a second time in this process drops the first connection's locks.

    True while ``store.open_store`` reads the file's header through a handle of its own (the lead's
    store change removes that); tests of window actions that open a worker connection depend on it.
    """
    path = folder / "probe.db"
    first = store.open_store(path)
    first.execute("SELECT count(*) FROM sqlite_master").fetchall()
    before = database_locks(path)
    second = store.open_store(path)
    after = database_locks(path)
    second.close()
    first.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return after != before
