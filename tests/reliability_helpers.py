"""Shared helpers of the reliability tests: seeded databases, dumps, subprocess drivers, invariants."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotations import store
from annotations.model import Answer, DocumentState, Span, SpanSource
from annotations.text import whitespace_tokens

DRIVER = Path(__file__).with_name("crash_driver.py")
LABELS = ("PERSON", "ORG", "GPE", "DATE")
WORDS = (
    "Angela",
    "Merkel",
    "met",
    "Acme",
    "Corp",
    "in",
    "Berlin",
    "on",
    "Monday",
    "and",
    "Zoë",
    "🇩🇪",
    "naïve",
)


def sample_text(index: int, words: int = 24) -> str:
    """A deterministic, varied document text (with non-ASCII words) for seeding databases."""
    picked = [WORDS[(index * 7 + i * 3 + i * i) % len(WORDS)] for i in range(words)]
    return f"Document {index}: " + " ".join(picked) + "."


def seed_documents(db_path: Path, count: int, dataset: str = "default") -> list[int]:
    """Create a database holding ``count`` documents (no model needed); return their ids."""
    db = store.open_store(db_path)
    try:
        documents = [
            store.NewDocument(
                text=sample_text(i),
                tokens=whitespace_tokens(sample_text(i)),
                input_hash=i + 1,
                state=DocumentState((Span(0, 8, "ORG", SpanSource.MODEL),), None),
            )
            for i in range(count)
        ]
        with store.write_transaction(db):
            store.insert_documents(db, store.ensure_dataset(db, dataset), documents)
            store.add_labels(db, LABELS)
        return store.document_ids(db, dataset)
    finally:
        db.close()


def dump(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (read-only), to compare a database before and after."""
    connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {table: _rows(connection, table) for table in sorted(tables)}
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    """A table's rows in rowid order; sorted for a table without rowids (the search index's config)."""
    try:
        return connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    except sqlite3.OperationalError:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall())


def file_digest(*paths: Path) -> str:
    """A digest of files' bytes (missing files count as empty): proves a file was left untouched."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def integrity(db_path: Path) -> list[str]:
    """What ``PRAGMA integrity_check`` says about a database file (``["ok"]`` when sound)."""
    connection = sqlite3.connect(db_path)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def state_key(state: DocumentState) -> tuple[tuple[tuple[int, int, str], ...], str | None]:
    """A document state as comparable (spans, answer)."""
    return tuple(s.key() for s in state.spans), state.answer.value if state.answer else None


def history_problems(db_path: Path) -> list[str]:
    """Broken history invariants: rev = number of events, and replaying the events back from the stored
    state finds each event's added spans and answer in the state it led to. A lost update breaks that."""
    db = store.open_store(db_path)
    problems: list[str] = []
    try:
        for document_id in store.document_ids(db):
            problems += _document_history_problems(db, document_id)
    finally:
        db.close()
    return problems


def _document_history_problems(db: Any, document_id: int) -> list[str]:
    """The history problems of one document."""
    document = store.load_document(db, document_id)
    events = store.history(db, document_id)
    problems = []
    if document.rev != len(events):
        problems.append(f"document {document_id}: rev {document.rev} but {len(events)} events")
    try:
        store.replay_history(db, document_id)
    except store.HistoryMismatch as error:
        problems.append(str(error))
    return problems


class Child:
    """A driver subprocess whose stdout lines are collected by a thread (so it can be killed anytime)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, driver: Path = DRIVER) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(driver), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            if raw.endswith(b"\n"):  # a line cut by the kill was never acknowledged
                self.lines.append(raw.decode("utf-8").rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = 30.0) -> str:
        """Block until a line starting with ``prefix`` arrives; AssertionError if the child dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.lines if line.startswith(prefix)), None)
            if found is not None:
                return found
            if self.process.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"driver exited {self.process.returncode}: {self.stderr()}")
            time.sleep(0.005)
        raise AssertionError(f"no {prefix!r} line within {timeout} s")

    def kill(self) -> None:
        """SIGKILL the child and collect everything it printed."""
        self.process.kill()
        self.finish()

    def finish(self, timeout: float = 60.0) -> int:
        """Wait for the child to end; its exit code."""
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    def stderr(self) -> str:
        """What the child wrote to stderr (after it ended)."""
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")

    def acks(self) -> list[dict[str, Any]]:
        """The acknowledgement lines, parsed."""
        return [json.loads(line[4:]) for line in self.lines if line.startswith("ACK ")]


def locks_held(path: Path, pid: int | None = None) -> list[str]:
    """The POSIX locks a process (this one by default) holds on a file, from Linux's /proc/locks."""
    inode = os.stat(path).st_ino
    owner = str(pid or os.getpid())
    held = []
    with open("/proc/locks", encoding="ascii") as table:
        for line in table:
            fields = line.replace("->", "").split()
            if fields[1] == "POSIX" and fields[4] == owner and int(fields[5].rsplit(":", 1)[1]) == inode:
                held.append(" ".join(fields[3:]))
    return held


def answer_value(answer: Answer | None) -> str | None:
    """An answer as stored."""
    return answer.value if answer else None


def run_spandesk(
    *args: str, cwd: Path | None = None, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run the real ``spandesk`` console script (from the venv this test runs in)."""
    script = Path(sys.executable).with_name("spandesk")
    command: Sequence[str] = (
        [str(script), *args] if script.exists() else [sys.executable, "-m", "annotations.cli", *args]
    )
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=timeout)


def write_annotated_corpus(path: Path, count: int, start: int = 0) -> Path:
    """A Prodigy JSONL corpus whose records arrive annotated with their tokens (no model runs)."""
    with path.open("w", encoding="utf-8") as handle:
        for index in range(start, start + count):
            text = sample_text(index)
            tokens = whitespace_tokens(text)
            task = {
                "text": text,
                "tokens": [
                    {"text": text[t.start : t.end], "start": t.start, "end": t.end, "id": i, "ws": True}
                    for i, t in enumerate(tokens)
                ],
                "spans": [{"start": 0, "end": 8, "token_start": 0, "token_end": 0, "label": "ORG"}],
                "answer": "accept",
                "meta": {"index": index},
            }
            handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    return path


class BusyWindow:
    """A window in use: a thread answering random documents through a Session until the block ends."""

    def __init__(self, db_path: Path, document_ids: Sequence[int], seed: int) -> None:
        self.db_path, self.document_ids, self.seed = db_path, list(document_ids), seed
        self.edits = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work)

    def __enter__(self) -> BusyWindow:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _work(self) -> None:
        import random

        from annotations.session import Session

        db = store.open_store(self.db_path)
        session = Session(db, "window")
        rng = random.Random(self.seed)
        try:
            while not self._stop.is_set():
                session.open(rng.choice(self.document_ids))
                session.apply(session.set_answer(rng.choice(list(Answer))))
                self.edits += 1
        except Exception as error:  # noqa: BLE001 - reported to the test
            self.errors.append(error)
        finally:
            db.close()


_HOLD = textwrap.dedent(
    """
    import sqlite3, sys, time
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    seconds = float(sys.argv[2])
    if seconds:
        time.sleep(seconds)
    else:
        sys.stdin.readline()
    connection.execute("COMMIT")
    """
)


class OtherWriter:
    """Another program holding the database's write lock until ``release`` (or for ``seconds``)."""

    def __init__(self, path: Path, seconds: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(path), str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("done\n")
            self.process.stdin.flush()
        self.process.wait(timeout=10)
