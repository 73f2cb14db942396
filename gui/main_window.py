"""The main window: composition of the queue, the label bar, the document and the span list."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotations import store
from annotations.annotator_names import BadAnnotatorName, checked_annotator_name, others_note
from annotations.counting import counted
from annotations.edit_changes import Change
from annotations.model import Answer, Document, DocumentState, Span
from annotations.store import StoreError
from gui.confidence_marks import ConfidenceMarks
from gui.controller import AnnotationController, describe_store_error
from gui.document_view import DocumentView
from gui.file_actions import EXPORT_FORMATS, FileActions
from gui.fitting_label import FittingLabel, LegendBar
from gui.keyboard import KeyboardEditor, Navigation
from gui.label_bar import LabelBar
from gui.left_off import LeftOffKeeper, left_off
from gui.offer_bar import OfferBar
from gui.on_demand import later
from gui.plain_text import menu_text, message_box, plain_label, tooltip, window_title
from gui.queue_model import QueueModel
from gui.queue_panel import QueuePanel
from gui.review_mode import OWN_LEGEND, REVIEW_LEGEND, ReviewKeys, ReviewPanel, banner_text, review_banner
from gui.span_list import SpanList
from gui.workers import file_identity
from gui.write_gate import WriteGate, kept_if_free

if TYPE_CHECKING:  # imported when first used: not needed to show the first document
    from PySide6.QtWidgets import QDockWidget
    from sqlite_utils import Database

    from annotations.session import Edit
    from gui.agreement_dialog import AgreementDialog
    from gui.apply_everywhere import ApplyEverywhere
    from gui.corpus_search import SearchPanel

PAST = {Answer.ACCEPT: "accepted", Answer.REJECT: "rejected", Answer.IGNORE: "ignored"}
ANSWER_VERBS = {Answer.ACCEPT: "Accept", Answer.REJECT: "Reject", Answer.IGNORE: "Ignore"}
ANSWER_KEYS = {Answer.ACCEPT: "(A)", Answer.REJECT: "(X)", Answer.IGNORE: "(Space)"}
ANSWER_BUTTONS = {answer: f"{ANSWER_VERBS[answer]}  {ANSWER_KEYS[answer]}" for answer in Answer}
STYLE_SHEET = """
QMainWindow, QWidget#side { background: #f6f7f9; }
QWidget#paper { background: white; border: 1px solid #e3e5e8; border-radius: 8px; }
QListView::item { padding: 5px 4px; }
QListView::item:selected { background: #e8f0fe; color: #1f2328; }
QLabel.heading { color: #57606a; font-weight: 600; font-size: 11px; letter-spacing: 1px; }
QProgressBar { border: none; background: #e3e5e8; border-radius: 4px; height: 8px; text-align: center; }
QProgressBar::chunk { background: #2da44e; border-radius: 4px; }
QPushButton.answer { border-radius: 6px; padding: 6px 16px; font-weight: 600; color: white; }
"""


SEARCH_PANEL_MIN = 150  # the search box, the total and a few hits
show_train_dialog = later("gui.model_menu", "show_train_dialog")  # Model ▸ Train: its module on first use


class MainWindow(QMainWindow):
    """spandesk's window; everything it changes goes through the controller's commands."""

    def __init__(
        self, db_path: Path, db: Database, annotator: str, settings: QSettings | None = None
    ) -> None:
        super().__init__()
        self.db_path, self.db, self.annotator = db_path, db, annotator
        self.settings = settings if settings is not None else QSettings("spandesk", "spandesk")
        self.left_off = LeftOffKeeper(self.settings)  # the document on screen, for the next start
        self.colours: dict[str, str] = {}
        self.setStyleSheet(STYLE_SHEET)
        self.resize(1320, 840)
        self._build_widgets()
        self._build_layout()
        self._build_menus()
        self._build_status_bar()
        self._attach(db, db_path)
        application = QApplication.instance()
        if application is not None:
            application.applicationStateChanged.connect(self._on_application_state)
            application.aboutToQuit.connect(self._stop_training)  # a training still running cleans up first

    # ------------------------------------------------------------ building

    def _build_widgets(self) -> None:
        self.view = DocumentView()
        self.view.setPlaceholderText("No documents yet: use File ▸ Import… to add some.")
        self.label_bar = LabelBar()
        self.span_list = SpanList()
        self.span_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue_panel = QueuePanel()
        self.queue_panel.use_settings(self.settings)
        self.review_banner, self.review_panel = review_banner(), ReviewPanel()
        self.reviewing = False  # review mode: the reviewed versions of documents several people annotated
        self._search_panel: SearchPanel | None = None  # made at its first use (Find in all documents)
        self.search_dock: QDockWidget  # the search panel's dock: made with it
        self.offer_bar = OfferBar()  # apply everywhere's offer in the status bar (hidden)
        self._apply_everywhere: ApplyEverywhere | None = None  # made after the first paint, or at first use

    def _build_layout(self) -> None:
        splitter = QSplitter()
        splitter.addWidget(self.queue_panel)
        splitter.addWidget(self._centre())
        splitter.addWidget(
            self._side_panel("SPANS  (italic: the model's)", [self.review_panel, self.span_list])
        )
        splitter.setSizes([300, 760, 260])
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

    def _side_panel(self, title: str, widgets: list[QWidget]) -> QWidget:
        panel = QWidget(objectName="side")
        column = QVBoxLayout(panel)
        column.setContentsMargins(10, 10, 10, 10)
        heading = QLabel(title)
        heading.setProperty("class", "heading")
        column.addWidget(heading)
        for widget in widgets:
            column.addWidget(widget)
        return panel

    def _centre(self) -> QWidget:
        paper = QWidget(objectName="paper")
        column = QVBoxLayout(paper)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        column.addWidget(self.review_banner)
        column.addWidget(self.label_bar)
        rule = QFrame(frameShape=QFrame.Shape.HLine)
        rule.setStyleSheet("color: #e3e5e8;")
        column.addWidget(rule)
        column.addWidget(self.view, 1)
        column.addWidget(self._answer_bar())
        holder = QWidget(objectName="side")
        outer = QVBoxLayout(holder)
        outer.setContentsMargins(4, 10, 4, 10)
        outer.addWidget(paper)
        return holder

    def _answer_bar(self) -> QWidget:
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        self.answer_buttons: dict[Answer, QPushButton] = {}
        for colour, answer in (
            ("#2da44e", Answer.ACCEPT),
            ("#cf222e", Answer.REJECT),
            ("#8c959f", Answer.IGNORE),
        ):
            button = QPushButton(ANSWER_BUTTONS[answer], focusPolicy=Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(
                f"QPushButton {{ background: {colour}; color: white; border: 2px solid {colour};"
                " border-radius: 6px; padding: 5px 15px; font-weight: 600; }"
                " QPushButton[given='true'] { border-color: #1f2328; }"
            )
            button.clicked.connect(lambda _checked=False, chosen=answer: self.answer(chosen))
            self.answer_buttons[answer] = button
            row.addWidget(button)
        self.legend = FittingLabel(OWN_LEGEND)  # one line: as much of it as fits
        return LegendBar(self.legend, buttons)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.files = FileActions(self, self, self.settings, QMenu("Open &Recent", self))
        self._action(file_menu, "&Import…", lambda: self.files.choose_import(), QKeySequence("Ctrl+I"))
        self._action(file_menu, "Import a &folder…", self.files.choose_folder_import)
        self._action(file_menu, "Import on a &cluster…", self.files.choose_cluster_import)
        export_menu = file_menu.addMenu("&Export")
        for fmt, title, _suffix in EXPORT_FORMATS:
            self._action(
                export_menu, f"{title}…", lambda _c=False, chosen=fmt: self.files.choose_export(chosen)
            )
        file_menu.addSeparator()
        self._action(file_menu, "&Open database…", self.files.choose_database, QKeySequence.StandardKey.Open)
        self._action(
            file_menu, "&New database…", self.files.choose_new_database, QKeySequence.StandardKey.New
        )
        file_menu.addMenu(self.files.recent_menu)
        self._action(file_menu, "&Back up database…", self.files.choose_backup)
        file_menu.addSeparator()
        self._action(file_menu, "&Work as…", self.choose_annotator)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo", self.undo, QKeySequence("Ctrl+Z"))
        self.redo_action = self._action(edit_menu, "&Redo", self.redo, QKeySequence("Ctrl+Shift+Z"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addSeparator()
        self._action(edit_menu, "&Find in all documents…", self.show_search, QKeySequence("Ctrl+F"))
        self.apply_action = self._action(
            edit_menu,
            "&Apply to other occurrences…",
            lambda: self.apply_everywhere.preview(),
            QKeySequence("Ctrl+Shift+A"),
        )
        self._action(
            edit_menu, "Undo last apply-&everywhere", lambda: self.apply_everywhere.undo_last_batch()
        )
        edit_menu.addSeparator()
        self.characters_action = self._action(
            edit_menu, "Select &characters (not tokens)", self._toggle_characters
        )
        self.characters_action.setCheckable(True)
        self._build_key_actions(edit_menu)
        document_menu = self.menuBar().addMenu("&Document")
        self._action(document_menu, "&Accept\tA", lambda: self.answer(Answer.ACCEPT))
        self._action(document_menu, "&Reject\tX", lambda: self.answer(Answer.REJECT))
        self._action(document_menu, "&Ignore\tSpace", lambda: self.answer(Answer.IGNORE))
        self._action(document_menu, "&Next\tRight", self.next_document)
        self._action(document_menu, "&Previous\tLeft", self.previous_document)
        dataset_menu = self.menuBar().addMenu("D&ataset")
        self._action(dataset_menu, "&Agreement…", self.show_agreement)
        review_menu = self.menuBar().addMenu("Re&view")
        self.review_action = self._action(
            review_menu, "&Review disagreements", self.set_review_mode, QKeySequence("Ctrl+R")
        )
        self.review_action.setCheckable(True)
        self.review_walk_actions = [
            self._action(review_menu, "&Next disagreement\tTab", lambda: self.review_step(1)),
            self._action(review_menu, "&Previous disagreement\tShift+Tab", lambda: self.review_step(-1)),
        ]
        model_menu = self.menuBar().addMenu("&Model")
        self._action(model_menu, "&Train from my corrections…", lambda: show_train_dialog(self))
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, QKeySequence("F1"))

    def _build_key_actions(self, edit_menu: QMenu) -> None:
        """Edit ▸ bulk corrections and the keyboard's settings (the keys are the document's: gui/keyboard)."""
        self.characters_action.setText("Select &characters (not tokens)\tC")
        self.skip_punctuation_action = self._action(
            edit_menu,
            "Token steps &skip punctuation",
            lambda on: setattr(self.keyboard, "skip_punctuation", on),
        )
        self.skip_punctuation_action.setCheckable(True)
        self.skip_punctuation_action.setChecked(True)
        edit_menu.addSeparator()
        self._action(edit_menu, "Choose a &label…\tL", lambda: self._keys_then(self.keyboard.open_picker))
        self._action(
            edit_menu, "Find in this &document…\t/", lambda: self._keys_then(self.keyboard.find_box.open)
        )
        self._action(
            edit_menu,
            "&Delete every span of a label\tCtrl+Shift+Del",
            lambda: self._keys_then(self.keyboard.delete_label_everywhere),
        )
        self._action(
            edit_menu,
            "C&lear the document\tCtrl+Shift+Backspace",
            lambda: self._keys_then(self.keyboard.clear_document),
        )

    def _keys_then(self, step) -> None:
        """Run a keyboard step from a menu, the document keeping the keys."""
        self.view.setFocus()
        step()

    def _action(self, menu, text: str, slot, shortcut: QKeySequence | None = None) -> QAction:
        # not QAction(text, self): ruling out its icon overload builds QIcon's 150 enum members (~2 ms)
        action = QAction(self)
        action.setText(text)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.model_label, self.dataset_label = plain_label(), plain_label()
        self.annotator_label, self.counts_label = plain_label(), plain_label()
        for label in (self.model_label, self.dataset_label, self.annotator_label, self.counts_label):
            label.setStyleSheet("color: #57606a; padding: 0 8px;")
            self.statusBar().addPermanentWidget(label)
        self.annotator_label.setStyleSheet("color: #1f2328; font-weight: 600; padding: 0 8px;")
        self.statusBar().insertPermanentWidget(0, self.offer_bar)
        # as tall as with the offer: its coming and going never moves the document's lines
        self.statusBar().setMinimumHeight(self.offer_bar.sizeHint().height() + 4)
        self.statusBar().messageChanged.connect(self._make_room_for_message)

    # ------------------------------------------------------------ a database

    def _attach(self, db: Database, db_path: Path, reopen: int | None = None) -> None:
        """Work on this database: a controller, a queue, labels; show the first document (or ``reopen``)."""
        self.db, self.db_path = db, db_path
        self.reviewing = False
        self.write_gate = self._gate(WriteGate(db, self))
        self.controller = self.own_controller = self._wired(
            AnnotationController(db, self.annotator, gate=self.write_gate)
        )
        self.review_controller: AnnotationController | None = None  # made on entering review mode
        self.database_identity, self._told_database_gone = file_identity(db_path), False
        self.queue_model = QueueModel(db, self.annotator, filled=False)  # filled by refresh_contents' filter
        self.queue_panel.attach(db_path, self.database_identity)
        self.queue_panel.set_model(self.queue_model)
        self.confidence = ConfidenceMarks(self)
        self.keyboard = KeyboardEditor(
            self.view,
            self.controller,
            self.label_bar,
            Navigation(self.next_document, self.previous_document, self.answer, self.undo, self.redo),
        )
        self.review_keys = ReviewKeys(self.view, self.review_panel, lambda: self.controller)
        self.review_keys.told = lambda text: self.statusBar().showMessage(text, 8000)
        self.view.key_handler = self._handle_key
        self.keyboard.told = lambda text: self.statusBar().showMessage(text, 8000)
        self.keyboard.characters_changed = self.characters_action.setChecked
        self.keyboard.skip_punctuation = self.skip_punctuation_action.isChecked()
        self.label_bar.relabel_hook = self.keyboard.relabel_selected
        if self._apply_everywhere is not None:
            self._apply_everywhere.stop()
        if self._search_panel is not None:
            self._search_panel.attach(db_path, self.database_identity, self.annotator)
        self._show_mode()
        self._connect_once()
        self.files.remember_recent(db_path)
        if reopen is not None:
            self.controller.open(reopen)
        self.refresh_contents()
        self._tell_same_texts()
        self._tell_others()

    def _gate(self, gate: WriteGate) -> WriteGate:
        """The gate changes wait at while another program writes, its signals connected to the window."""
        gate.given_up.connect(
            lambda what: self.statusBar().showMessage(f"Not saved: {what}. Nothing of it was stored.", 15000)
        )
        gate.settled.connect(self.take_keys_back)
        return gate

    def _wired(self, controller: AnnotationController) -> AnnotationController:
        """The controller, its signals connected to the window."""
        controller.document_opened.connect(self._on_document_opened)
        controller.document_edited.connect(self._on_document_edited)
        controller.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        controller.conflict.connect(self._on_conflict)
        controller.answers_changed.connect(self._count_answers)
        controller.corrected.connect(lambda edit: self.apply_everywhere.corrected(edit))
        controller.corrected.connect(lambda _edit: self._refresh_search())
        controller.failure.connect(
            lambda message: self.files.show_failure("Could not save the edit", message)
        )
        controller.unreadable.connect(
            lambda message: self.files.show_failure("Could not open the document", message)
        )
        controller.undo_stack.indexChanged.connect(self._update_undo_actions)
        controller.undo_stack.indexChanged.connect(self.check_database_file)
        return controller

    def _handle_key(self, event) -> bool:
        """The document's keys: in review mode the review keys first, then the usual ones."""
        return (self.reviewing and self.review_keys.handle(event)) or self.keyboard.handle(event)

    # ------------------------------------------------------------ review mode

    def set_review_mode(self, on: bool) -> None:
        """Enter review mode (the reviewed versions of documents several annotators have a version of,
        edited as this window's person) or leave it (back to their own versions)."""
        if on and not store.count_review_queue(self.db):
            self.review_action.setChecked(False)
            self.statusBar().showMessage("Nothing to review: no document has two annotators' versions.", 8000)
            return
        if on == self.reviewing:
            return
        shown = self.controller.document.id if self.controller.document else None
        self._dismiss_offer()  # its plan is of the other mode's versions
        if on and self.review_controller is None:
            from annotations.review_session import ReviewSession  # review mode's modules: on first use

            session = ReviewSession(self.db, self.annotator)
            self.review_controller = self._wired(
                AnnotationController(self.db, self.annotator, session=session, gate=self.write_gate)
            )
        self.reviewing = on
        self.controller = self.review_controller if on else self.own_controller
        self.keyboard.controller = self.controller
        self.queue_model = QueueModel(self.db, self.annotator, review=on, filled=False)
        self.queue_panel.set_model(self.queue_model)
        self._show_mode()
        self._update_undo_actions()
        self._count_answers()
        self._tell_mode()
        if self.queue_panel.filtered:  # read off the GUI thread, as after an import (``refresh_contents``)
            self.queue_panel.filter_later()
            self._open_in_whole_queue(shown)  # the same document if this queue holds it, else its first
        else:
            self.queue_panel.apply_filter()  # fills it
            row = self.queue_model.row_of(shown) if shown is not None else None
            self.open_row(row if row is not None else 0)

    def review_step(self, step: int) -> None:
        """The next (1) or previous (-1) disagreement, in review mode."""
        if self.reviewing:
            self.review_keys.step(step)

    def _show_mode(self) -> None:
        """Show which mode the window is in: the banner, the panel, the title and the status bar."""
        self.review_action.setChecked(self.reviewing)
        for action in self.review_walk_actions:
            action.setEnabled(self.reviewing)
        self.review_banner.setText(banner_text(self.annotator))
        self.review_banner.setVisible(self.reviewing)
        self.review_panel.setVisible(self.reviewing)
        self.legend.set_texts(REVIEW_LEGEND if self.reviewing else OWN_LEGEND)
        role = "reviewing" if self.reviewing else "working"
        self.setWindowTitle(window_title(f"spandesk — {self.db_path.name} — {role} as {self.annotator}"))
        self._update_status()

    def _tell_mode(self) -> None:
        """Say which versions the window shows now (replacing what the other mode's message said)."""
        self.statusBar().clearMessage()
        if self.reviewing:
            count = store.count_review_queue(self.db)
            self.statusBar().showMessage(
                f"Review mode: {counted(count, 'document', grouped=True)} to review; "
                "you edit the reviewed version.",
                8000,
            )
        else:
            self._tell_others()
            if not self.statusBar().currentMessage():
                self.statusBar().showMessage("Back to your own versions.", 8000)

    def _tell_same_texts(self) -> None:
        """Documents an upgrade found holding a text already in their dataset (kept, never merged) are named
        in the status bar until the next message (short, to fit beside the counts; `stats` says more)."""
        if not store.holds_same_texts(self.db):
            return  # as in nearly every database: the module listing them is not loaded
        from annotations import identity

        same = identity.same_text_documents(self.db)
        if same:
            pairs = ", ".join(f"{s.document_id} = {s.same_as}" for s in same[:4])
            more = f" and {len(same) - 4} more" if len(same) > 4 else ""
            self.statusBar().showMessage(f"Same text twice, kept from an older spandesk: {pairs}{more}")

    def _tell_others(self) -> None:
        """Say once (on opening, or on a change of name) who else has versions here, unless a message about
        the database itself is showing."""
        note = others_note(store.annotators(self.db), self.annotator)
        self.annotator_label.setToolTip(tooltip(note or "Nobody else has versions in this database."))
        if note and not self.statusBar().currentMessage():
            self.statusBar().showMessage(note)

    # ------------------------------------------------------------ the person at the keyboard

    def choose_annotator(self) -> None:
        """Ask for the name to work as (File ▸ Work as…); the window switches to that person's versions."""
        from gui.annotator_dialog import AnnotatorDialog

        self.annotator_dialog = AnnotatorDialog(self.annotator, self)
        self.annotator_dialog.accepted.connect(lambda: self.work_as(self.annotator_dialog.name()))
        self.annotator_dialog.finished.connect(self.take_keys_back)
        self.annotator_dialog.open()

    def work_as(self, name: str) -> bool:
        """Switch to ``name``'s versions (queue, counts, the open document), keeping the name in the database.

        The undo history starts afresh: undoing an edit of the previous name's version while working as
        another would change the wrong version. False (and a message) for a name that cannot be used.
        """
        try:
            name = checked_annotator_name(name)
        except BadAnnotatorName as error:
            self.files.show_failure("That name cannot be used", f"{name!r}: {error}.")
            return False
        if name == self.annotator:
            return True
        kept = self._keep_annotator(name)
        shown = self.controller.document.id if self.controller.document else None
        self.annotator = name
        for controller in {self.own_controller, self.review_controller} - {None}:
            controller.deleteLater()
        self.statusBar().clearMessage()
        self._attach(self.db, self.db_path, reopen=shown)
        self._update_undo_actions()
        if not kept:
            self.statusBar().showMessage(
                f"Working as {name} (not kept for the next start: the database cannot be written now)."
            )
        elif not self.statusBar().currentMessage():
            self.statusBar().showMessage(f"Working as {name}: you see and edit your own versions.", 8000)
        return True

    def _keep_annotator(self, name: str, db: Database | None = None) -> bool:
        database = db or self.db
        return kept_if_free(database, lambda: store.set_setting(database, "annotator", name))

    def show_agreement(self) -> None:
        """Dataset ▸ Agreement: the agreement figures, computed off the GUI thread; documents open here."""
        from gui.agreement_dialog import AgreementDialog

        self._close_agreement()
        dialog = self.agreement_dialog = AgreementDialog(self.db_path, self.database_identity, self)
        dialog.document_chosen.connect(lambda document_id: self._open_from(dialog, document_id))
        dialog.finished.connect(self.take_keys_back)
        self.agreement_dialog.show()
        frame = self.geometry()  # below the document's first lines, which a chosen document shows
        self.agreement_dialog.move(
            frame.center().x() - self.agreement_dialog.width() // 2,
            max(frame.top(), frame.bottom() - self.agreement_dialog.height() - 60),
        )
        self.agreement_dialog.activateWindow()  # Enter and the arrows go to the list of documents
        self.agreement_dialog.start()

    def _open_from(self, dialog: AgreementDialog, document_id: int) -> None:
        """Open a document the agreement dialog chose, if the dialog is of the database open now."""
        if dialog.db_path == self.db_path and dialog.identity == self.database_identity:
            self.controller.open(document_id)

    def _close_agreement(self) -> None:
        """Close the agreement dialog (its worker stopped and waited for): it is of this database only."""
        dialog = getattr(self, "agreement_dialog", None)
        if dialog is not None:
            dialog.close()

    def _connect_once(self) -> None:
        if getattr(self, "_connected", False):
            return
        self._connected = True
        self.view.span_drawn.connect(self._on_span_drawn)
        self.view.span_clicked.connect(self._on_span_clicked)
        self.span_list.span_chosen.connect(self._on_span_clicked)
        self.view.span_selected.connect(self.span_list.mark)
        self.queue_panel.document_chosen.connect(lambda document_id: self.controller.open(document_id))
        self.label_bar.colour_changed.connect(self.set_label_colour)

    def refresh_contents(self) -> None:
        """Re-read labels, queue and counts (after an import or on opening a database)."""
        labels = store.labels(self.db)
        self.colours = dict(labels)
        self.label_bar.set_labels(labels)
        self.model_label.setText(f"Model: {', '.join(store.model_names(self.db)) or '—'}")
        if self.queue_panel.filtered:
            # a filter's first page and count can take seconds at a million documents (a common word):
            # read off the GUI thread; the list greys until its rows come, then marks the document on screen
            self.queue_panel.filter_later()
            if self.controller.document is None:  # another database: open it without waiting for the list
                self._open_in_whole_queue(self._left_off_here(), self.queue_model.first_pending())
        else:  # the whole queue's first page is quick
            self.queue_panel.apply_filter()
            self._mark_current_row()
        self._update_status()
        self._count_answers()
        if self.controller.document is None and self.queue_model.rowCount():
            self.open_where_left_off()
        self.view.setFocus()

    # ------------------------------------------------------------ documents

    @property
    def current_document(self) -> Document | None:
        """The document on screen."""
        return self.controller.document

    def open_row(self, row: int) -> None:
        """Show the document in a queue row."""
        document_id = self.queue_model.document_id(row)
        if document_id is not None:
            self.controller.open(document_id)

    def open_where_left_off(self) -> None:
        """Open the document this person last had open in this database (kept in the settings), else the
        first one not answered yet, else the first row."""
        for document_id in (self._left_off_here(), self.queue_model.first_pending()):
            if document_id is not None and self.queue_model.load_through(document_id) is not None:
                self.controller.open(document_id)
                return
        self.open_row(0)

    def _left_off_here(self) -> int | None:
        """The document this person last had open in this database (kept in the settings), if any."""
        self.left_off.flush()  # another database or person: the place on the last one is kept first
        return left_off(self.settings, self.db_path, self.annotator)

    def _open_in_whole_queue(self, *candidates: int | None) -> None:
        """Open the first of these documents the queue holds whatever its filters, else its first document
        (each looked up by its id, not in the list's rows: the list may still be being read)."""
        for document_id in (*candidates, self.queue_model.first_in_whole_queue()):
            if document_id is not None and self.queue_model.in_whole_queue(document_id):
                self.controller.open(document_id)
                return

    def _current_row(self) -> int | None:
        document = self.controller.document
        return self.queue_model.row_of(document.id) if document else None

    def next_document(self) -> None:
        """Show the next document in the queue (without answering)."""
        row = self._current_row()
        following = (
            self.queue_model.row_after(row)
            if row is not None
            else (0 if self.queue_model.rowCount() else None)
        )
        if following is None and row is not None and self.take_in_new_documents():
            following = self.queue_model.row_after(row)  # documents another program added meanwhile
        if following is None:
            self.statusBar().showMessage("That was the last document in the queue.", 5000)
            return
        self.open_row(following)

    def take_in_new_documents(self) -> bool:
        """Show documents added since the queue was read (``spandesk import`` beside the window)."""
        try:
            added = self.queue_model.take_in_new_documents()
        except (StoreError, sqlite3.Error):  # the queue stays as read; edits say what is wrong
            return False
        if added:
            self.queue_panel.show_total()  # the count line says how many the list holds now
            self._count_answers()
        return added

    def previous_document(self) -> None:
        """Show the previous document in the queue."""
        row = self._current_row()
        if row:
            self.open_row(row - 1)

    def answer(self, answer: Answer) -> None:
        """Store the answer (undoable) and go to the next document (once stored, if it has to wait)."""
        document = self.controller.document
        if document is None:
            return
        if document.answer == answer:  # nothing to write: on to the next at once
            self._answer_now(answer)
        else:
            self.write_gate.run(f"{ANSWER_VERBS[answer]} the document", lambda: self._answer_now(answer))

    def _answer_now(self, answer: Answer) -> None:
        if self.controller.answer(answer):
            self.statusBar().showMessage(f"Document {PAST[answer]}.", 4000)
            self.next_document()

    def undo(self) -> None:
        """Undo the last edit or answer (of any document), and say what was undone."""
        self._dismiss_offer()
        stack = self.controller.undo_stack
        if not stack.canUndo():
            self.statusBar().showMessage("Nothing to undo." + self.apply_everywhere.last_batch_note(), 4000)
            return
        self.write_gate.run(f"Undo {_lowered(stack.undoText())}", lambda: self._step_history(undoing=True))

    def redo(self) -> None:
        """Redo the last undone edit or answer, and say what was redone."""
        self._dismiss_offer()
        stack = self.controller.undo_stack
        if not stack.canRedo():
            self.statusBar().showMessage("Nothing to redo.", 4000)
            return
        self.write_gate.run(f"Redo {_lowered(stack.redoText())}", lambda: self._step_history(undoing=False))

    def _step_history(self, undoing: bool) -> None:
        stack = self.controller.undo_stack
        if not (stack.canUndo() if undoing else stack.canRedo()):
            return
        status = self.statusBar()
        status.clearMessage()
        text = stack.undoText() if undoing else stack.redoText()
        command = stack.command(stack.index() - 1 if undoing else stack.index())  # the one about to step
        stack.undo() if undoing else stack.redo()
        if not status.currentMessage():  # a conflict or failure has said what happened instead
            status.showMessage(f"{'Undid' if undoing else 'Redid'}: {_lowered(' '.join(text.split()))}", 4000)
            self._select_changed(getattr(command, "change", None), undoing)

    def _select_changed(self, change: Change | None, undoing: bool) -> None:
        """After an undo or redo, select the span it brought back (a deleted one, the label before a
        relabel); when it only took one away, the keyboard stays where that span was."""
        document = self.controller.document
        if change is None or document is None or document.id != change.document_id:
            return
        back, gone = (change.removed, change.added) if undoing else (change.added, change.removed)
        if back:
            self.keyboard.select(self.controller.stored_over(back[0].start, back[0].end))
        elif gone:
            self.keyboard.select(None)
            self.keyboard.caret = gone[0].start
        self.span_list.mark(self.view.selected)

    def _make_room_for_offer(self, offering: bool) -> None:
        """The offer to apply everywhere takes the room of the model's and the dataset's names."""
        self.model_label.setHidden(offering)
        self.dataset_label.setHidden(offering)
        room = self.statusBar().width() - self.annotator_label.sizeHint().width() - 40
        needed = self.offer_bar.sizeHint().width() + self.counts_label.sizeHint().width()
        self.counts_label.setHidden(offering and needed > room)  # a narrow window: the counts come back after

    def _make_room_for_message(self, message: str) -> None:
        """A message too long for the room beside the names takes the model's and the dataset's (what an
        apply everywhere changed and skipped was cut off after "(bat")."""
        self.statusBar().setToolTip(tooltip(message) if message else "")  # the whole of it, even if cut
        if self._apply_everywhere is not None and self._apply_everywhere.offering:
            return  # the offer has taken their room already
        names = (self.model_label, self.dataset_label)
        beside = self.annotator_label.sizeHint().width() + self.counts_label.sizeHint().width()
        room = self.statusBar().width() - beside - sum(label.sizeHint().width() for label in names) - 40
        needed = self.statusBar().fontMetrics().horizontalAdvance(message) if message else 0
        for label in names:
            label.setHidden(needed > room)
        # still too wide (a notice of a reloaded document): the counts give their room too, until it goes
        room += sum(label.sizeHint().width() for label in names)
        self.counts_label.setHidden(needed > room)

    @property
    def apply_everywhere(self) -> ApplyEverywhere:
        """Apply everywhere (the offer, its preview, the batches and their undo), made right after the first
        paint (``finish_building``) or at its first use if that comes sooner; its module loads then."""
        if self._apply_everywhere is None:
            self._apply_everywhere = self._make_apply_everywhere()
        return self._apply_everywhere

    def _make_apply_everywhere(self) -> ApplyEverywhere:
        from gui.apply_everywhere import ApplyEverywhere

        made = ApplyEverywhere(self, self.offer_bar)
        made.showing.connect(self._make_room_for_offer)
        if self._search_panel is not None:  # opened first: its hits follow the batches
            made.batch_done.connect(self._search_panel.refresh)
        return made

    def _dismiss_offer(self) -> None:
        """Take apply everywhere's offer away (nothing to do before it was made: it offered nothing)."""
        if self._apply_everywhere is not None:
            self._apply_everywhere.dismiss()

    def finish_building(self) -> None:
        """What the first paint does not show, made once it has painted (``gui.app.finish_opening``): apply
        everywhere, so the first correction does not wait for its module. Each part is also made at its
        first use, if that comes sooner."""
        _ = self.apply_everywhere  # made now, unless a first use made it already

    @property
    def search_panel(self) -> SearchPanel:
        """The panel finding a text in all documents, made at its first use (its module loads then) in the
        dock below the document (``search_dock``)."""
        if self._search_panel is None:
            from PySide6.QtWidgets import QDockWidget

            from gui.corpus_search import SearchPanel

            self.search_dock = QDockWidget("Find in all documents", self, objectName="search")
            self.search_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.search_dock)
            self.search_dock.hide()
            panel = self._search_panel = SearchPanel()
            self.search_dock.setWidget(panel)
            panel.attach(self.db_path, self.database_identity, self.annotator)
            panel.hit_chosen.connect(self.open_hit)
            panel.left.connect(self.view.setFocus)
            panel.closed.connect(self.search_dock.hide)
            if self._apply_everywhere is not None:  # else connected when it is made
                self._apply_everywhere.batch_done.connect(panel.refresh)
        return self._search_panel

    def _refresh_search(self) -> None:
        """After a correction: the search panel's hits again (if it was ever opened)."""
        if self._search_panel is not None:
            self._search_panel.refresh()

    def _stop_training(self) -> None:
        """On quitting: a training the Model menu started cleans up first (its dialog, if it was opened)."""
        dialog = getattr(self, "train_dialog", None)
        if dialog is not None:
            dialog.shutdown()

    def show_search(self) -> None:
        """Edit ▸ Find in all documents (Ctrl+F): the search panel, its box focused."""
        self.search_panel.colours = self.colours
        if not self.search_dock.isVisible():  # a quarter of the window: the document keeps most of it
            self.search_dock.show()
            height = max(SEARCH_PANEL_MIN, self.height() // 4)
            self.resizeDocks([self.search_dock], [height], Qt.Orientation.Vertical)
        self.search_panel.focus_box()

    def open_hit(self, document_id: int, start: int, end: int) -> None:
        """Open a search hit's document with the match selected (the span over exactly it, if any)."""
        document = self.controller.open(document_id)
        if document is None:
            return
        span = next((s for s in document.spans if (s.start, s.end) == (start, end)), None)
        if span is not None:
            self._on_span_clicked(span)
            self.keyboard.select(span)
        else:
            self.keyboard.caret = start
            self.view.set_pending((start, end))
        self.view.setFocus()

    def _on_document_opened(self, document: Document) -> None:
        offered = self._apply_everywhere.correction if self._apply_everywhere is not None else None
        if offered is not None and offered.document_id != document.id:
            self._dismiss_offer()
        self.confidence.document_opened(document)
        self.view.show_document(document, self._colours_for(document))
        self.keyboard.caret = 0
        self.span_list.show_spans(document, self.colours)
        self._show_answer(document)
        self.queue_panel.mark(document.id)
        self.queue_panel.refresh(document.id)
        if not self.reviewing:
            self.left_off.note(self.db_path, self.annotator, document.id)
        self._update_status()
        if self.reviewing:
            self.review_keys.document_changed(reopened=True)
            if getattr(self.controller.session, "started", False):  # its answer is the annotators' common one
                self._count_answers()
        self.view.setFocus()
        keep_out_of_garbage_collection()

    def _on_document_edited(self, document: Document, edit: Edit) -> None:
        # Edits use labels of the label bar, which all have colours: no new colour is needed here.
        self.view.update_spans(document, edit.unchanged)
        self.span_list.update_spans(document, edit.unchanged)
        self.span_list.mark(self.view.selected)
        if edit.before.answer != edit.after.answer:  # the queue shows answers, not spans
            self.queue_panel.refresh(document.id)
            self._show_answer(document)
        if self.reviewing:
            self.review_keys.document_changed(reopened=False)

    def _colours_for(self, document: Document) -> dict[str, str]:
        from annotations.labels import colour_for

        return {**{s.label: colour_for(s.label) for s in document.spans}, **self.colours}

    def _mark_current_row(self) -> None:
        if self.controller.document is not None:
            self.queue_panel.mark(self.controller.document.id)

    def _on_conflict(self, message: str) -> None:
        self._count_answers()  # another window may have answered documents
        self.statusBar().showMessage(message, 15000)
        from PySide6.QtWidgets import QMessageBox  # its class (and enums) load with the first message box

        box = message_box(QMessageBox.Icon.Information, "Document reloaded", message, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.conflict_box = box

    def _update_undo_actions(self) -> None:
        stack = self.controller.undo_stack
        try:
            stack.canUndo()
        except RuntimeError:  # the stack emits while it is being destroyed with its window
            return
        self.undo_action.setText(f"&Undo {menu_text(stack.undoText())}" if stack.canUndo() else "&Undo")
        self.redo_action.setText(f"&Redo {menu_text(stack.redoText())}" if stack.canRedo() else "&Redo")

    def _on_application_state(self, state: Qt.ApplicationState) -> None:
        """Back from another program (a shell running ``spandesk``): look at what it changed."""
        if state == Qt.ApplicationState.ApplicationActive:
            self.check_database_file()
            self.take_in_new_documents()
            self.check_review()

    def check_review(self) -> None:
        """In review mode: when the annotators' versions of the document changed (``spandesk merge`` brought
        another person's), show its disagreements as they are now and say whose versions arrived."""
        session = self.controller.session
        if not self.reviewing:
            return
        from annotations.review_session import ReviewSession

        if not isinstance(session, ReviewSession):
            return
        try:
            if not session.annotators_changed():
                return
        except (StoreError, sqlite3.Error):  # the next edit says what is wrong
            return
        before = set(session.review.annotators) if session.review else set()
        if self.controller.open(session.document.id) is None:
            return
        self._count_answers()
        arrived = sorted(set(session.review.annotators) - before) if session.review else []
        whose = f"{', '.join(arrived)}'s version arrived; " if arrived else ""
        self.statusBar().showMessage(
            f"The annotators' versions of this document changed ({whose}a merge or another window): its "
            "disagreements are shown as they are now.",
            15000,
        )

    def database_gone(self) -> bool:
        """Whether the database's name no longer leads to the file this window has open."""
        return file_identity(self.db_path) != self.database_identity

    def check_database_file(self) -> None:
        """Say so (once) when the database's name no longer leads to the file the window writes into.

        Edits made after the file was deleted or replaced go into a file nothing can open again;
        the window's connection still reads it, so a backup keeps them. Only the name is looked at
        (``os.stat``): no descriptor of the database is ever opened here.
        """
        if self._told_database_gone or not self.database_gone():
            return
        self._told_database_gone = True
        self.files.show_failure(
            "The database file is gone",
            f"{self.db_path} was deleted, moved or replaced while this window had it open; the window "
            "still writes into the file it opened, which that name no longer leads to. If it was "
            "deleted, your edits are lost when the window closes: use File ▸ Back up database… now "
            "to keep them in a new file.",
        )

    # ------------------------------------------------------------ spans

    def _on_span_drawn(self, start: int, end: int) -> None:
        self.keyboard.select(self.controller.add_span(start, end, self.label_bar.active))
        self.span_list.mark(self.view.selected)

    def _on_span_clicked(self, span: Span | None) -> None:
        self.view.select_span(span)
        self.span_list.mark(span)
        if span is not None:
            self.keyboard.caret = span.start
        self.view.setFocus()

    def set_label_colour(self, label: str, colour: str) -> None:
        """Store a label's new colour and repaint with it (a message if the database refuses it); it waits
        at the write gate while another program writes."""
        self.write_gate.run(f"Give {label} a new colour", lambda: self._set_label_colour_now(label, colour))

    def _set_label_colour_now(self, label: str, colour: str) -> None:
        try:
            store.set_label_colour(self.db, label, colour)
        except (StoreError, sqlite3.Error) as error:
            reason = describe_store_error(self.db, error)
            message = f"{reason}\nThe colour was not changed."
            self.files.show_failure("Could not change the label's colour", message)
            return
        labels = store.labels(self.db)
        self.colours = dict(labels)
        self.label_bar.set_labels(labels)
        document = self.controller.document
        self.view.set_colours(self._colours_for(document) if document else self.colours)
        self.span_list.show_spans(document, self.colours)

    def _toggle_characters(self) -> None:
        self.view.characters_mode = self.characters_action.isChecked()
        mode = "characters" if self.view.characters_mode else "whole tokens"
        self.statusBar().showMessage(f"Selections now snap to {mode}.", 4000)

    # ------------------------------------------------------------ queue and status

    def _show_answer(self, document: Document | None) -> None:
        """The answer the document on screen has (if any) on its button: "✓ Accepted (A)", outlined."""
        given = document.answer if document is not None else None
        for answer, button in self.answer_buttons.items():
            chosen = answer is given
            button.setText(
                f"✓ {PAST[answer].capitalize()}  {ANSWER_KEYS[answer]}" if chosen else ANSWER_BUTTONS[answer]
            )
            if button.property("given") != chosen:
                button.setProperty("given", chosen)
                button.style().unpolish(button)
                button.style().polish(button)

    def _update_status(self) -> None:
        document = self.controller.document
        self.dataset_label.setText(f"Dataset: {document.dataset if document else '—'}")
        role = "Reviewer" if self.reviewing else "Annotator"
        self.annotator_label.setText(f"{role}: {self.annotator}")

    def _count_answers(self) -> None:
        """Progress and counts (a query over every document: run when answers change, not per move)."""
        if self.reviewing:
            counts = store.review_counts(self.db)
        else:
            counts = store.answer_counts(self.db, viewer=self.annotator)
        total = sum(counts.values())
        self.queue_panel.show_progress(total - counts.get(None, 0), total)
        parts = [f"{counts.get(a.value, 0):,} {PAST[a]}" for a in Answer]
        self.counts_label.setText(" · ".join([*parts, f"{counts.get(None, 0):,} pending"]))

    # ------------------------------------------------------------ files: import, export, databases

    def switch_database(self, db: Database, path: Path) -> None:
        """Work on another, already opened database (a fresh undo history)."""
        old = self.db
        self.write_gate.give_up()  # a change waiting to be written to the other database
        self.write_gate.deleteLater()
        self._close_agreement()
        for controller in (self.own_controller, self.review_controller):
            if controller is not None:
                controller.deleteLater()
        self.view.show_document(_EMPTY, {})
        self.span_list.show_spans(None, {})
        kept = self._name_kept_in(db)
        adopted = kept is not None and kept != self.annotator
        self.annotator = kept or self.annotator
        if kept is None:  # a new database: the name goes on, kept in it for the next start
            self._keep_annotator(self.annotator, db)
        self.statusBar().clearMessage()
        self._attach(db, path)
        old.close()
        if adopted:
            self.statusBar().showMessage(
                f"Working as {self.annotator}, the name {path.name} keeps (File ▸ Work as… changes it).",
                15000,
            )

    def _name_kept_in(self, db: Database) -> str | None:
        """The annotator a database keeps (``assign`` writes each person's name in their file), if usable."""
        try:
            return checked_annotator_name(store.get_setting(db, "annotator") or "")
        except (BadAnnotatorName, StoreError, sqlite3.Error):
            return None

    def show_shortcuts(self) -> None:
        """The keyboard shortcut sheet."""
        from gui.shortcuts import ShortcutSheet

        self.shortcuts_box = ShortcutSheet(self)
        self.shortcuts_box.finished.connect(self.take_keys_back)
        self.shortcuts_box.show()
        self.shortcuts_box.activateWindow()  # it has the keys (Esc, Page Down), not the documents behind it

    def take_keys_back(self) -> None:
        """After a dialog of this window closes, the document has the keys again: the window is made the
        active one (with no window manager, X leaves the focus on the closed dialog), the view focused."""
        self.activateWindow()
        self.view.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.write_gate.waiting is not None:  # the person's change is not stored yet: ask first
            event.ignore()
            self._ask_to_close_without(self.write_gate.waiting)
            return
        self.left_off.flush()
        self._close_agreement()
        if self._search_panel is not None:
            self._search_panel.stop()
        self.queue_panel.stop_search()
        if self._apply_everywhere is not None:
            self._apply_everywhere.stop()
        self.files.cancel_all()
        super().closeEvent(event)

    def _ask_to_close_without(self, waiting: str) -> None:
        """Closing while a change waits for another program's write: close without it, or keep waiting."""
        from PySide6.QtWidgets import QMessageBox

        box = message_box(
            QMessageBox.Icon.Question,
            "Close without saving the change?",
            f"“{waiting}” is still waiting to be saved: another program is writing to this database."
            " Close the window without it? Nothing of it will be stored.",
            self,
        )
        keep = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        leave = box.addButton("Close without it", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: button is leave and self._close_without_waiting_change())
        box.open()
        self.close_question = box

    def _close_without_waiting_change(self) -> None:
        self.write_gate.give_up()  # nothing, if the change was stored while the question was up
        self.close()


def _lowered(description: str) -> str:
    """A command's text inside a sentence (``Add ORG “Apple”`` -> ``add ORG “Apple”``)."""
    return description[:1].lower() + description[1:]


_EMPTY = Document(id=0, dataset="", text="", tokens=(), state=DocumentState())


def keep_out_of_garbage_collection() -> None:
    """Exempt everything alive now (the window, the document just shown) from the cyclic collector.

    A long document's spans and tokens are hundreds of thousands of objects that live until the next
    document replaces them; each full collection rescanned them (~40 ms at 20,000 spans, a visible
    stutter in the middle of an edit). Frozen objects are still freed by reference counting as usual:
    only garbage held in a reference cycle at this moment would stay.
    """
    gc.freeze()
