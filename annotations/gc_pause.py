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
