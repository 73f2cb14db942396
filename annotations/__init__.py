"""spandesk's core: the data model, the store, pre-annotation, import, export and the CLI (no Qt)."""

from __future__ import annotations

import importlib
import sys

__version__ = "0.1.0"


def _import_sqlite_utils_without_numpy() -> None:
    """Import sqlite-utils with numpy and pandas hidden (~90 ms less at every start).

    sqlite-utils imports them, when installed, only to store their scalar types; spandesk never
    passes it such values. Once sqlite-utils is loaded they are importable again (spaCy needs numpy).
    """
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    hidden = ("numpy", "pandas")
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            del sys.modules[name]


_import_sqlite_utils_without_numpy()
