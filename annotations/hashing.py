"""Stable hashes: a document's identity (a SHA-256 digest of its text), and Prodigy-style 32-bit signed
input and task hashes, written on export for records that did not bring their own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from annotations.model import Span


def _signed32(data: bytes) -> int:
    """A signed 32-bit integer from a digest of ``data``."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "big", signed=True)


def text_digest(text: str) -> bytes:
    """The identity of a document within its dataset: the SHA-256 digest of its exact text (UTF-8).

    Wide enough never to collide in practice; importers still compare the texts whose digests match.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def input_hash(text: str) -> int:
    """The hash that identifies an input by its text."""
    return _signed32(text.encode("utf-8", "surrogatepass"))


def task_hash(input_hash_value: int, spans: Iterable[Span]) -> int:
    """The hash that identifies an input together with its spans and labels."""
    return task_hash_of_keys(input_hash_value, [s.key() for s in spans])


# json.dumps(..., ensure_ascii=False), built once; a key holds no container twice, so no circular check
_ENCODE_KEY = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def task_hash_of_keys(input_hash_value: int, keys: Iterable[tuple[int, int, str]]) -> int:
    """``task_hash`` from the spans' ``(start, end, label)``, in any order (sorted here)."""
    key = _ENCODE_KEY([input_hash_value, sorted(keys)])
    return _signed32(key.encode("utf-8", "surrogatepass"))
