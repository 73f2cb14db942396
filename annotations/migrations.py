"""Schema versions of the spandesk database, applied with sqlite-utils' migrations.

Add a new function at the end for every schema change; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "spandesk"
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    """Datasets, documents, the model's predictions, the human's annotations, events, labels."""
    for statement in _INITIAL_SCHEMA:
        db.execute(statement)


_INITIAL_SCHEMA = (
    """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created REAL NOT NULL
        )""",
    """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            input_hash INTEGER NOT NULL,
            task_hash INTEGER,
            text TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            extra TEXT NOT NULL DEFAULT '{}',
            tokens TEXT NOT NULL DEFAULT '[]',
            created REAL NOT NULL,
            UNIQUE (dataset_id, input_hash)
        )""",
    """CREATE TABLE predictions (
            document_id INTEGER NOT NULL REFERENCES documents(id),
            model TEXT NOT NULL,
            model_version TEXT NOT NULL,
            spans TEXT NOT NULL,
            created REAL NOT NULL,
            PRIMARY KEY (document_id, model)
        )""",
    """CREATE TABLE annotations (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id),
            annotator TEXT,
            spans TEXT NOT NULL DEFAULT '[]',
            answer TEXT CHECK (answer IN ('accept', 'reject', 'ignore')),
            rev INTEGER NOT NULL DEFAULT 0,
            updated REAL
        )""",
    """CREATE INDEX annotations_answer ON annotations(answer)""",
    """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            annotator TEXT,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            before TEXT,
            after TEXT
        )""",
    """CREATE INDEX events_document ON events(document_id)""",
    """CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            colour TEXT NOT NULL,
            position INTEGER NOT NULL
        )""",
    """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
)


@migrations()
def m002_predictions_model_index(db: Database) -> None:
    """An index to list the models that made predictions without reading every prediction."""
    db.execute("CREATE INDEX predictions_model ON predictions(model, model_version)")


KNOWN_MIGRATIONS = tuple(m.name for m in migrations._migrations)
