"""Annotator names: what a name may be (the window's "Work as…", ``--annotator``), and how the other people
who annotate a dataset are named to the person at the keyboard."""

from __future__ import annotations

from collections.abc import Sequence

MAX_NAME_LENGTH = 64
# the words ``spandesk export --version`` takes for a choice, not a person: a person so named could not be
# chosen (``--version every`` would export everyone's versions, not theirs)
RESERVED_NAMES = ("current", "reviewed", "every")
NAMED_OTHERS = 3  # beyond this many, the others are counted, not named


class BadAnnotatorName(ValueError):
    """A name that cannot be an annotator's; the message says why."""


def checked_annotator_name(name: str) -> str:
    """The name without surrounding spaces, in one Unicode spelling (NFC: an ``é`` typed as ``e`` and a
    combining accent is the same person as a precomposed one); BadAnnotatorName (saying why) if it cannot
    be an annotator's."""
    import unicodedata  # a C extension (~3 M instructions) the window's start does not need

    if not isinstance(name, str):
        raise BadAnnotatorName(f"a name is text, not {type(name).__name__}")
    trimmed = unicodedata.normalize("NFC", name.strip())
    if not trimmed:
        raise BadAnnotatorName("the name is empty; type the name your versions are kept under")
    control = next((c for c in trimmed if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")), None)
    if control is not None and unicodedata.category(control) == "Cs":  # a byte of a name not in UTF-8
        raise BadAnnotatorName(
            f"the name holds a byte that is not UTF-8 (U+{ord(control):04X}); type it in UTF-8"
        )
    if control is not None:
        raise BadAnnotatorName(
            f"the name holds an invisible or control character (U+{ord(control):04X}); use letters, "
            "digits, spaces and punctuation only"
        )
    if len(trimmed) > MAX_NAME_LENGTH:
        raise BadAnnotatorName(f"the name is {len(trimmed)} characters long; at most {MAX_NAME_LENGTH}")
    if trimmed.casefold() in RESERVED_NAMES:
        raise BadAnnotatorName(
            f"{trimmed!r} is one of the words export uses for a choice of versions "
            f"({', '.join(RESERVED_NAMES)}); choose another name"
        )
    return trimmed


def others_note(annotators: Sequence[str], me: str) -> str | None:
    """ "alice and bob also annotate here; you see your own versions", or None when nobody else does."""
    others = sorted(name for name in set(annotators) if name != me)
    if not others:
        return None
    if len(others) > NAMED_OTHERS:
        rest = len(others) - NAMED_OTHERS
        named = f"{', '.join(others[:NAMED_OTHERS])} and {rest} other{'s' if rest > 1 else ''}"
    elif len(others) > 1:
        named = f"{', '.join(others[:-1])} and {others[-1]}"
    else:
        named = others[0]
    verb = "also annotates" if len(others) == 1 else "also annotate"
    return f"{named} {verb} here; you see your own versions"
