"""Text from data (dataset and label names, values quoted from files, file names) made safe to print on a
terminal: control characters and bidirectional overrides are shown as escapes, never obeyed.

A dataset named ``"\\x1b[2J"`` must not clear the screen when ``spandesk stats`` lists it, and a file
name holding U+202E must not print reversed; lines and tabs are kept.
"""

from __future__ import annotations

import re

_OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every character a terminal would obey instead of show written as an escape."""
    return _OBEYED.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
