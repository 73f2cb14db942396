"""Where the bundled files (the sample article, default label colours) are found."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "_resources"
_CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    """The path of a bundled resource, in a checkout or in an installed wheel."""
    for folder in (_CHECKOUT, _PACKAGED):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"bundled resource {name!r} is missing from {_CHECKOUT} and {_PACKAGED}")


def sample_article() -> Path:
    """The bundled sample news article."""
    return resource_path("article.txt")
