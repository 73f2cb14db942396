"""The window's import on a Dask cluster: where to run it (the address and the shard size, asked in one
dialog), and a job pre-annotating in shards, its progress said in the progress dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from annotations import store
from annotations.cluster_import import DEFAULT_SHARD_SIZE, MAX_SHARD_SIZE
from gui.workers import Job

DEFAULT_ADDRESS = "local:2"


class ClusterDialog(QDialog):
    """Asks where to pre-annotate: a Dask scheduler's address (or local:N) and the documents per shard."""

    def __init__(self, parent: QWidget | None, address: str, shard_size: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pre-annotate on a cluster")
        self.setMinimumWidth(460)  # the note in three lines, not five
        self.address = QLineEdit(address)
        self.address.setPlaceholderText("tcp://host:8786 or local:2")
        self.shard_size = QSpinBox(minimum=1, maximum=MAX_SHARD_SIZE, suffix=" documents")
        self.shard_size.setValue(shard_size)
        note = QLabel(
            "A shard is what a worker pre-annotates and sends back, and what a stopped import keeps: "
            "the same files with the same shard size resume where it left off."
        )
        note.setWordWrap(True)
        choices = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(choices)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Dask scheduler or local:N:", self.address)
        form.addRow("Shard size:", self.shard_size)
        form.addRow(note)
        form.addRow(buttons)

    def choice(self) -> tuple[str, int] | None:
        """The address and shard size entered (None without an address)."""
        address = self.address.text().strip()
        return (address, self.shard_size.value()) if address else None


def ask_cluster(parent: QWidget | None, address: str, shard_size: int) -> tuple[str, int] | None:
    """The address and shard size the person chose, starting from these (None: cancelled)."""
    dialog = ClusterDialog(parent, address, shard_size)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ClusterStatus(QObject):
    """Carries the cluster's progress line from the worker thread to the progress dialog (queued)."""

    text = Signal(str)


def cluster_import_job(
    sources: Sequence[Path],
    dataset: str,
    address: str,
    status: ClusterStatus,
    model: str | None = None,
    existing: str | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE,
) -> Job:
    """A job importing files as ``gui.workers.import_job`` does, pre-annotating on the cluster at
    ``address`` (``local:N`` or a scheduler's); progress is shards done of total, and ``status`` says the
    documents per second and time left. Finished shards stay for a later import of the same files."""
    from annotations.cluster_import import ClusterPredictor, parse_cluster, pipeline_spec, require_dask
    from annotations.importing import VersionConflicts, import_sources

    def run(db: Any, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        parse_cluster(address)
        require_dask()
        status.text.emit(f"Reaching the cluster {address}…")

        def shown(shards: Any) -> None:
            progress(shards.done, shards.total)
            status.text.emit(f"Pre-annotating on {address}: {shards.describe()}")

        predictor = ClusterPredictor(
            address,
            store.database_path(db),
            pipeline_spec(model, None, None, store.database_path(db)),
            shard_size=shard_size,
            progress=shown,
        )
        with predictor:
            status.text.emit(f"Reading the files; the cluster {address} is ready")
            try:
                report = import_sources(
                    db, list(sources), dataset=dataset, model=model, cancelled=cancelled,
                    existing=existing, predict=predictor,
                )  # fmt: skip
            except VersionConflicts as conflicts:
                return conflicts
        predictor.finish()
        return report

    return run
