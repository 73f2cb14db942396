"""Pre-annotating an import's records on a Dask cluster: shards, a resumable work folder, progress.

The main process reads and checks every record as a plain import does, then hands the texts to pre-annotate
to ``ClusterPredictor``: it cuts them into shards (the same texts give the same shards), sends the missing
ones to the cluster's workers (each loads the pipeline once), and keeps every finished shard's offsets in a
work folder beside the database. The store is the plain import's own single transaction, so the database
never holds part of a shard; the work folder is what a re-run after a crash, a lost worker or Ctrl+C resumes
from, and ``finish`` removes it once the import is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from annotations.counting import counted
from annotations.importing import ImportFailure
from annotations.model import Span, SpanSource, Token
from annotations.preannotate import Annotated, Pipeline, load_pipeline
from annotations.records import Record

INSTALL_HINT = "--cluster needs Dask, which is not installed: pip install 'spandesk[cluster]'"
DEFAULT_SHARD_SIZE = 500
DEFAULT_TIMEOUT = 10.0  # seconds to reach a scheduler
RETRIES = 2  # a task that raises is tried again this often (a dead worker's task is re-run by the scheduler)
POLL = 0.2  # seconds between two looks at ``cancelled`` while shards are out
MANIFEST = "manifest.json"
FORMAT = 1  # of the work folder's files

ShardOffsets = list[tuple[list[int], list[int], list[tuple[int, int, str]]]]


class ClusterFailure(ImportFailure):
    """The cluster could not be used or reached; the message says why and what to do; nothing was stored."""


@dataclass(frozen=True, slots=True)
class ShardProgress:
    """Where a cluster import is: shards done of total, and the documents' rate since it started."""

    done: int
    total: int
    documents: int  # pre-annotated in this run
    seconds: float
    remaining_documents: int

    @property
    def rate(self) -> float:
        """Documents per second in this run (0 before the first shard)."""
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        """``shards 3/8, 412 docs/s, about 5 s left``."""
        text = f"shards {self.done}/{self.total}"
        if self.rate > 0:
            text += f", {self.rate:,.0f} docs/s"
            if self.remaining_documents:
                text += f", about {_duration(self.remaining_documents / self.rate)} left"
        return text


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``2.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def parse_cluster(address: str) -> str | int:
    """``local:N`` as N worker processes, else a scheduler address (``tcp://host:8786``, ``host:8786``);
    ClusterFailure for anything else."""
    text = address.strip()
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise ClusterFailure(f"--cluster {address!r}: local:N needs a number of workers from 1 to 256")
        return int(count)
    host = text.split("://", 1)[-1]
    if not text or not host or ":" not in host or not host.rsplit(":", 1)[1].isdigit():
        raise ClusterFailure(
            f"--cluster {address!r} is not a scheduler address; give one like tcp://host:8786 "
            "(what `dask scheduler` prints) or local:N for N worker processes on this machine"
        )
    return text


def require_dask() -> None:
    """ClusterFailure with the install command when ``dask.distributed`` cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterFailure(INSTALL_HINT) from None


def work_folder(database: Path, identity: str) -> Path:
    """The folder beside the database that keeps one import's finished shards (never a SQLite side file's
    name: it ends in the identity's digest)."""
    return database.parent / f"{database.name}.cluster-{identity[:20]}"


# ---------------------------------------------------------------- on a worker


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """What a worker loads: the same arguments as the main process's ``load_pipeline``."""

    model: str | None
    patterns: str | None  # the patterns file's text (a worker may not see the main process's files)
    labels: tuple[str, ...] | None


def pipeline_spec(model: str | None, patterns: Path | None, labels: Sequence[str] | None) -> PipelineSpec:
    """What the workers load for an import with these options (the patterns file's text travels along)."""
    try:
        text = patterns.read_text(encoding="utf-8") if patterns is not None else None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailure(f"{patterns}: cannot read patterns: {error}") from error
    return PipelineSpec(model, text, tuple(labels) if labels else None)


@cache
def _worker_pipeline(spec: PipelineSpec) -> Pipeline:
    """The pipeline, loaded once per worker process and kept for every later shard."""
    if spec.patterns is None:
        return load_pipeline(spec.model, None, spec.labels)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patterns.jsonl"
        path.write_text(spec.patterns, encoding="utf-8")
        return load_pipeline(spec.model, path, spec.labels)


def _worker_pipeline_loaded(spec: PipelineSpec) -> bool:
    """On a worker, ahead of its shards: load the pipeline (a failure shows again with the first shard)."""
    try:
        _worker_pipeline(spec)
    except Exception:  # noqa: BLE001
        return False
    return True


def annotate_shard(spec: PipelineSpec, texts: list[str]) -> dict[str, Any]:
    """On a worker: one shard's texts through the pipeline, as plain offsets (``{"offsets": [...]}``), or
    ``{"failed": index, "error": message}`` for the first text the pipeline fails on."""
    pipeline = _worker_pipeline(spec)
    try:
        return {"offsets": _offsets(pipeline, texts)}
    except Exception:  # noqa: BLE001  (find the one text, so that its file and line can be named)
        for index, text in enumerate(texts):
            try:
                _offsets(pipeline, [text])
            except Exception as error:  # noqa: BLE001
                return {"failed": index, "error": f"{type(error).__name__}: {error}"}
        raise


def _offsets(pipeline: Pipeline, texts: list[str]) -> ShardOffsets:
    """Token starts, token ends and entities of each text."""
    found: ShardOffsets = []
    for doc in pipeline.nlp.pipe(texts, batch_size=64):
        starts = [token.idx for token in doc]
        ends = [token.idx + len(token.text) for token in doc]
        found.append((starts, ends, pipeline._entities(doc)))
    return found


# ---------------------------------------------------------------- in the main process


@dataclass(frozen=True, slots=True)
class _Shard:
    index: int
    records: list[Record]
    digest: str


class ClusterPredictor:
    """Pre-annotates an import's records on a Dask cluster; called by ``importing.import_sources``."""

    def __init__(
        self,
        cluster: str,
        database: Path,
        spec: PipelineSpec,
        *,
        shard_size: int = DEFAULT_SHARD_SIZE,
        timeout: float = DEFAULT_TIMEOUT,
        progress: Callable[[ShardProgress], None] | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.target = parse_cluster(cluster)
        self.address = cluster
        self.database = database
        self.spec = spec
        self.shard_size = shard_size
        self.timeout = timeout
        self.progress = progress
        self.say = say or (lambda _text: None)
        self.folder: Path | None = None
        self.redone: list[int] = []  # the shards this run sent to the cluster
        self._connection = _connected(self.target, timeout)
        self._client: Any = None
        self._warming: list[Any] = []

    def __enter__(self) -> ClusterPredictor:
        """Reach the cluster (start the local one) at once, so that a wrong address is said before the
        records are read, and have each worker load the pipeline while this process reads them."""
        self._client = self._connection.__enter__()
        workers = list(self._client.scheduler_info().get("workers", {}))
        self._warming = [
            self._client.submit(_worker_pipeline_loaded, self.spec, workers=[worker], pure=False)
            for worker in workers
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        self._warming = []
        self._connection.__exit__(*exc)

    def __call__(
        self,
        pipeline: Pipeline,
        records: Sequence[Record],
        cancelled: Callable[[], bool],
    ) -> Iterator[Annotated]:
        """The model's output for ``records``, in order: every shard done on the cluster or kept before."""
        spec = self.spec
        shards = _shards(list(records), self.shard_size, spec, pipeline)
        identity = _digest([f"{FORMAT}", *(shard.digest for shard in shards)])
        self.folder = work_folder(self.database, identity)
        kept = self._kept(shards)
        missing = [shard for shard in shards if shard.index not in kept]
        self.say(
            f"Cluster {self.address}: {counted(len(shards), 'shard')} of up to "
            f"{counted(self.shard_size, 'document')}, "
            f"{len(kept)} already done (kept in {self.folder}), {len(missing)} to do"
        )
        if missing:
            self._run(missing, spec, cancelled, len(shards), len(kept))
            kept.update(self._kept(shards))
        for shard in shards:
            yield from (_annotated(offsets) for offsets in kept[shard.index])

    def finish(self) -> None:
        """Remove the work folder (call once the import is stored)."""
        if self.folder is not None and self.folder.is_dir():
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---------------------------------------------------------------- the work folder

    def _kept(self, shards: list[_Shard]) -> dict[int, ShardOffsets]:
        """The offsets of every shard finished before (in the manifest, its file whole and of this shard)."""
        assert self.folder is not None
        manifest = _read_json(self.folder / MANIFEST) or {}
        done = set(manifest.get("done", ())) if manifest.get("format") == FORMAT else set()
        kept: dict[int, ShardOffsets] = {}
        for shard in shards:
            if shard.index in done:
                stored = _read_json(self._shard_path(shard))
                if stored and stored.get("digest") == shard.digest:
                    kept[shard.index] = stored["offsets"]
        return kept

    def _shard_path(self, shard: _Shard) -> Path:
        assert self.folder is not None
        return self.folder / f"shard-{shard.index:06d}.json"

    def _keep(self, shard: _Shard, offsets: ShardOffsets, done: list[int], total: int) -> None:
        """Write a finished shard's file, then the manifest naming it (each replaced whole)."""
        assert self.folder is not None
        _write_json(self._shard_path(shard), {"digest": shard.digest, "offsets": offsets})
        done.append(shard.index)
        _write_json(self.folder / MANIFEST, {"format": FORMAT, "shards": total, "done": sorted(set(done))})

    # ---------------------------------------------------------------- the cluster

    def _run(
        self, missing: list[_Shard], spec: PipelineSpec, cancelled: Callable[[], bool], total: int, kept: int
    ) -> None:
        """Send the missing shards to the cluster and keep each as it finishes."""
        assert self.folder is not None
        self.folder.mkdir(exist_ok=True)
        manifest = _read_json(self.folder / MANIFEST) or {}
        done = [i for i in manifest.get("done", ()) if isinstance(i, int)]
        client = self._client
        assert client is not None, "use the predictor as a context manager (with ClusterPredictor(...) as p)"
        futures = {
            client.submit(
                annotate_shard,
                spec,
                [record.text for record in shard.records],
                key=f"spandesk-shard-{shard.digest}",
                retries=RETRIES,
                pure=False,
            ): shard
            for shard in missing
        }
        self._collect(futures, done, total, kept, cancelled)

    def _collect(
        self,
        futures: dict[Any, _Shard],
        done: list[int],
        total: int,
        kept: int,
        cancelled: Callable[[], bool],
    ) -> None:
        """Wait for the shards, keeping each finished one and reporting progress."""
        from distributed import wait

        started = time.monotonic()
        pending = set(futures)
        documents = 0
        remaining = sum(len(shard.records) for shard in futures.values())
        self._report(ShardProgress(kept, total, 0, 0.0, remaining))
        while pending:
            try:
                finished, _ = wait(list(pending), timeout=POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                finished = set()
            if not finished and cancelled():
                raise KeyboardInterrupt
            for future in finished:
                pending.discard(future)
                shard = futures[future]
                self._keep(shard, _checked(future, shard), done, total)
                self.redone.append(shard.index)
                documents += len(shard.records)
                remaining -= len(shard.records)
                progress = ShardProgress(len(done), total, documents, time.monotonic() - started, remaining)
                self._report(progress)

    def _report(self, progress: ShardProgress) -> None:
        if self.progress is not None:
            self.progress(progress)


def _checked(future: Any, shard: _Shard) -> ShardOffsets:
    """A finished shard's offsets; ImportFailure naming the record the model failed on, or ClusterFailure."""
    try:
        result = future.result()
    except Exception as error:  # noqa: BLE001  (a worker lost too often, a model missing on a worker, ...)
        first = shard.records[0].where if shard.records else "?"
        reason = f"{type(error).__name__}: {error}"
        message = f"the cluster could not pre-annotate the shard starting at {first}: {reason}"
        raise ClusterFailure(message) from None
    if "failed" in result:
        record = shard.records[result["failed"]]
        raise ImportFailure(f"{record.where}: the model failed on this record: {result['error']}")
    if len(result["offsets"]) != len(shard.records):
        raise ClusterFailure(f"a worker sent back {len(result['offsets'])} results for {len(shard.records)}")
    return result["offsets"]


class _connected:
    """A Dask client of the scheduler at ``target``, or of a new LocalCluster of ``target`` workers."""

    def __init__(self, target: str | int, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Any:
        import logging

        from distributed import Client, LocalCluster

        try:
            if isinstance(self.target, int):
                self.cluster = LocalCluster(
                    n_workers=self.target,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster, timeout=self.timeout)
        except Exception as error:  # noqa: BLE001  (Dask raises many kinds: say it, no traceback)
            self.__exit__(None, None, None)
            raise ClusterFailure(
                f"could not start a local Dask cluster of {counted(self.target, 'worker')}: "
                f"{type(error).__name__}: "
                f"{error}"
            ) from None
        try:
            if not isinstance(self.target, int):
                self.client = Client(self.target, timeout=self.timeout)
        except (OSError, TimeoutError, ValueError) as error:
            self.__exit__(None, None, None)
            raise ClusterFailure(
                f"cannot reach the Dask scheduler at {self.target} within {self.timeout:g} s ({error}); "
                "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or use local:N"
            ) from None
        return self.client

    def __exit__(self, *exc: object) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):  # closing a cluster that is already gone
                    part.close()


def _shards(records: list[Record], size: int, spec: PipelineSpec, pipeline: Pipeline) -> list[_Shard]:
    """The records in shards of ``size``, each named by a digest of its texts and the pipeline."""
    model = [f"{pipeline.name} {pipeline.version}", repr(spec)]
    return [
        _Shard(number, part, _digest([*model, *(record.text for record in part)]))
        for number, part in enumerate(records[start : start + size] for start in range(0, len(records), size))
    ]


def _digest(parts: list[str]) -> str:
    """SHA-256 of the parts, each length-prefixed (so no two lists give the same bytes)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hashed.update(len(data).to_bytes(8, "big") + data)
    return hashed.hexdigest()


def _annotated(offsets: Any) -> Annotated:
    """A shard file's offsets as tokens and model spans."""
    starts, ends, entities = offsets
    return Annotated(
        tuple(map(Token, starts, ends)),
        tuple(Span(start, end, label, SpanSource.MODEL) for start, end, label in entities),
    )


def _read_json(path: Path) -> Any:
    """A work-folder file's content, or None when it is missing or not whole."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, value: Any) -> None:
    """Replace a work-folder file whole (written beside it, flushed, then renamed over it)."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


# ---------------------------------------------------------------- the terminal


def terminal_progress(stream: Any) -> Callable[[ShardProgress], None]:
    """Progress written to ``stream``: one line redrawn on a terminal, else a line per finished shard."""
    redraw = stream.isatty()

    def show(progress: ShardProgress) -> None:
        final = progress.done == progress.total
        text = f"Pre-annotating on the cluster: {progress.describe()}"
        stream.write(f"\r{text}\033[K" + ("\n" if final else "") if redraw else text + "\n")
        stream.flush()

    return show
