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
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from annotations.counting import counted
from annotations.database_files import is_database_file
from annotations.importing import ImportFailure
from annotations.model import Span, SpanSource
from annotations.preannotate import (
    Annotated,
    ModelInfo,
    ModelNotFound,
    Pipeline,
    folder_digest,
    load_pipeline,
)
from annotations.records import Record
from annotations.shard_folder import FORMAT, ShardFolder, ShardOffsets, offsets_problem
from annotations.token_offsets import TokenOffsets

INSTALL_HINT = "--cluster needs Dask, which is not installed: pip install 'spandesk[cluster]'"
DEFAULT_SHARD_SIZE = 500
# Without --shard-size the last shards shrink, each at most 1/TAPER of the documents still to cut (down to
# MIN_TAPERED_SHARD): a worker that finishes early takes a small one instead of idling while another works
# through a whole shard of 500 (~1.5 s of the small model on this machine) at the end.
TAPER = 4
MIN_TAPERED_SHARD = 100
MAX_SHARD_SIZE = 1_000_000  # as `spandesk import --shard-size` allows
DEFAULT_TIMEOUT = 10.0  # seconds to reach a scheduler
RETRIES = 2  # a task that raises is tried again this often (a dead worker's task is re-run by the scheduler)
SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")  # the protocols a Dask scheduler listens on
POLL = 0.2  # seconds between two looks at ``cancelled`` while shards are out


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
        if not (count.isascii() and count.isdecimal()) or not 1 <= int(count) <= 256:
            raise ClusterFailure(f"--cluster {address!r}: local:N needs a number of workers from 1 to 256")
        return int(count)
    scheme, _, host = text.rpartition("://")
    if scheme and scheme.lower() not in SCHEMES:
        raise ClusterFailure(
            f"--cluster {address!r}: {scheme}:// is not a Dask scheduler's protocol (a dashboard's http "
            "address is not the scheduler's); give one like tcp://host:8786, or local:N"
        )
    port = host.rsplit(":", 1)[1] if ":" in host else ""
    if not host.rsplit(":", 1)[0] or not (port.isascii() and port.isdecimal()):
        raise ClusterFailure(
            f"--cluster {address!r} is not a scheduler address; give one like tcp://host:8786 "
            "(what `dask scheduler` prints) or local:N for N worker processes on this machine"
        )
    return text


def require_dask() -> None:
    """ClusterFailure with the install command when ``dask.distributed`` is not installed (found, not
    imported: a local cluster's fork server imports it meanwhile)."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise ClusterFailure(INSTALL_HINT)


NAME_LIMIT = 255  # bytes in a file name (NAME_MAX of Linux and macOS file systems)
_WORK_SUFFIX = len(".cluster-") + 20


def work_folder(database: Path, identity: str) -> Path:
    """The folder beside the database that keeps one import's finished shards (never a SQLite side file's
    name: it ends in the identity's digest)."""
    return database.parent / f"{_folder_stem(database)}.cluster-{identity[:20]}"


def _folder_stem(database: Path) -> str:
    """The start of the work folders' names: the database's name, or, when that would make them longer than
    a file name may be, as much of it as fits and a digest of the whole name."""
    name = database.name
    if len(name.encode("utf-8", "surrogateescape")) + _WORK_SUFFIX <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    room = NAME_LIMIT - _WORK_SUFFIX - len(digest) - 1
    kept = name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f"{kept}~{digest}"


def _work_folders(database: Path) -> list[Path]:
    """The work folders beside ``database`` (of any import into it)."""
    prefix = f"{_folder_stem(database)}.cluster-"
    try:
        return [path for path in database.parent.iterdir() if path.name.startswith(prefix) and path.is_dir()]
    except OSError:
        return []


# ---------------------------------------------------------------- on a worker


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """What a worker loads: the same arguments as the main process's ``load_pipeline``."""

    model: str | None
    patterns: str | None  # the patterns file's text (a worker may not see the main process's files)
    labels: tuple[str, ...] | None
    fingerprint: str = ""  # of the model folder's content: a model changed in place is loaded anew


def pipeline_spec(
    model: str | None, patterns: Path | None, labels: Sequence[str] | None, database: Path | None = None
) -> PipelineSpec:
    """What the workers load for an import with these options (the patterns file's text travels along;
    ``database``'s own files are never opened as patterns)."""
    if patterns is not None and database is not None and is_database_file(patterns, database):
        raise ImportFailure(f"{patterns}: is the database being imported into, not a patterns file")
    try:
        text = patterns.read_text(encoding="utf-8") if patterns is not None else None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailure(f"{patterns}: cannot read patterns: {error}") from error
    return PipelineSpec(model, text, tuple(labels) if labels else None, model_fingerprint(model, database))


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


def worker_model(spec: PipelineSpec) -> dict[str, Any]:
    """On a worker, ahead of its shards: load the pipeline and say which model it is (``name``,
    ``version``, ``labels``), or ``{"error": message}`` when it cannot be loaded there."""
    try:
        pipeline = _worker_pipeline(spec)
    except ModelNotFound as error:  # its own words say how to get one
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001  (said to the main process, which stops the import)
        return {"error": f"{type(error).__name__}: {error}"}
    return {"name": pipeline.name, "version": pipeline.version, "labels": list(pipeline.labels)}


def annotate_shard(spec: PipelineSpec, texts: list[str]) -> dict[str, Any]:
    """On a worker: one shard's texts through the pipeline, as plain offsets and the model that made them
    (``{"offsets": [...], "model": "name version"}``), or ``{"failed": index, "error": message}`` for the
    first text the pipeline fails on."""
    pipeline = _worker_pipeline(spec)
    try:
        return {"offsets": _offsets(pipeline, texts), "model": f"{pipeline.name} {pipeline.version}"}
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

    @property
    def size(self) -> int:
        return len(self.records)


class ClusterPredictor:
    """Pre-annotates an import's records on a Dask cluster; called by ``importing.import_sources``.

    ``shard_size``: documents per shard, exactly; None: ``DEFAULT_SHARD_SIZE``, the last shards smaller
    (``shard_bounds``)."""

    def __init__(
        self,
        cluster: str,
        database: Path,
        spec: PipelineSpec,
        *,
        shard_size: int | None = None,
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
        self._connection = _connected(self.target, timeout, spec)
        self._client: Any = None
        self._warming: list[Any] = []
        self._any_worker: Any = None  # the one of ``_warming`` any worker may answer
        self._model: ModelInfo | None = None
        self._pressed: list[int] = []  # Ctrl+C pressed since the cluster was reached (``_sigint_noted``)
        self._restore_sigint: Callable[[], object] = lambda: None

    def __enter__(self) -> ClusterPredictor:
        """Reach the cluster (start the local one) at once, so that a wrong address is said before the
        records are read, and have each worker load the pipeline while this process reads them (this
        process never loads it: ``model`` asks the workers which model they run)."""
        self._client = self._connection.__enter__()
        workers = list(self._client.scheduler_info().get("workers", {}))
        if not workers:  # a scheduler alone would leave the shards waiting for ever
            workers = self._some_workers()
        self._warming = [
            self._client.submit(worker_model, self.spec, workers=[worker], pure=False) for worker in workers
        ]
        # and one for any worker: a worker lost while loading (restarted, or out of memory) leaves its own
        # one waiting for ever, this one goes to another (``model`` takes the first answer)
        self._any_worker = self._client.submit(worker_model, self.spec, pure=False)
        self._warming.append(self._any_worker)
        self._restore_sigint = _sigint_noted(self._pressed)
        return self

    def _stopped(self, cancelled: Callable[[], bool]) -> bool:
        """Whether to stop: ``cancelled``, or Ctrl+C pressed (even if its KeyboardInterrupt was dropped)."""
        return bool(self._pressed) or cancelled()

    def model(self, cancelled: Callable[[], bool]) -> ModelInfo:
        """The model the workers run, as the first of them to load it says; ImportFailure in a worker's own
        words when none can load it. Waits for the first worker (Ctrl+C or ``cancelled`` stop the wait)."""
        pending, problems = set(self._warming), []
        while self._model is None and pending:
            if self._stopped(cancelled):
                raise KeyboardInterrupt
            finished = self._finished(pending)
            pending -= finished
            for future in finished:
                said = _model_said(future)
                if "error" in said:
                    problems.append(said["error"])
                    if future is self._any_worker and said.get("lost"):  # Dask gave up: it ended every
                        pending = set()  # worker it went to (the others' questions may wait for ever)
                elif self._model is None:
                    self._model = ModelInfo(said["name"], said["version"], tuple(said["labels"]))
        if self._model is None:
            reason = problems[0] if problems else "no worker answered"
            raise ImportFailure(f"the cluster's workers cannot load the model: {reason}")
        return self._model

    def _some_workers(self) -> list[str]:
        """The scheduler's workers once one has come (within the timeout); ClusterFailure if none."""
        try:
            self._client.wait_for_workers(1, timeout=self.timeout)
        except (TimeoutError, OSError):
            self._connection.__exit__(None, None, None)
            raise ClusterFailure(
                f"the Dask scheduler at {self.address} has no workers (none came within {self.timeout:g} s); "
                f"start some with `dask worker {self.address}`"
            ) from None
        return list(self._client.scheduler_info().get("workers", {}))

    def __exit__(self, *exc: object) -> None:
        self._warming = []
        self._restore_sigint()
        self._restore_sigint = lambda: None
        self._connection.__exit__(*exc)

    def __call__(
        self,
        pipeline: Pipeline | ModelInfo,
        records: Sequence[Record],
        cancelled: Callable[[], bool],
    ) -> Iterator[Annotated]:
        """The model's output for ``records``, in order: every shard done on the cluster or kept before."""
        spec = self.spec
        shards = _shards(list(records), self.shard_size, spec, pipeline)
        identity = _digest([f"{FORMAT}", *(shard.digest for shard in shards)])
        self.folder = work_folder(self.database, identity)
        folder = ShardFolder(self.folder, self.database, self.say)
        kept: dict[int, ShardOffsets] = {}
        for shard in shards:
            offsets = folder.kept(shard.index, shard.digest, [record.text for record in shard.records])
            if offsets is not None:
                kept[shard.index] = offsets
        missing = [shard for shard in shards if shard.index not in kept]
        largest = max((shard.size for shard in shards), default=0)
        self.say(
            f"Cluster {self.address}: {counted(len(shards), 'shard')} of up to "
            f"{counted(largest, 'document', grouped=True)}, {len(kept)} already done "
            f"(kept in {self.folder}), {len(missing)} to do"
        )
        older = sorted(str(path) for path in _work_folders(self.database) if path != self.folder)
        if older:
            self.say(
                f"Work folders of other cluster imports are beside the database (of other files, of these "
                "before they changed, or of an import stopped after it stored its documents; remove them "
                f"when no import is running): {', '.join(older)}"
            )
        model = f"{pipeline.name} {pipeline.version}"
        finishing = self._run(missing, (spec, model), cancelled, (folder, kept), len(shards))
        for shard in shards:  # in order, each as soon as it is in: the caller builds while workers work
            while shard.index not in kept:
                next(finishing)  # the next shard to finish, kept
            yield from (_annotated(offsets) for offsets in kept.pop(shard.index))
        if self._pressed:  # pressed after the last wait
            raise KeyboardInterrupt

    def finish(self) -> None:
        """Remove the work folder (call once the import is stored)."""
        if self.folder is not None:
            ShardFolder(self.folder, self.database, self.say).remove()

    # ---------------------------------------------------------------- the cluster

    def _run(
        self,
        missing: list[_Shard],
        model: tuple[PipelineSpec, str],
        cancelled: Callable[[], bool],
        kept: tuple[ShardFolder, dict[int, ShardOffsets]],
        total: int,
    ) -> Iterator[None]:
        """Send the missing shards to the cluster; each step waits for the next to finish and keeps it (on
        disk and in ``kept``). ``model``: what the workers load, and the name and version every shard
        must come back from."""
        spec, expected = model
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
        return self._collect(futures, expected, kept, total, cancelled)

    def _collect(
        self,
        futures: dict[Any, _Shard],
        expected: str,
        kept: tuple[ShardFolder, dict[int, ShardOffsets]],
        total: int,
        cancelled: Callable[[], bool],
    ) -> Iterator[None]:
        """Wait for the shards, keeping each finished one and reporting progress, one step per shard;
        ``cancelled`` is looked at between any two waits (shards finishing all the time must not hide
        it)."""
        folder, offsets = kept
        started = time.monotonic()
        pending = set(futures)
        documents = 0
        done = total - len(futures)
        remaining = sum(len(shard.records) for shard in futures.values())
        if pending:
            self._report(ShardProgress(done, total, 0, 0.0, remaining))
        stall = _Stall(started)
        while pending:
            if self._stopped(cancelled):
                raise KeyboardInterrupt
            finished = self._finished(pending)
            pending -= finished
            if not finished and stall.is_news():
                self.say(stall.note(len(pending), self._holding(pending)))
            for future in finished:
                shard = futures[future]
                result = _checked(self._fetched(future, shard, cancelled, stall, pending), shard, expected)
                stall.finished()
                folder.keep(shard.index, shard.digest, result, total)
                offsets[shard.index] = result
                self.redone.append(shard.index)
                documents += len(shard.records)
                remaining -= len(shard.records)
                done += 1
                self._report(ShardProgress(done, total, documents, time.monotonic() - started, remaining))
                yield

    def _fetched(
        self, future: Any, shard: _Shard, cancelled: Callable[[], bool], stall: _Stall, pending: set[Any]
    ) -> Any:
        """A finished shard's result, brought from the worker that holds it: waited for as a shard is (a
        worker stuck after finishing keeps it); ClusterFailure when the cluster could not make it."""
        from concurrent.futures import CancelledError

        while True:
            if self._stopped(cancelled):
                raise KeyboardInterrupt
            try:
                return future.result(timeout=POLL)
            except TimeoutError:
                if stall.is_news():
                    self.say(stall.note(len(pending) + 1, self._holding({future, *pending})))
            except CancelledError as error:  # the scheduler lost while the result was fetched
                raise self._lost(error) from None
            except Exception as error:  # noqa: BLE001  (a worker lost too often, a model missing on one...)
                first = shard.records[0].where if shard.records else "?"
                raise ClusterFailure(
                    f"the cluster could not pre-annotate the shard starting at {first}: "
                    f"{type(error).__name__}: {error}"
                ) from None

    def _holding(self, pending: set[Any]) -> list[str]:
        """The workers the scheduler says run ``pending`` shards or hold their results (none when it
        cannot say)."""
        keys = {future.key for future in pending}
        try:
            processing = self._client.processing()
            holders = self._client.who_has(list(pending))
        except Exception:  # noqa: BLE001  (only a note's detail: the scheduler may be busy or gone)
            return []
        running = {worker for worker, tasks in processing.items() if keys & set(tasks)}
        return sorted(str(worker) for worker in running | {w for ws in holders.values() for w in ws})

    def _finished(self, pending: set[Any]) -> set[Any]:
        """Those of ``pending`` that finish within ``POLL`` seconds (often none); ClusterFailure when the
        scheduler is lost (Dask then cancels every future still out)."""
        from concurrent.futures import CancelledError

        from distributed import wait

        try:
            finished, _ = wait(list(pending), timeout=POLL, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        except (CancelledError, OSError) as error:
            raise self._lost(error) from None
        return set(finished)

    def _lost(self, error: BaseException) -> ClusterFailure:
        """What to say when the scheduler is lost: Dask cancels the futures still out (or raises on the
        connection)."""
        return ClusterFailure(
            f"lost the Dask scheduler at {self.address} while it had work out ({type(error).__name__}); "
            "start it again, or give another --cluster"
        )

    def _report(self, progress: ShardProgress) -> None:
        if self.progress is not None:
            self.progress(progress)


def _model_said(future: Any) -> dict[str, Any]:
    """What a worker said of its model (``worker_model``), a lost worker's or a failed task's error
    included."""
    try:
        said = future.result()
    except Exception as error:  # noqa: BLE001  (workers lost, killed, ...: ``lost``)
        return {"error": f"{type(error).__name__}: {error}", "lost": True}
    if not isinstance(said, dict) or not ("error" in said or {"name", "version", "labels"} <= said.keys()):
        return {"error": f"a worker said {type(said).__name__} of its model, not its name and version"}
    return said


STALL_AFTER = 120.0  # seconds without a finished shard (at least) before saying a worker may be stuck


class _Stall:
    """How long the shards out have gone without one finishing, and whether that is news: past
    ``STALL_AFTER`` seconds or ten shards' time at the rate so far, whichever is longer, then each time
    that long again. A worker that stops without dying (a paused machine, a process stuck on a dead
    network mount) keeps its shards for ever: Dask retries dead workers only."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.last = started  # when a shard last finished (or the shards went out)
        self.count = 0  # shards finished
        self.said = 0  # how many times the stall was said since the last shard finished

    def finished(self) -> None:
        """A shard came in: the wait starts again."""
        self.last, self.count, self.said = time.monotonic(), self.count + 1, 0

    def typical(self) -> float:
        """Seconds a shard has taken on average so far (0 before the first)."""
        return (self.last - self.started) / self.count if self.count else 0.0

    def is_news(self) -> bool:
        patience = max(STALL_AFTER, 10 * self.typical())
        if time.monotonic() - self.last < patience * (self.said + 1):
            return False
        self.said += 1
        return True

    def note(self, out: int, workers: list[str]) -> str:
        waited = time.monotonic() - self.last
        waited_for = f"{waited / 60:.0f} min" if waited >= 120 else f"{waited:.0f} s"
        rate = f"; a shard has taken ~{self.typical():.1f} s" if self.count else ""
        held = f", on {', '.join(workers)}" if workers else ""
        return (
            f"No shard has finished for {waited_for}{rate}. {counted(out, 'shard')} still out{held}: a "
            "worker may be stuck (paused, or waiting on a dead disk). Still waiting; Ctrl+C stops, keeping "
            "the finished shards, and the same command resumes from them."
        )


def _checked(result: Any, shard: _Shard, model: str) -> ShardOffsets:
    """A finished shard's offsets, made by ``model`` (name and version); ImportFailure naming the record the
    model failed on, or ClusterFailure."""
    if not isinstance(result, dict):  # another client's task of the same name
        raise ClusterFailure(f"a worker sent back {type(result).__name__} for a shard, not its offsets")
    if "failed" in result:
        record = shard.records[result["failed"]]
        raise ImportFailure(f"{record.where}: the model failed on this record: {result['error']}")
    first = shard.records[0].where if shard.records else "?"
    problem = offsets_problem(result.get("offsets"), [record.text for record in shard.records])
    if problem is not None:
        raise ClusterFailure(f"a worker sent back a shard (starting at {first}) that does not fit: {problem}")
    if result.get("model") != model:
        raise ClusterFailure(
            f"a worker pre-annotated the shard starting at {first} with {result.get('model')!r}, another "
            f"worker with {model!r}: every worker needs the same model (install the same version on each)"
        )
    return result["offsets"]


class _connected:
    """A Dask client of the scheduler at ``target``, or of a new LocalCluster of ``target`` workers."""

    def __init__(self, target: str | int, timeout: float, spec: PipelineSpec | None = None) -> None:
        self.target = target
        self.timeout = timeout
        self.cluster: Any = None
        self.client: Any = None
        self._log_levels: dict[str, int] = {}  # Dask's loggers' own levels, ``_quiet_dask`` put back
        if isinstance(target, int):
            _fork_server_started(spec)  # it imports Dask and spaCy while this process imports Dask

    def __enter__(self) -> Any:
        """The client; Ctrl+C meanwhile is held until the cluster is up (Dask cannot close one half
        started: it printed its traceback at exit), then the cluster is closed and KeyboardInterrupt
        raised."""
        if not isinstance(self.target, int):  # reaching a scheduler: Ctrl+C stops the wait at once
            return self._start()
        with _sigint_held() as pressed:
            client = self._start()
        if pressed:
            self.__exit__(None, None, None)
            raise KeyboardInterrupt
        return client

    def _start(self) -> Any:
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:  # installed but broken
            raise ClusterFailure(f"{INSTALL_HINT} ({type(error).__name__}: {error})") from None
        self._quiet_dask()  # once Dask, imported, has set its log up
        try:
            if isinstance(self.target, int):
                import dask

                _forked_workers()
                with dask.config.set(QUIET_LOCAL_CLUSTER):  # read as its servers start
                    self.cluster = _local_cluster(LocalCluster, self.target)
                    self.client = Client(self.cluster, timeout=self.timeout)
        except Exception as error:  # noqa: BLE001  (Dask raises many kinds: say it, no traceback)
            self.__exit__(None, None, None)
            raise ClusterFailure(
                f"could not start a local Dask cluster of {counted(self.target, 'worker')}: "
                f"{type(error).__name__}: {error}"
            ) from None
        try:
            if not isinstance(self.target, int):
                self.client = _client_within(self.target, self.timeout)
        except (OSError, TimeoutError, ValueError) as error:
            self.__exit__(None, None, None)
            raise ClusterFailure(
                f"cannot reach the Dask scheduler at {self.target} within {self.timeout:g} s ({error}); "
                "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or use local:N"
            ) from None
        except Exception as error:  # noqa: BLE001  (something answered, not in Dask's protocol)
            self.__exit__(None, None, None)
            if str(self.target).startswith("tls://") and "TLS" in str(error):
                raise ClusterFailure(
                    f"--cluster {self.target}: Dask has no TLS settings here ({error}); give it the "
                    "certificates (DASK_DISTRIBUTED__COMM__TLS__CA_FILE, ..._TLS__CLIENT__CERT and "
                    "..._TLS__CLIENT__KEY, or the same in Dask's configuration), or use tcp://"
                ) from None
            raise ClusterFailure(
                f"what answers at {self.target} is not a Dask scheduler ({type(error).__name__}); a "
                "scheduler's address is the one `dask scheduler` prints (port 8786 by default; 8787 is its "
                "dashboard)"
            ) from None
        return self.client

    def __exit__(self, *exc: object) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):  # closing a cluster that is already gone
                    part.close()
        for name, level in self._log_levels.items():
            logging.getLogger(name).setLevel(level)
        self._log_levels = {}

    def _quiet_dask(self) -> None:
        """Keep Dask's own log (its tracebacks of a lost scheduler) off the terminal: every failure the
        import meets comes back to it as an exception, and is said once, as a message. (Dask's config
        gives some of its loggers a level of their own, ``distributed.client`` among them.)"""
        names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] == "distributed"]
        for name in ["distributed", *names, "asyncio"]:  # (asyncio: a fetch cut off, "never retrieved")
            self._log_levels.setdefault(name, logging.getLogger(name).level)
            logging.getLogger(name).setLevel(logging.CRITICAL)


# what a local worker needs, the import's pipeline last (``cluster_fork_server``)
WORKER_PRELOAD = ("distributed", "spacy", "annotations.cluster_import", "annotations.cluster_fork_server")
PIPELINE_VARIABLE = "SPANDESK_CLUSTER_PIPELINE"  # the pipeline the fork server loads, as JSON

# A local cluster's scheduler and nannies run in this process and its workers beside it, all on this
# machine's cores: each periodic wake-up of Dask's bookkeeping is taken from the workers (profiled: this
# process's event loop used ~10% of a core during a local:2 import, most of it reading /proc with psutil).
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,  # a statistical profiler sampling each worker every 10 ms
    "distributed.admin.system-monitor.interval": "2s",  # psutil reads of every process (0.5 s)
    "distributed.admin.tick.interval": "500ms",  # each server's event-loop health check (20 ms)
    "distributed.worker.memory.monitor-interval": "500ms",  # a worker's memory against its limit (100 ms)
}


def _fork_server_started(spec: PipelineSpec | None = None) -> None:
    """Start the server a local cluster's processes are forked from (where the platform can fork), having
    it import Dask and spaCy once and load ``spec``'s pipeline, rather than each process starting afresh and
    importing them (~2 s of CPU each: on a small machine the start of the workers cost more than their first
    shards) and each worker loading the pipeline (``cluster_fork_server``)."""
    import json
    import multiprocessing
    import os
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(WORKER_PRELOAD))
    # a patterns file's text stays out of the environment (any size): those workers load their own
    described = None
    if spec is not None and spec.patterns is None:
        fields = {"model": spec.model, "labels": spec.labels, "fingerprint": spec.fingerprint}
        described = json.dumps(fields)
    previous = os.environ.pop(PIPELINE_VARIABLE, None)  # one from elsewhere never reaches the server
    if described is not None:
        os.environ[PIPELINE_VARIABLE] = described  # the server starts with this process's environment
    try:
        forkserver.ensure_running()  # a server already running (an earlier import) is kept
    finally:
        os.environ.pop(PIPELINE_VARIABLE, None)
        if previous is not None:
            os.environ[PIPELINE_VARIABLE] = previous


def _forked_workers() -> None:
    """Have Dask start a local cluster's processes from the fork server (``_fork_server_started``)."""
    import importlib
    import multiprocessing

    import dask

    if "forkserver" in multiprocessing.get_all_start_methods():
        dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
        # Dask would import numpy and pandas here (~0.5 s of CPU) only to list them in the fork server's
        # preload, which is already running with ours (``WORKER_PRELOAD``)
        distributed_utils = importlib.import_module("distributed.utils")
        distributed_utils._forkserver_preload_set = True


def _local_cluster(local_cluster: Any, workers: int) -> Any:
    """A LocalCluster of ``workers`` one-thread processes, its dashboard on a free port."""
    return local_cluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not 8787: another may hold it
        silence_logs=logging.CRITICAL,  # a worker's log of its cluster closing is no news
    )


def _client_within(address: str, timeout: float) -> Any:
    """A Dask client of the scheduler at ``address``, or TimeoutError once ``timeout`` has passed: Dask's
    own timeout does not cover a peer that accepts the connection and never answers (a web server)."""
    from distributed import Client

    found: dict[str, Any] = {}

    def connect() -> None:
        try:
            found["client"] = Client(address, timeout=timeout)
        except BaseException as error:  # noqa: BLE001  (raised again in the caller's thread)
            found["error"] = error

    thread = threading.Thread(target=connect, name="spandesk-connect", daemon=True)
    thread.start()
    thread.join(timeout + 2)
    if thread.is_alive():
        raise TimeoutError("no answer")
    if "error" in found:
        raise found["error"]
    return found["client"]


@contextlib.contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """Ctrl+C (SIGINT) noted, not raised, while the body runs (in the main thread; elsewhere nothing):
    the list it gives holds the signals pressed."""
    pressed: list[int] = []
    if not _sigint_heard():
        yield pressed
        return
    previous = signal.signal(signal.SIGINT, lambda number, _frame: pressed.append(number))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _sigint_heard() -> bool:
    """Whether this import may handle Ctrl+C: in the main thread, unless SIGINT is ignored (a command
    started in the background by a script ignores it, so that the Ctrl+C meant for the script leaves
    it running, as a plain import does)."""
    return threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    )


def _sigint_noted(pressed: list[int]) -> Callable[[], object]:
    """Note each Ctrl+C in ``pressed`` and raise KeyboardInterrupt as usual (in the main thread only): one
    raised in a finaliser or a callback (the garbage collector's, Dask's) is dropped by Python, and the
    import would go on; the waits look at ``pressed``. Returns what puts the earlier handler back."""
    if not _sigint_heard():
        return lambda: None

    def noted(number: int, _frame: Any) -> None:
        pressed.append(number)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, noted)  # None: one set outside Python (Python's own then)
    return lambda: signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def shard_bounds(count: int, size: int | None) -> list[tuple[int, int]]:
    """Where each shard of ``count`` records starts and ends: ``size`` records each (the last one
    shorter); None: ``DEFAULT_SHARD_SIZE`` each, then shrinking to the end (``TAPER``). Only ``count``
    and ``size`` decide, so a re-run of the same import cuts the same shards and resumes them."""
    if size is not None:
        return [(start, min(start + size, count)) for start in range(0, count, size)]
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < count:
        left = count - start
        end = start + min(DEFAULT_SHARD_SIZE, left, max(MIN_TAPERED_SHARD, -(-left // TAPER)))
        bounds.append((start, end))
        start = end
    return bounds


def _shards(
    records: list[Record], size: int | None, spec: PipelineSpec, pipeline: Pipeline | ModelInfo
) -> list[_Shard]:
    """The records in shards (``shard_bounds``), each named by a digest of its texts and the pipeline
    (its name, version and ``spec``, whose fingerprint changes with a model folder's content)."""
    model = [f"{pipeline.name} {pipeline.version}", repr(spec)]
    parts = (records[start:end] for start, end in shard_bounds(len(records), size))
    return [
        _Shard(number, part, _digest([*model, *(record.text for record in part)]))
        for number, part in enumerate(parts)
    ]


def _digest(parts: list[str]) -> str:
    """SHA-256 of the parts, each length-prefixed (so no two lists give the same bytes)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hashed.update(len(data).to_bytes(8, "big") + data)
    return hashed.hexdigest()


def _annotated(offsets: Any) -> Annotated:
    """A shard file's offsets (checked: ints inside the text) as tokens and model spans; the tokens kept flat,
    as the store writes them (no object per token)."""
    starts, ends, entities = offsets
    return Annotated(
        TokenOffsets.from_bounds(starts, ends),
        tuple(Span(start, end, label, SpanSource.MODEL) for start, end, label in entities),
    )


def model_fingerprint(model: str | None, database: Path | None) -> str:
    """A digest of a model folder's files ('' for an installed package, whose version says what it is);
    ``database``'s own files are never opened (``preannotate.folder_digest``)."""
    folder = Path(model) if model else None
    return folder_digest(folder, database) if folder is not None and folder.is_dir() else ""


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
