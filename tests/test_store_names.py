"""The store's names: each one a caller uses loads from the module that defines it, and the three lists
of them in the package's ``__init__`` (what loads, ``_MODULES``; what type checkers read, the
``TYPE_CHECKING`` imports; ``__all__``) name the same names."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from annotations import store

INIT = Path(store.__file__)


def _type_checking_imports() -> dict[str, str]:
    """name -> module of every import inside ``if TYPE_CHECKING:`` in the store's ``__init__``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        found[alias.asname or alias.name] = statement.module.rsplit(".", 1)[-1]
    return found


def test_the_three_lists_of_names_are_the_same() -> None:
    assert _type_checking_imports() == store._WHERE
    assert sorted(store.__all__) == sorted(store._WHERE)


def test_every_name_loads_from_its_module() -> None:
    for name, module in store._WHERE.items():
        defined = getattr(importlib.import_module(f"annotations.store.{module}"), name)
        assert getattr(store, name) is defined, name
