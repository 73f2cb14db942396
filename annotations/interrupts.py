"""Ctrl+C around work that must finish once begun (a write transaction and its commit)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl+C (SIGINT) back while the body runs; one pressed meanwhile is dropped once the body
    has finished (its work is done, and saying otherwise would be false) and raised if it failed.

    Python runs signal handlers in the main thread only, so elsewhere (a window's worker thread,
    which Ctrl+C does not reach anyway) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def remember(number: int, frame: FrameType | None) -> None:
        pressed.append(number)

    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    except BaseException:
        signal.signal(signal.SIGINT, previous)
        if pressed:
            raise KeyboardInterrupt from None
        raise
    signal.signal(signal.SIGINT, previous)
