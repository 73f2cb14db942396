"""What the plain (not JSON) columns of the store must hold: SQLite's storage class per column.

SQLite stores any value in any column, so a row changed by hand (or by another tool) can hold
``'abc'`` as a task hash or ``1.5`` as an input hash. An export would write it as it is, into a
file that no longer imports. ``check`` lists every such value; the decoders name the column of a
row they refuse.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

NUMBER = ("integer", "real")
# table -> column -> the storage classes (``typeof``) it may hold; "null" where the column is optional.
COLUMN_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "datasets": {"name": ("text",), "created": NUMBER},
    "documents": {
        "dataset_id": ("integer",),
        "input_hash": ("integer",),
        "task_hash": ("integer", "null"),
        "created": NUMBER,
        "same_text_as": ("integer", "null"),
    },
    "annotations": {
        "annotator": ("text", "null"),
        "rev": ("integer",),
        "updated": (*NUMBER, "null"),
    },
    "predictions": {"model": ("text",), "model_version": ("text",), "created": NUMBER},
    "events": {"annotator": ("text", "null"), "at": NUMBER, "kind": ("text",)},
    "labels": {"name": ("text",), "colour": ("text",), "position": ("integer",)},
    "settings": {"key": ("text",), "value": ("text",)},
}
Wrong = tuple[str, str, str]  # table, row, what is wrong
_PYTHON_TYPES = {"integer": int, "real": float, "text": str, "null": type(None)}
_NAMES = {"integer": "an integer", "real": "a number", "text": "text", "null": "empty", "blob": "binary data"}


def column_type_problems(db: Database) -> Iterator[Wrong]:
    """(table, row, what is wrong) for every value of a column that is not of the column's kind."""
    for table, columns in COLUMN_TYPES.items():
        if not db[table].exists():
            continue
        present = {column[1] for column in db.execute(f"PRAGMA table_info({table})")}
        for column, allowed in columns.items():
            if column in present:
                yield from _wrong_values(db, table, column, allowed)


def _wrong_values(db: Database, table: str, column: str, allowed: tuple[str, ...]) -> Iterator[Wrong]:
    marks = ", ".join("?" for _ in allowed)
    query = (
        f"SELECT rowid, typeof({column}), quote({column}) FROM {table}"
        f" WHERE typeof({column}) NOT IN ({marks}) ORDER BY rowid"
    )
    for rowid, kind, quoted in db.execute(query, list(allowed)):
        what = f"{column} holds {_NAMES.get(kind, kind)} ({_shown(quoted)}), not {_expected(allowed)}"
        yield table, f"row {rowid}", what


def value_problem(column: str, value: Any) -> str | None:
    """What is wrong with a value read from ``column`` ("table.column"); None when it is of its kind."""
    table, _, name = column.partition(".")
    allowed = COLUMN_TYPES[table][name]
    if any(type(value) is _PYTHON_TYPES[kind] for kind in allowed):
        return None
    return f"holds {_kind_of(value)} ({_shown(repr(value))}), not {_expected(allowed)}"


# The plain columns an export writes into each record, as a document row names them.
DOCUMENT_ROW_COLUMNS = {
    "input_hash": "documents.input_hash",
    "task_hash": "documents.task_hash",
    "annotator": "annotations.annotator",
    "updated": "annotations.updated",
}


def check_exported_values(input_hash: Any, task_hash: Any, annotator: Any, updated: Any) -> None:
    """TypeError unless the plain values a record is exported with are of their columns' kinds (a
    wrong one would be written into a file that no longer imports); ``row_problem`` says which."""
    if (
        type(input_hash) is not int
        or (task_hash is not None and type(task_hash) is not int)
        or (annotator is not None and type(annotator) is not str)
        or (updated is not None and type(updated) not in (int, float))
    ):
        raise TypeError("a plain column holds a value of the wrong kind")


def row_problem(columns: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, str] | None:
    """The first (``table.column``, problem) among ``names`` (key in ``columns`` -> ``table.column``)."""
    for key, column in names.items():
        if key in columns:
            problem = value_problem(column, columns[key])
            if problem is not None:
                return column, problem
    return None


def _kind_of(value: Any) -> str:
    for kind, python_type in _PYTHON_TYPES.items():
        if type(value) is python_type:
            return _NAMES[kind]
    return _NAMES["blob"] if isinstance(value, bytes) else type(value).__name__


def _expected(allowed: tuple[str, ...]) -> str:
    numbers = "real" in allowed  # an integer is a number too
    kinds = [_NAMES[kind] for kind in allowed if kind != "null" and not (numbers and kind == "integer")]
    text = " or ".join(kinds)
    return f"{text} or empty" if "null" in allowed else text


def _shown(quoted: str, limit: int = 40) -> str:
    return quoted if len(quoted) <= limit else quoted[: limit - 3] + "..."
