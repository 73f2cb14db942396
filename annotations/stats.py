"""Counts per dataset, and the model's proposals compared with the humans' corrections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotations import store
from annotations.counting import counted
from annotations.model import Span

if TYPE_CHECKING:
    from sqlite_utils import Database

OUTCOMES = ("kept", "relabelled", "resized", "deleted")


@dataclass
class DatasetStats:
    """What one dataset holds, and what the humans did with the model's spans."""

    name: str
    answers: Counter[str] = field(default_factory=Counter)
    span_labels: Counter[str] = field(default_factory=Counter)
    model_outcomes: Counter[str] = field(default_factory=Counter)
    added_by_label: Counter[str] = field(default_factory=Counter)

    @property
    def documents(self) -> int:
        """How many documents the dataset holds."""
        return sum(self.answers.values())


def dataset_stats(db: Database) -> list[DatasetStats]:
    """Statistics for every dataset, oldest first."""
    return [_one_dataset(db, name) for name in store.dataset_names(db)]


def _one_dataset(db: Database, name: str) -> DatasetStats:
    """Statistics for one dataset; the model comparison covers answered documents only."""
    result = DatasetStats(name)
    for document in store.iter_documents(db, name, include_unanswered=True):
        result.answers[document.answer.value if document.answer else "pending"] += 1
        result.span_labels.update(span.label for span in document.spans)
        ran = document.predicted_by is not None  # a model ran over it, whether it found anything or not
        if document.answer is not None and ran:
            outcomes, added = compare(document.predicted, document.spans)
            result.model_outcomes.update(outcomes)
            result.added_by_label.update(added)
    return result


def compare(predicted: Sequence[Span], final: Sequence[Span]) -> tuple[Counter[str], Counter[str]]:
    """What happened to each predicted span, and the labels of spans the human added."""
    outcomes: Counter[str] = Counter(_outcome(span, final) for span in predicted)
    added = Counter(span.label for span in final if not any(span.overlaps(p) for p in predicted))
    return outcomes, added


def _outcome(predicted: Span, final: Iterable[Span]) -> str:
    """Kept, relabelled, resized or deleted: the fate of one predicted span."""
    overlapping = [span for span in final if span.overlaps(predicted)]
    if any(span.key() == predicted.key() for span in overlapping):
        return "kept"
    if any((span.start, span.end) == (predicted.start, predicted.end) for span in overlapping):
        return "relabelled"
    if any(span.label == predicted.label for span in overlapping):
        return "resized"
    return "deleted"


def format_stats(stats: Sequence[DatasetStats]) -> str:
    """A plain-text report of the statistics."""
    if not stats:
        return "The database holds no datasets yet. Import some documents with `spandesk import`."
    return "\n\n".join(_format_one(s) for s in stats)


def _format_one(stats: DatasetStats) -> str:
    """The report of one dataset."""
    answers = ", ".join(f"{stats.answers[k]} {k}" for k in ("accept", "reject", "ignore", "pending"))
    lines = [f"Dataset {stats.name}: {counted(stats.documents, 'document')} ({answers})"]
    lines.append("  Spans by label: " + (_counter_line(stats.span_labels) or "none"))
    reviewed = sum(stats.model_outcomes.values())
    outcomes = ", ".join(f"{stats.model_outcomes[k]} {k}" for k in OUTCOMES)
    lines.append(f"  Model spans in answered documents: {reviewed} ({outcomes})")
    lines.append("  Spans added by people: " + (_counter_line(stats.added_by_label) or "none"))
    return "\n".join(lines)


def _counter_line(counter: Counter[str]) -> str:
    """``LABEL n, LABEL n`` by decreasing count."""
    return ", ".join(f"{label} {count}" for label, count in counter.most_common())
