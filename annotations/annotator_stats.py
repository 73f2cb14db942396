"""``spandesk stats`` per annotator: what each person answered, how long a document took them, what they
did with the model's spans, and how their versions agree with the reviewed ones.

Definitions (also in the README):

- answered: the person's versions by answer (accept, reject, ignore; pending: a version without one);
- time per document: the median gap between one of the person's answers and their previous answer (any
  document), from the history; a gap longer than ``BREAK_SECONDS`` is a break and not counted;
- the model's spans: in the person's answered versions of documents with a prediction, each span of the
  document's latest prediction kept, relabelled, resized or deleted, and the spans they added that overlap
  no predicted span (``stats.compare``);
- agreement with the review: span F1 (exact boundaries and label, spaCy's arithmetic) of the person's
  version against the reviewed version, over the documents both accepted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotations import store
from annotations.agreement import PRF, span_counts
from annotations.model import REVIEW, Answer, Version
from annotations.stats import OUTCOMES, compare

if TYPE_CHECKING:
    from sqlite_utils import Database

BREAK_SECONDS = 600.0  # ten minutes without an answer: a break, not time spent on the next document
ANSWER_NAMES = ("accept", "reject", "ignore", "pending")


@dataclass
class AnnotatorStats:
    """One person's figures over every dataset."""

    name: str
    answers: Counter[str] = field(default_factory=Counter)
    seconds_per_document: float | None = None  # None: fewer than two answers in the history
    timed: int = 0  # how many gaps between answers the median is over
    model_outcomes: Counter[str] = field(default_factory=Counter)
    added: int = 0
    review: PRF = field(default_factory=PRF)
    reviewed_documents: int = 0

    @property
    def answered(self) -> int:
        """Documents the person accepted, rejected or ignored."""
        return sum(self.answers[a.value] for a in Answer)

    @property
    def review_f1(self) -> float | None:
        """Span F1 against the reviewed versions (None: no document both accepted, or no span on either)."""
        return self.review.f if self.reviewed_documents and self.review.any else None


def annotator_stats(db: Database) -> list[AnnotatorStats]:
    """The figures of every person with a version of some document, by name."""
    people = {name: AnnotatorStats(name) for name in store.annotators(db)}
    for person in people.values():
        _count_versions(db, person)
        _time_answers(db, person)
    _compare_with_review(db, people)
    return list(people.values())


def _count_versions(db: Database, person: AnnotatorStats) -> None:
    """Answers, and what happened to the model's spans in the answered versions."""
    versions = store.Versions.exactly(Version.of(person.name))
    for document in store.iter_documents(db, include_unanswered=True, versions=versions):
        person.answers[document.answer.value if document.answer else "pending"] += 1
        ran = document.predicted_by is not None  # a model ran over it, whether it found anything or not
        if document.answer is not None and ran:
            outcomes, added = compare(document.predicted, document.spans)
            person.model_outcomes.update(outcomes)
            person.added += sum(added.values())


def _time_answers(db: Database, person: AnnotatorStats) -> None:
    """The median time between consecutive answers, breaks left out."""
    times = [at for at, after in store.answer_events(db, person.name) if store.decode_change(after)[1]]
    gaps = [later - earlier for earlier, later in zip(times, times[1:]) if later - earlier <= BREAK_SECONDS]
    person.timed = len(gaps)
    person.seconds_per_document = statistics.median(gaps) if gaps else None


def _compare_with_review(db: Database, people: dict[str, AnnotatorStats]) -> None:
    """Each person's accepted versions against the accepted reviewed version of the same document."""
    for document in store.document_versions(db, kinds=("annotator", "review")):
        review = document.versions.get(REVIEW)
        if review is None or review.state.answer is not Answer.ACCEPT:
            continue
        for version, row in document.versions.items():
            if version.kind != "annotator" or row.state.answer is not Answer.ACCEPT:
                continue
            person = people[version.owner]
            person.reviewed_documents += 1
            for tp, fp, fn in span_counts(review.state.spans, row.state.spans).values():
                person.review.add(tp, fp, fn)


HEADINGS = ("Annotator", "Answered", "Accept", "Reject", "Ignore", "Pending", "s/doc")
MODEL_HEADINGS = ("Kept", "Relabelled", "Resized", "Deleted", "Added")


def format_annotator_stats(people: list[AnnotatorStats]) -> str:
    """The per-annotator table (empty when nobody has a version of their own)."""
    if not people:
        return ""
    width = max(12, *(len(p.name) + 2 for p in people))
    head = [f"{HEADINGS[0]:<{width}}", *(f"{h:>9}" for h in HEADINGS[1:])]
    head += [f"{h:>11}" for h in MODEL_HEADINGS] + [f"{'Review F1':>11}", f"{'(docs)':>7}"]
    lines = [
        "Per annotator (every dataset; s/doc: median seconds between consecutive answers, breaks over "
        f"{BREAK_SECONDS / 60:.0f} min left out; the model's spans in answered documents; span F1 against "
        "the reviewed version over documents both accepted):",
        "  " + "".join(head),
    ]
    lines += ["  " + _row(person, width) for person in people]
    return "\n".join(lines)


def _row(person: AnnotatorStats, width: int) -> str:
    seconds = "n/a" if person.seconds_per_document is None else f"{person.seconds_per_document:.1f}"
    cells = [f"{person.name:<{width}}", f"{person.answered:>9}"]
    cells += [f"{person.answers[name]:>9}" for name in ANSWER_NAMES]
    cells.append(f"{seconds:>9}")
    cells += [f"{person.model_outcomes[outcome]:>11}" for outcome in OUTCOMES]
    cells.append(f"{person.added:>11}")
    f1 = person.review_f1
    cells += [f"{'n/a' if f1 is None else f'{f1:.3f}':>11}", f"{person.reviewed_documents:>7}"]
    return "".join(cells)
