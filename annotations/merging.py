"""Bringing people's databases back into the team's: all sources in one write transaction, or none.

A source from an older spandesk is read from an upgraded temporary copy (the file itself is left as it
was); one from a newer spandesk, or a file that is not a spandesk database, is refused.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotations import store
from annotations.counting import counted
from annotations.database_files import database_location, is_database_file

if TYPE_CHECKING:
    from sqlite_utils import Database


class MergeError(Exception):
    """A merge refused or failed; the team's database is unchanged. The message says why."""


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What merging one file did."""

    path: Path
    counts: store.MergeCounts
    upgraded: bool  # read from an upgraded copy (the file is from an older spandesk)


def merge(db: Database, sources: Sequence[Path]) -> list[SourceReport]:
    """Merge every source into ``db`` in one transaction; MergeError (nothing stored) when one is refused."""
    team = store.database_path(db)
    if team is None:
        raise MergeError("the team's database must be a file")
    _check_sources(sources, team, store.attach_limit(db))
    with tempfile.TemporaryDirectory(prefix="spandesk-merge-") as work, ExitStack() as stack:
        readable = [_readable(source, Path(work) / f"upgraded-{n}.db") for n, source in enumerate(sources)]
        aliases = [
            stack.enter_context(store.attached(db, path, f"source{n}"))
            for n, (path, _) in enumerate(readable)
        ]
        try:
            with store.write_transaction(db):
                return [
                    SourceReport(source, store.merge_source(db, alias, str(source), str(team)), upgraded)
                    for source, alias, (_, upgraded) in zip(sources, aliases, readable, strict=True)
                ]
        except store.MergeRefused as error:
            raise MergeError(f"{error}\nThe team's database {team} is unchanged.") from error


def _check_sources(sources: Sequence[Path], team: Path, limit: int) -> None:
    """Refuse the team's own file, a file named twice (by device and inode), a missing file, too many."""
    if len(sources) > limit:
        raise MergeError(
            f"{counted(len(sources), 'file')}: merge at most {limit} at a time "
            "(merge the rest in another run; "
            "each run is all or nothing)"
        )
    seen: dict[tuple[int, int], Path] = {}
    for source in sources:
        try:
            location = database_location(source)
            status = os.stat(location)
        except FileNotFoundError:
            raise MergeError(f"{source}: no such database") from None
        except OSError as error:
            raise MergeError(f"{source}: {error.strerror or error}") from error
        if is_database_file(location, team):
            raise MergeError(f"{source}: is the team's database itself; merge other people's files into it")
        key = (status.st_dev, status.st_ino)
        if key in seen:
            raise MergeError(f"{source}: is the same file as {seen[key]}; name each file once")
        seen[key] = source


def _readable(source: Path, upgraded: Path) -> tuple[Path, bool]:
    """The file to read ``source`` from: itself, or (from an older spandesk) an upgraded copy of it."""
    try:
        db = store.open_store(source, read_only=True, upgrade=False)
    except store.StoreError as error:
        raise MergeError(f"{error}\nNothing was merged.") from error
    try:
        if not store.is_older(db):
            return source, False
        store.upgraded_copy(db, upgraded)
    except store.StoreError as error:
        raise MergeError(f"{source}: could not be upgraded for merging ({error})") from error
    finally:
        db.close()
    return upgraded, True
