"""Features used on demand (a menu's dialog, a worker, a panel): their modules are imported when first used,
not before the window's first paint; the menus and shortcuts that lead to them exist from the start."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def later(module: str, name: str) -> Callable[..., Any]:
    """A function calling ``module.name`` with its arguments, ``module`` imported at the first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
