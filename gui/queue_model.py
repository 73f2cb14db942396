"""The document queue: a lazy list model over the store (pages of ids, never all documents)."""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from annotations import store
from gui.queue_query import STATUS_OF_ANSWER, FirstPage, QueueQuery

if TYPE_CHECKING:
    from sqlite_utils import Database

PAGE_SIZE = 200
PREVIEWS_KEPT = 2000  # previews (first 200 characters) kept for rows scrolled past: memory stays flat
PREVIEW_BLOCK = 100  # rows whose previews one lookup fetches around a row not kept (one query)
ANSWERS = (None, "accept", "reject", "ignore")  # an answer kept per loaded row as its index here (a byte)
STATUSES = ("pending", "accepted", "rejected", "ignored")
DIMMED = QColor("#8c959f")  # the rows' text while another filter's rows are being read
STATUS_COLOURS = {"pending": "#9aa0a6", "accepted": "#2da44e", "rejected": "#cf222e", "ignored": "#bf8700"}
DocumentIdRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
# What a refresh changes: never the size of a row, so the view need not lay out its rows again
# (a dataChanged without roles made the list view lay out every loaded row, ~2 rowCount calls each)
CHANGED_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    StatusRole,
]

_Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractListModel):
    """Documents in queue order with their status; fetched a page at a time."""

    def __init__(
        self,
        db: Database,
        viewer: str | None = None,
        dataset: str | None = None,
        review: bool = False,
        filled: bool = True,
    ) -> None:
        """``filled``: read the first page now (False: empty until ``reload`` or a filter, which the window
        sets at once: its queue was read twice on every start)."""
        super().__init__()
        self.db = db
        self.viewer = viewer  # whose versions the queue shows (their own, else the base)
        self.dataset = dataset
        self.review = review  # the review queue: documents with several versions, the review's answers
        self.statuses: Sequence[str] | None = None
        self.search = ""
        self.order: store.QueueOrder = store.BY_ID  # the sort; pages start after the last key seen
        self._last: store.QueueKey | None = None  # the key of the last row loaded (None: none yet)
        self._ids = array("q")  # the loaded rows' document ids, 8 bytes each
        self._answer_codes = bytearray()  # their answers (an index into ANSWERS), one byte each
        self._ascending = True  # the loaded ids rise row by row (found by bisection)
        self._previews: OrderedDict[int, str] = OrderedDict()  # recently shown rows' text, least recent first
        self._total = 0
        self._counted = True  # ``_total`` is the count (else: rows loaded, plus one while more may come)
        self._newest = 0  # the highest document id when the queue was read
        self._fetching = False  # no nested fetch while rows are being inserted
        self.read = False  # whether the store was read yet (``reload``, a filter, an order)
        self.dimmed = False  # rows greyed: a new filter's rows are being read (``QueuePanel``)
        # documents whose answer changed while a query's rows were read elsewhere (None: none is read)
        self._changed_meanwhile: set[int] | None = None
        # listed documents the chosen statuses do not hold now (answered or undone since they were read), and
        # those of them already left out when the queue was last counted
        self._out_now: set[int] = set()
        self._out_at_count: set[int] = set()
        if filled:
            self.reload()

    # -- filters

    def set_order(self, order: store.QueueOrder) -> None:
        """Sort the queue by ``order`` (then by id) and start again from its first page."""
        self.order = order
        self.reload()

    def set_filter(self, statuses: Sequence[str] | None = None, search: str = "") -> None:
        """Show only documents with these statuses (None: all) whose text contains ``search``."""
        self.statuses, self.search = statuses, search
        self.reload()

    def reload(self) -> None:
        """Start again from the store (after an import, or a change of filter or database)."""
        self.read = True
        self._changed_meanwhile = None  # read now: every answer as it is
        self.beginResetModel()
        self._forget_rows()
        self._newest = store.newest_document_id(self.db)
        self._total, self._counted = self._count(), True
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def query(self) -> QueueQuery:
        """The filters and order shown now."""
        statuses = None if self.statuses is None else tuple(self.statuses)
        return QueueQuery(self.viewer, self.dataset, self.review, statuses, self.search, self.order)

    def expect_first_page(self) -> None:
        """A query's first page is being read elsewhere: answers changed from now on are shown anew with it
        (its rows may have been read before them)."""
        if self._changed_meanwhile is None:
            self._changed_meanwhile = set()

    def show_first_page(self, first: FirstPage) -> None:
        """Show a query's first page read elsewhere (the search worker): its filters, rows and count (None:
        not counted yet, see ``set_total``), with the answers changed here since it was asked for."""
        query = first.query
        self.read = True
        self.statuses = None if query.statuses is None else list(query.statuses)
        self.search, self.order = query.search, query.order
        self.beginResetModel()
        self._forget_rows()
        self._newest = first.newest
        if first.keys:
            self._add_rows(first.keys, first.rows)
        self._set_total(first.total, full=not first.complete)
        self.endResetModel()
        changed, self._changed_meanwhile = self._changed_meanwhile or set(), None
        for document_id in sorted(changed):  # answered or undone while the rows were read: read anew
            self.refresh(document_id)

    def set_total(self, total: int) -> None:
        """The count of the query shown, counted after its first page was shown (with the answers given
        before it was counted: the rows they moved out of the filter are not taken off it again)."""
        self._total, self._counted = max(total, len(self._ids)), True
        self._out_at_count = set(self._out_now)

    @property
    def counted(self) -> bool:
        """Whether ``total`` is the queue's count (False while the search worker still counts)."""
        return self._counted

    def _set_total(self, total: int | None, full: bool) -> None:
        """``total`` when counted, else the rows loaded and one more if the last page was full."""
        self._counted = total is not None
        self._total = total if total is not None else len(self._ids) + (1 if full else 0)

    def _forget_rows(self) -> None:
        self._ids, self._answer_codes, self._ascending, self._last = array("q"), bytearray(), True, None
        self._previews.clear()
        self._out_now, self._out_at_count = set(), set()

    def _count(self) -> int:
        """How many documents the queue holds with the current filters, counted in the store."""
        return self.query().count(self.db)

    def _page(self) -> list[store.QueueKey]:
        """The keys (sort keys, then id) of the next page: the rows after the last one loaded."""
        return self.query().page(self.db, self._last, PAGE_SIZE)

    def _rows_of(self, ids: list[int]) -> dict[int, tuple[str | None, str]]:
        """The answer and the start of the text of these documents."""
        return self.query().rows(self.db, ids)

    # -- the Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._ids)

    def canFetchMore(self, parent: _Index) -> bool:  # noqa: N802
        return not parent.isValid() and not self._fetching and len(self._ids) < self._total

    def fetchMore(self, parent: _Index) -> None:  # noqa: N802
        if parent.isValid() or self._fetching:
            return
        keys = self._page()
        if not keys:
            self._total = len(self._ids)
            return
        self._fetching = True
        self.beginInsertRows(QModelIndex(), len(self._ids), len(self._ids) + len(keys) - 1)
        self._add_rows(keys, self._rows_of([key[-1] for key in keys]))
        if not self._counted:
            self._set_total(None, full=len(keys) >= PAGE_SIZE)
        self.endInsertRows()
        self._fetching = False

    def _add_rows(self, keys: list[store.QueueKey], rows: dict[int, tuple[str | None, str]]) -> None:
        """Append a page: its ids, answers and previews (it is about to be shown)."""
        page = [key[-1] for key in keys]
        self._last = keys[-1]
        joined = self._ids[-1:].tolist() + page  # the last row loaded, then this page
        if any(a >= b for a, b in zip(joined, joined[1:], strict=False)):
            self._ascending = False
        self._ids.extend(page)
        self._answer_codes.extend(_answer_code(rows.get(d, (None, ""))[0]) for d in page)
        for document_id in page:
            self._keep_preview(document_id, rows.get(document_id, (None, ""))[1])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        document_id = self._ids[index.row()]
        status = STATUS_OF_ANSWER[ANSWERS[self._answer_codes[index.row()]]]
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(self.preview(index.row()).split())[:90] or "(empty document)"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Document {document_id}: {'review ' if self.review else ''}{status}"
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(STATUS_COLOURS[status])
        if role == Qt.ItemDataRole.ForegroundRole:
            return DIMMED if self.dimmed else None
        if role == DocumentIdRole:
            return document_id
        if role == StatusRole:
            return status
        return None

    def set_dimmed(self, dimmed: bool) -> None:
        """Grey every row's text (or stop): the rows are of the previous filter while a new one is read."""
        if dimmed != self.dimmed and self._ids:
            self.dimmed = dimmed
            self.dataChanged.emit(
                self.index(0), self.index(len(self._ids) - 1), [Qt.ItemDataRole.ForegroundRole]
            )
        self.dimmed = dimmed

    # -- previews: kept for the rows last shown only

    def preview(self, row: int) -> str:
        """The first 200 characters of the document in ``row``, fetched with its neighbours if not kept."""
        document_id = self._ids[row]
        text = self._previews.get(document_id)
        if text is not None:
            self._previews.move_to_end(document_id)
            return text
        start = max(0, row - PREVIEW_BLOCK // 2)
        block = [d for d in self._ids[start : start + PREVIEW_BLOCK] if d not in self._previews]
        fetched = store.document_previews(self.db, block)
        for other in block:
            if other != document_id:
                self._keep_preview(other, fetched.get(other, ""))
        self._keep_preview(document_id, fetched.get(document_id, ""))  # the most recent of all
        return self._previews[document_id]

    def _keep_preview(self, document_id: int, text: str) -> None:
        self._previews[document_id] = text
        self._previews.move_to_end(document_id)
        while len(self._previews) > PREVIEWS_KEPT:
            self._previews.popitem(last=False)

    @property
    def previews_kept(self) -> int:
        """How many rows' previews are held in memory (at most ``PREVIEWS_KEPT``)."""
        return len(self._previews)

    # -- lookups and updates

    def document_id(self, row: int) -> int | None:
        """The id of the document in ``row``."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, document_id: int) -> int | None:
        """The row showing a document, if it is loaded."""
        if self._ascending:
            row = bisect.bisect_left(self._ids, document_id)
            return row if row < len(self._ids) and self._ids[row] == document_id else None
        try:
            return self._ids.index(document_id)
        except ValueError:
            return None

    def load_through(self, document_id: int, max_pages: int = 50) -> int | None:
        """The row of a document, fetching pages up to it; None when the filters leave it out (or it lies
        more than ``max_pages`` pages further; 0: among the rows loaded only)."""
        by_id = self.order == store.BY_ID  # then a page past its id means it is not in the list
        for _page in range(max_pages):
            row = self.row_of(document_id)
            if row is not None or (by_id and self._ids and self._ids[-1] > document_id):
                return row
            if not self.canFetchMore(QModelIndex()):
                return None
            self.fetchMore(QModelIndex())
        return self.row_of(document_id)

    def has_chosen_status(self, document_id: int) -> bool:
        """Whether a document has one of the statuses shown (always, with none chosen)."""
        if self.statuses is None:
            return True
        answer, _text = self._rows_of([document_id]).get(document_id, (None, ""))
        return self._chosen(answer)

    def _chosen(self, answer: str | None) -> bool:
        """Whether a document with this answer has one of the statuses shown (always, with none chosen)."""
        return self.statuses is None or STATUS_OF_ANSWER[answer] in self.statuses

    def left_out(self, document_id: int) -> bool:
        """Whether the rows read show that the filters leave a document out: every row was read, or (in id
        order) a row past it; False while it may lie further down than the rows read."""
        if self.row_of(document_id) is not None:
            return False
        past_it = self.order == store.BY_ID and bool(self._ids) and self._ids[-1] > document_id
        return past_it or not self.canFetchMore(QModelIndex())

    def first_pending(self) -> int | None:
        """The first document not answered yet (whatever the filters), if any."""
        ids = self._whole_queue_ids([None], None)
        return ids[0] if ids else None

    def first_in_whole_queue(self) -> int | None:
        """The queue's first document whatever the filters, if any."""
        ids = self._whole_queue_ids(None, None)
        return ids[0] if ids else None

    def in_whole_queue(self, document_id: int) -> bool:
        """Whether the queue holds a document whatever the filters (one look at the index by id)."""
        return self._whole_queue_ids(None, document_id - 1) == [document_id]

    def _whole_queue_ids(self, statuses: list[str | None] | None, after: int | None) -> list[int]:
        """The first id of the queue without its search (in id order), of these statuses, after ``after``."""
        if self.review:
            return store.review_ids(self.db, self.dataset, statuses, "", after, 1)
        return store.document_ids(self.db, self.dataset, statuses, "", after, 1, viewer=self.viewer)

    def row_after(self, row: int) -> int | None:
        """The next row, fetching another page if needed; None at the end of the queue."""
        if row + 1 >= len(self._ids) and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return row + 1 if row + 1 < len(self._ids) else None

    def refresh(self, document_id: int) -> bool:
        """Show a document's current status (after an answer or its undo); True when ``moved_out`` changed
        with it."""
        if self._changed_meanwhile is not None:
            self._changed_meanwhile.add(document_id)
        row = self.row_of(document_id)
        if row is None:
            return False
        answer, text = self._rows_of([document_id]).get(document_id, (None, ""))
        if ANSWERS[self._answer_codes[row]] == answer and self._previews.get(document_id, text) == text:
            return False  # nothing to show anew (most opens)
        self._answer_codes[row] = _answer_code(answer)
        if document_id in self._previews:
            self._previews[document_id] = text
        index = self.index(row)
        self.dataChanged.emit(index, index, CHANGED_ROLES)
        return self._note_moved(document_id, answer)

    def _note_moved(self, document_id: int, answer: str | None) -> bool:
        """Keep whether a listed document's answer has taken it out of the chosen statuses (it stays listed,
        so the list does not jump under the person's eyes, but is no longer counted)."""
        if self.statuses is None:
            return False
        moved = self.moved_out
        if self._chosen(answer):
            self._out_now.discard(document_id)
        else:
            self._out_now.add(document_id)
        return self.moved_out != moved

    @property
    def moved_out(self) -> int:
        """How many more listed documents the chosen statuses no longer hold than when the queue was counted
        (answered, or their answer undone, since): ``total`` less this is what they hold now."""
        return len(self._out_now - self._out_at_count) - len(self._out_at_count - self._out_now)

    def take_in_new_documents(self) -> bool:
        """Count the queue again and load documents added since it was read; True if any were.

        New documents have higher ids, so in id order they come after every row already loaded; in another
        order (most likely wrong first) they may sort anywhere: the queue is read again from the start. A
        search is counted again only when documents were added (its count reads every text).
        """
        if self.search and store.newest_document_id(self.db) == self._newest:
            return False
        total = self._count()
        if total <= self._total:
            return False
        if self.order != store.BY_ID:
            self.reload()
            return True
        all_loaded = len(self._ids) >= self._total
        self._total, self._counted = total, True
        self._out_at_count = set(self._out_now)  # counted now: ``total`` leaves them out already
        if all_loaded:  # else the new rows come with the pages still to be fetched
            self.fetchMore(QModelIndex())
        return True

    @property
    def total(self) -> int:
        """How many documents the queue holds with the current filters."""
        return self._total


def _answer_code(answer: str | None) -> int:
    """The byte kept for an answer (an unknown answer shows as pending, as before)."""
    return ANSWERS.index(answer) if answer in ANSWERS else 0
