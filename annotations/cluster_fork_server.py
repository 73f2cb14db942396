"""Imported once by a local cluster's fork server: the import's pipeline loaded there, before any worker.

Every worker process of ``--cluster local:N`` is forked from one server (``cluster_import``), so whatever
the server holds each worker has from its first instant, shared copy-on-write. Loading the pipeline here
once, while the main process imports Dask and starts the scheduler, saves each worker its own load (~1.3 s
of CPU on the cores the workers then share) and has the first shard start sooner. The server learns the
pipeline from ``PIPELINE_VARIABLE`` in its environment (it is started as a fresh interpreter); anything that
fails here is left for the workers to load and report in their own words, as with a remote cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal

from annotations.cluster_import import PIPELINE_VARIABLE, PipelineSpec, _worker_pipeline

preloaded: PipelineSpec | None = None  # the pipeline this server loaded, which its workers hold


def _preloaded() -> None:
    """Load the pipeline named in the environment into the workers' cache (nothing without one)."""
    global preloaded
    described = os.environ.get(PIPELINE_VARIABLE)
    if not described:
        return
    # Ctrl+C belongs to the import, which closes the cluster; the server ignores it once started anyway
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with contextlib.suppress(Exception):  # the worker that needs it loads it and says what is wrong
            fields = json.loads(described)
            labels = tuple(fields["labels"]) if fields["labels"] is not None else None
            spec = PipelineSpec(fields["model"], None, labels, fields["fingerprint"])
            _worker_pipeline(spec)
            preloaded = spec
    finally:
        signal.signal(signal.SIGINT, previous)


_preloaded()
