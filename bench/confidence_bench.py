"""Confidence: its cost against plain pre-annotation (same run), and its calibration on CoNLL-2003.

Usage: python bench/confidence_bench.py CONLL_FILE [--documents N] [--beam WIDTH DENSITY]
CONLL_FILE: CoNLL-2003 in "token TAG" lines (e.g. CONLL2003/valid.txt of github:JosephHuang913/BERT-NER).
en_core_web_sm's labels are mapped: PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC, NORP/EVENT/PRODUCT/
WORK_OF_ART/LAW/LANGUAGE->MISC; its numeric labels (DATE, TIME, MONEY, PERCENT, QUANTITY, ORDINAL,
CARDINAL) have no CoNLL counterpart and are left out of the comparison.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations import confidence  # noqa: E402
from annotations.confidence import score_texts  # noqa: E402
from annotations.preannotate import load_pipeline  # noqa: E402

TIMED_DOCUMENTS = 72
REPEATS = 3
MAPPING = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
MAPPING.update({label: "MISC" for label in ("NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE")})


def read_conll(path: Path) -> list[tuple[str, set[tuple[int, int, str]]]]:
    """Documents (split at -DOCSTART-) as text joined by spaces and gold (start, end, type) spans."""
    documents, tokens = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "-DOCSTART- O"]:
        if line.startswith("-DOCSTART-"):
            if tokens:
                documents.append(_document(tokens))
            tokens = []
        elif line.strip():
            word, tag = line.split()[0], line.split()[-1]
            tokens.append((word, tag))
    return documents


def _document(tokens: list[tuple[str, str]]) -> tuple[str, set[tuple[int, int, str]]]:
    text, gold, start, open_span = "", set(), 0, None
    for word, tag in tokens:
        start = len(text) + (1 if text else 0)
        text = f"{text} {word}" if text else word
        if tag.startswith("B-") or (tag.startswith("I-") and (open_span is None or open_span[2] != tag[2:])):
            if open_span:
                gold.add(open_span)
            open_span = (start, len(text), tag[2:])
        elif tag.startswith("I-") and open_span:
            open_span = (open_span[0], len(text), open_span[2])
        else:
            if open_span:
                gold.add(open_span)
            open_span = None
    if open_span:
        gold.add(open_span)
    return text, gold


def main() -> None:
    path = Path(sys.argv[1])
    limit = int(sys.argv[sys.argv.index("--documents") + 1]) if "--documents" in sys.argv else None
    if "--beam" in sys.argv:  # --beam WIDTH DENSITY: try another beam than the one shipped
        confidence.BEAM_WIDTH = int(sys.argv[sys.argv.index("--beam") + 1])
        confidence.BEAM_DENSITY = float(sys.argv[sys.argv.index("--beam") + 2])
    print(f"beam_width={confidence.BEAM_WIDTH}, beam_density={confidence.BEAM_DENSITY}")
    documents = read_conll(path)[:limit]
    texts = [text for text, _ in documents]
    pipeline = load_pipeline()
    list(pipeline.annotate(texts[:2]))
    list(score_texts(pipeline, texts[:2]))  # warm both paths
    ratios = []  # the machine is shared: plain and scored alternate, and the median ratio is reported
    sample = texts[:TIMED_DOCUMENTS]
    for _ in range(REPEATS):
        started = time.perf_counter()
        plain = list(pipeline.annotate(sample))
        plain_seconds = time.perf_counter() - started
        started = time.perf_counter()
        scored = list(score_texts(pipeline, sample))
        scored_seconds = time.perf_counter() - started
        assert [p.spans for p in plain] == [s.spans for s in scored], "scoring changed the proposals"
        ratios.append(scored_seconds / plain_seconds)
        print(
            f"plain {plain_seconds:.2f} s, with scores {scored_seconds:.2f} s: {ratios[-1]:.2f}x", flush=True
        )
    print(
        f"median ratio over {REPEATS} alternations on {len(sample)} documents: "
        f"{statistics.median(ratios):.2f}x"
    )
    scored = list(score_texts(pipeline, texts))
    print(f"{len(texts)} documents, {sum(len(t) for t in texts):,} characters")
    bins = [[0, 0] for _ in range(10)]
    unscored = 0
    errors_per_document, doubts = [], []
    for (_text, gold), result in zip(documents, scored, strict=True):
        errors = 0
        predicted = set()
        for span, score in zip(result.spans, result.scores, strict=True):
            mapped = MAPPING.get(span.label)
            if mapped is None:
                continue
            predicted.add((span.start, span.end, mapped))
            correct = (span.start, span.end, mapped) in gold
            errors += not correct
            if score is None:
                unscored += 1
                continue
            bucket = bins[min(int(score * 10), 9)]
            bucket[0] += 1
            bucket[1] += correct
        errors += len(gold - predicted)  # missed entities are mistakes too
        errors_per_document.append(errors)
        doubts.append(result.doubt or 0.0)
    all_scores = [score for result in scored for score in result.scores if score is not None]
    absent = sum(1 for score in all_scores if score == 0.0)
    print(f"greedy spans no beam parse holds (score 0.0): {absent} of {len(all_scores)} scored spans")
    print("\nReliability (mapped spans): score bin | spans | fraction correct")
    for number, (count, correct) in enumerate(bins):
        if count:
            print(f"  {number / 10:.1f}-{(number + 1) / 10:.1f} | {count:5d} | {correct / count:.2f}")
    total_errors = sum(errors_per_document)
    fifth = max(1, len(documents) // 5)
    lowest = sorted(range(len(documents)), key=lambda i: -doubts[i])[:fifth]
    in_lowest = sum(errors_per_document[i] for i in lowest)
    rng = random.Random(0)
    random_share = (
        sum(
            sum(errors_per_document[i] for i in rng.sample(range(len(documents)), fifth)) for _ in range(1000)
        )
        / 1000
    )
    print(f"\nErrors (wrong or missed mapped spans): {total_errors} in {len(documents)} documents")
    print(f"Most doubtful 20% ({fifth} documents) hold {in_lowest} errors; a random 20% holds "
          f"{random_share:.1f} on average: ratio {in_lowest / random_share:.2f}")  # fmt: skip
    per_character = sorted(range(len(documents)), key=lambda i: -doubts[i] / max(1, len(documents[i][0])))
    dense = sum(errors_per_document[i] for i in per_character[:fifth])
    print(f"(By doubt per character instead: {dense} errors, ratio {dense / random_share:.2f})")


if __name__ == "__main__":
    main()
