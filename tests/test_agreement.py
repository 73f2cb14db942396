"""Agreement figures, each checked against an independent oracle: a published example, spaCy's scorer,
scikit-learn's kappa, a textbook Fleiss example, and counts derived from known differences between
annotators' versions of 20 CoNLL-2003 sentences."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import spacy
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import cohen_kappa_score
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from annotations.agreement import AnnotatedDocument, agreement, fleiss_kappa
from annotations.model import Answer, DocumentState, Span, Token
from annotations.unitizing import _distance, alpha_u

CORPUS = Path(__file__).parent / "data" / "conll2003_valid_sample.txt"
VOCAB = spacy.blank("en").vocab


# --- Krippendorff (2004), as encoded in DKPro Statistics' unitizing Krippendorff2004Test ---------------


def _krippendorff_2004() -> list[list[Span]]:
    """The study of Krippendorff (2004: p. 254): two observers, continuum 150..450, units (offset, length)."""

    def unit(offset: int, length: int, category: str) -> Span:
        return Span(offset, offset + length, category)

    observer_i = [unit(225, 70, "c"), unit(370, 30, "c"), unit(180, 60, "k"), unit(300, 50, "k")]
    observer_j = [
        unit(220, 80, "c"),
        unit(355, 20, "c"),
        unit(400, 20, "c"),
        unit(180, 60, "k"),
        unit(300, 50, "k"),
    ]
    return [observer_i, observer_j]


def test_alpha_u_reproduces_krippendorff_2004():
    result = alpha_u(_krippendorff_2004(), begin=150, length=300)

    assert result.alpha == pytest.approx(0.8591, abs=0.0005)
    c, k = result.per_category["c"], result.per_category["k"]
    assert c.observed == pytest.approx(0.0144, abs=0.0001)
    assert c.expected == pytest.approx(0.0532, abs=0.0001)
    assert c.alpha == pytest.approx(0.7286, abs=0.0001)
    assert k.observed == pytest.approx(0.0, abs=0.0001)
    assert k.expected == pytest.approx(0.0490, abs=0.0001)
    assert k.alpha == pytest.approx(1.0, abs=0.0001)


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [  # DKPro Statistics' testDistanceMetric2: (offset, length, category or None for a gap)
        ((225, 70, "c"), (220, 80, "c"), 50),
        ((370, 30, "c"), (355, 20, "c"), 850),
        ((400, 50, None), (400, 20, "c"), 400),
    ],
)
def test_unit_distances_match_dkpro(first, second, distance):
    def segment(offset, length, category):
        return (offset, offset + length, category is not None)

    assert _distance(segment(*first), segment(*second)) == distance
    assert _distance(segment(*second), segment(*first)) == distance


def test_alpha_u_is_one_for_identical_unitizing_and_lower_for_any_difference():
    same = _krippendorff_2004()[0]
    assert alpha_u([same, list(same)], 150, 300).alpha == pytest.approx(1.0)
    moved = [Span(226, 295, "c"), *same[1:]]
    assert alpha_u([same, moved], 150, 300).alpha < 1.0


# --- Fleiss' kappa: the worked example of Wikipedia's "Fleiss' kappa" article ----------------------------


def test_fleiss_kappa_matches_the_textbook_example():
    # 10 subjects, 14 raters, 5 categories; the article computes P = 0.378, Pe = 0.213, kappa = 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    rows = [{str(category): n for category, n in enumerate(row) if n} for row in table]
    assert fleiss_kappa(rows) == pytest.approx(0.210, abs=0.0005)


# --- A public corpus and annotators with known differences ---------------------------------------------


@dataclass
class Sentence:
    text: str
    tokens: tuple[Token, ...]
    gold: list[Span]


@dataclass
class Study:
    sentences: list[Sentence]
    versions: dict[str, list[DocumentState]]
    changes: dict[str, dict[str, list[tuple[int, Span, Span | None]]]] = field(default_factory=dict)

    def documents(self) -> list[AnnotatedDocument]:
        return [
            AnnotatedDocument(
                i, s.text, s.tokens, {name: states[i] for name, states in self.versions.items()}
            )
            for i, s in enumerate(self.sentences)
        ]


def _read_conll(path: Path) -> list[Sentence]:
    sentences, words, tags = [], [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#"):
            continue
        if line.strip():
            word, tag = line.split()
            words.append(word)
            tags.append(tag)
        elif words:
            sentences.append(_sentence(words, tags))
            words, tags = [], []
    return sentences


def _sentence(words: list[str], tags: list[str]) -> Sentence:
    tokens, spans, position = [], [], 0
    for word, tag in zip(words, tags):
        tokens.append(Token(position, position + len(word)))
        if tag.startswith("B-"):
            spans.append(Span(position, position + len(word), tag[2:]))
        elif tag.startswith("I-"):
            spans[-1] = Span(spans[-1].start, position + len(word), spans[-1].label)
        position += len(word) + 1
    return Sentence(" ".join(words), tuple(tokens), spans)


LABELS = ["LOC", "MISC", "ORG", "PER"]


def _other_label(label: str) -> str:
    return LABELS[(LABELS.index(label) + 1) % len(LABELS)]


def _next_token_end(sentence: Sentence, span: Span) -> int | None:
    """The end of the token after the span, when that token is outside every span."""
    after = [t for t in sentence.tokens if t.start > span.end]
    if not after or any(s.overlaps(after[0]) for s in sentence.gold):
        return None
    return after[0].end


def _study() -> Study:
    """ann: the corpus; bob: 4 spans dropped, 3 extended by a token, 3 relabelled, document 5 rejected;
    carol: 2 dropped, 2 cut by a character at the start (inside a token), 2 relabelled, document 7 pending."""
    sentences = _read_conll(CORPUS)
    every = [(i, span) for i, s in enumerate(sentences) for span in s.gold]
    extendable = [(i, span) for i, span in every if _next_token_end(sentences[i], span)]
    bob_extended = extendable[1::6][:3]
    bob = {"drop": [every[j] for j in (2, 17, 30, 44)], "relabel": [every[j] for j in (8, 21, 40)]}
    carol = {"drop": [every[j] for j in (11, 33)], "relabel": [every[j] for j in (23, 47)]}
    carol_cut = [
        (i, span) for i, span in every if span.end - span.start > 3 and (i, span) not in bob_extended
    ]
    changes = {
        "bob": {
            "drop": [(i, s, None) for i, s in bob["drop"]],
            "relabel": [(i, s, Span(s.start, s.end, _other_label(s.label))) for i, s in bob["relabel"]],
            "shift": [
                (i, s, Span(s.start, _next_token_end(sentences[i], s), s.label)) for i, s in bob_extended
            ],
        },
        "carol": {
            "drop": [(i, s, None) for i, s in carol["drop"]],
            "relabel": [(i, s, Span(s.start, s.end, _other_label(s.label))) for i, s in carol["relabel"]],
            "shift": [(i, s, Span(s.start + 1, s.end, s.label)) for i, s in carol_cut[5::20][:2]],
        },
    }
    touched = [(i, s) for person in changes.values() for kind in person.values() for i, s, _ in kind]
    assert len(touched) == len(set(touched)) == 16  # every change on a different gold span
    versions = {"ann": [DocumentState(tuple(s.gold), Answer.ACCEPT) for s in sentences]}
    for name, person in changes.items():
        spans = [list(s.gold) for s in sentences]
        for kind in person.values():
            for i, old, new in kind:
                spans[i].remove(old)
                spans[i].extend([new] if new else [])
        versions[name] = [DocumentState(tuple(sorted(doc_spans)), Answer.ACCEPT) for doc_spans in spans]
    versions["bob"][5] = DocumentState(versions["bob"][5].spans, Answer.REJECT)
    versions["carol"][7] = DocumentState(versions["carol"][7].spans, None)
    return Study(sentences, versions, changes)


STUDY = _study()
REPORT = agreement(STUDY.documents())


def _pair(first: str, second: str):
    return next(p for p in REPORT.pairwise if p.annotators == (first, second))


def _both_accepted(*names: str) -> list[int]:
    return [
        i
        for i in range(len(STUDY.sentences))
        if all(STUDY.versions[n][i].answer is Answer.ACCEPT for n in names)
    ]


def _split_tokens(sentence: Sentence, spans: list[Span]) -> list[tuple[int, int]]:
    """The sentence's tokens cut at every span edge (the test's own splitting)."""
    cuts = {edge for span in spans for edge in (span.start, span.end)}
    pieces = []
    for token in sentence.tokens:
        edges = sorted({token.start, token.end, *(c for c in cuts if token.start < c < token.end)})
        pieces.extend(zip(edges, edges[1:]))
    return pieces


def _spacy_doc(sentence: Sentence, pieces: list[tuple[int, int]], spans: list[Span]) -> Doc:
    words = [sentence.text[a:b] for a, b in pieces]
    spaces = [after[0] > before[1] for before, after in zip(pieces, pieces[1:])] + [False]
    doc = Doc(VOCAB, words=words, spaces=spaces)
    assert doc.text == sentence.text
    doc.ents = [doc.char_span(s.start, s.end, label=s.label) for s in spans]
    return doc


def _docs(first: str, second: str, index: int) -> tuple[Doc, Doc]:
    sentence = STUDY.sentences[index]
    a, b = list(STUDY.versions[first][index].spans), list(STUDY.versions[second][index].spans)
    pieces = _split_tokens(sentence, a + b)
    return _spacy_doc(sentence, pieces, a), _spacy_doc(sentence, pieces, b)


def _spacy_scores(first: str, second: str, indices: list[int]) -> dict:
    examples = []
    for i in indices:
        reference, predicted = _docs(first, second, i)
        examples.append(Example(predicted, reference))
    return Scorer.score_spans(examples, "ents")


def _in(indices: list[int], changes: list[tuple[int, Span, Span | None]]) -> int:
    return sum(i in indices for i, _, _ in changes)


@pytest.mark.parametrize("pair", [("ann", "bob"), ("ann", "carol"), ("bob", "carol")])
def test_span_scores_equal_spacys_scorer_overall_and_per_label(pair):
    scores = _spacy_scores(*pair, _both_accepted(*pair))
    result = _pair(*pair)

    assert (result.spans.p, result.spans.r, result.spans.f) == pytest.approx(
        (scores["ents_p"], scores["ents_r"], scores["ents_f"]), abs=1e-12
    )
    assert set(result.per_label) == set(scores["ents_per_type"])
    for label, expected in scores["ents_per_type"].items():
        got = result.per_label[label]
        assert (got.p, got.r, got.f) == pytest.approx(
            (expected["p"], expected["r"], expected["f"]), abs=1e-12
        )


@pytest.mark.parametrize("name", ["bob", "carol"])
def test_span_counts_follow_from_the_known_differences(name):
    indices = _both_accepted("ann", name)
    changes = STUDY.changes[name]
    gold = sum(len(STUDY.sentences[i].gold) for i in indices)
    dropped, moved = _in(indices, changes["drop"]), _in(indices, changes["shift"])
    relabelled = _in(indices, changes["relabel"])
    result = _pair("ann", name)

    assert result.documents == len(indices)
    assert (result.spans.tp, result.spans.fn, result.spans.fp) == (
        gold - dropped - moved - relabelled,
        dropped + moved + relabelled,
        moved + relabelled,
    )
    # relaxed: a moved span still overlaps its original with the same label
    assert (result.relaxed.tp, result.relaxed.fn, result.relaxed.fp) == (
        gold - dropped - relabelled,
        dropped + relabelled,
        relabelled,
    )
    assert result.relaxed.f > result.spans.f


def test_relaxed_matching_is_a_maximum_one_to_one_matching():
    # one long span against two short ones inside it: one match, not two, whichever is the reference
    long, parts = (Span(0, 20, "ORG"),), (Span(0, 5, "ORG"), Span(10, 20, "ORG"))
    tokens = (Token(0, 5), Token(6, 9), Token(10, 20))
    for first, second, counts in [(long, parts, (1, 1, 0)), (parts, long, (1, 0, 1))]:
        versions = {"a": DocumentState(first, Answer.ACCEPT), "b": DocumentState(second, Answer.ACCEPT)}
        relaxed = agreement([AnnotatedDocument(1, "x" * 30, tokens, versions)]).pairwise[0].relaxed
        assert (relaxed.tp, relaxed.fp, relaxed.fn) == counts

    # on the corpus, the same number as a maximum bipartite matching found by scipy
    for first, second in [("ann", "bob"), ("ann", "carol"), ("bob", "carol")]:
        total = 0
        for i in _both_accepted(first, second):
            a, b = STUDY.versions[first][i].spans, STUDY.versions[second][i].spans
            weights = np.array([[int(x.label == y.label and x.overlaps(y)) for y in b] for x in a] or [[0]])
            rows, cols = linear_sum_assignment(weights, maximize=True)
            total += int(weights[rows, cols].sum())
        assert _pair(first, second).relaxed.tp == total


def _spacy_tags(doc: Doc) -> list[str]:
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ != "O" else "O" for t in doc]


@pytest.mark.parametrize("pair", [("ann", "bob"), ("ann", "carol"), ("bob", "carol")])
def test_cohen_kappa_equals_scikit_learn_on_the_same_bio_tags(pair):
    first_tags, second_tags = [], []
    for i in _both_accepted(*pair):
        first_doc, second_doc = _docs(*pair, i)
        first_tags += _spacy_tags(first_doc)
        second_tags += _spacy_tags(second_doc)

    assert _pair(*pair).kappa == pytest.approx(cohen_kappa_score(first_tags, second_tags), abs=1e-9)
    assert _pair(*pair).kappa < 1.0


def test_sub_token_spans_split_tokens_for_kappa():
    # carol's cut spans start inside a token: the token is split, so the tag sequences grow by one
    i, old, new = STUDY.changes["carol"]["shift"][0]
    doc = AnnotatedDocument(
        0,
        STUDY.sentences[i].text,
        STUDY.sentences[i].tokens,
        {"ann": DocumentState((old,), Answer.ACCEPT), "carol": DocumentState((new,), Answer.ACCEPT)},
    )
    # one character outside vs inside: not perfect agreement, but far from none
    pair = agreement([doc]).pairwise[0]
    assert 0 < pair.kappa < 1
    assert sum(pair.tag_pairs.values()) == len(STUDY.sentences[i].tokens) + 1
    assert pair.tag_pairs[(f"B-{old.label}", "O")] == 1  # the cut-off first character


def test_fleiss_kappa_over_the_documents_all_three_accepted():
    indices = _both_accepted("ann", "bob", "carol")
    rows = []
    for i in indices:
        sentence = STUDY.sentences[i]
        spans = {n: list(STUDY.versions[n][i].spans) for n in ("ann", "bob", "carol")}
        pieces = _split_tokens(sentence, [s for v in spans.values() for s in v])
        tags = [_spacy_tags(_spacy_doc(sentence, pieces, spans[n])) for n in spans]
        rows.extend(Counter(token) for token in zip(*tags))
    # Fleiss (1971) in matrix form, computed here with numpy
    categories = sorted({c for row in rows for c in row})
    matrix = np.array([[row.get(c, 0) for c in categories] for row in rows], dtype=float)
    n = 3
    p_item = ((matrix * matrix).sum(axis=1) - n) / (n * (n - 1))
    p_category = matrix.sum(axis=0) / matrix.sum()
    expected = (p_item.mean() - (p_category**2).sum()) / (1 - (p_category**2).sum())

    assert REPORT.all_accepted == len(indices) == len(STUDY.sentences) - 2
    assert REPORT.fleiss_kappa == pytest.approx(expected, abs=1e-12)


def test_no_fleiss_kappa_for_two_annotators():
    two = [
        AnnotatedDocument(d.id, d.text, d.tokens, {k: v for k, v in d.versions.items() if k != "carol"})
        for d in STUDY.documents()
    ]
    assert agreement(two).fleiss_kappa is None


@pytest.mark.parametrize("name", ["bob", "carol"])
def test_alpha_u_observed_disagreement_follows_from_the_known_differences(name):
    indices = _both_accepted("ann", name)
    length = sum(len(STUDY.sentences[i].text) for i in indices)
    squared: Counter[str] = Counter()
    for kind, changes in STUDY.changes[name].items():
        for i, old, new in changes:
            if i not in indices:
                continue
            if kind == "shift":  # start and end differences, squared
                squared[old.label] += (old.start - new.start) ** 2 + (old.end - new.end) ** 2
            else:  # a unit lying in the other one's gap counts its length squared, in its own category
                squared[old.label] += (old.end - old.start) ** 2
                if new:  # relabelled: the new label's unit lies in a gap of the original's
                    squared[new.label] += (new.end - new.start) ** 2
    alpha = _pair("ann", name).alpha

    for label in LABELS:
        assert alpha.per_category[label].observed == pytest.approx(squared[label] / length**2, rel=1e-12)
    observed = sum(c.observed for c in alpha.per_category.values()) / 4
    expected = sum(c.expected for c in alpha.per_category.values()) / 4
    assert alpha.alpha == pytest.approx(1 - observed / expected, rel=1e-12)
    assert 0.5 < alpha.alpha < 1.0


def test_alpha_u_overall_is_over_the_documents_everyone_accepted():
    indices = _both_accepted("ann", "bob", "carol")
    units = [[], [], []]
    offset = 0
    for i in indices:
        for rater, name in enumerate(("ann", "bob", "carol")):
            units[rater] += [
                Span(s.start + offset, s.end + offset, s.label) for s in STUDY.versions[name][i].spans
            ]
        offset += len(STUDY.sentences[i].text)
    assert REPORT.alpha.alpha == pytest.approx(alpha_u(units, 0, offset).alpha, rel=1e-12)


def test_identical_versions_agree_perfectly():
    documents = [
        AnnotatedDocument(d.id, d.text, d.tokens, {"x": d.versions["ann"], "y": d.versions["ann"]})
        for d in STUDY.documents()
    ]
    pair = agreement(documents).pairwise[0]
    assert (pair.spans.f, pair.relaxed.f, pair.kappa, pair.alpha.alpha) == pytest.approx((1, 1, 1, 1))


def test_documents_are_listed_lowest_agreement_first():
    scores = {d.id: d.score for d in REPORT.documents}
    assert [d.score for d in REPORT.documents] == sorted(scores.values())
    changed = {i for person in STUDY.changes.values() for kind in person.values() for i, _, _ in kind}
    for i, score in scores.items():
        answered = [n for n in STUDY.versions if STUDY.versions[n][i].answer is not None]
        expected = []
        for a_index, a in enumerate(answered):
            for b in answered[a_index + 1 :]:
                if i in _both_accepted(a, b):
                    f = _spacy_scores(a, b, [i])["ents_f"]
                    expected.append(1.0 if f is None else f)
                else:  # one accepted, the other rejected
                    expected.append(0.0)
        assert score == pytest.approx(sum(expected) / len(expected), abs=1e-12)
        assert (score < 1.0) == (i in changed or i == 5)
    assert REPORT.documents[0].snippet and REPORT.documents[0].answers.keys() == {"ann", "bob", "carol"}


def test_label_choice_compares_only_those_labels():
    report = agreement(STUDY.documents(), labels={"PER"})
    pair = next(p for p in report.pairwise if p.annotators == ("ann", "bob"))
    assert set(pair.per_label) <= {"PER"}
    full = _pair("ann", "bob").per_label["PER"]
    assert (pair.spans.tp, pair.spans.fp, pair.spans.fn) == (full.tp, full.fp, full.fn)
    assert set(pair.alpha.per_category) == {"PER"}


def test_only_documents_both_accepted_are_compared():
    assert _pair("ann", "bob").documents == len(STUDY.sentences) - 1  # bob rejected one
    assert _pair("ann", "carol").documents == len(STUDY.sentences) - 1  # carol left one pending
    assert _pair("bob", "carol").documents == len(STUDY.sentences) - 2
    assert REPORT.annotators == ["ann", "bob", "carol"]
