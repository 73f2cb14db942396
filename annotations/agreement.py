"""Agreement between annotators' versions of the same documents: span F1, kappa, alpha_u, worst documents.

Pure functions over plain values (no Qt, no SQL). Only documents an annotator ACCEPTED (answer
'accept') count as that annotator's annotation of it: a pair of annotators is compared over the
documents both accepted; Fleiss' kappa and the overall alpha_u over the documents every annotator
accepted. The figures:

- span P/R/F1: exact boundaries and label, spaCy's ``Scorer.score_spans`` / ``PRFScore`` with the first
  annotator as reference and the second as prediction (F1 is symmetric), overall and per label;
- relaxed F1: two spans match when they overlap and have the same label, each span matching at most one
  of the other annotator's (a maximum one-to-one matching, found per label by a left-to-right sweep);
- Cohen's kappa on token BIO tags (``B-LABEL``, ``I-LABEL``, ``O``), the tokens split at every span edge
  of either annotator so that spans smaller than a token count; Fleiss' kappa on the same tags;
- Krippendorff's alpha_u on characters (``annotations.unitizing``): the documents laid end to end;
- a score per document: the mean over the pairs of annotators who answered it of their exact span F1
  (1.0 when both accepted with no spans at all) when both accepted, 1.0 for the same other answer, 0.0
  for different answers.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from annotations.model import Answer, DocumentState, Span, Token
from annotations.text import tokens_for_spans
from annotations.unitizing import AlphaU, alpha_u

OUTSIDE = "O"


@dataclass(frozen=True, slots=True)
class AnnotatedDocument:
    """One document as the annotators left it: its text, tokens and each annotator's state."""

    id: int
    text: str
    tokens: tuple[Token, ...]
    versions: Mapping[str, DocumentState]


@dataclass(slots=True)
class PRF:
    """True positives, false positives and false negatives, with spaCy's PRFScore arithmetic."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        """Count one more comparison."""
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    @property
    def p(self) -> float:
        """Precision: tp / (tp + fp)."""
        return self.tp / (self.tp + self.fp + 1e-100)

    @property
    def r(self) -> float:
        """Recall: tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn + 1e-100)

    @property
    def f(self) -> float:
        """F1, the harmonic mean of precision and recall."""
        p, r = self.p, self.r
        return 2 * ((p * r) / (p + r + 1e-100))

    @property
    def any(self) -> bool:
        """Whether either side had a span to compare (spaCy reports no scores otherwise)."""
        return self.tp + self.fp + self.fn > 0


@dataclass(slots=True)
class PairAgreement:
    """How two annotators agree over the documents both accepted."""

    annotators: tuple[str, str]
    documents: int = 0
    spans: PRF = field(default_factory=PRF)
    relaxed: PRF = field(default_factory=PRF)
    per_label: dict[str, PRF] = field(default_factory=dict)
    relaxed_per_label: dict[str, PRF] = field(default_factory=dict)
    tag_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    alpha: AlphaU | None = None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa on the token BIO tags (None when chance agreement is total)."""
        return cohen_kappa(self.tag_pairs)


@dataclass(frozen=True, slots=True)
class DocumentScore:
    """A document's agreement score and each annotator's answer (None: pending)."""

    id: int
    score: float
    snippet: str
    answers: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Every figure of ``spandesk agreement``."""

    annotators: list[str]
    pairwise: list[PairAgreement]
    fleiss_kappa: float | None
    all_accepted: int  # documents every annotator accepted (Fleiss' kappa and alpha_u are over these)
    alpha: AlphaU | None
    documents: list[DocumentScore]  # lowest agreement first


def agreement(
    documents: Iterable[AnnotatedDocument], labels: Collection[str] | None = None
) -> AgreementReport:
    """Compare every pair of annotators (and all of them) over the documents they accepted."""
    pairs: dict[tuple[str, str], PairAgreement] = {}
    units: dict[tuple[str, str], _Continuum] = defaultdict(_Continuum)
    groups: dict[frozenset[str], _Group] = defaultdict(_Group)
    scores: list[DocumentScore] = []
    names: set[str] = set()
    for document in documents:
        versions = {name: _kept(state, labels) for name, state in document.versions.items()}
        names.update(versions)
        accepted = sorted(name for name, state in versions.items() if state.answer is Answer.ACCEPT)
        for pair in combinations(accepted, 2):
            pair_agreement = pairs.setdefault(pair, PairAgreement(pair))
            _compare(pair_agreement, document, versions[pair[0]].spans, versions[pair[1]].spans)
            units[pair].add(len(document.text), [versions[name].spans for name in pair])
        if len(accepted) >= 2:
            groups[frozenset(accepted)].add(document, [versions[name].spans for name in accepted])
        if sum(state.answer is not None for state in versions.values()) >= 2:
            scores.append(_document_score(document, versions))
    for pair, pair_agreement in pairs.items():
        pair_agreement.alpha = units[pair].alpha()
    everyone = groups.get(frozenset(names)) if len(names) >= 2 else None
    scores.sort(key=lambda s: (s.score, s.id))
    return AgreementReport(
        annotators=sorted(names),
        pairwise=[pairs[pair] for pair in sorted(pairs)],
        fleiss_kappa=everyone.tags.kappa() if everyone and len(names) > 2 else None,
        all_accepted=everyone.continuum.documents if everyone else 0,
        alpha=everyone.continuum.alpha() if everyone else None,
        documents=scores,
    )


def _kept(state: DocumentState, labels: Collection[str] | None) -> DocumentState:
    """The state with only the chosen labels' spans."""
    if labels is None:
        return state
    return DocumentState(tuple(s for s in state.spans if s.label in labels), state.answer)


def _compare(
    pair: PairAgreement, document: AnnotatedDocument, first: Sequence[Span], second: Sequence[Span]
) -> None:
    """Add one document both accepted to the pair's counts."""
    pair.documents += 1
    exact = span_counts(first, second)
    relaxed = relaxed_counts(first, second)
    for label in sorted({s.label for s in first} | {s.label for s in second}):
        pair.per_label.setdefault(label, PRF()).add(*exact[label])
        pair.relaxed_per_label.setdefault(label, PRF()).add(*relaxed[label])
        pair.spans.add(*exact[label])
        pair.relaxed.add(*relaxed[label])
    tokens = tokens_for_spans(document.tokens, [*first, *second])
    pair.tag_pairs.update(zip(bio_tags(tokens, first), bio_tags(tokens, second)))


def span_counts(reference: Sequence[Span], predicted: Sequence[Span]) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) per label for exact matches of boundaries and label."""
    gold = {s.key() for s in reference}
    guess = {s.key() for s in predicted}
    counts: dict[str, tuple[int, int, int]] = {}
    for label in {key[2] for key in gold | guess}:
        gold_label = {k for k in gold if k[2] == label}
        guess_label = {k for k in guess if k[2] == label}
        both = len(gold_label & guess_label)
        counts[label] = (both, len(guess_label) - both, len(gold_label) - both)
    return counts


def relaxed_counts(reference: Sequence[Span], predicted: Sequence[Span]) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) per label where spans match one-to-one when they overlap with the same label."""
    counts: dict[str, tuple[int, int, int]] = {}
    for label in {s.label for s in reference} | {s.label for s in predicted}:
        gold = sorted(s for s in reference if s.label == label)
        guess = sorted(s for s in predicted if s.label == label)
        matched = overlap_matches(gold, guess)
        counts[label] = (matched, len(guess) - matched, len(gold) - matched)
    return counts


def overlap_matches(first: Sequence[Span], second: Sequence[Span]) -> int:
    """The size of a maximum one-to-one matching of overlapping spans (each side sorted, not overlapping).

    A sweep: when the two earliest unmatched spans overlap they are matched, else the one that ends
    first is passed over (it can overlap nothing later on the other side).
    """
    matched = i = j = 0
    while i < len(first) and j < len(second):
        if first[i].overlaps(second[j]):
            matched, i, j = matched + 1, i + 1, j + 1
        elif first[i].end <= second[j].end:
            i += 1
        else:
            j += 1
    return matched


def bio_tags(tokens: Sequence[Token], spans: Sequence[Span]) -> list[str]:
    """Each token's tag: ``B-LABEL`` on a span's first token, ``I-LABEL`` on the rest, else ``O``."""
    tags = [OUTSIDE] * len(tokens)
    starts = [token.start for token in tokens]
    for span in spans:
        inside = False
        for index in range(_first_at_or_after(starts, span.start), len(tokens)):
            if tokens[index].end > span.end:
                break
            tags[index] = f"{'I' if inside else 'B'}-{span.label}"
            inside = True
    return tags


def _first_at_or_after(starts: Sequence[int], offset: int) -> int:
    """The index of the first token starting at or after ``offset``."""
    return bisect.bisect_left(starts, offset)


def cohen_kappa(tag_pairs: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's kappa from counts of (first rater's tag, second rater's tag); None when undefined."""
    total = sum(tag_pairs.values())
    if total == 0:
        return None
    first: Counter[str] = Counter()
    second: Counter[str] = Counter()
    for (a, b), n in tag_pairs.items():
        first[a] += n
        second[b] += n
    observed = sum(n for (a, b), n in tag_pairs.items() if a == b) / total
    chance = sum(first[tag] * second[tag] for tag in first) / (total * total)
    return None if chance == 1 else (observed - chance) / (1 - chance)


def fleiss_kappa(rows: Iterable[Mapping[str, int]]) -> float | None:
    """Fleiss' kappa from, per item, how many raters chose each category (same number of raters each)."""
    counts = FleissCounts()
    for row in rows:
        counts.add(row)
    return counts.kappa()


@dataclass(slots=True)
class FleissCounts:
    """What Fleiss' kappa needs, gathered item by item: items, their agreement, category totals."""

    items: int = 0
    agreement_sum: float = 0.0
    totals: Counter[str] = field(default_factory=Counter)
    raters: int = 0

    def add(self, row: Mapping[str, int], times: int = 1) -> None:
        """Count ``times`` items alike: how many raters chose each category."""
        raters = sum(row.values())
        if self.items and raters != self.raters:
            raise ValueError(f"item {self.items + 1} has {raters} ratings, the others {self.raters}")
        self.raters = raters
        self.items += times
        for category, n in row.items():
            self.totals[category] += n * times
        if raters > 1:
            self.agreement_sum += (
                times * (sum(n * n for n in row.values()) - raters) / (raters * (raters - 1))
            )

    def kappa(self) -> float | None:
        """(P - Pe) / (1 - Pe); None with no items, fewer than two raters or total chance agreement."""
        if not self.items or self.raters < 2:
            return None
        observed = self.agreement_sum / self.items
        chance = sum((n / (self.items * self.raters)) ** 2 for n in self.totals.values())
        return None if chance == 1 else (observed - chance) / (1 - chance)


@dataclass(slots=True)
class _Continuum:
    """Documents laid end to end, with each rater's spans moved to their place on it."""

    length: int = 0
    documents: int = 0
    units: list[list[Span]] = field(default_factory=list)

    def add(self, text_length: int, spans_by_rater: Sequence[Sequence[Span]]) -> None:
        """Append one document's characters and every rater's spans on it."""
        if not self.units:
            self.units = [[] for _ in spans_by_rater]
        for units, spans in zip(self.units, spans_by_rater):
            units.extend(Span(s.start + self.length, s.end + self.length, s.label) for s in spans)
        self.length += text_length
        self.documents += 1

    def alpha(self) -> AlphaU | None:
        """alpha_u on this continuum (None when it holds no unit)."""
        result = alpha_u(self.units, 0, self.length)
        return result if result.alpha is not None else None


@dataclass(slots=True)
class _Group:
    """The documents a given set of annotators all accepted: their continuum and token tag counts."""

    continuum: _Continuum = field(default_factory=_Continuum)
    tags: FleissCounts = field(default_factory=FleissCounts)

    def add(self, document: AnnotatedDocument, spans_by_rater: Sequence[Sequence[Span]]) -> None:
        """Add one document every annotator of the group accepted."""
        self.continuum.add(len(document.text), spans_by_rater)
        tokens = tokens_for_spans(document.tokens, [s for spans in spans_by_rater for s in spans])
        tags = [bio_tags(tokens, spans) for spans in spans_by_rater]
        for token_tags, times in Counter(zip(*tags)).items():  # most tokens are O for everyone
            self.tags.add(Counter(token_tags), times)


SNIPPET_LENGTH = 60


def _document_score(document: AnnotatedDocument, versions: Mapping[str, DocumentState]) -> DocumentScore:
    """The mean agreement of the pairs of annotators who answered the document."""
    answered = sorted(name for name, state in versions.items() if state.answer is not None)
    pair_scores = [_pair_score(versions[a], versions[b]) for a, b in combinations(answered, 2)]
    snippet = " ".join(document.text[: SNIPPET_LENGTH * 2].split())[:SNIPPET_LENGTH]
    answers = {
        name: (state.answer.value if state.answer else None) for name, state in sorted(versions.items())
    }
    return DocumentScore(document.id, sum(pair_scores) / len(pair_scores), snippet, answers)


def _pair_score(first: DocumentState, second: DocumentState) -> float:
    """Exact span F1 when both accepted (1.0 with no spans), else 1.0 for the same answer, 0.0 if not."""
    if first.answer is not Answer.ACCEPT or second.answer is not Answer.ACCEPT:
        return 1.0 if first.answer == second.answer else 0.0
    score = PRF()
    for counts in span_counts(first.spans, second.spans).values():
        score.add(*counts)
    return score.f if score.any else 1.0
