"""Re-annotating what is left: a (new) model's proposals for every stored document, kept beside the
older models' predictions, with a confidence per span; with ``pending``, the documents nobody has
answered or edited take the new proposal as their base (one history event each, one batch for all).

Everything is computed first and written in one transaction: Ctrl+C or ``cancelled`` before the write
leaves the database as it was; once the write has begun, Ctrl+C waits for its end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotations import store
from annotations.confidence import Scored, scorable, score_texts
from annotations.interrupts import sigint_deferred
from annotations.model import BASE, DocumentState
from annotations.preannotate import AnnotationCancelled, ModelNotFound, Pipeline, folder_digest, load_pipeline

if TYPE_CHECKING:
    from sqlite_utils import Database

Progress = Callable[[int, int], None]
BATCH_SIZE = 64
CANCELLED = "pre-annotation cancelled; nothing was stored"


class ReannotateFailure(Exception):
    """The re-annotation cannot be done; nothing was stored."""


class ReannotateCancelled(ReannotateFailure):
    """Ctrl+C or ``cancelled`` before the write; nothing was stored."""


@dataclass(frozen=True, slots=True)
class ReannotateReport:
    """What a re-annotation did."""

    model: str  # name and version as stored
    documents: int  # predictions stored
    scored: bool  # whether the spans carry the model's confidence
    replaced: int  # pending documents whose base took the new proposal
    unchanged: int  # pending documents whose base already was that proposal
    kept: int  # documents answered or edited, left as they were (with --pending)


def model_identity(requested: str, pipeline: Pipeline, database: Path | None = None) -> tuple[str, str]:
    """(model, version) to store: the pipeline's name and version, and for a folder a digest of its
    files too, so that a retrained model keeping its name and version is told from the old one. The
    ``database``'s own files, should the folder hold them, are left out: opening and closing them through
    another handle would drop this process's SQLite locks (and they change with every write)."""
    if not _loaded_from_folder(requested):
        return pipeline.name, pipeline.version
    return pipeline.name, f"{pipeline.version}+{folder_digest(Path(requested), database)[:10]}"


def _loaded_from_folder(requested: str) -> bool:
    """Whether spaCy loads ``requested`` from a folder: not empty (the default model, not the working
    folder) and not an installed package's name (which spaCy prefers to a folder of that name)."""
    from spacy.util import is_package  # what spacy.load asks first (find_spec finds any folder too)

    return bool(requested.strip()) and Path(requested).is_dir() and not is_package(requested)


def reannotate(
    db: Database,
    model: str,
    dataset: str | None = None,
    pending: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    waiting: Callable[[float], None] | None = None,
) -> ReannotateReport:
    """Run ``model`` over the documents (of ``dataset``) and store its predictions; with ``pending``, give
    the pending documents its proposal as their base. All or nothing. ``waiting``: told the seconds waited,
    about once a second, while another program's write keeps the store waiting (as long as it takes)."""
    if dataset is not None and store.dataset_id(db, dataset) is None:
        have = ", ".join(store.dataset_names(db)) or "none"
        raise ReannotateFailure(f"there is no dataset called {dataset!r} (have: {have})")
    total = store.count_texts(db, dataset)
    if total == 0:
        where = f"the dataset {dataset!r} has" if dataset is not None else "the database has"
        raise ReannotateFailure(f"{where} no documents; import some first (spandesk import FILE)")
    if not model.strip():
        raise ReannotateFailure("--model: give a spaCy pipeline's name or folder (it was empty)")
    try:
        pipeline = load_pipeline(model)
        name, version = model_identity(model, pipeline, store.database_path(db))
    except (ModelNotFound, ValueError, OSError) as error:
        raise ReannotateFailure(str(error)) from error
    stop = cancelled or (lambda: False)
    try:
        results = _predict(db, pipeline, dataset, total, jobs, progress, stop)
        if not store.wait_to_write(db, waiting, stop):  # the model's work is not thrown away after 30 s
            raise ReannotateCancelled(CANCELLED)
    except (KeyboardInterrupt, AnnotationCancelled):
        raise ReannotateCancelled(CANCELLED) from None
    scored = scorable(pipeline)
    try:
        with sigint_deferred(), store.write_transaction(db):
            counts = _write(db, results, name, version, scored, pending)
            store.add_labels(db, list(pipeline.labels))  # as an import does: the window offers them
    except sqlite3.Error as error:
        raise ReannotateFailure(f"{store.database_path(db)}: {store.describe_error(error)}") from error
    return ReannotateReport(f"{name} {version}", len(results), scored, *counts)


def _predict(
    db: Database,
    pipeline: Pipeline,
    dataset: str | None,
    total: int,
    jobs: int,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> list[tuple[int, Scored]]:
    """Every document's id with the model's scored proposal, computed before anything is written."""
    documents = list(store.document_texts(db, dataset))  # read first: workers' threads cannot use ``db``
    ids = [document_id for document_id, _ in documents]
    texts = (text for _, text in documents)
    if progress:
        progress(0, total)
    results: list[tuple[int, Scored]] = []
    for done, scored in enumerate(score_texts(pipeline, texts, BATCH_SIZE, jobs, cancelled), start=1):
        if cancelled():
            raise AnnotationCancelled(CANCELLED)
        results.append((ids[done - 1], scored))
        if progress and (done % BATCH_SIZE == 0 or done == total):
            progress(done, total)
    return results


def _write(
    db: Database, results: list[tuple[int, Scored]], model: str, version: str, scored: bool, pending: bool
) -> tuple[int, int, int]:
    """Store the predictions and, with ``pending``, the new bases; (replaced, unchanged, kept)."""
    batch = (
        store.new_batch(db, None, f"pre-annotate pending documents with {model} {version}")
        if pending
        else None
    )
    replaced = unchanged = kept = 0
    for document_id, result in results:
        prediction = store.ScoredPrediction(
            document_id, model, version, result.spans, result.scores if scored else None, result.doubt
        )
        base = store.pending_base(db, document_id) if batch is not None else None
        # the doubt (the queue's order, the window's marks) follows what the document shows: this
        # proposal when the base takes or holds it, or when no model's doubt is there yet
        shown = base is not None or store.shows_base(db, document_id, result.spans)
        store.store_prediction(db, prediction, doubt=shown or not store.has_doubt(db, document_id))
        if batch is None:
            continue
        if base is None:
            kept += 1
            continue
        rev, spans = base
        if spans == result.spans:
            unchanged += 1
            continue
        store.apply_state(
            db,
            document_id,
            DocumentState(result.spans, None),
            kind=store.REANNOTATE_EVENT,
            annotator=None,
            expected_rev=rev,
            before=DocumentState(spans, None),
            version=BASE,
            batch_id=batch,
        )
        replaced += 1
    return replaced, unchanged, kept
