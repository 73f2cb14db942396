"""spandesk's core: the data model, the store, pre-annotation, import, export and the CLI (no Qt)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

__version__ = "0.1.0"


def _import_sqlite_utils_without_numpy() -> None:
    """Import sqlite-utils with numpy and pandas hidden (~90 ms less at every start).

    sqlite-utils imports them, when installed, only to store their scalar types; spandesk never
    passes it such values. Once sqlite-utils is loaded they are importable again (spaCy needs numpy).
    """
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    _import_lazily("dateutil.parser")
    hidden = ("numpy", "pandas")
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            del sys.modules[name]


def _import_lazily(name: str) -> None:
    """Put a module in ``sys.modules`` that is loaded on its first use (``importlib.util.LazyLoader``).

    sqlite-utils imports ``dateutil.parser`` (and with it ``dateutil.tz``, about a fifth of its own
    import) for ``recipes.parsedate``, which spandesk never calls: it stays unloaded unless used.
    """
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # `from parent import child` then finds it without going through the import system
        setattr(sys.modules[parent], child, module)  # (which would load it: it reads ``__spec__``)


class _SqliteUtilsFinder:  # a meta path finder (not importlib.abc's: importing it costs ~4 ms)
    """Makes the first ``import sqlite_utils``, wherever it is, run with numpy and pandas hidden: spandesk
    imports it only when something needs it (the window paints its first document without it)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "sqlite_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None and "numpy" not in sys.modules:
            spec.loader = _NumpyHidingLoader(spec.loader)
        return spec


class _NumpyHidingLoader:  # a loader (what importlib.abc.Loader asks for: create_module, exec_module)
    """Runs sqlite-utils' ``__init__`` with numpy and pandas hidden (as ``_import_sqlite_utils_without_numpy``
    does)."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        _import_lazily("dateutil.parser")
        hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
        try:
            self.loader.exec_module(module)
        finally:
            for name in hidden:
                del sys.modules[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


if "sqlite_utils" not in sys.modules:
    sys.meta_path.insert(0, _SqliteUtilsFinder())
