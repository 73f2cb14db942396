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


def test_spans_people_add_where_the_model_found_nothing_count_as_added(tmp_path) -> None:
    """The model ran and proposed no span: what the person labelled there is theirs, in every count."""
    from annotations import store
    from annotations.annotator_stats import annotator_stats
    from annotations.model import Answer, DocumentState, SpanSource
    from annotations.session import Session
    from annotations.stats import dataset_stats
    from annotations.store import NewDocument, Prediction

    db = store.open_store(tmp_path / "s.db")
    with store.write_transaction(db):
        dataset = store.ensure_dataset(db, "d")
        new = NewDocument("Nothing here.", (), 1, DocumentState(()), Prediction("m", "1", ()))
        store.insert_documents(db, dataset, [new])
    dan = Session(db, "dan")
    dan.open(1)
    dan.apply(dan.add_span(0, 7, "PRODUCT"))
    dan.apply(dan.set_answer(Answer.ACCEPT))
    assert dan.document.spans[0].source is SpanSource.HUMAN
    (stats,) = dataset_stats(db)
    assert stats.added_by_label == {"PRODUCT": 1}
    (person,) = annotator_stats(db)
    assert person.added == 1
    db.close()
