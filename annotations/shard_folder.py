"""The work folder of a cluster import: finished shards kept on disk, read back only when they are sound.

The folder is a cache beside the database, and anything may happen to it between two runs: a file cut
short, edited, replaced by a folder, a pipe or a link (to the database itself), a second import writing
into it at the same time. So a shard's file is used only when it is a regular file that is not one of the
database's files, names the digest of this shard (its texts and model), holds offsets that fit its texts
and the check (SHA-256) of those offsets as they were written, so that an edit that keeps their shape is
seen too; anything else is set aside with a note and the shard done again. Each write goes to a temporary
file of its own, then replaces the shard's file whole. The manifest lists the finished shards (merged
with what is there); it is for people and tools, the shard files themselves are what a re-run trusts.
A shard that cannot be kept (a full disk, a folder in its file's place) is said once and the import goes
on: the folder only saves a re-run work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from annotations.database_files import is_database_file
from annotations.stored_json import span_list_problem

MANIFEST = "manifest.json"
FORMAT = 1  # of the folder's files

ShardOffsets = list[tuple[list[int], list[int], list[tuple[int, int, str]]]]


def offsets_problem(offsets: Any, texts: Sequence[str]) -> str | None:
    """What keeps ``offsets`` from being the model's output for ``texts`` (one [starts, ends, entities]
    per text, tokens and entities inside their text), or None when they fit."""
    if not isinstance(offsets, list):
        return f"holds {type(offsets).__name__}, not a list of results"
    if len(offsets) != len(texts):
        return f"holds results for {len(offsets)} of the shard's {len(texts)} texts"
    for index, (one, text) in enumerate(zip(offsets, texts)):
        problem = _one_problem(one, len(text))
        if problem is not None:
            return f"text {index + 1} of the shard: {problem}"
    return None


def _one_problem(one: Any, length: int) -> str | None:
    """What is wrong with one text's [starts, ends, entities]."""
    if not isinstance(one, list | tuple) or len(one) != 3:
        return "is not [token starts, token ends, entities]"
    starts, ends, entities = one
    if not isinstance(starts, list | tuple) or not isinstance(ends, list | tuple) or len(starts) != len(ends):
        return "its token starts and ends do not pair up"
    if not _tokens_fit(starts, ends, length):  # then find the first token that does not, to name it
        for start, end in zip(starts, ends):
            if type(start) is not int or type(end) is not int or not 0 <= start <= end <= length:
                return f"token ({start}-{end}) is not a range inside the text ({length} characters)"
    if not isinstance(entities, list | tuple) or not all(isinstance(e, list | tuple) for e in entities):
        return "its entities are not a list of [start, end, label]"
    spans = [[*entity, "model"] for entity in entities]
    problem = span_list_problem(spans, length)
    return f"entity {problem}" if problem is not None else None


def _tokens_fit(starts: Sequence[Any], ends: Sequence[Any], length: int) -> bool:
    """Whether every token is a range of ints inside the text, checked list at a time (C loops: a shard's
    ~10,000 tokens are read back for every shard a worker sends)."""
    if not set(map(type, starts)) | set(map(type, ends)) <= {int}:
        return False
    return not starts or (min(starts) >= 0 and max(ends) <= length and all(map(operator.le, starts, ends)))


class ShardFolder:
    """One import's folder of finished shards, beside ``database`` (whose files it never opens)."""

    def __init__(self, path: Path, database: Path, say: Callable[[str], None]) -> None:
        self.path = path
        self.database = database
        self.say = say
        self._unkept = False  # a shard could not be kept (said once)

    def shard_path(self, index: int) -> Path:
        """Where shard ``index`` is kept."""
        return self.path / f"shard-{index:06d}.json"

    def kept(self, index: int, digest: str, texts: Sequence[str]) -> ShardOffsets | None:
        """Shard ``index``'s offsets when its file is sound and of this shard (else None, with a note
        when a file was there but cannot be used)."""
        path = self.shard_path(index)
        stored, problem = self._read(path)
        if stored is None and problem is None:
            return None
        if problem is None and (not isinstance(stored, dict) or stored.get("digest") != digest):
            problem = "is of other texts or another model"
        if problem is None:
            problem = offsets_problem(stored.get("offsets"), texts)
        if problem is None and "check" not in stored:
            problem = "holds no check of its offsets: an older spandesk wrote it"
        elif problem is None and stored["check"] != _check(_encoded(stored["offsets"])):
            problem = "its offsets were changed after it was written"
        if problem is not None:
            self.say(f"{path}: not used ({problem}); its shard is done again")
            return None
        return stored["offsets"]

    def keep(self, index: int, digest: str, offsets: ShardOffsets, total: int) -> None:
        """Write a finished shard's file, then the manifest naming it (each replaced whole); when it
        cannot be written, say so (once) and go on."""
        path = self.shard_path(index)
        try:
            self.path.mkdir(exist_ok=True)  # again: another import of the same files may have removed it
            encoded = _encoded(offsets)
            head = f'"digest":{json.dumps(digest)},"check":"{_check(encoded)}"'
            self._write(path, f'{{{head},"offsets":{encoded}}}')
            path = self.path / MANIFEST
            manifest, _ = self._read(path)
            done = manifest.get("done") if isinstance(manifest, dict) else None
            listed = {i for i in done if type(i) is int} if isinstance(done, list) else set()
            done = sorted(listed | {index})
            self._write(path, json.dumps({"format": FORMAT, "shards": total, "done": done}))
        except OSError as error:
            if not self._unkept:
                self._unkept = True
                self.say(
                    f"{path}: cannot be written ({error.strerror or error}); the import goes on, but a "
                    "re-run after a failure would pre-annotate the shards not kept again"
                )

    def remove(self) -> None:
        """Remove the folder (once the import is stored: nothing here may fail it)."""
        with contextlib.suppress(OSError):
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path, ignore_errors=True)

    def _read(self, path: Path) -> tuple[Any, str | None]:
        """A file's JSON (None, None when there is none); (None, why) when it cannot be used. Only a
        regular file that is none of the database's files is opened (no pipe, no link to the database)."""
        try:
            status = path.stat()
        except OSError:
            return None, None
        if not stat.S_ISREG(status.st_mode):
            return None, "is not a file"
        if is_database_file(path, self.database):
            return None, "is one of the database's files"
        try:
            return json.loads(path.read_text(encoding="utf-8")), None
        except (OSError, ValueError) as error:
            return None, f"cannot be read: {type(error).__name__}"

    def _write(self, path: Path, text: str) -> None:
        """Replace ``path`` whole: written to a new temporary file of this writer's own, then renamed."""
        handle, partial = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=self.path)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def _encoded(offsets: Any) -> str:
    """Offsets as their file holds them: one C-encoded string (json.dump to a stream encodes in Python,
    ~5x slower)."""
    return json.dumps(offsets, ensure_ascii=False, separators=(",", ":"))


def _check(encoded: str) -> str:
    """The check of encoded offsets, kept beside them."""
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
