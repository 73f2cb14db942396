"""What a merge is about to copy from another database, checked as ``spandesk check`` would check it.

Merging copies rows file to file in SQL; without this, a damaged row of a person's file (spans cut
short, a history that does not lead to its version, a name that cannot be a person's) would become a
damaged row of the team's file. Only the rows the merge copies are read: the documents it adds (with
their predictions) and the versions it adds or brings forward (with their history).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from annotations import stored_json
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name
from annotations.hashing import text_digest
from annotations.model import Answer

if TYPE_CHECKING:
    from sqlite_utils import Database

_REMEMBERED = 100_000  # spans checked, kept to check the same spans again for free
_ANSWERS = frozenset(answer.value for answer in Answer)
_KINDS = ("base", "annotator", "review")

# the merge's work tables (store/transfer.py): what is added is new, or 'forward' (history extended)
_COPIED = "(v.action IS NULL OR v.action = 'forward')"


def damaged_rows(db: Database, source: str) -> Iterator[str]:
    """Each problem of a row the merge would copy from the attached ``source`` (named by the source's
    table and row, as ``spandesk check`` names them), documents first; nothing when all is well."""
    yield from _documents(db, source)
    yield from _predictions(db, source)
    yield from _versions(db, source)


def _documents(db: Database, source: str) -> Iterator[str]:
    rows = db.execute(
        f"SELECT d.id, d.text, d.tokens, d.meta, d.extra, d.text_digest FROM temp.transfer_documents m"
        f" JOIN {source}.documents d ON d.id = m.source_id WHERE m.new ORDER BY d.id"
    )
    for document_id, text, tokens, meta, extra, digest in rows:
        where = f"documents (id {document_id})"
        if not isinstance(text, str):
            yield f"{where}: text is not text"
            continue
        if digest != text_digest(text):
            yield f"{where}: text is not the text it was imported as (its digest)"
        for column, problem in (
            ("tokens", stored_json.tokens_problem(tokens, len(text))),
            ("meta", stored_json.object_problem(meta)),
            ("extra", stored_json.object_problem(extra)),
        ):
            if problem is not None:
                yield f"{where}: {column} {problem}"


def _predictions(db: Database, source: str) -> Iterator[str]:
    rows = db.execute(
        f"SELECT p.document_id, p.model, p.spans, length(d.text) FROM temp.transfer_documents m"
        f" JOIN {source}.predictions p ON p.document_id = m.source_id"
        f" JOIN {source}.documents d ON d.id = m.source_id WHERE m.new ORDER BY p.document_id"
    )
    for document_id, model, spans, length in rows:
        problem = stored_json.spans_problem(spans, length or 0, ordered=False)
        if problem is not None:
            yield f"predictions (document {document_id}, model {model!r}): spans {problem}"


def _versions(db: Database, source: str) -> Iterator[str]:
    rows = db.execute(
        "SELECT a.id, a.document_id, a.kind, a.owner, a.spans, a.answer, a.rev, length(d.text)"
        f" FROM temp.transfer_versions v JOIN {source}.annotations a ON a.id = v.source_id"
        f" JOIN {source}.documents d ON d.id = a.document_id WHERE {_COPIED} ORDER BY a.id"
    )
    events = _events(db, source)
    pending = next(events, None)
    checked: dict[tuple[Any, int], str | None] = {}  # one text's spans recur in its versions and base
    for version_id, document_id, kind, owner, spans, answer, rev, length in rows:
        history = []
        while pending is not None and pending[0] <= version_id:
            if pending[0] == version_id:
                history.append(pending)
            pending = next(events, None)
        where = f"document {document_id}" if kind == "base" else f"document {document_id}, version {owner!r}"
        key = (spans, length or 0)
        if key not in checked:
            if len(checked) > _REMEMBERED:
                checked.clear()
            checked[key] = stored_json.spans_problem(spans, length or 0)
        yield from _version_problems(
            where, kind, owner, (spans, checked[key]), answer, rev, length or 0, history
        )


def _events(db: Database, source: str) -> Iterator[tuple[Any, ...]]:
    return iter(
        db.execute(
            f"SELECT e.version_id, e.id, e.document_id, e.before, e.after FROM {source}.events e"
            f" JOIN temp.transfer_versions v ON v.source_id = e.version_id WHERE {_COPIED}"
            " ORDER BY e.version_id, e.id"
        )
    )


def _version_problems(
    where: str,
    kind: str,
    owner: str,
    checked_spans: tuple[Any, str | None],
    answer: Any,
    rev: Any,
    length: int,
    history: list[tuple[Any, ...]],
) -> Iterator[str]:
    """The problems of one version: its kind and owner, its spans (with what is wrong with them) and
    answer, its history's JSON, and whether that history leads to it."""
    if kind not in _KINDS:
        yield f"annotations ({where}): kind {kind!r} is unknown"
        return
    if kind == "annotator" and _name_problem(owner):
        yield f"annotations ({where}): owner {owner!r} cannot be a person's name ({_name_problem(owner)})"
    spans, problem = checked_spans
    if problem is not None:
        yield f"annotations ({where}): spans {problem}"
    if answer is not None and answer not in _ANSWERS:
        yield f"annotations ({where}): answer {answer!r} is unknown"
    changes = []
    for _, event_id, document_id, before, after in history:
        sides = []
        for column, raw in (("before", before), ("after", after)):
            value, change = _change(raw, length)
            if change is not None:
                yield f"events (id {event_id}, document {document_id}): {column} {change}"
            sides.append(value)
        changes.append((event_id, document_id, *sides))
    if problem is None and answer in (None, *_ANSWERS) and all(None not in change for change in changes):
        yield from _history_problems(where, spans, answer, rev, changes)


def _change(raw: Any, length: int) -> tuple[Any, str | None]:
    """One side of an event, decoded, and what is wrong with it (``stored_json.change_problem``)."""
    try:
        value = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError):
        return None, stored_json.change_problem(raw, length)
    if not isinstance(value, dict) or "spans" not in value or "answer" not in value:
        return None, stored_json.change_problem(raw, length)
    problem = stored_json.span_list_problem(value["spans"], length)
    if problem is None and value["answer"] is not None and value["answer"] not in _ANSWERS:
        problem = stored_json.change_problem(raw, length)
    return (None, problem) if problem is not None else (value, None)


@functools.lru_cache(maxsize=1024)  # a handful of people own thousands of versions each
def _name_problem(owner: Any) -> str | None:
    try:
        return None if checked_annotator_name(owner) == owner else "spaces around it, or another spelling"
    except BadAnnotatorName as error:
        return str(error)


def _history_problems(
    where: str, spans: str, answer: str | None, rev: Any, changes: list[tuple[Any, ...]]
) -> Iterator[str]:
    """Whether the history is one event per revision, each leading to the state after it (undone from the
    last, as ``store.replay_events`` does, on the spans' keys)."""
    if rev != len(changes):
        yield (
            f"annotations ({where}): is at revision {rev} but its history holds {len(changes)} events "
            "(an event was deleted, or the annotation changed without one)"
        )
        return
    present = set(map(_KEY, orjson.loads(spans)))
    for event_id, document_id, before, after in reversed(changes):
        added = set(map(_KEY, after["spans"]))
        if after["answer"] != answer or not added <= present:
            yield (
                f"events (id {event_id}, document {document_id}): does not lead to the state after it "
                "(history or annotation changed without an event)"
            )
            return
        present = (present - added) | set(map(_KEY, before["spans"]))
        answer = before["answer"]


_KEY = operator.itemgetter(0, 1, 2)  # [start, end, label, source] -> (start, end, label)


def first_problems(problems: Iterator[str], shown: int = 5) -> tuple[list[str], int]:
    """The first ``shown`` problems and how many there are in all."""
    listed: list[str] = []
    total = 0
    for total, problem in enumerate(problems, 1):  # noqa: B007 (total is the count)
        if len(listed) < shown:
            listed.append(problem)
    return listed, total


__all__ = ["damaged_rows", "first_problems"]
