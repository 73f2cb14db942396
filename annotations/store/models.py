"""The models trained from the corrections: one row each (where, name, version, base, data, scores)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotations.store.connection import write_transaction

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class ModelRow:
    """A registered model: its folder, name and version (as its predictions name it), what it started
    from, when it was made, how many documents and spans it learned from, and its held-out scores."""

    id: int
    path: str
    name: str
    version: str
    base: str
    created: float
    documents: int
    spans: int
    scores: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewModel:
    """What ``register_model`` stores about a model just trained."""

    path: str
    name: str
    version: str
    base: str
    documents: int
    spans: int
    scores: dict[str, Any]


_COLUMNS = "id, path, name, version, base, created, documents, spans, scores"


def register_model(db: Database, model: NewModel, *, in_transaction: bool = False) -> int:
    """Store a trained model's row (in its own write transaction unless ``in_transaction``); its id."""
    values = [model.path, model.name, model.version, model.base, time.time(), model.documents, model.spans]
    sql = (
        "INSERT INTO models (path, name, version, base, created, documents, spans, scores)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    params = [*values, json.dumps(model.scores, ensure_ascii=False, sort_keys=True)]
    if in_transaction:
        return db.execute(sql, params).lastrowid
    with write_transaction(db):
        return db.execute(sql, params).lastrowid


def registered_models(db: Database) -> list[ModelRow]:
    """Every registered model, oldest first."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM models ORDER BY id").fetchall()
    return [_model(row) for row in rows]


def registered_model(db: Database, name: str, version: str | None = None) -> ModelRow | None:
    """The newest registered model of that name (and version, if given), or None."""
    sql = f"SELECT {_COLUMNS} FROM models WHERE name = ?" + (" AND version = ?" if version else "")
    params = [name, version] if version else [name]
    row = db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    return _model(row) if row else None


def count_models(db: Database, name: str) -> int:
    """How many models of that name are registered."""
    return db.execute("SELECT count(*) FROM models WHERE name = ?", [name]).fetchone()[0]


def _model(row: tuple) -> ModelRow:
    return ModelRow(*row[:8], scores=json.loads(row[8]))
