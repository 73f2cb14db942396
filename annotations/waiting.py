"""What a command says while another program's write keeps it waiting (``store.wait_to_write``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from annotations import store
from annotations.terminal import printable

if TYPE_CHECKING:
    from sqlite_utils import Database

SAY_EVERY_SECONDS = 60.0


def each_minute(say: Callable[[float], None]) -> Callable[[float], None]:
    """``say``, called at the first wait and then once a minute (the wait reports about every second)."""
    said: list[float] = []

    def maybe(seconds: float) -> None:
        if not said or seconds - said[-1] >= SAY_EVERY_SECONDS:
            said.append(seconds)
            say(seconds)

    return maybe


def waiting_note(db: Database, what: str, say: Callable[[str], None]) -> Callable[[float], None]:
    """For ``store.wait_to_write``: ``say`` that ``what`` waits, at the first wait and each minute."""
    return each_minute(lambda seconds: say(waiting_line(db, seconds, what)))


def waiting_line(db: Database, seconds: float, what: str) -> str:
    """The line saying that ``what`` (``The import``) waits for another program's write to ``db``."""
    return (
        f"Waiting for another program to finish writing to {printable(str(store.database_file(db)))} (an"
        f" import, a merge, a window's large change): {int(seconds)} s so far. {what} is stored as soon as"
        " it has finished; Ctrl+C stops, storing nothing."
    )
