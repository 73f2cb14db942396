"""Handing out a dataset: each document to ``overlap`` of the annotators, one database file per person.

The rule (deterministic, balanced): the dataset's documents in id order (one per text) each need
``overlap`` annotators; these seats (document 0's first, its second, ..., then document 1's) are dealt to
the annotators in the order they were named, round after round; with an overlap of 2 or more, each round
starts one annotator later than the one before (so that more pairs of people share documents). Every
round gives each annotator one seat, so everyone gets the same number of documents, give or take one,
and a document never gets the same person twice.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotations import store
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name
from annotations.database_files import is_database_file
from annotations.output_file import OutputError, check_no_side_files, write_database

if TYPE_CHECKING:
    from sqlite_utils import Database

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


class AssignError(Exception):
    """Assignment refused before anything was written; the message says why."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """One person's database: where it is, how many documents it holds, how many of them already
    carried that person's own version (copied from the team's database)."""

    annotator: str
    path: Path
    documents: int
    own_versions: int


def split(document_ids: Sequence[int], annotators: Sequence[str], overlap: int = 1) -> dict[str, list[int]]:
    """Which documents each annotator gets: seat s (document s // overlap) goes to annotator
    (s + shift * (s // n)) mod n of n: dealt round-robin, with an overlap each round shifted by one."""
    count = len(annotators)
    if not 1 <= overlap <= count:
        raise AssignError(f"--overlap must be between 1 and the number of annotators ({count})")
    shift = 1 if overlap > 1 else 0
    shares: dict[str, list[int]] = {name: [] for name in annotators}
    for seat in range(len(document_ids) * overlap):
        shares[annotators[(seat + shift * (seat // count)) % count]].append(document_ids[seat // overlap])
    return shares


def file_stem(annotator: str) -> str:
    """The safe file name (without ``.db``) for an annotator: letters, digits, ``.``, ``_``, ``-``."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFKD", annotator)).strip("._")
    if not stem or stem.casefold() in _RESERVED:
        raise AssignError(f"{annotator!r}: cannot be made into a safe file name; choose another name")
    return stem


def annotator_names(value: str) -> list[str]:
    """The annotators of ``alice,bob,carol``; AssignError for an empty, repeated or unprintable name, or
    two names that would share a file."""
    parts = [part.strip() for part in value.split(",")]
    if not parts or any(not part for part in parts):
        raise AssignError(f"--annotators: name each annotator, separated by commas (got {value!r})")
    names = []
    for part in parts:
        try:
            names.append(checked_annotator_name(part))
        except BadAnnotatorName as error:
            raise AssignError(f"{part!r}: {error}") from None
    stems: dict[str, str] = {}
    for name in names:
        key = file_stem(name).casefold()
        if key in stems:
            same = "is named twice" if stems[key] == name else f"and {stems[key]!r} would share one file"
            raise AssignError(f"{name!r} {same}; give every annotator a distinct name")
        stems[key] = name
    return names


def assign(
    db: Database,
    dataset: str,
    annotators: Sequence[str],
    folder: Path,
    *,
    overlap: int = 1,
    replace: bool = False,
) -> list[Assignment]:
    """Write ``folder/<name>.db`` for every annotator: their share of ``dataset`` ready to open as them."""
    team = store.database_path(db)
    if team is None:
        raise AssignError("the team's database must be a file")
    shares = split(store.assignable_documents(db, dataset), annotators, overlap)
    targets = {name: folder / f"{file_stem(name)}.db" for name in annotators}
    _check_targets(list(targets.values()), team, replace)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AssignError(f"{folder}: the folder cannot be created ({error.strerror or error})") from error
    return [_write(team, dataset, name, shares[name], targets[name], replace) for name in annotators]


def _check_targets(targets: list[Path], team: Path, replace: bool) -> None:
    """Refuse, before writing any, outputs that exist (unless ``replace``) or are the team's database."""
    for target in targets:
        if is_database_file(target, team):
            raise AssignError(f"{target}: is the team's database ({team}); choose another --out folder")
        if os.path.lexists(target) and not replace:
            raise AssignError(f"{target}: already exists; nothing was written (--force replaces it)")
        if os.path.lexists(target) and not target.is_file():
            raise AssignError(f"{target}: exists and is not a file; nothing was written")
        try:
            check_no_side_files(target)
        except OutputError as error:
            raise AssignError(f"{error}; nothing was written") from error


def _write(team: Path, dataset: str, name: str, ids: list[int], target: Path, replace: bool) -> Assignment:
    """One person's database, built beside ``target`` and named when complete."""
    copied: list[int] = []

    def build(temporary: Path) -> None:
        person = store.open_store(temporary)
        try:
            with store.attached(person, team, "team"), store.write_transaction(person):
                copied.append(store.copy_assignment(person, "team", dataset, ids, name))
            person.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to send
        finally:
            person.close()

    try:
        write_database(target, build, replace=replace)
    except OutputError as error:
        raise AssignError(str(error)) from error
    return Assignment(name, target, len(ids), copied[0])
