"""Statistics: what people did with the model's proposals."""

from __future__ import annotations

from annotations.model import Span
from annotations.stats import compare


def test_each_model_span_is_kept_relabelled_resized_or_deleted() -> None:
    predicted = [Span(0, 5, "GPE"), Span(10, 15, "ORG"), Span(20, 30, "PERSON"), Span(40, 45, "DATE")]
    final = [Span(0, 5, "GPE"), Span(10, 15, "PERSON"), Span(22, 30, "PERSON"), Span(50, 55, "LOC")]
    outcomes, added = compare(predicted, final)
    assert outcomes == {"kept": 1, "relabelled": 1, "resized": 1, "deleted": 1}
    assert added == {"LOC": 1}
