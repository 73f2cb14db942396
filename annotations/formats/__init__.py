"""File formats as pure functions: readers yield Records, writers turn Documents into records or Docs.

Prodigy, doccano and spaCy's DocBin have their own paths through the importer and the exporter (they
are the fast ones). Every other format is one module here with the same four names, found by
``format_module``:

- ``LAYOUT``: ``"file"`` (one output file, perhaps with side files beside it) or ``"folder"``.
- ``write(documents, options) -> Iterator[Piece]``: the export, streamed as pieces ``(name, bytes)``.
  A piece named ``""`` is the next bytes of the main file (layout ``"file"``); a named piece is a whole
  file of that name (a plain name, no folders), written beside the main file or into the folder.
- ``read(path) -> Iterator[Record]``: the records of a file (or a folder, for a folder layout), in order;
  RecordError naming the file and line for the first bad one.
- ``sniff(path, head) -> bool``: whether a file (``head``: its first bytes, ``b""`` for a folder) is in
  this format, for imports that do not say ``--format``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

Format = Literal["prodigy", "doccano", "spacy", "conll", "hf", "brat", "labelstudio"]
FORMATS: tuple[Format, ...] = ("prodigy", "doccano", "spacy", "conll", "hf", "brat", "labelstudio")
MODULE_FORMATS: tuple[Format, ...] = ("conll", "hf", "brat", "labelstudio")  # one module each, below
# What ``spandesk import --format`` takes: Prodigy and doccano records are JSONL (told apart line by line).
IMPORT_FORMATS = ("auto", "jsonl", "prodigy", "doccano", "text", *MODULE_FORMATS)
JSONL_FORMATS = ("jsonl", "prodigy", "doccano")

Piece = tuple[str, bytes]
"""A piece of an export: ``("", bytes)`` for the main file, ``(name, bytes)`` for a whole named file."""


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """What a writer may need beyond the documents."""

    labels: tuple[str, ...] = ()  # the database's label set, in its order (tag ids, label lists)
    scheme: Literal["iob2", "biluo"] = "iob2"  # tags of token formats (CoNLL, Hugging Face)


def available_formats() -> tuple[str, ...]:
    """The ``MODULE_FORMATS`` whose module is installed (each is a plain module of this package)."""
    return tuple(fmt for fmt in MODULE_FORMATS if importlib.util.find_spec(f"annotations.formats.{fmt}"))


def format_module(fmt: str) -> ModuleType:
    """The module of one of ``MODULE_FORMATS`` (imported when first used)."""
    if fmt not in MODULE_FORMATS:
        raise ValueError(f"{fmt!r} is not one of {', '.join(MODULE_FORMATS)}")
    return importlib.import_module(f"annotations.formats.{fmt}")
