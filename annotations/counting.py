"""Counts in messages: "1 document", "2 documents", never "1 documents" or "document(s)"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """``number`` and the noun in the singular for one, else the plural (``noun + "s"`` by default);
    ``grouped``: thousands separated (``12,345 documents``)."""
    shown = f"{number:,}" if grouped else str(number)
    return f"{shown} {noun if number == 1 else plural or noun + 's'}"


def agreeing(number: int, singular: str, plural: str) -> str:
    """The verb that agrees with ``number`` things: ``agreeing(1, "has", "have")`` is "has"."""
    return singular if number == 1 else plural
