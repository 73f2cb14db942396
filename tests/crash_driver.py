"""A child process for the reliability tests: drives the window's edit path, or an import, to be killed.

python crash_driver.py edits DB SEED [OPS] [DOC_IDS]   edits and answers through Session.apply;
    prints ``ACK {json}`` (flushed) after each apply returns; runs forever unless OPS is given
python crash_driver.py import DB SOURCE [DATASET]      annotations.importing.import_sources
    prints ``PROGRESS done total`` while preparing, ``WRITING`` inside its write transaction
    and ``DONE added duplicates seconds`` at the end
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from annotations import store
from annotations.model import Answer
from annotations.session import Edit, Session

LABELS = ("PERSON", "ORG", "GPE", "DATE")


def say(line: str) -> None:
    """Print one line and flush it at once (the parent reads it as an acknowledgement)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def random_edit(session: Session, rng: random.Random, last: Edit | None) -> Edit | None:
    """One edit a person could make to the current document (or undo of the last one)."""
    document = session.document
    assert document is not None
    choice = rng.random()
    spans = document.spans
    if last is not None and last.document_id == document.id and choice < 0.1:
        return last.reversed()
    if spans and choice < 0.3:
        return session.remove_span(rng.choice(spans))
    if spans and choice < 0.45:
        return session.relabel(rng.choice(spans), rng.choice(LABELS))
    if spans and choice < 0.6:
        return session.nudge(rng.choice(spans), rng.choice(("start", "end")), rng.choice((-1, 1)))
    if choice < 0.75:
        return session.set_answer(rng.choice((*Answer, None)))
    first = rng.randrange(len(document.tokens))
    last_token = min(len(document.tokens) - 1, first + rng.randrange(3))
    return session.add_span(document.tokens[first].start, document.tokens[last_token].end, rng.choice(LABELS))


def drive_edits(db_path: str, seed: int, operations: int | None, only: list[int] | None) -> int:
    """Apply random edits through Session.apply, acknowledging each one after it returns."""
    rng = random.Random(seed)
    db = store.open_store(db_path)
    session = Session(db, annotator="driver")  # every driver edits one version: they contend
    ids = only or store.document_ids(db)
    say("READY")
    done = conflicts = 0
    last: Edit | None = None
    while operations is None or done < operations:
        session.open(rng.choice(ids))
        edit = random_edit(session, rng, last)
        if edit is None or edit.before == edit.after:
            continue
        try:
            document = session.apply(edit)
        except store.EditConflict:
            conflicts += 1
            continue
        last = edit
        done += 1
        answer = document.answer.value if document.answer else None
        spans = [[s.start, s.end, s.label] for s in document.spans]
        say("ACK " + json.dumps({"doc": document.id, "rev": document.rev, "spans": spans, "answer": answer}))
    say(f"FINISHED {done} {conflicts}")
    db.close()
    return 0


def drive_import(db_path: str, source: str, dataset: str) -> int:
    """Import one source, printing progress and the outcome."""
    from annotations.importing import ImportFailure, import_sources

    db = store.open_store(db_path)
    _announce_write_transactions()
    say("READY")
    started = time.monotonic()
    try:
        report = import_sources(db, [source], dataset=dataset, progress=lambda d, t: say(f"PROGRESS {d} {t}"))
    except ImportFailure as error:
        say(f"FAILED {error}")
        return 1
    say(f"DONE {report.added} {report.duplicates} {time.monotonic() - started:.3f}")
    db.close()
    return 0


def _announce_write_transactions() -> None:
    """Print ``WRITING`` once a write transaction has begun (so the parent can kill inside it)."""
    original = store.write_transaction

    @contextmanager
    def announced(db: Database) -> Iterator[Database]:
        with original(db) as inside:
            say("WRITING")
            yield inside

    store.write_transaction = announced


def main(argv: list[str]) -> int:
    """Dispatch on the mode named first."""
    mode, db_path, *rest = argv
    if mode == "edits":
        operations = int(rest[1]) if len(rest) > 1 and rest[1] != "-" else None
        only = [int(i) for i in rest[2].split(",")] if len(rest) > 2 else None
        return drive_edits(db_path, int(rest[0]), operations, only)
    if mode == "import":
        return drive_import(db_path, rest[0], rest[1] if len(rest) > 1 else "default")
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
