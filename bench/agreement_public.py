"""Agreement on a public corpus, checked against figures computed independently.

    python bench/agreement_public.py CONLL_FILE [--work FOLDER]

CONLL_FILE: a CoNLL-2003 file (e.g. the validation split; a public copy is JosephHuang913/BERT-NER,
``CONLL2003/valid.txt``). Its sentences become two annotators' versions with known differences: alice's
is the gold annotation; bob's drops every 10th entity, moves the end of every 15th one token on (when
a token follows), and relabels every 20th. Both are imported with the real command (``spandesk import
--annotator``), and ``spandesk agreement --json`` is compared with spaCy's ``Scorer.score_spans`` (span
P/R/F, overall and per label) and scikit-learn's ``cohen_kappa_score`` on the same BIO tags (installed
with the ``test`` extra). Prints both, the differences, and the time each command took.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import spacy
from sklearn.metrics import cohen_kappa_score
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

LABELS_CHANGED = {"PER": "ORG", "ORG": "LOC", "LOC": "MISC", "MISC": "PER"}


def sentences(path: Path) -> list[list[tuple[str, str]]]:
    """(token, tag) lists, one per sentence, from a CoNLL-2003 file."""
    found, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            if current:
                found.append(current)
            current = []
            continue
        parts = line.split()
        current.append((parts[0], parts[-1]))
    if current:
        found.append(current)
    return found


def entities(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token-index entities (start, end exclusive, label) from IOB1/IOB2 tags."""
    found, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        if start is not None and (kind != "I" or name != label):
            found.append((start, i, label))
            start = None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, name
    return found


def perturbed(sentence_entities: list[list[tuple[int, int, str]]], lengths: list[int]) -> list[list]:
    """Bob's entities: every 10th dropped, every 15th end moved a token on, every 20th relabelled."""
    changed, n = [], 0
    for ents, length in zip(sentence_entities, lengths):
        mine = []
        for start, end, label in ents:
            n += 1
            if n % 10 == 0:
                continue
            if n % 15 == 0 and end < length and all(s != end for s, _, _ in ents):
                end += 1
            if n % 20 == 0:
                label = LABELS_CHANGED[label]
            mine.append((start, end, label))
        changed.append(mine)
    return changed


def as_task(words: list[str], ents, annotator: str) -> dict:
    starts, offset = [], 0
    for word in words:
        starts.append(offset)
        offset += len(word) + 1
    text = " ".join(words)
    spans = [
        {"start": starts[s], "end": starts[e - 1] + len(words[e - 1]), "label": lab} for s, e, lab in ents
    ]
    tokens = [
        {"text": word, "start": start, "end": start + len(word), "id": i, "ws": True}
        for i, (word, start) in enumerate(zip(words, starts))
    ]  # the corpus's own tokens, so that both sides tag the same tokens
    return {"text": text, "tokens": tokens, "spans": spans, "answer": "accept", "_annotator_id": annotator}


def run(*args: str) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(["spandesk", *args], capture_output=True, text=True, check=True)
    return done.stdout, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conll", type=Path)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="spandesk-agreement-"))
    found = sentences(args.conll)
    words = [[w for w, _ in s] for s in found]
    gold = [entities([t for _, t in s]) for s in found]
    bob = perturbed(gold, [len(w) for w in words])
    for name, versions in (("alice", gold), ("bob", bob)):
        lines = (json.dumps(as_task(w, e, name)) + "\n" for w, e in zip(words, versions))
        (work / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
    db = str(work / "team.db")
    timings = {}
    for name in ("alice", "bob"):
        source = str(work / f"{name}.jsonl")  # a text CoNLL repeats with other tags: the first one stays
        _, timings[f"import {name}"] = run(
            "import", source, "--db", db, "--dataset", "conll", "--existing", "keep"
        )
    output, timings["agreement"] = run("agreement", "--db", db, "--json")
    ours = json.loads(output)["pairwise"][0]

    # independently: spaCy's scorer on Docs of the same words (texts that repeat are one document there too)
    nlp = spacy.blank("en")
    examples, reference_tags, predicted_tags, seen = [], [], [], set()
    for w, g, b in zip(words, gold, bob):
        text = " ".join(w)
        if text in seen:
            continue
        seen.add(text)
        reference, predicted = Doc(nlp.vocab, words=w), Doc(nlp.vocab, words=w)
        reference.set_ents([spacy.tokens.Span(reference, s, e, label=lab) for s, e, lab in g])
        predicted.set_ents([spacy.tokens.Span(predicted, s, e, label=lab) for s, e, lab in b])
        examples.append(Example(predicted, reference))
        reference_tags += [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in reference]
        predicted_tags += [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in predicted]
    theirs = Scorer.score_spans(examples, "ents")
    kappa = cohen_kappa_score(reference_tags, predicted_tags)
    print(
        f"{len(found):,} sentences, {len(seen):,} distinct texts, {sum(map(len, gold)):,} entities ({work})"
    )
    print(f"{'figure':<22}{'spandesk':>12}{'independent':>14}{'difference':>12}")
    rows = [
        ("span P", ours["span_p"], theirs["ents_p"]),
        ("span R", ours["span_r"], theirs["ents_r"]),
        ("span F1", ours["span_f1"], theirs["ents_f"]),
        ("kappa (BIO tokens)", ours["kappa"], kappa),
    ]
    for label, scores in sorted(theirs["ents_per_type"].items()):
        rows.append((f"F1 {label}", ours["per_label"][label]["f"], scores["f"]))
    worst = 0.0
    for name, mine, other in rows:
        worst = max(worst, abs(mine - other))
        print(f"{name:<22}{mine:>12.6f}{other:>14.6f}{mine - other:>12.1e}")
    print("times: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
