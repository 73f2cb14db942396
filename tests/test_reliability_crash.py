"""Crash safety: SIGKILL the edit path (and an import) at random points; nothing acknowledged is lost."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

from reliability_helpers import (
    Child,
    dump,
    history_problems,
    integrity,
    seed_documents,
    state_key,
    write_annotated_corpus,
)

from annotations import store

EDIT_KILLS = 32


def _check_acknowledged(db_path: Path, acks: list[dict]) -> int:
    """Assert every acknowledged edit is stored (state and event); count those committed unacknowledged."""
    db = store.open_store(db_path)
    try:
        by_document: dict[int, list[dict]] = {}
        for ack in acks:
            by_document.setdefault(ack["doc"], []).append(ack)
        return sum(
            _check_document(db, document_id, its_acks) for document_id, its_acks in by_document.items()
        )
    finally:
        db.close()


def _check_document(db, document_id: int, acks: list[dict]) -> bool:
    """Each acknowledged revision of one document is its event with the acknowledged state."""
    states = [state_key(state) for state in store.replay_history(db, document_id)]
    for ack in acks:
        assert len(states) >= ack["rev"], f"edit {ack} was acknowledged but its event is missing"
        assert states[ack["rev"] - 1] == (
            tuple(tuple(s) for s in ack["spans"]),
            ack["answer"],
        ), f"the stored event differs from acknowledged edit {ack}"
    document = store.load_document(db, document_id)
    assert document.rev >= acks[-1]["rev"]
    return document.rev > acks[-1]["rev"]


def test_killed_edit_sessions_lose_no_acknowledged_edit(tmp_path: Path) -> None:
    """40 SIGKILLs at random moments of a Session writing edits: every acknowledged edit survives."""
    db_path = tmp_path / "crash.db"
    seed_documents(db_path, 12)
    rng = random.Random(20240611)
    total_acks = committed_unacknowledged = 0
    for kill in range(EDIT_KILLS):
        child = Child("edits", str(db_path), str(kill))
        child.wait_for("READY")
        time.sleep(rng.uniform(0.0, 0.25))
        child.kill()
        acks = child.acks()
        total_acks += len(acks)
        committed_unacknowledged += _check_acknowledged(db_path, acks)
        assert integrity(db_path) == ["ok"]
    assert history_problems(db_path) == []
    assert total_acks > EDIT_KILLS * 5, "the driver barely edited before being killed; the test proves little"
    print(
        f"edit kills: {EDIT_KILLS}, acknowledged edits: {total_acks}, "
        f"kills between commit and acknowledgement: {committed_unacknowledged}"
    )


IMPORT_KILLS = 8
CORPUS = 4000


def _timed_import(db_path: Path, corpus: Path) -> tuple[float, float]:
    """Run one import to the end; how long it prepared and how long it wrote."""
    child = Child("import", str(db_path), str(corpus), "big")
    child.wait_for("READY")
    started = time.monotonic()
    child.wait_for("WRITING")
    prepared = time.monotonic()
    child.wait_for("DONE")
    assert child.finish() == 0
    return prepared - started, time.monotonic() - prepared


def _big_dataset(db_path: Path) -> tuple[int, int]:
    """How many documents the imported dataset holds, and how many distinct input hashes."""
    db = store.open_store(db_path)
    try:
        row = db.execute(
            "SELECT count(*), count(DISTINCT input_hash) FROM documents d "
            "JOIN datasets s ON s.id = d.dataset_id WHERE s.name = 'big'"
        ).fetchone()
        return int(row[0]), int(row[1])
    finally:
        db.close()


def test_killed_import_leaves_the_database_as_before_or_complete(tmp_path: Path) -> None:
    """SIGKILL an import at random points (reading, writing): all or nothing; a re-run completes it."""
    corpus = write_annotated_corpus(tmp_path / "corpus.jsonl", CORPUS)
    base = tmp_path / "base.db"
    seed_documents(base, 5)
    shutil.copy(base, tmp_path / "timing.db")
    preparing, writing = _timed_import(tmp_path / "timing.db", corpus)
    before = dump(base)
    rng = random.Random(7)
    outcomes = {"before": 0, "complete": 0, "inside the write transaction": 0}
    for kill in range(IMPORT_KILLS):
        db_path = tmp_path / f"kill{kill}.db"
        shutil.copy(base, db_path)
        child = Child("import", str(db_path), str(corpus), "big")
        child.wait_for("READY")
        if kill % 2:
            child.wait_for("WRITING")
            time.sleep(rng.uniform(0.0, writing * 0.9))
        else:
            time.sleep(rng.uniform(0.0, preparing + writing))
        child.kill()
        outcomes["inside the write transaction"] += any(line == "WRITING" for line in child.lines)
        assert integrity(db_path) == ["ok"]
        count, distinct = _big_dataset(db_path)
        assert count in (0, CORPUS), f"kill {kill} left {count} of {CORPUS} documents"
        if count == 0:
            assert dump(db_path) == before
            outcomes["before"] += 1
        else:
            outcomes["complete"] += 1
    # the last killed database: a re-run finishes the import, and a second adds nothing
    _timed_import(db_path, corpus)
    assert _big_dataset(db_path) == (CORPUS, CORPUS)
    rerun = Child("import", str(db_path), str(corpus), "big")
    assert rerun.wait_for("DONE").startswith("DONE 0 ")
    rerun.finish()
    assert outcomes["before"] > 0 and outcomes["inside the write transaction"] >= IMPORT_KILLS // 2
    print(f"import kills: {IMPORT_KILLS}, outcomes: {outcomes}")
