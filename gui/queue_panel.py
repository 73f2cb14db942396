"""The document queue beside the text: progress, a status filter, a text search and the lazy list."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListView, QProgressBar, QVBoxLayout, QWidget

from annotations import store
from gui.queue_model import STATUSES, DocumentIdRole, QueueModel
from gui.queue_query import FirstPage, QueueQuery
from gui.queue_search import QueueSearch

SEARCH_DELAY_MS = 250
ORDERS = (("id", "In import order"), ("doubt", "Most likely wrong first"))
ORDER_SETTING = "queue_order"


class QueueView(QListView):
    """The queue's list: a row whose status changed is repainted, not the whole list laid out again.

    QListView answers any ``dataChanged`` by laying out every loaded row (about two ``rowCount`` calls
    each): with 5,000 rows loaded after a day's work, every accept took 40-80 ms instead of 11. The
    queue's rows all have one size (``uniformItemSizes``) and a refresh never changes it, so repainting
    the row is all there is to do.
    """

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:  # noqa: ANN001, N802 - Qt's slot
        """Repaint the changed row; a change of size (or of unknown roles) goes to QListView."""
        if top_left == bottom_right and roles and Qt.ItemDataRole.SizeHintRole not in roles:
            self.viewport().update(self.visualRect(top_left))
            return
        if list(roles) == [Qt.ItemDataRole.ForegroundRole]:  # every row greyed or not: repaint what is seen
            self.viewport().update()
            return
        super().dataChanged(top_left, bottom_right, roles)


class QueuePanel(QWidget):
    """Shows a QueueModel; says which document the person chose."""

    document_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="side")
        self.queue_model: QueueModel | None = None
        self.settings: QSettings | None = None
        self.current_id: int | None = None  # the document on screen, marked in the list when it is there
        self.search = QueueSearch(self)  # filter, search and order changes are read off the GUI thread
        self._build_widgets()
        self._build_layout()
        self.status_filter.currentIndexChanged.connect(lambda _i: self.filter_later())
        self.order_choice.currentIndexChanged.connect(self._order_changed)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer.timeout.connect(self.filter_later)
        self.queue_view.clicked.connect(self._on_clicked)
        self.queue_view.activated.connect(self._on_clicked)  # Enter on a row (the keyboard's click)
        self.search.page_ready.connect(self._show_first_page)
        self.search.count_ready.connect(self._show_count)
        self.search.failed.connect(self._show_failure)

    def _build_widgets(self) -> None:
        self.heading = QLabel("QUEUE")
        self.heading.setProperty("class", "heading")
        self.progress_text = QLabel()
        self.progress = QProgressBar(textVisible=False)
        self.status_filter = QComboBox()
        self.status_filter.addItems(["All documents", *(s.capitalize() for s in STATUSES)])
        self.order_choice = QComboBox(toolTip="The order of the queue (most likely wrong: the model's doubt)")
        self.order_choice.addItems([text for _, text in ORDERS])
        self.search_box = QLineEdit(placeholderText="Search text…", clearButtonEnabled=True)
        self.count_text = QLabel(wordWrap=True)  # how many documents the list holds, or that it is searching
        self.count_text.setStyleSheet("color: #57606a; font-size: 11px;")
        self.queue_view = QueueView(uniformItemSizes=True)
        self.queue_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.queue_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.absent_note = QLabel(wordWrap=True)  # why the document on screen is not in the list
        self.absent_note.setStyleSheet("color: #57606a; font-size: 11px;")
        self.absent_note.hide()

    def _build_layout(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 10, 10)
        for widget in (
            self.heading,
            self.progress_text,
            self.progress,
            self.status_filter,
            self.order_choice,
            self.search_box,
            self.count_text,
        ):
            column.addWidget(widget)
        column.addWidget(self.absent_note)
        column.addWidget(self.queue_view, 1)

    def attach(self, db_path: Path, identity: tuple[int, int] | None) -> None:
        """Read this database's queue off the GUI thread from now on (by its own read-only connection)."""
        self.search.attach(db_path, identity)

    def stop_search(self) -> None:
        """Stop a search running and end its thread (closing the window)."""
        self._search_timer.stop()
        self.search.stop()
        self._show_searching(False)

    def set_model(self, queue_model: QueueModel) -> None:
        """Show another database's queue."""
        self.search.cancel()  # a search of the previous queue must not fill this one
        self._show_searching(False)
        self.queue_model = queue_model
        if queue_model.order != self.queue_order():  # the order chosen last time
            if queue_model.read:
                queue_model.set_order(self.queue_order())
            else:  # not read yet: its first read (the window's filter) sorts so
                queue_model.order = self.queue_order()
        self.queue_view.setModel(queue_model)

    def use_settings(self, settings: QSettings) -> None:
        """Remember the queue's order in ``settings`` and start with the one chosen last."""
        self.settings = settings
        chosen = str(settings.value(ORDER_SETTING, "id"))
        keys = [key for key, _ in ORDERS]
        self.order_choice.setCurrentIndex(keys.index(chosen) if chosen in keys else 0)

    def order(self) -> str:
        """The chosen order: "id" or "doubt"."""
        return ORDERS[max(self.order_choice.currentIndex(), 0)][0]

    def queue_order(self) -> store.QueueOrder:
        """The store's sort of the chosen order."""
        return store.BY_DOUBT if self.order() == "doubt" else store.BY_ID

    def _order_changed(self, _index: int) -> None:
        if self.settings is not None:
            self.settings.setValue(ORDER_SETTING, self.order())
        self.filter_later()

    def chosen_query(self) -> QueueQuery | None:
        """The filters and order the panel shows now, for its queue (None: no queue yet)."""
        model = self.queue_model
        if model is None:
            return None
        chosen = self.status_filter.currentIndex()
        statuses = None if chosen <= 0 else (STATUSES[chosen - 1],)
        search = self.search_box.text().strip()
        return QueueQuery(model.viewer, model.dataset, model.review, statuses, search, self.queue_order())

    @property
    def filtered(self) -> bool:
        """Whether a status or a search narrows the list (the queue's slow reads: see ``filter_later``)."""
        query = self.chosen_query()
        return query is not None and (query.statuses is not None or bool(query.search))

    def apply_filter(self) -> None:
        """Show only the documents with the chosen status and text, read now on this thread (opening a
        database, an import into an unfiltered queue: the window goes on with the queue filled); a search
        running is dropped."""
        query = self.chosen_query()
        if query is None or self.queue_model is None:
            return
        self._search_timer.stop()
        self.search.cancel()
        self._show_searching(False)
        self.queue_model.order = query.order
        self.queue_model.set_filter(None if query.statuses is None else list(query.statuses), query.search)
        self.show_total()
        if self.current_id is not None:
            self.mark(self.current_id)

    def filter_later(self) -> None:
        """Show the chosen filters' documents, read off the GUI thread: the list says it is searching until
        the first page comes (the previous rows stay, greyed, meanwhile), then the count."""
        query = self.chosen_query()
        if query is None or self.queue_model is None:
            return
        self._search_timer.stop()
        if not self.search.attached:  # a panel without a database file (tests of the model alone)
            self.apply_filter()
            return
        self.queue_model.expect_first_page()  # answers given meanwhile are shown in its rows
        self.search.start(query, self.current_id)  # the pages up to the document on screen too
        self._show_searching(True, query)

    def _show_first_page(self, first: FirstPage) -> None:
        if self.queue_model is None:
            return
        self.queue_model.show_first_page(first)
        self.queue_view.scrollToTop()  # not left past the new rows' end (the list would fetch a page)
        self._show_searching(False)
        self.show_total()
        if self.current_id is not None:  # read with the first page, unless another was opened meanwhile
            self.mark(self.current_id, max_pages=0 if first.through == self.current_id else 50)

    def _show_count(self, total: int) -> None:
        if self.queue_model is not None:
            self.queue_model.set_total(total)
            self.show_total()

    def _show_failure(self, message: str) -> None:
        self._show_searching(False)
        self.count_text.setStyleSheet("color: #cf222e; font-size: 11px;")
        self.count_text.setText(f"Could not read the queue: {message}. The list shows the previous filter.")

    def _show_searching(self, searching: bool, query: QueueQuery | None = None) -> None:
        """Grey the list and say what is being read (or stop saying so)."""
        if self.queue_model is not None:
            self.queue_model.set_dimmed(searching)
        if searching and query is not None:
            self.count_text.setStyleSheet("color: #0969da; font-size: 11px; font-weight: bold;")
            self.count_text.setText(searching_text(query))

    @property
    def searching(self) -> bool:
        """Whether a filter's first page or count is still being read off the GUI thread."""
        return self.search.busy

    def show_total(self) -> None:
        """How many documents the list holds (or that it is still counting them)."""
        model = self.queue_model
        if model is None:
            return
        colour = "#57606a" if model.counted else "#0969da"  # blue: still at work
        self.count_text.setStyleSheet(f"color: {colour}; font-size: 11px;")
        text = total_text(model.query(), model.total, model.counted, model.rowCount(), model.moved_out)
        self.count_text.setText(text)

    def refresh(self, document_id: int) -> None:
        """Show a document's status in its row (after an answer or its undo), and in the count line: a
        listed document whose answer left the filter stays listed but is no longer counted."""
        if self.queue_model is not None and self.queue_model.refresh(document_id) and not self.searching:
            self.show_total()

    def mark(self, document_id: int, max_pages: int = 50) -> None:
        """Highlight the row of the document on screen, fetching up to ``max_pages`` pages to reach it; when
        the filter leaves it out, say so above the list (the list's own highlight would otherwise stay on
        another document)."""
        self.current_id = document_id
        if self.queue_model is None:
            return
        if not self.queue_model.read:  # its first page is being read: the row is marked when it comes
            self.queue_view.setCurrentIndex(QModelIndex())
            self.absent_note.hide()
            return
        row = self.queue_model.load_through(document_id, max_pages)
        if row is not None:
            self.queue_view.setCurrentIndex(self.queue_model.index(row))
            self.queue_view.scrollTo(self.queue_model.index(row))
            self.absent_note.hide()
            return
        self.queue_view.setCurrentIndex(QModelIndex())
        if self.queue_model.left_out(document_id):
            said = f"is not in this list: {self._why_absent()}"
        elif not self.queue_model.has_chosen_status(document_id):  # known without reading further
            said = f"is not in this list: {self._why_absent(search=False)}"
        else:  # not looked for past the pages read (a search many documents hold)
            said = "lies further down this list than the rows read"
        self.absent_note.setText(f"Document {document_id}, on screen, {said}.")
        self.absent_note.show()

    def _why_absent(self, search: bool = True) -> str:
        """Why the filters leave a document out of the list (``search``: its search too, if one is typed)."""
        chosen = self.status_filter.currentIndex()
        reasons = []
        if chosen > 0:
            reasons.append(f"the list shows {STATUSES[chosen - 1]} documents only")
        if search and self.search_box.text().strip():
            reasons.append("its text does not hold the search")
        return " and ".join(reasons) or "it lies further down the queue"

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` documents answered."""
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress_text.setText(f"{done:,} of {total:,} done")

    def _on_clicked(self, index: QModelIndex) -> None:
        self.document_chosen.emit(index.data(DocumentIdRole))


def searching_text(query: QueueQuery) -> str:
    """What the count line says while a query is read."""
    if query.search:
        return f"Searching for “{' '.join(query.search.split())[:40]}”…"
    return "Reading the queue…"


def total_text(query: QueueQuery, total: int, counted: bool, shown: int, moved_out: int = 0) -> str:
    """What the count line says of a queue read: "836,385 documents hold “the”", or the rows shown while
    they are counted ("200+ documents hold “the”; counting…"). ``moved_out`` listed documents the filter no
    longer holds (answered since) are not counted: "24,984 pending documents (1 more listed, no longer
    pending)"."""
    if counted:
        total = max(total - moved_out, 0)
    number = f"{shown:,}+" if not counted else ("No" if total == 0 else f"{total:,}")
    status = f" {query.statuses[0]}" if query.statuses and len(query.statuses) == 1 else ""
    one = counted and total in (0, 1)  # "1 document holds", "No document holds"
    text = f"{number}{status} document{'' if one else 's'}"
    if query.search:
        text += f" hold{'s' if one else ''} “{' '.join(query.search.split())[:40]}”"
    if not counted:
        return text + "; counting…"
    if moved_out > 0:
        text += f" ({moved_out:,} more listed, no longer {status.strip() or 'in the filter'})"
    return text
