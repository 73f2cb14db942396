"""Python's cyclic garbage collector paused while an import builds its records.

An import holds every record it read until the write (all or nothing), hundreds of thousands of small
objects that hold no cycles; each full collection walks all of them again (10,000 Prodigy posts: ~0.3 s
of ~1.5 s CPU). Reference counting still frees everything as usual; only the search for cycles waits
until the import ends, and runs then as it would have.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block; enable it again after, if it was enabled."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _StartUp:
    """Whether ``pause_for_start_up`` paused the collector (and has not resumed it yet)."""

    paused = False


def pause_for_start_up() -> None:
    """Pause the cyclic collector while the window starts (``spandesk gui``, until its first paint).

    Its imports and widgets make ~3 times the objects a bare PySide6 window does, all of them kept for the
    window's life: the ~70 passes the collector made over them found nothing to free (~20 ms of ~350 ms).
    """
    if gc.isenabled():
        gc.disable()
        _StartUp.paused = True


def resume_after_start_up() -> None:
    """Collect cycles again after start-up (if it paused the collector; a second call changes nothing).

    The window froze what it made when it showed its first document (``gc.freeze`` in
    ``gui.main_window.keep_out_of_garbage_collection``): the collector never scans it again."""
    if _StartUp.paused:
        _StartUp.paused = False
        gc.enable()
