"""The document queue beside the text: progress, a status filter, a text search and the lazy list."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListView, QProgressBar, QVBoxLayout, QWidget

from annotations import store
from gui.queue_model import STATUSES, DocumentIdRole, QueueModel

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
        super().dataChanged(top_left, bottom_right, roles)


class QueuePanel(QWidget):
    """Shows a QueueModel; says which document the person chose."""

    document_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="side")
        self.queue_model: QueueModel | None = None
        self.settings: QSettings | None = None
        self.current_id: int | None = None  # the document on screen, marked in the list when it is there
        self._build_widgets()
        self._build_layout()
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.order_choice.currentIndexChanged.connect(self._order_changed)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer.timeout.connect(self.apply_filter)
        self.queue_view.clicked.connect(self._on_clicked)

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
        ):
            column.addWidget(widget)
        column.addWidget(self.absent_note)
        column.addWidget(self.queue_view, 1)

    def set_model(self, queue_model: QueueModel) -> None:
        """Show another database's queue."""
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
        self.apply_filter()

    def apply_filter(self) -> None:
        """Show only the documents with the chosen status and text."""
        if self.queue_model is None:
            return
        chosen = self.status_filter.currentIndex()
        statuses = None if chosen <= 0 else [STATUSES[chosen - 1]]
        self.queue_model.order = self.queue_order()
        self.queue_model.set_filter(statuses, self.search_box.text().strip())
        if self.current_id is not None:
            self.mark(self.current_id)

    def mark(self, document_id: int) -> None:
        """Highlight the row of the document on screen; when the filter leaves it out, say so above the list
        (the list's own highlight would otherwise stay on another document)."""
        self.current_id = document_id
        if self.queue_model is None:
            return
        row = self.queue_model.load_through(document_id)
        if row is not None:
            self.queue_view.setCurrentIndex(self.queue_model.index(row))
            self.queue_view.scrollTo(self.queue_model.index(row))
            self.absent_note.hide()
            return
        self.queue_view.setCurrentIndex(QModelIndex())
        self.absent_note.setText(
            f"Document {document_id}, on screen, is not in this list: {self._why_absent()}."
        )
        self.absent_note.show()

    def _why_absent(self) -> str:
        """Why the filters leave a document out of the list."""
        chosen = self.status_filter.currentIndex()
        reasons = []
        if chosen > 0:
            reasons.append(f"the list shows {STATUSES[chosen - 1]} documents only")
        if self.search_box.text().strip():
            reasons.append("its text does not hold the search")
        return " and ".join(reasons) or "it lies further down the queue"

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` documents answered."""
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress_text.setText(f"{done:,} of {total:,} done")

    def _on_clicked(self, index: QModelIndex) -> None:
        self.document_chosen.emit(index.data(DocumentIdRole))
