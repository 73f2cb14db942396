"""Crash safety: SIGKILL the edit path (and an import) at random points; nothing acknowledged is lost."""

from __future__ import annotations

import random
import time
from pathlib import Path

from reliability_helpers import Child, decode_event_state, history_problems, integrity, seed_documents

from annotations import store

EDIT_KILLS = 32


def _check_acknowledged(db_path: Path, acks: list[dict]) -> int:
    """Assert every acknowledged edit is stored (state and event); return how many committed unacknowledged."""
    db = store.open_store(db_path)
    try:
        by_document: dict[int, list[dict]] = {}
        for ack in acks:
            by_document.setdefault(ack["doc"], []).append(ack)
        return sum(_check_document(db, document_id, its_acks) for document_id, its_acks in by_document.items())
    finally:
        db.close()


def _check_document(db, document_id: int, acks: list[dict]) -> bool:
    """Each acknowledged revision of one document is its event with the acknowledged state."""
    events = store.history(db, document_id)
    for ack in acks:
        assert len(events) >= ack["rev"], f"edit {ack} was acknowledged but its event is missing"
        assert decode_event_state(events[ack["rev"] - 1]["after"]) == (
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
    print(f"edit kills: {EDIT_KILLS}, acknowledged edits: {total_acks}, "
          f"kills between commit and acknowledgement: {committed_unacknowledged}")
