"""Schema versions of the spandesk database, applied with sqlite-utils' migrations.

Add a new function at the end for every schema change; never edit one that has shipped.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

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


@migrations()
def m003_answer_counts(db: Database) -> None:
    """How many documents of each dataset have each answer ('' = pending), kept by triggers, so that
    progress and queue counts read a few rows instead of every annotation."""
    for statement in _ANSWER_COUNTS:
        db.execute(statement)


_DATASET_OF = "(SELECT dataset_id FROM documents WHERE id = {row}.document_id)"
_COUNT_ONE_MORE = f"""
    INSERT INTO answer_counts (dataset_id, answer, documents)
    VALUES ({_DATASET_OF.format(row="NEW")}, coalesce(NEW.answer, ''), 1)
    ON CONFLICT (dataset_id, answer) DO UPDATE SET documents = documents + 1;"""
_COUNT_ONE_LESS = f"""
    UPDATE answer_counts SET documents = documents - 1
    WHERE dataset_id = {_DATASET_OF.format(row="OLD")} AND answer = coalesce(OLD.answer, '');"""
_ANSWER_COUNTS = (
    """CREATE TABLE answer_counts (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            answer TEXT NOT NULL,
            documents INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, answer)
        )""",
    """INSERT INTO answer_counts (dataset_id, answer, documents)
        SELECT d.dataset_id, coalesce(a.answer, ''), count(*)
        FROM annotations a JOIN documents d ON d.id = a.document_id
        GROUP BY d.dataset_id, coalesce(a.answer, '')""",
    f"CREATE TRIGGER answer_counts_insert AFTER INSERT ON annotations BEGIN {_COUNT_ONE_MORE} END",
    f"""CREATE TRIGGER answer_counts_update AFTER UPDATE OF answer ON annotations
        WHEN OLD.answer IS NOT NEW.answer BEGIN {_COUNT_ONE_LESS} {_COUNT_ONE_MORE} END""",
    f"CREATE TRIGGER answer_counts_delete AFTER DELETE ON annotations BEGIN {_COUNT_ONE_LESS} END",
)


@migrations()
def m004_text_identity(db: Database) -> None:
    """A document is its text: identity becomes a SHA-256 digest of the text, unique per dataset, instead
    of the 32-bit input hash (which merged distinct texts and kept one text twice under two hashes).

    The input and task hashes stay as the file brought them. Documents already stored twice with the same
    text are all kept: the later ones point at the first through ``same_text_as`` (which the uniqueness
    index leaves out) so they can be reported (``identity.same_text_documents``), never merged silently.

    SQLite cannot drop a UNIQUE constraint, so the table is rebuilt under its own name: the rows wait in a
    temporary table while ``documents`` is dropped and created again, and ``defer_foreign_keys`` lets the
    rows that point at documents (annotations, predictions, events) wait for their documents to return.
    """
    db.execute("PRAGMA defer_foreign_keys=ON")
    db.conn.create_function("spandesk_text_digest", 1, _text_digest, deterministic=True)
    db.execute("CREATE TEMP TABLE documents_before_m004 AS SELECT * FROM documents")
    db.execute("DROP TABLE documents")
    db.execute(_DOCUMENTS_BY_TEXT)
    db.execute(
        "INSERT INTO documents (id, dataset_id, text_digest, input_hash, task_hash, text, meta, extra,"
        " tokens, created) SELECT id, dataset_id, spandesk_text_digest(text), input_hash, task_hash, text,"
        " meta, extra, tokens, created FROM temp.documents_before_m004 ORDER BY id"
    )
    db.execute("DROP TABLE temp.documents_before_m004")
    _mark_same_texts(db)
    db.execute(_ONE_DOCUMENT_PER_TEXT)
    db.execute("CREATE INDEX documents_same_text ON documents(same_text_as) WHERE same_text_as IS NOT NULL")


# ``same_text_as`` names a document but is no foreign key: SQLite checks a self-reference by scanning the
# table for every row written while constraints are deferred, which made this migration quadratic
# (100,000 documents: 566 s instead of 0.6 s).
_DOCUMENTS_BY_TEXT = """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            input_hash INTEGER NOT NULL,
            task_hash INTEGER,
            text TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            extra TEXT NOT NULL DEFAULT '{}',
            tokens TEXT NOT NULL DEFAULT '[]',
            created REAL NOT NULL,
            text_digest BLOB NOT NULL,
            same_text_as INTEGER
        )"""
_ONE_DOCUMENT_PER_TEXT = """CREATE UNIQUE INDEX documents_text
        ON documents(dataset_id, text_digest) WHERE same_text_as IS NULL"""


def _text_digest(text: str) -> bytes:
    """``hashing.text_digest``, copied here: a migration must not change when that module does."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _mark_same_texts(db: Database) -> None:
    """Point every later document holding a text already in its dataset at the first one holding it.

    One read of the documents whose digest repeats (in id order), texts compared in Python: a query
    per repeated digest scanned the whole table each time (100,000 documents, 1,000 repeats: ~7 s).
    """
    rows = db.execute(
        "SELECT id, dataset_id, text FROM documents WHERE (dataset_id, text_digest) IN ("
        " SELECT dataset_id, text_digest FROM documents GROUP BY dataset_id, text_digest HAVING count(*) > 1"
        ") ORDER BY id"
    )
    first_of: dict[tuple[int, str], int] = {}
    later = []
    for document_id, dataset_id, text in rows.fetchall():
        first = first_of.setdefault((dataset_id, text), document_id)
        if first != document_id:
            later.append((first, document_id))
    db.conn.executemany("UPDATE documents SET same_text_as = ? WHERE id = ?", later)


@migrations()
def m005_events_no_replace(db: Database) -> None:
    """``INSERT OR REPLACE`` deletes the event it replaces without firing delete triggers: refuse any
    insert of an event whose id is taken, so history stays append-only whatever the statement."""
    db.execute(_EVENTS_NO_REPLACE)


_EVENTS_NO_REPLACE = """CREATE TRIGGER events_no_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"""


@migrations()
def m006_versions(db: Database) -> None:
    """One version of a document per annotator: ``annotations`` holds, per document, the ``base`` version
    (what the import brought, never edited after), at most one version per person (``kind = 'annotator'``,
    ``owner`` their name) and at most one reviewed version; every event names the version it changed
    (``events.version_id``).

    Every row stored before this migration becomes its document's base, under its document's id, with
    its history: work done before versions is what a person sees until they make a version of their own.
    ``answer_counts`` is kept per version kind and owner, with ``shadowed``: how many base answers each
    person's versions hide, so the queue a person sees is counted from a few rows.
    """
    db.execute("CREATE TEMP TABLE annotations_before_m006 AS SELECT * FROM annotations")
    db.execute("DROP TABLE answer_counts")
    db.execute("DROP TABLE annotations")  # its triggers and index go with it
    db.execute(_VERSIONS)
    db.execute(
        "INSERT INTO annotations (id, document_id, kind, owner, annotator, spans, answer, rev, updated)"
        " SELECT document_id, document_id, 'base', '', annotator, spans, answer, rev, updated"
        " FROM temp.annotations_before_m006 ORDER BY document_id"
    )
    db.execute("DROP TABLE temp.annotations_before_m006")
    db.execute("CREATE INDEX annotations_owner ON annotations(kind, owner, document_id)")
    _events_name_their_version(db)
    for statement in _VERSION_COUNTS:
        db.execute(statement)


_VERSIONS = """CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            kind TEXT NOT NULL CHECK (kind IN ('base', 'annotator', 'review')),
            owner TEXT NOT NULL DEFAULT '' CHECK ((kind = 'annotator') = (owner != '')),
            annotator TEXT,
            spans TEXT NOT NULL DEFAULT '[]',
            answer TEXT CHECK (answer IN ('accept', 'reject', 'ignore')),
            rev INTEGER NOT NULL DEFAULT 0,
            updated REAL,
            UNIQUE (document_id, kind, owner)
        )"""


def _events_name_their_version(db: Database) -> None:
    """Add ``events.version_id``: every event so far changed its document's only row, whose id is the
    document's. The append-only triggers are lifted for this one update and put back as they were."""
    db.execute("DROP TRIGGER events_append_only_update")
    db.execute("ALTER TABLE events ADD COLUMN version_id INTEGER REFERENCES annotations(id)")
    db.execute("UPDATE events SET version_id = document_id")
    db.execute(next(sql for sql in _INITIAL_SCHEMA if "events_append_only_update" in sql))
    db.execute("CREATE INDEX events_version ON events(version_id)")


_DATASET_OF_DOCUMENT = "(SELECT dataset_id FROM documents WHERE id = {row}.document_id)"
_BASE_ANSWER = (
    "(SELECT coalesce(b.answer, '') FROM annotations b WHERE b.document_id = {row}.document_id"
    " AND b.kind = 'base')"
)


def _count(row: str, kind: str, owner: str, answer: str, step: str) -> str:
    """An upsert adding ``step`` to the count of (the row's dataset, kind, owner, answer)."""
    return f"""
    INSERT INTO answer_counts (dataset_id, kind, owner, answer, documents)
    VALUES ({_DATASET_OF_DOCUMENT.format(row=row)}, {kind}, {owner}, {answer}, {step})
    ON CONFLICT (dataset_id, kind, owner, answer) DO UPDATE SET documents = documents + {step};"""


_OWN_ANSWER = "coalesce({row}.answer, '')"
_VERSION_COUNTS = (
    """CREATE TABLE answer_counts (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            kind TEXT NOT NULL,
            owner TEXT NOT NULL,
            answer TEXT NOT NULL,
            documents INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, kind, owner, answer)
        )""",
    """INSERT INTO answer_counts (dataset_id, kind, owner, answer, documents)
        SELECT d.dataset_id, a.kind, a.owner, coalesce(a.answer, ''), count(*)
        FROM annotations a JOIN documents d ON d.id = a.document_id
        GROUP BY d.dataset_id, a.kind, a.owner, coalesce(a.answer, '')""",
    """INSERT INTO answer_counts (dataset_id, kind, owner, answer, documents)
        SELECT d.dataset_id, 'shadowed', a.owner, coalesce(b.answer, ''), count(*)
        FROM annotations a JOIN documents d ON d.id = a.document_id
        JOIN annotations b ON b.document_id = a.document_id AND b.kind = 'base'
        WHERE a.kind = 'annotator'
        GROUP BY d.dataset_id, a.owner, coalesce(b.answer, '')""",
    "CREATE TRIGGER answer_counts_insert AFTER INSERT ON annotations BEGIN"
    + _count("NEW", "NEW.kind", "NEW.owner", _OWN_ANSWER.format(row="NEW"), "1")
    + " END",
    "CREATE TRIGGER answer_counts_shadow AFTER INSERT ON annotations WHEN NEW.kind = 'annotator' BEGIN"
    + _count("NEW", "'shadowed'", "NEW.owner", _BASE_ANSWER.format(row="NEW"), "1")
    + " END",
    "CREATE TRIGGER answer_counts_update AFTER UPDATE OF answer ON annotations"
    " WHEN OLD.answer IS NOT NEW.answer BEGIN"
    + _count("OLD", "OLD.kind", "OLD.owner", _OWN_ANSWER.format(row="OLD"), "-1")
    + _count("NEW", "NEW.kind", "NEW.owner", _OWN_ANSWER.format(row="NEW"), "1")
    + " END",
    "CREATE TRIGGER answer_counts_delete AFTER DELETE ON annotations BEGIN"
    + _count("OLD", "OLD.kind", "OLD.owner", _OWN_ANSWER.format(row="OLD"), "-1")
    + " END",
    """CREATE TRIGGER answer_counts_unshadow AFTER DELETE ON annotations WHEN OLD.kind = 'annotator' BEGIN
    UPDATE answer_counts SET documents = documents - 1
        WHERE kind = 'shadowed' AND owner = OLD.owner
        AND dataset_id = (SELECT dataset_id FROM documents WHERE id = OLD.document_id)
        AND answer = (SELECT coalesce(b.answer, '') FROM annotations b
                      WHERE b.document_id = OLD.document_id AND b.kind = 'base');
    END""",
    # a base whose answer changes moves the shadowed counts of every person's version of its document
    """CREATE TRIGGER answer_counts_base_update AFTER UPDATE OF answer ON annotations
        WHEN NEW.kind = 'base' AND OLD.answer IS NOT NEW.answer BEGIN
    UPDATE answer_counts SET documents = documents - 1
        WHERE kind = 'shadowed' AND answer = coalesce(OLD.answer, '')
        AND dataset_id = (SELECT dataset_id FROM documents WHERE id = OLD.document_id)
        AND owner IN (SELECT owner FROM annotations
                      WHERE document_id = OLD.document_id AND kind = 'annotator');
    INSERT INTO answer_counts (dataset_id, kind, owner, answer, documents)
        SELECT (SELECT dataset_id FROM documents WHERE id = NEW.document_id), 'shadowed', owner,
               coalesce(NEW.answer, ''), 1
        FROM annotations WHERE document_id = NEW.document_id AND kind = 'annotator' AND 1
        ON CONFLICT (dataset_id, kind, owner, answer) DO UPDATE SET documents = documents + 1;
    END""",
)


@migrations()
def m007_search(db: Database) -> None:
    """An index of the documents' texts for corpus search (``annotations.search``): SQLite FTS5 with the
    ``trigram`` tokenizer (every three characters, case folded), so any string of three characters or
    more, in any script, inside words or across them, narrows the search to the documents holding its
    pieces; every candidate is then checked against the text itself.

    The index keeps no copy of the texts (``content='documents'``) and no positions (``detail=none``:
    a third of the size, and the text is read anyway). Triggers keep it in step with ``documents``
    whatever adds or removes them (import, merge, assign); the documents already stored are indexed now.

    The tokenizer stops at a NUL character: the few texts holding one are listed by a partial index
    (``documents_holding_nul``) so that every search reads them whatever the index says.
    """
    for statement in _SEARCH_INDEX:
        db.execute(statement)


_SEARCH_INDEX = (
    """CREATE VIRTUAL TABLE documents_fts USING fts5(text, content='documents', content_rowid='id',
        tokenize='trigram', detail=none, columnsize=0)""",
    "INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')",
    """CREATE INDEX documents_holding_nul ON documents(id)
        WHERE instr(CAST(text AS BLOB), x'00') > 0""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, text) VALUES (NEW.id, NEW.text);
    END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    END""",
    # texts are never changed; should one be, the index follows it rather than going stale
    """CREATE TRIGGER documents_fts_update AFTER UPDATE OF id, text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    INSERT INTO documents_fts (rowid, text) VALUES (NEW.id, NEW.text);
    END""",
)


@migrations()
def m008_batches(db: Database) -> None:
    """Changes made to many documents at once ("apply everywhere", its undo): one ``batches`` row each, and
    ``events.batch_id`` naming the batch an event belongs to (NULL for every other event). Adding a column
    is allowed by the append-only triggers, which forbid only UPDATE and DELETE of events."""
    db.execute(
        """CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            annotator TEXT,
            description TEXT NOT NULL,
            undoes INTEGER REFERENCES batches(id)
        )"""
    )
    db.execute("ALTER TABLE events ADD COLUMN batch_id INTEGER REFERENCES batches(id)")
    db.execute("CREATE INDEX events_batch ON events(batch_id) WHERE batch_id IS NOT NULL")
    db.execute("CREATE INDEX batches_undoes ON batches(undoes) WHERE undoes IS NOT NULL")


@migrations()
def m009_models(db: Database) -> None:
    """The models trained from the corrections (``spandesk train``): where each is, its name and version
    (as its predictions name it), the model it started from, when, what it learned from and its scores on
    the held-out documents (JSON)."""
    db.execute(
        """CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            base TEXT NOT NULL,
            created REAL NOT NULL,
            documents INTEGER NOT NULL,
            spans INTEGER NOT NULL,
            scores TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute("CREATE INDEX models_name ON models(name, version)")


@migrations()
def m010_prediction_scores(db: Database) -> None:
    """Predictions keyed by model and version (a retrained model may keep its name: its predictions sit
    beside the old model's), each with the model's confidence per span (``scores``, a JSON list parallel
    to ``spans``, null where the model gives none) and the document's doubt; ``document_doubt`` holds each
    document's doubt from its latest scored prediction, indexed so that the queue can sort on it."""
    db.execute("CREATE TEMP TABLE predictions_before_m010 AS SELECT * FROM predictions")
    db.execute("DROP TABLE predictions")
    db.execute(
        """CREATE TABLE predictions (
            document_id INTEGER NOT NULL REFERENCES documents(id),
            model TEXT NOT NULL,
            model_version TEXT NOT NULL,
            spans TEXT NOT NULL,
            created REAL NOT NULL,
            scores TEXT,
            doubt REAL,
            PRIMARY KEY (document_id, model, model_version)
        )"""
    )
    db.execute(
        "INSERT INTO predictions (document_id, model, model_version, spans, created)"
        " SELECT document_id, model, model_version, spans, created FROM temp.predictions_before_m010"
        " ORDER BY document_id"
    )
    db.execute("DROP TABLE temp.predictions_before_m010")
    db.execute("CREATE INDEX predictions_model ON predictions(model, model_version)")
    db.execute(
        """CREATE TABLE document_doubt (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id),
            doubt REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX document_doubt_order ON document_doubt(doubt DESC, document_id)")


KNOWN_MIGRATIONS = tuple(m.name for m in migrations._migrations)
