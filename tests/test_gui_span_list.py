"""The span list after an edit shows exactly what listing the document anew shows, keeping the rows of
spans the edit did not touch (a bulk deletion in a long document removes rows, it does not rewrite them)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from annotations.model import Document, DocumentState, Span, SpanSource, unchanged_ends
from gui.span_list import SpanListModel, SpanRole

TEXT = "".join(chr(ord("a") + i % 26) for i in range(120))
LABELS = ("ORG", "PER", "LOC")


@st.composite
def span_sets(draw) -> tuple[Span, ...]:
    """Non-overlapping spans over TEXT, in order, with any labels and makers."""
    cuts = sorted(draw(st.sets(st.integers(0, len(TEXT)), max_size=30)))
    spans = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if draw(st.booleans()):
            label = draw(st.sampled_from(LABELS))
            spans.append(Span(start, end, label, draw(st.sampled_from(list(SpanSource)))))
    return tuple(spans)


def rows(model: SpanListModel) -> list[tuple]:
    """What each row shows: its text, tooltip, colour, font, span and maker."""
    shown = []
    for row in range(model.rowCount()):
        item = model.item(row)
        span = item.data(SpanRole)
        font = item.data(Qt.ItemDataRole.FontRole)
        shown.append((item.text(), item.toolTip(), font is not None and font.italic(), span, span.source))
    return shown


def listed(spans: tuple[Span, ...]) -> SpanListModel:
    model = SpanListModel()
    model.set_document(Document(1, "test", TEXT, (), DocumentState(spans)), {"ORG": "#aaddff"})
    return model


@settings(max_examples=300, deadline=None)
@given(before=span_sets(), after=span_sets())
def test_the_list_after_an_edit_is_the_list_of_the_edited_document(qapp, before, after) -> None:
    model = listed(before)
    model.update_spans(after, unchanged_ends(before, after))
    assert rows(model) == rows(listed(after))


def test_deleting_every_span_of_a_label_removes_only_their_rows(qapp) -> None:
    spans = tuple(Span(i * 4, i * 4 + 3, LABELS[i % 3], SpanSource.MODEL) for i in range(30))
    model = listed(spans)
    kept = [model.item(row) for row in range(model.rowCount()) if spans[row].label != "LOC"]
    rewritten = []
    model.dataChanged.connect(lambda top, _bottom, _roles=(): rewritten.append(top.row()))
    after = tuple(span for span in spans if span.label != "LOC")
    model.update_spans(after, unchanged_ends(spans, after))
    assert [model.item(row) for row in range(model.rowCount())] == kept  # the same row objects
    assert rewritten == []
