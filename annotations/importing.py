"""The import pipeline: read and validate every record, pre-annotate, then store in one transaction.

All or nothing: any bad record aborts with one message naming the file and line, and the
database is left exactly as it was. spaCy runs before the write transaction, so no lock is
held while the model works.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from annotations import hashing, identity, import_versions, store
from annotations import sources as sources_module
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name
from annotations.counting import counted
from annotations.database_files import is_database_file
from annotations.gc_pause import collector_paused
from annotations.interrupts import sigint_deferred
from annotations.model import Answer, DocumentState
from annotations.preannotate import (
    MAX_DOCUMENT_CHARS,
    Annotated,
    AnnotationCancelled,
    ModelInfo,
    ModelNotFound,
    Pipeline,
    load_pipeline,
    tokenize,
)
from annotations.records import Record, RecordError

if TYPE_CHECKING:
    from sqlite_utils import Database

Progress = Callable[[int, int], None]


class Predict(Protocol):
    """Pre-annotates records elsewhere (``cluster_import.ClusterPredictor``), where the model is loaded:
    this process never loads it."""

    def model(self, cancelled: Callable[[], bool]) -> ModelInfo:
        """The model that will pre-annotate (as the place that loaded it says)."""
        ...

    def __call__(
        self, model: ModelInfo, records: list[Record], cancelled: Callable[[], bool]
    ) -> Iterator[Annotated]:
        """The model's output for ``records``, in order."""
        ...


BATCH_SIZE = 64


class ImportFailure(Exception):
    """The import stopped; the message names the file and line; nothing was stored."""


class ImportCancelled(ImportFailure):
    """The user cancelled the import (or pressed Ctrl+C); nothing was stored."""


CANCELLED = "import cancelled; nothing was stored"


class VersionConflicts(ImportFailure):
    """Records bring other versions by the same annotators of texts already there; nothing was stored.
    ``conflicts`` lists them; importing again with ``existing`` keep or replace goes on."""

    def __init__(self, conflicts: list[import_versions.Conflict]) -> None:
        super().__init__(import_versions.describe_conflicts(conflicts))
        self.conflicts = conflicts


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import stored. ``duplicates`` counts records whose text was already there (as they are,
    or saying nothing of spans); ``differing`` names (``file:line``) those whose text was there with other
    spans or answer, which were not imported either."""

    added: int
    duplicates: int
    preannotated: int
    model: str | None
    labels: tuple[str, ...]
    differing: tuple[str, ...] = ()
    new_versions: tuple[tuple[str, int], ...] = ()  # annotators' versions added to texts already there
    replaced: tuple[str, ...] = ()  # records (file:line) written over their annotator's stored version
    kept: tuple[str, ...] = ()  # records (file:line) whose annotator's stored version was kept

    def differing_note(self) -> str:
        """What to tell the person about the differing records ('' when there are none)."""
        return identity.describe_differing(self.differing)

    def versions_note(self) -> str:
        """``1 new version (bob)``, and the versions replaced or kept ('' when none)."""
        parts = [import_versions.describe_added(Counter(dict(self.new_versions)))]
        if self.replaced:
            parts.append(
                f"replaced {counted(len(self.replaced), 'stored version')} with {_places(self.replaced)}"
            )
        if self.kept:
            parts.append(f"kept {counted(len(self.kept), 'stored version')}, not {_places(self.kept)}")
        return ", ".join(part for part in parts if part)


def _places(places: tuple[str, ...], limit: int = 10) -> str:
    """``a.jsonl:3, a.jsonl:9`` (the first ``limit``)."""
    more = f" and {len(places) - limit} more" if len(places) > limit else ""
    return ", ".join(places[:limit]) + more


@collector_paused()
def import_sources(
    db: Database,
    sources: Sequence[str | Path],
    *,
    dataset: str = "default",
    model: str | None = None,
    patterns: Path | None = None,
    labels: Sequence[str] | None = None,
    answer: Answer | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    fmt: str = "auto",
    annotator: str | None = None,
    existing: str | None = None,
    predict: Predict | None = None,
    waiting: Callable[[float], None] | None = None,
) -> ImportReport:
    """Import files (or folders of them) into ``dataset``, all or nothing; ``fmt`` as ``sources.read``.

    ``annotator``: whose versions the file's annotated records are (else each record's own, if it names
    one); ``existing``: what to do with a record whose annotator has another version of its text already
    (``import_versions.EXISTING_CHOICES``); without it such records make VersionConflicts. ``predict``:
    where the model runs instead of here (``jobs`` is then unused), e.g. on a Dask cluster. ``waiting``:
    told the seconds waited, about once a second, while another program's write keeps this one waiting.

    Ctrl+C (KeyboardInterrupt) before the write becomes ImportCancelled; once the write has begun it
    waits for the transaction's end, so a cancelled import has stored nothing and a finished one all.
    """
    if not dataset.strip():
        raise ImportFailure(f"the dataset name {dataset!r} is empty; name the dataset (e.g. --dataset news)")
    database = store.database_path(db)
    if patterns is not None and is_database_file(patterns, database):
        raise ImportFailure(f"{patterns}: is the database being imported into, not a patterns file")
    if annotator is not None and not annotator.strip():
        raise ImportFailure("the annotator name is empty; name the person (e.g. --annotator alice)")
    if annotator is not None:
        annotator = _person(annotator)
    if existing is not None and existing not in import_versions.EXISTING_CHOICES:
        raise ImportFailure(f"existing must be one of {', '.join(import_versions.EXISTING_CHOICES)}")
    try:
        spelt = {name.casefold(): (name, "") for name in store.annotators(db)}
        read = _with_annotator(read_sources(sources, database, fmt), annotator, spelt)
        fresh, duplicates, differing, plan = _new_records(db, dataset, read, answer, existing)
        records = list(fresh.values())
        _check_labels([*records, *(write.record for write in plan.writes)], labels)
        to_predict = [r for r in records if not r.arrives_annotated]
        stop = cancelled or (lambda: False)
        pipeline = _pipeline(model, patterns, labels, predict, stop) if to_predict else None
        documents = list(_documents(records, pipeline, answer, (jobs, predict), progress, stop))
    except (KeyboardInterrupt, AnnotationCancelled):
        raise ImportCancelled(CANCELLED) from None
    file_labels = {span.label for r in records for span in (r.spans or ())}
    file_labels |= {span.label for write in plan.writes for span in write.state.spans}
    model_labels = set(pipeline.labels) if pipeline else set()
    all_labels = sorted(model_labels) + sorted(file_labels - model_labels)
    try:
        if not store.wait_to_write(db, waiting, stop):  # another program's write may last minutes
            raise ImportCancelled(CANCELLED)
        stored = _store(db, dataset, (list(fresh), records), documents, all_labels, answer, plan)
    except KeyboardInterrupt:  # before the write, or when it failed and was rolled back (see _store)
        raise ImportCancelled(CANCELLED) from None
    differing += stored.differing
    conflicts = tuple(c.where for c in plan.conflicts)
    return ImportReport(
        added=stored.added,
        duplicates=duplicates + len(documents) - stored.added - len(stored.differing),
        preannotated=len(to_predict),
        model=f"{pipeline.name} {pipeline.version}" if pipeline else None,
        labels=tuple(sorted(model_labels | file_labels)),
        differing=differing,
        new_versions=tuple(sorted(stored.versions.added.items())),
        replaced=conflicts if existing == import_versions.REPLACE else (),
        kept=conflicts if existing == import_versions.KEEP else (),
    )


def _person(annotator: str) -> str:
    """``annotator`` as a person's name is kept; ImportFailure saying why it cannot be one."""
    try:
        return checked_annotator_name(annotator)
    except BadAnnotatorName as error:
        raise ImportFailure(f"the annotator {annotator!r} cannot be used: {error}") from None


def _with_annotator(
    records: Iterator[Record], annotator: str | None, spelt: dict[str, tuple[str, str]]
) -> Iterator[Record]:
    """The records as ``import_versions.with_annotator`` makes them; ImportFailure for a bad name, or one
    that differs only in case from another (``spelt``: each name known so far, by its casefold, and the
    record that named it first; '' for the database's annotators)."""
    try:
        for record in records:
            record = import_versions.with_annotator(record, annotator)
            if record.annotator is None:
                yield record
                continue
            known = spelt.setdefault(record.annotator.casefold(), (record.annotator, record.where))
            if known[0] != record.annotator:
                where = f"named at {known[1]}" if known[1] else "who has versions here already"
                raise ImportFailure(
                    f"{record.where}: its annotator {record.annotator!r} differs only in case from "
                    f"{known[0]!r} ({where}): spandesk would keep them as two people. Correct the file's "
                    "spelling (or give the whole file one with --annotator NAME)"
                )
            yield record
    except RecordError as error:
        raise ImportFailure(str(error)) from error


# ---------------------------------------------------------------- reading


def read_sources(
    sources: Sequence[str | Path], database: Path | None = None, fmt: str = "auto"
) -> Iterator[Record]:
    """Every record of every source, in order (``sources.read``); ImportFailure naming the file and line
    for the first bad one, or a source that cannot be read."""
    try:
        yield from sources_module.read(sources, database, fmt)
    except RecordError as error:
        raise ImportFailure(str(error)) from error


@dataclass(slots=True)
class _Sorted:
    """An import's records sorted by identity: new texts, and repeats of known ones (by their digest)."""

    fresh: dict[bytes, Record]
    repeats: list[tuple[bytes, Record]]


def _new_records(
    db: Database, dataset: str, records: Iterator[Record], answer: Answer | None, existing: str | None
) -> tuple[dict[bytes, Record], int, tuple[str, ...], import_versions.VersionPlan]:
    """Records new to the dataset (by text), by their digest, in order; how many were already there;
    where the records are that repeat a known text with other spans or answer (not imported); and
    what the repeats naming their annotator do (``import_versions``; VersionConflicts when some
    differ from their annotator's version and ``existing`` does not say what to do)."""
    known = identity.known_digests(db, dataset)
    found = _Sorted({}, [])
    versioned: list[tuple[bytes, Record]] = []
    for record in records:
        _check_size(record)
        digest = hashing.text_digest(record.text)
        if digest in known or digest in found.fresh:
            (versioned if import_versions.is_versioned(record) else found.repeats).append((digest, record))
        else:
            found.fresh[digest] = record
    try:
        plan = import_versions.plan_versions(db, dataset, found.fresh, versioned, answer, existing)
    except import_versions.SameDigest as error:
        raise ImportFailure(str(error)) from error
    if plan.conflicts and existing is None:
        raise VersionConflicts(plan.conflicts)
    differing = _differing(db, dataset, found, answer)
    duplicates = len(found.repeats) - len(differing) + plan.duplicates
    return found.fresh, duplicates, differing, plan


def _input_hash(record: Record) -> int:
    """The record's input hash: the one it brought, else the Prodigy-style hash of its text."""
    return record.input_hash if record.input_hash is not None else hashing.input_hash(record.text)


def _differing(db: Database, dataset: str, found: _Sorted, answer: Answer | None) -> tuple[str, ...]:
    """Where the repeats are whose spans or answer differ from the version kept (stored or first here)."""
    stored = identity.stored_texts(db, dataset, (d for d, _ in found.repeats if d not in found.fresh))
    differing: list[str] = []
    for digest, record in found.repeats:
        first = found.fresh.get(digest)
        kept = (
            identity.StoredText(first.text, identity.version_of(first, answer))
            if first is not None
            else stored[digest]
        )
        if kept.text != record.text:
            raise ImportFailure(
                f"{record.where}: its text differs from a stored text with the same SHA-256 digest; "
                "spandesk cannot tell them apart. Please report this."
            )
        version = identity.version_of(record, answer)
        if version is not None and version != kept.version:
            differing.append(record.where)
    return tuple(differing)


def _check_size(record: Record) -> None:
    """Refuse documents too long to annotate or pre-annotate."""
    if len(record.text) > MAX_DOCUMENT_CHARS:
        raise ImportFailure(
            f"{record.where}: the document has {len(record.text):,} characters; spandesk takes at most "
            f"{MAX_DOCUMENT_CHARS:,} per document. Split it into smaller documents (e.g. one per chapter)."
        )


def _check_labels(records: list[Record], labels: Sequence[str] | None) -> None:
    """With a --label set, refuse records whose spans use other labels."""
    if not labels:
        return
    allowed = set(labels)
    for record in records:
        unknown = sorted({s.label for s in record.spans or () if s.label not in allowed})
        if unknown:
            raise ImportFailure(
                f"{record.where}: label {', '.join(unknown)} is not in the --label set ({', '.join(labels)})"
            )


def _pipeline(
    model: str | None,
    patterns: Path | None,
    labels: Sequence[str] | None,
    predict: Predict | None,
    cancelled: Callable[[], bool],
) -> Pipeline | ModelInfo:
    """The pipeline loaded here, or, when ``predict`` runs it elsewhere, which model that is."""
    return predict.model(cancelled) if predict is not None else _load(model, patterns, labels)


def _load(model: str | None, patterns: Path | None, labels: Sequence[str] | None) -> Pipeline:
    """The pipeline, with loading problems turned into ImportFailure."""
    try:
        return load_pipeline(model, patterns, labels)
    except (ModelNotFound, ValueError) as error:
        raise ImportFailure(str(error)) from error


# ---------------------------------------------------------------- annotating


def _documents(
    records: list[Record],
    pipeline: Pipeline | ModelInfo | None,
    answer: Answer | None,
    where: tuple[int, Predict | None],
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> Iterator[store.NewDocument]:
    """Records turned into documents: pre-annotated (``where``: jobs here, or ``predict``), or tokenized
    when they arrive annotated."""
    predicted = _predictions(records, pipeline, where, cancelled)
    bare = _tokens_for_annotated(records)
    total = len(records)
    if progress and total:
        progress(0, total)  # at once: the first batch may take long (a slow model or pattern)
    for done, record in enumerate(records, start=1):
        if cancelled():
            raise ImportCancelled(CANCELLED)
        if record.arrives_annotated:
            yield _annotated_document(record, next(bare) if record.tokens is None else record.tokens, answer)
        else:
            yield _predicted_document(record, next(predicted), pipeline, answer)
        if progress and (done % BATCH_SIZE == 0 or done == total):
            progress(done, total)


def _predictions(
    records: list[Record],
    pipeline: Pipeline | ModelInfo | None,
    where: tuple[int, Predict | None],
    cancelled: Callable[[], bool],
) -> Iterator:
    """The model's output for the records that need it, lazily and in order."""
    jobs, predict = where
    if pipeline is None:
        return iter(())
    if predict is not None:
        return predict(pipeline, [r for r in records if not r.arrives_annotated], cancelled)
    assert isinstance(pipeline, Pipeline), "a model that runs elsewhere comes with its predict"
    texts = (r.text for r in records if not r.arrives_annotated)
    return pipeline.annotate(texts, batch_size=BATCH_SIZE, n_process=max(1, jobs), cancelled=cancelled)


def _tokens_for_annotated(records: list[Record]) -> Iterator:
    """Tokens for annotated records that bring none, lazily and in order."""
    return tokenize(r.text for r in records if r.arrives_annotated and r.tokens is None)


def _annotated_document(record: Record, tokens: tuple, answer: Answer | None) -> store.NewDocument:
    """A document that keeps the spans and answer it arrived with."""
    state = DocumentState(record.spans or (), record.answer or answer)
    return _new_document(record, tokens, state, None)


def _predicted_document(
    record: Record, annotated, pipeline: Pipeline | ModelInfo | None, answer: Answer | None
):
    """A document whose spans start as the model's proposal (kept apart as its prediction)."""
    assert pipeline is not None
    prediction = store.Prediction(pipeline.name, pipeline.version, annotated.spans)
    state = DocumentState(annotated.spans, record.answer or answer)
    return _new_document(record, annotated.tokens, state, prediction)


def _new_document(record: Record, tokens: tuple, state: DocumentState, prediction) -> store.NewDocument:
    """The store's form of a record."""
    return store.NewDocument(
        text=record.text,
        tokens=tokens,
        input_hash=_input_hash(record),
        state=state,
        prediction=prediction,
        task_hash=record.task_hash,
        meta=record.meta,
        extra=record.extra,
        annotator=record.annotator,
        timestamp=record.timestamp,
    )


# ---------------------------------------------------------------- storing


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the write added, and where the records are that another import stored first, differently."""

    added: int
    differing: tuple[str, ...]
    versions: import_versions.Applied


def _store(
    db: Database,
    dataset: str,
    fresh: tuple[list[bytes], list[Record]],
    documents: list[store.NewDocument],
    labels: list[str],
    answer: Answer | None,
    plan: import_versions.VersionPlan,
) -> _Stored:
    """Write everything in one transaction, Ctrl+C held until its end; a database problem becomes
    ImportFailure.

    A text stored by another process since ``_new_records`` looked is skipped, and compared like any
    other repeat: a record that differs from it is reported, never dropped without a word.
    """
    skipped: list[int] = []
    digests, records = fresh
    encoded = store.encode_documents(documents, digests)  # before the lock: other programs wait less
    try:
        with sigint_deferred(), store.write_transaction(db):
            dataset_key = store.ensure_dataset(db, dataset)
            added = store.insert_encoded(db, dataset_key, encoded, skipped)
            late = [(digests[i], records[i]) for i in skipped]
            differing = _differing(db, dataset, _Sorted({}, late), answer) if late else ()
            versions = import_versions.apply_versions(db, dataset, plan.writes)
            store.add_labels(db, labels)
    except sqlite3.Error as error:
        where = store.database_file(db)
        raise ImportFailure(f"{where}: {store.describe_error(error)}; nothing was stored") from error
    except (import_versions.LateConflict, store.EditConflict) as error:
        raise ImportFailure(f"{error}; nothing was stored") from error
    return _Stored(added, differing, versions)
