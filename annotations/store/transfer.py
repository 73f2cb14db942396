"""Copying documents and their versions between spandesk databases: a person's file (assign) and the
team's file (merge), with SQLite's ATTACH, so that rows go from file to file without Python in between.

The other database is attached to the connection that writes (read-only, by a ``file:`` URI built from
its absolute path): SQLite reads it itself, nothing here opens the file by other means.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations.counting import counted
from annotations.model import Answer, DocumentState, Version
from annotations.store.connection import open_store
from annotations.store.documents import ensure_dataset
from annotations.store.edits import replay_events, state_before
from annotations.store.encoding import decode_spans
from annotations.store.errors import DECODE_ERRORS, DamagedRow, HistoryMismatch, StoreError
from annotations.store.incoming import damaged_rows, first_problems
from annotations.store.settings import add_labels, set_setting

if TYPE_CHECKING:
    from sqlite_utils import Database

_DOCUMENT_COLUMNS = "dataset_id, text_digest, input_hash, task_hash, text, meta, extra, tokens, created"
_EVENT_COLUMNS = "annotator, at, kind, before, after"


def _source_columns(table: str) -> str:
    """The document columns after ``dataset_id``, of ``table`` (an alias)."""
    return ", ".join(f"{table}.{column}" for column in _DOCUMENT_COLUMNS.split(", ")[1:])


class MergeRefused(StoreError):
    """A source that cannot be merged (its versions diverged from the team's, or it is damaged)."""


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What merging one source did to the team's database."""

    documents_added: int = 0
    versions_added: int = 0
    versions_updated: int = 0
    unchanged: int = 0
    new_datasets: tuple[str, ...] = ()  # the source's datasets the team's file did not have


@contextmanager
def attached(db: Database, path: str | os.PathLike[str], alias: str) -> Iterator[str]:
    """Attach another database file read-only under ``alias`` (an identifier chosen by the caller);
    detached on leaving (call outside any transaction)."""
    db.execute(f"ATTACH DATABASE ? AS {alias}", [Path(os.path.abspath(path)).as_uri() + "?mode=ro"])
    try:
        yield alias
    finally:
        if db.conn.in_transaction:
            db.conn.rollback()
        db.execute(f"DETACH DATABASE {alias}")


def upgraded_copy(source: Database, temporary: Path) -> None:
    """Copy a database from an older spandesk into the new file ``temporary`` (SQLite's backup) and
    upgrade the copy; the source itself is left as it was."""
    destination = sqlite3.connect(temporary.absolute().as_uri(), uri=True)
    try:
        source.conn.backup(destination)
    finally:
        destination.close()
    open_store(temporary).close()


def is_older(db: Database) -> bool:
    """Whether a spandesk database lacks migrations this version would apply."""
    from annotations.migrations import migrations  # (sqlite-utils' migrations: loaded when needed)

    return bool(migrations.pending(db))


def attach_limit(db: Database) -> int:
    """How many databases this connection can attach at once."""
    return db.conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)


def assignable_documents(db: Database, dataset: str) -> list[int]:
    """The ids of a dataset's documents that can be handed out, in id order (one per text)."""
    rows = db.execute(
        "SELECT d.id FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
        " WHERE ds.name = ? AND d.same_text_as IS NULL ORDER BY d.id",
        [dataset],
    )
    return [row[0] for row in rows]


# ---------------------------------------------------------------- assign: team -> a person's file


def copy_assignment(db: Database, team: str, dataset: str, document_ids: Sequence[int], person: str) -> int:
    """Fill a new, empty database (call inside a transaction) with one person's share of a dataset of the
    attached ``team``: the documents (same ids), their predictions, each one's base made of the model's
    proposal the team's base holds, else the latest (pending), the person's own versions with their
    history, the label set, and the ``annotator`` setting. Return how many of the person's versions were
    copied."""
    dataset_key = ensure_dataset(db, dataset)
    db.execute("CREATE TEMP TABLE transfer_assigned (id INTEGER PRIMARY KEY)")
    try:
        db.conn.executemany(
            "INSERT INTO temp.transfer_assigned (id) VALUES (?)", [(i,) for i in document_ids]
        )
        db.execute(
            f"INSERT INTO documents (id, {_DOCUMENT_COLUMNS}) SELECT d.id, ?, {_source_columns('d')}"
            f" FROM {team}.documents d JOIN temp.transfer_assigned t ON t.id = d.id ORDER BY d.id",
            [dataset_key],
        )
        db.execute(
            f"INSERT INTO predictions SELECT p.* FROM {team}.predictions p"
            " JOIN temp.transfer_assigned t ON t.id = p.document_id"
        )
        db.execute(  # the model's doubt, so that the person's queue can put likely mistakes first
            f"INSERT INTO document_doubt SELECT dd.* FROM {team}.document_doubt dd"
            " JOIN temp.transfer_assigned t ON t.id = dd.document_id"
        )
        db.execute(
            "INSERT INTO annotations (document_id, kind, owner, spans, rev)"
            f" SELECT t.id, 'base', '', coalesce((SELECT p.spans FROM {team}.predictions p"
            f" LEFT JOIN {team}.annotations b ON b.document_id = p.document_id AND b.kind = 'base'"
            # the proposal the team's base holds (a model run only beside it is not handed out), else
            # the latest
            " WHERE p.document_id = t.id ORDER BY p.spans IS b.spans DESC, p.created DESC LIMIT 1), '[]'), 0"
            " FROM temp.transfer_assigned t ORDER BY t.id"
        )
        _list_versions(
            db,
            f"SELECT a.id, a.document_id, NULL, 0 FROM {team}.annotations a"
            " JOIN temp.transfer_assigned t ON t.id = a.document_id"
            " WHERE a.kind = 'annotator' AND a.owner = ?",
            [person],
        )
        copied = _add_versions(db, team)
        db.execute(
            f"INSERT INTO labels (name, colour, position) SELECT name, colour, position FROM {team}.labels"
        )
        set_setting(db, "annotator", person)
        return copied
    finally:
        db.execute("DROP TABLE IF EXISTS temp.transfer_versions")
        db.execute("DROP TABLE temp.transfer_assigned")


# ---------------------------------------------------------------- merge: a person's file -> the team's


def merge_source(db: Database, source: str, source_name: str, team_name: str) -> MergeCounts:
    """Bring the attached ``source``'s documents and versions into ``db`` (call inside a transaction).

    Documents are matched by dataset name and text; a document the team lacks is added with its base,
    tokens and predictions. Each annotator's version (and the reviewed one) is added with its history,
    fast-forwarded when its history extends the team's, or left when the team's extends (or equals) it.
    MergeRefused when a version changed on both sides (``source_name``, ``team_name`` name the files).
    """
    try:
        _check_one_document_per_text(db, source, source_name)
        new_datasets = _new_datasets(db, source)
        documents_added = _map_documents(db, source, source_name)
        _list_versions(
            db,
            f"SELECT a.id, m.target_id, ta.id, m.new FROM {source}.annotations a"
            " JOIN temp.transfer_documents m ON m.source_id = a.document_id"
            " LEFT JOIN main.annotations ta ON ta.document_id = m.target_id AND ta.kind = a.kind"
            " AND ta.owner = a.owner WHERE a.kind != 'base' OR m.new",
            [],
        )
        _compare_histories(db, source)
        _meet_where_states_met(db, source)
        _refuse_diverged(db, source, source_name, team_name)
        _refuse_damaged(db, source, source_name)
        _add_versions(db, source)
        added = db.execute(
            f"SELECT count(*) FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
            " WHERE v.action = 'add' AND a.kind != 'base'"
        ).fetchone()[0]
        updated = _fast_forward(db, source)
        unchanged = db.execute(
            "SELECT count(*) FROM temp.transfer_versions WHERE action = 'same'"
        ).fetchone()[0]
        _merge_labels(db, source)
        return MergeCounts(documents_added, added, updated, unchanged, new_datasets)
    except MergeRefused as error:
        if str(error).startswith(f"{source_name}: "):
            raise
        raise MergeRefused(f"{source_name}: {error}") from error  # which of the files merged
    finally:
        db.execute("DROP TABLE IF EXISTS temp.transfer_versions")
        db.execute("DROP TABLE IF EXISTS temp.transfer_documents")


def _new_datasets(db: Database, source: str) -> tuple[str, ...]:
    """The names of the source's datasets holding documents that the team's file lacks."""
    rows = db.execute(
        f"SELECT name FROM {source}.datasets WHERE name NOT IN (SELECT name FROM main.datasets)"
        f" AND id IN (SELECT dataset_id FROM {source}.documents) ORDER BY id"
    )
    return tuple(row[0] for row in rows)


def _check_one_document_per_text(db: Database, source: str, source_name: str) -> None:
    """Refuse a source holding one text twice in a dataset (kept by an old upgrade): whose would win?"""
    row = db.execute(
        f"SELECT id, same_text_as FROM {source}.documents WHERE same_text_as IS NOT NULL LIMIT 1"
    ).fetchone()
    if row:
        raise MergeRefused(
            f"{source_name}: documents {row[1]} and {row[0]} hold the same text (see `spandesk check`); "
            "export one of them to another dataset before merging"
        )


def _map_documents(db: Database, source: str, source_name: str) -> int:
    """Match the source's documents to the team's (by dataset name and text), adding those it lacks
    with their predictions; the match is left in ``temp.transfer_documents``. Return how many were added."""
    db.execute(
        f"INSERT INTO main.datasets (name, created) SELECT name, created FROM {source}.datasets"
        " WHERE name NOT IN (SELECT name FROM main.datasets) ORDER BY id"
    )
    db.execute(
        "CREATE TEMP TABLE transfer_documents (source_id INTEGER PRIMARY KEY, target_id INTEGER,"
        " dataset_id INTEGER, new INTEGER)"
    )
    db.execute(
        "INSERT INTO temp.transfer_documents (source_id, target_id, dataset_id, new)"
        f" SELECT sd.id, td.id, tds.id, td.id IS NULL FROM {source}.documents sd"
        f" JOIN {source}.datasets sds ON sds.id = sd.dataset_id JOIN main.datasets tds ON tds.name = sds.name"
        " LEFT JOIN main.documents td ON td.dataset_id = tds.id AND td.text_digest = sd.text_digest"
        " AND td.same_text_as IS NULL"
    )
    _check_same_texts(db, source, source_name)
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM main.documents").fetchone()[0]
    db.execute(
        "UPDATE temp.transfer_documents SET target_id = n.number + ? FROM (SELECT source_id,"
        " row_number() OVER (ORDER BY source_id) - 1 AS number FROM temp.transfer_documents WHERE new) n"
        " WHERE n.source_id = transfer_documents.source_id",
        [first],
    )
    added = db.execute(
        f"INSERT INTO main.documents (id, {_DOCUMENT_COLUMNS}) SELECT m.target_id, m.dataset_id,"
        f" {_source_columns('sd')} FROM temp.transfer_documents m"
        f" JOIN {source}.documents sd ON sd.id = m.source_id"
        " WHERE m.new ORDER BY m.target_id"
    ).rowcount
    db.execute(  # with the confidences and the doubt: the window's outlines and its doubt order use them
        "INSERT INTO main.predictions (document_id, model, model_version, spans, created, scores, doubt)"
        " SELECT m.target_id, p.model, p.model_version, p.spans, p.created, p.scores, p.doubt"
        f" FROM {source}.predictions p JOIN temp.transfer_documents m ON m.source_id = p.document_id"
        " WHERE m.new"
    )
    db.execute(
        "INSERT INTO main.document_doubt (document_id, doubt) SELECT m.target_id, dd.doubt"
        f" FROM {source}.document_doubt dd JOIN temp.transfer_documents m ON m.source_id = dd.document_id"
        " WHERE m.new"
    )
    return added


def _check_same_texts(db: Database, source: str, source_name: str) -> None:
    """Refuse a source document whose digest matches a team document of another text."""
    row = db.execute(
        f"SELECT m.source_id, m.target_id FROM temp.transfer_documents m JOIN {source}.documents sd"
        " ON sd.id = m.source_id JOIN main.documents td ON td.id = m.target_id"
        " WHERE NOT m.new AND sd.text != td.text LIMIT 1"
    ).fetchone()
    if row:
        raise MergeRefused(
            f"{source_name}: document {row[0]} has the text digest of document {row[1]} of the team's "
            "database but another text; its digests are damaged (run `spandesk check` on it)"
        )


def _list_versions(db: Database, select: str, params: list[Any]) -> None:
    """Fill ``temp.transfer_versions`` from ``select``: (source version id, target document id, the
    target's version id or NULL, whether the document is new)."""
    db.execute(
        "CREATE TEMP TABLE transfer_versions (source_id INTEGER PRIMARY KEY, document_id INTEGER,"
        " target_id INTEGER, new_document INTEGER, action TEXT, source_events INTEGER,"
        " target_events INTEGER)"
    )
    db.execute(
        f"INSERT INTO temp.transfer_versions (source_id, document_id, target_id, new_document) {select}",
        params,
    )


def _add_versions(db: Database, source: str) -> int:
    """Insert the listed versions the target lacks (bases first, for the answer counts' triggers), with
    every event of their history. Return how many were added (bases included)."""
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM main.annotations").fetchone()[0]
    db.execute(
        "UPDATE temp.transfer_versions SET action = 'add', target_id = n.number + ? FROM (SELECT v.source_id,"
        " row_number() OVER (ORDER BY a.kind != 'base', v.source_id) - 1 AS number"
        f" FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
        " WHERE v.target_id IS NULL) n WHERE n.source_id = transfer_versions.source_id",
        [first],
    )
    added = db.execute(
        "INSERT INTO main.annotations (id, document_id, kind, owner, annotator, spans, answer, rev, updated)"
        " SELECT v.target_id, v.document_id, a.kind, a.owner, a.annotator, a.spans, a.answer, a.rev,"
        " a.updated"
        f" FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
        " WHERE v.action = 'add' ORDER BY v.target_id"
    ).rowcount
    db.execute(
        f"INSERT INTO main.events (document_id, version_id, {_EVENT_COLUMNS}) SELECT v.document_id,"
        f" v.target_id, e.annotator, e.at, e.kind, e.before, e.after FROM {source}.events e"
        " JOIN temp.transfer_versions v ON v.source_id = e.version_id WHERE v.action = 'add' ORDER BY e.id"
    )
    return added


_POSITIONED = """SELECT v.source_id AS version, e.annotator, e.at, e.kind, e.before, e.after,
        row_number() OVER (PARTITION BY e.version_id ORDER BY e.id) AS position
    FROM {events} e JOIN temp.transfer_versions v ON v.{side} = e.version_id
    WHERE v.target_id IS NOT NULL"""


def _compare_histories(db: Database, source: str) -> None:
    """Classify the versions both databases hold: 'same' (the source's history is the team's or a prefix
    of it), 'forward' (the team's is a prefix of the source's), 'diverged' (they differ somewhere)."""
    db.execute(
        "UPDATE temp.transfer_versions SET"
        f" source_events = (SELECT count(*) FROM {source}.events e WHERE e.version_id = source_id),"
        " target_events = (SELECT count(*) FROM main.events e WHERE e.version_id = target_id)"
        " WHERE target_id IS NOT NULL"
    )
    db.execute(
        "UPDATE temp.transfer_versions SET action = CASE WHEN source_events > target_events"
        " THEN 'forward' ELSE 'same' END WHERE target_id IS NOT NULL"
    )
    source_events = _POSITIONED.format(events=f"{source}.events", side="source_id")
    target_events = _POSITIONED.format(events="main.events", side="target_id")
    db.execute(
        "UPDATE temp.transfer_versions SET action = 'diverged' WHERE source_id IN ("
        f" SELECT s.version FROM ({source_events}) s JOIN ({target_events}) t"
        " ON t.version = s.version AND t.position = s.position"
        " WHERE NOT (s.annotator IS t.annotator AND s.at IS t.at AND s.kind IS t.kind"
        " AND s.before IS t.before AND s.after IS t.after))"
    )
    _compare_states(db, source)


def _compare_states(db: Database, source: str) -> None:
    """Mark 'diverged' the versions with the same history but another state (two imports of one
    person's version), and the fast-forwards whose history does not lead from the team's state."""
    rows = db.execute(
        "SELECT v.source_id, v.action, v.target_events, v.document_id, a.spans, a.answer, ta.spans, ta.answer"
        f" FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
        " JOIN main.annotations ta ON ta.id = v.target_id"
        " WHERE v.action = 'forward' OR (v.action = 'same' AND v.source_events = v.target_events"
        " AND NOT (a.spans IS ta.spans AND a.answer IS ta.answer))"
    ).fetchall()
    for source_id, action, target_events, document_id, spans, answer, team_spans, team_answer in rows:
        team_state = _state(team_spans, team_answer, document_id).key()
        if action == "forward":
            if (
                _states(db, source, source_id, _state(spans, answer, document_id))[target_events].key()
                == team_state
            ):
                continue
        elif _state(spans, answer, document_id).key() == team_state:
            continue
        db.execute("UPDATE temp.transfer_versions SET action = 'diverged' WHERE source_id = ?", [source_id])


def _meet_where_states_met(db: Database, source: str) -> None:
    """A version 'diverged' whose team state is one the source's history passed through: the source's
    events after the last such point are brought forward ('same' when that point is its state now). Both
    histories lead to the team's state there, so nothing the team's version holds is lost; without this,
    two histories that once went apart could never be merged again, even once made to hold the same."""
    rows = db.execute(
        "SELECT v.source_id, v.document_id, a.spans, a.answer, ta.spans, ta.answer"
        f" FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
        " JOIN main.annotations ta ON ta.id = v.target_id WHERE v.action = 'diverged'"
    ).fetchall()
    for source_id, document_id, spans, answer, team_spans, team_answer in rows:
        team_state = _state(team_spans, team_answer, document_id).key()
        states = _states(db, source, source_id, _state(spans, answer, document_id))
        met = [done for done, state in enumerate(states) if state.key() == team_state]
        if met:
            action = "same" if met[-1] == len(states) - 1 else "forward"
            db.execute(
                "UPDATE temp.transfer_versions SET action = ?, target_events = ? WHERE source_id = ?",
                [action, met[-1], source_id],
            )


def _states(db: Database, source: str, version_id: int, state: DocumentState) -> list[DocumentState]:
    """A source version's states: before its first event, then after each (``state``, its last)."""
    events = _events(db, f"{source}.events", version_id)
    if not events:
        return [state]
    try:
        after = replay_events(state, events, events[0]["document_id"])
        return [state_before(after[0], events[0], events[0]["document_id"]), *after]
    except (HistoryMismatch, DamagedRow) as error:
        raise MergeRefused(f"{error} (run `spandesk check` on it)") from error


def _state(spans: str, answer: str | None, document_id: int) -> DocumentState:
    """A stored state, decoded; MergeRefused naming the document when it cannot be."""
    try:
        return DocumentState(decode_spans(spans), Answer(answer) if answer else None)
    except DECODE_ERRORS as error:
        raise MergeRefused(f"document {document_id}: a version's spans cannot be read") from error


def _events(db: Database, table: str, version_id: int) -> list[dict[str, Any]]:
    """One version's events, oldest first."""
    return list(db.query(f"SELECT * FROM {table} WHERE version_id = ? ORDER BY id", [version_id]))


def _refuse_diverged(db: Database, source: str, source_name: str, team_name: str) -> None:
    """MergeRefused naming the first version changed on both sides (and how many there are)."""
    rows = db.execute(
        "SELECT v.document_id, ds.name, d.text, a.kind, a.owner FROM temp.transfer_versions v"
        f" JOIN {source}.annotations a ON a.id = v.source_id JOIN main.documents d ON d.id = v.document_id"
        " JOIN main.datasets ds ON ds.id = d.dataset_id WHERE v.action = 'diverged' ORDER BY v.document_id"
    ).fetchall()
    if not rows:
        return
    document_id, dataset, text, kind, owner = rows[0]
    others = f" ({len(rows) - 1} more versions too)" if len(rows) > 1 else ""
    raise MergeRefused(
        f"{source_name}: {_whose(Version(kind, owner))} of document {document_id} (dataset "
        f"{dataset!r}, {_opening(text)}) was changed both in {source_name} and in {team_name} since they "
        f"last matched{others}. Nothing was merged. Decide which to keep: open each file, compare, and "
        "change one so that it holds the other's edits, then merge again."
    )


def _refuse_damaged(db: Database, source: str, source_name: str) -> None:
    """MergeRefused listing the damaged rows the merge would copy into the team's file."""
    listed, total = first_problems(damaged_rows(db, source))
    if not total:
        return
    more = f"\n  and {total - len(listed)} more" if total > len(listed) else ""
    raise MergeRefused(
        f"{source_name}: {counted(total, 'damaged row')} would be copied; nothing was merged:\n  "
        + "\n  ".join(listed)
        + more
        + f"\nRun `spandesk check --db {source_name}` to see them all; restore it from a backup, or "
        "ask its annotator to export and send their work again."
    )


def _whose(version: Version) -> str:
    """``'alice''s version`` reads wrong for the others: "alice's version", "the reviewed version"."""
    if version.kind == "annotator":
        return f"{version.owner!r}'s version"
    return f"the {version.label} version" if version.kind == "review" else "the version as imported"


def _opening(text: str, limit: int = 40) -> str:
    """The first words of a text, quoted, for messages."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def _fast_forward(db: Database, source: str) -> int:
    """Append the source's events after the last one the team's version has (or met: ``target_events``) to
    each 'forward' version, and take the source's state; its revision is its number of events."""
    source_events = _POSITIONED.format(events=f"{source}.events", side="source_id").replace(
        "v.source_id AS version", "v.source_id AS version, e.id, v.target_id, v.document_id, v.target_events"
    )
    db.execute(
        f"INSERT INTO main.events (document_id, version_id, {_EVENT_COLUMNS})"
        f" SELECT s.document_id, s.target_id, {_EVENT_COLUMNS} FROM ({source_events}) s"
        " JOIN temp.transfer_versions v ON v.source_id = s.version"
        " WHERE v.action = 'forward' AND s.position > s.target_events ORDER BY s.id"
    )
    return db.execute(
        "UPDATE main.annotations SET spans = a.spans, answer = a.answer, annotator = a.annotator,"
        " rev = (SELECT count(*) FROM main.events e WHERE e.version_id = annotations.id),"
        f" updated = a.updated FROM temp.transfer_versions v JOIN {source}.annotations a"
        " ON a.id = v.source_id WHERE v.action = 'forward' AND annotations.id = v.target_id"
    ).rowcount


def _merge_labels(db: Database, source: str) -> None:
    """Add the source's labels the team lacks, at the end, with the source's colours."""
    rows = db.execute(f"SELECT name, colour FROM {source}.labels ORDER BY position, name").fetchall()
    add_labels(db, [name for name, _ in rows], dict(rows))


__all__ = [
    "MergeCounts",
    "MergeRefused",
    "assignable_documents",
    "attach_limit",
    "is_older",
    "upgraded_copy",
    "attached",
    "copy_assignment",
    "merge_source",
]
