"""The window's import on a Dask cluster: a job pre-annotating in shards, its progress said in the dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from annotations import store
from gui.workers import Job

DEFAULT_ADDRESS = "local:2"


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
