"""The queue's memory stays flat however far it is scrolled: rows keep their id and answer only, and the
text a row shows is fetched again when it comes back into view."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import make_database
from PySide6.QtCore import QModelIndex, Qt

from annotations import store
from annotations.model import Answer, DocumentState
from gui.queue_model import PREVIEWS_KEPT, QueueModel, StatusRole

COUNT = 20_000


def text(i: int) -> str:
    return f"Document {i}: " + "word " * 60 + f"end of {i}"  # longer than the 200 characters kept


def shown(i: int) -> str:
    return " ".join(text(i)[:200].split())[:90]


def test_scrolling_twenty_thousand_rows_keeps_a_bounded_number_of_texts(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    make_database(path, [text(i) for i in range(COUNT)])
    db = store.open_store(path)
    session_id = store.document_ids(db)[7]
    model = QueueModel(db)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        last = model.rowCount() - 1
        assert model.data(model.index(last)) == shown(last)  # the rows just scrolled to show their text
    assert model.rowCount() == COUNT
    assert model.previews_kept <= PREVIEWS_KEPT < COUNT // 5
    # rows scrolled past long ago come back with the right text, and the answer kept for every row
    for row in (0, 7, 12_345, COUNT - 1, 3):
        assert model.data(model.index(row)) == shown(row)
        assert model.data(model.index(row), Qt.ItemDataRole.UserRole + 1) == store.document_ids(db)[row]
    assert model.previews_kept <= PREVIEWS_KEPT
    assert model.row_of(session_id) == 7 and model.row_of(10**9) is None
    assert model.data(model.index(7), StatusRole) == "pending"
    before = store.load_document(db, session_id).state
    accepted = DocumentState(before.spans, Answer.ACCEPT)
    store.write_state(db, session_id, accepted, kind="answer", annotator=None, expected_rev=0, before=before)
    model.refresh(session_id)
    assert model.data(model.index(7), StatusRole) == "accepted"
    assert model.data(model.index(7)) == shown(7)
    db.close()
