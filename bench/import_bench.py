"""Import with pre-annotation: spandesk's ``import_sources`` against raw spaCy NER on the same texts.

Run by ``run.py`` in fresh subprocesses: ``import_bench.py spacy|spandesk CORPUS.jsonl N_PROCESS [DB]``.
Both sides are timed end to end from the same starting point (texts on disk or in memory, model
not yet loaded): the baseline is ``spacy.load(model, exclude=<every component but ner>)`` and
``nlp.pipe(texts, batch_size=64, n_process=N)`` consumed in one process; spandesk's side is
``import_sources(db, [CORPUS.jsonl], jobs=N)`` into an empty database (reading, hashing, model
loading, pre-annotation, tokens and the one write transaction). Importing spaCy is inside the
timer on both sides (spandesk imports it lazily when it loads the model).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from harness import ensure_repo_on_path, report

ensure_repo_on_path()

BATCH_SIZE = 64  # annotations.importing.BATCH_SIZE


def read_texts(path: Path) -> list[str]:
    """The texts of a plain JSONL corpus."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def model_name() -> str:
    """The model spandesk itself would use by default."""
    from annotations.preannotate import resolve_model_name

    return resolve_model_name(None)


def run_spacy(corpus: Path, n_process: int) -> dict:
    """Raw spaCy: load with only ``ner``, pipe every text, count the entities."""
    texts = read_texts(corpus)
    name = model_name()
    start = time.perf_counter()
    import spacy
    from spacy.util import get_model_meta, get_package_path

    components = get_model_meta(get_package_path(name))["pipeline"]
    nlp = spacy.load(name, exclude=[c for c in components if c != "ner"])
    nlp.max_length = 2_000_000
    loaded = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=n_process))
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "load_seconds": loaded - start,
        "entities": entities,
        "documents": len(texts),
        "pipeline": nlp.pipe_names,
        "model": f"{name} {nlp.meta.get('version')}",
    }


def run_spandesk(corpus: Path, n_process: int, db_path: Path) -> dict:
    """spandesk: import the corpus file into an empty database, then count what was stored."""
    from annotations.importing import import_sources
    from annotations.store import open_store

    db = open_store(db_path)
    start = time.perf_counter()
    imported = import_sources(db, [corpus], jobs=n_process)
    end = time.perf_counter()
    spans = sum(len(json.loads(row[0])) for row in db.execute("SELECT spans FROM predictions"))
    return {
        "seconds": end - start,
        "entities": spans,
        "documents": imported.added,
        "duplicates": imported.duplicates,
        "model": imported.model,
    }


def main(argv: list[str]) -> None:
    """Entry point for one measurement in this (fresh) process."""
    mode, corpus, n_process = argv[0], Path(argv[1]), int(argv[2])
    if mode == "spacy":
        report(run_spacy(corpus, n_process))
    else:
        report(run_spandesk(corpus, n_process, Path(argv[3])))


if __name__ == "__main__":
    main(sys.argv[1:])
