"""Tokens a file brought, kept as the flat list of offsets the store writes, ``[s0, e0, s1, e1, ...]``.

An import of 10,000 Prodigy posts checks ~270,000 tokens and stores them as that JSON list: kept as Token
objects in between, they cost one object each and one more pass to flatten and encode them. A
TokenOffsets reads like a tuple of Tokens (length, items, slices, iteration, equality), makes them only
when read, and is written by ``repr`` of its list (exact ints only: what ``json.dumps`` writes).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from annotations.model import Token


class TokenOffsets(Sequence[Token]):
    """Tokens as flat offsets (every one an ``int``, checked by whoever made the list)."""

    __slots__ = ("offsets",)

    def __init__(self, offsets: list[int]) -> None:
        self.offsets = offsets

    @classmethod
    def from_bounds(cls, starts: Sequence[int], ends: Sequence[int]) -> TokenOffsets:
        """The tokens whose starts and ends are these (two lists of ints, as workers send them back)."""
        offsets = [0] * (2 * len(starts))
        offsets[0::2], offsets[1::2] = starts, ends
        return cls(offsets)

    def __len__(self) -> int:
        return len(self.offsets) // 2

    @overload
    def __getitem__(self, index: int) -> Token: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Token, ...]: ...

    def __getitem__(self, index: int | slice) -> Token | tuple[Token, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = range(len(self))[index]  # IndexError as a tuple's, negative indices too
        return Token(self.offsets[2 * position], self.offsets[2 * position + 1])

    def __iter__(self) -> Iterator[Token]:
        return map(Token, self.offsets[0::2], self.offsets[1::2])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenOffsets):
            return self.offsets == other.offsets
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def json(self) -> str:
        """The stored form: ``json.dumps`` of the flat offsets (``repr`` writes exact ints the same way)."""
        return repr(self.offsets)


def encoded(tokens: Any) -> str | None:
    """The stored JSON of tokens kept as offsets, or None for any other sequence of tokens."""
    return tokens.json() if type(tokens) is TokenOffsets else None
