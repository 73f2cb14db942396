"""The model's confidence in each span it proposes, from spaCy's beam search, and a document's doubt.

spaCy's greedy NER gives no probabilities. As Prodigy's ``ner.teach`` does, the same trained weights
are run a second time with a beam (``beam_parse(docs, beam_width=16, beam_density=0.0001)``) and
``scored_ents`` sums, for every entity (token start, end, label), the probabilities of the beam's parses
that hold it. A span the greedy parse proposed gets that sum as its score; a greedy span no parse of the
beam holds gets 0.0 (the beam found the greedy choice unlikely: itself a sign of a mistake). Spans set
by an entity_ruler (patterns) and every span of a pipeline without a statistical ``ner`` have no score
(None): the ruler is not a model of likelihood.

A document's doubt is the expected number of mistakes in the proposal: the sum of ``1 - p`` over its
scored spans (each proposed span wrong with probability ``1 - p``) plus the beam's probability mass on
entities that overlap no proposed span (entities the greedy parse probably missed). Unlike the lowest
score, it grows with the number of doubtful spans, so a long document full of shaky spans comes before a
short one with one, which is what an annotator correcting mistakes wants.

This module and ``preannotate`` are the only ones that touch spaCy's ``Doc``.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from annotations.model import Span, SpanSource, Token
from annotations.preannotate import Pipeline, _batches, _waited, doc_tokens

BEAM_WIDTH = 16
BEAM_DENSITY = 0.0001
BEAM_GROUP = 4  # sentences per beam_parse call: spaCy walks every beam of the call at every step, so a
# call over many sentences costs their number times the longest one; groups of similar length cost less
SCORE_DIGITS = 4  # scores are stored rounded: four digits say all that calibration can support


@dataclass(frozen=True, slots=True)
class Scored:
    """What the model produced for one text, each span with its confidence (None: no score)."""

    tokens: tuple[Token, ...]
    spans: tuple[Span, ...]
    scores: tuple[float | None, ...]
    doubt: float | None  # expected number of mistakes; None when no span could be scored


def scorable(pipeline: Pipeline) -> bool:
    """Whether the pipeline has a statistical NER whose beam can score its spans."""
    return _statistical_ner(pipeline.nlp) is not None


def _statistical_ner(nlp: Any) -> str | None:
    """The name of the pipeline's beam-capable NER component (None: entity_ruler only)."""
    for name, component in nlp.pipeline:
        if hasattr(component, "beam_parse") and hasattr(component, "scored_ents"):
            return name
    return None


def score_texts(
    pipeline: Pipeline,
    texts: Iterable[str],
    batch_size: int = 64,
    n_process: int = 1,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[Scored]:
    """Pre-annotate texts as ``Pipeline.annotate`` does, with a confidence per span, in order."""
    if n_process > 1 and "fork" in multiprocessing.get_all_start_methods():
        yield from _score_in_processes(pipeline, texts, batch_size, n_process, cancelled)
        return
    for batch in _batches(texts, batch_size):
        yield from _score_batch(pipeline, batch)


def _score_batch(pipeline: Pipeline, texts: list[str]) -> list[Scored]:
    """One batch: greedy entities as the proposal, the beam's probabilities as their scores."""
    nlp = pipeline.nlp
    ner_name = _statistical_ner(nlp)
    if ner_name is None:
        return [_unscored(pipeline, doc) for doc in nlp.pipe(texts, batch_size=len(texts))]
    ner = nlp.get_pipe(ner_name)
    before = nlp.pipe_names[: nlp.pipe_names.index(ner_name)]
    after = nlp.pipe_names[nlp.pipe_names.index(ner_name) + 1 :]
    with nlp.select_pipes(enable=before):
        docs = list(nlp.pipe(texts, batch_size=len(texts)))
    preset = [{(e.start_char, e.end_char, e.label_) for e in doc.ents} for doc in docs]
    copies = [doc.copy() for doc in docs]
    docs = list(ner.pipe(docs, batch_size=len(docs)))
    for name in after:
        docs = list(nlp.get_pipe(name).pipe(docs))
    entity_scores = _beam_scores(ner, copies)
    return [
        _scored(pipeline, doc, fixed, probabilities)
        for doc, fixed, probabilities in zip(docs, preset, entity_scores, strict=True)
    ]


def _beam_scores(ner: Any, docs: list[Any]) -> list[dict[tuple[int, int, str], float]]:
    """Each document's entity probabilities from the beam, sentence by sentence.

    On a whole long document the beam's parses differ in so many places that one of them takes all the
    probability, and every span is scored 0 or 1; Prodigy's ``ner.teach`` scores sentences. The
    sentences come from spaCy's rule-based sentencizer (the NER sees a few tokens of context only, so
    cutting at sentence ends hardly changes what it predicts); token positions are mapped back.
    """
    sentences: list[Any] = []
    owners: list[tuple[int, int]] = []  # (document, first token) of each sentence
    splitter = _sentencizer()
    for number, doc in enumerate(docs):
        for sentence in splitter(doc).sents:
            sentences.append(sentence.as_doc())
            owners.append((number, sentence.start))
    scored: list[dict[tuple[int, int, str], float]] = [{} for _ in docs]
    if not sentences:
        return scored
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    for group_start in range(0, len(order), BEAM_GROUP):
        group = order[group_start : group_start + BEAM_GROUP]
        beams = ner.beam_parse(
            [sentences[i] for i in group], beam_width=BEAM_WIDTH, beam_density=BEAM_DENSITY
        )
        for i, probabilities in zip(group, ner.scored_ents(beams), strict=True):
            number, first = owners[i]
            for (start, end, label), p in probabilities.items():
                scored[number][(start + first, end + first, label)] = p
    return scored


@cache
def _sentencizer() -> Any:
    from spacy.pipeline import Sentencizer

    return Sentencizer()


def _unscored(pipeline: Pipeline, doc: Any) -> Scored:
    spans = tuple(Span(s, e, label, SpanSource.MODEL) for s, e, label in pipeline._entities(doc))
    return Scored(doc_tokens(doc), spans, tuple(None for _ in spans), None)


def _scored(pipeline: Pipeline, doc: Any, preset: set, probabilities: dict) -> Scored:
    """A document's greedy spans with the beam's probability of each; its doubt."""
    spans: list[Span] = []
    scores: list[float | None] = []
    covered: list[tuple[int, int]] = []
    for ent in doc.ents:
        covered.append((ent.start, ent.end))
        if pipeline.allowed is not None and ent.label_ not in pipeline.allowed:
            continue
        spans.append(Span(ent.start_char, ent.end_char, ent.label_, SpanSource.MODEL))
        fixed = (ent.start_char, ent.end_char, ent.label_) in preset
        scores.append(
            None if fixed else min(1.0, float(probabilities.get((ent.start, ent.end, ent.label_), 0.0)))
        )
    doubt = _doubt(scores, probabilities, covered)
    rounded = tuple(None if s is None else round(s, SCORE_DIGITS) for s in scores)
    return Scored(doc_tokens(doc), tuple(spans), rounded, doubt)


def _doubt(scores: list[float | None], probabilities: dict, covered: list[tuple[int, int]]) -> float | None:
    """Expected mistakes: ``1 - p`` per scored span plus the beam's mass on entities no proposed span
    overlaps (None when nothing was scored and the beam saw nothing either)."""
    known = [s for s in scores if s is not None]
    missed = sum(
        p
        for (start, end, _label), p in probabilities.items()
        if not any(start < c_end and c_start < end for c_start, c_end in covered)
    )
    if not known and not probabilities:
        return None
    return round(sum(1.0 - s for s in known) + min(float(missed), 1e6), SCORE_DIGITS)


# ---------------------------------------------------------------- several processes

_worker_pipeline: Pipeline | None = None


def _score_in_processes(
    pipeline: Pipeline,
    texts: Iterable[str],
    batch_size: int,
    processes: int,
    cancelled: Callable[[], bool] | None,
) -> Iterator[Scored]:
    """Forked workers score batches of texts; results come back in order (see ``preannotate``)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_adopt, initargs=(pipeline,)) as pool:
        results = pool.imap(_score_in_worker, _batches(texts, batch_size))
        for batch in _waited(results, cancelled or (lambda: False)):
            yield from batch


def _adopt(pipeline: Pipeline) -> None:
    """Worker start-up: keep the inherited pipeline; Ctrl+C is the parent's to handle."""
    global _worker_pipeline
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_pipeline = pipeline


def _score_in_worker(texts: list[str]) -> list[Scored]:
    assert _worker_pipeline is not None, "a worker runs _adopt first"
    return _score_batch(_worker_pipeline, texts)
