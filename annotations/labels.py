"""Label colours: displaCy's defaults for spaCy's labels, a stable pastel for any other."""

from __future__ import annotations

import json
from functools import cache

from annotations.resources import resource_path


@cache
def default_colours() -> dict[str, str]:
    """The bundled colours (``resources/labels.json``), keyed by label."""
    return json.loads(resource_path("labels.json").read_text(encoding="utf-8"))


def colour_for(label: str) -> str:
    """The default colour of a label: the bundled one, else a pastel derived from its name."""
    known = default_colours().get(label)
    if known:
        return known
    return _pastel(label)


def _pastel(label: str) -> str:
    """A light colour of the label's own, from a hash of its name (the same in every database)."""
    import colorsys
    import hashlib  # here: loading it (and OpenSSL's library) cost ~3 ms of the window's start

    hue = int.from_bytes(hashlib.blake2b(label.encode(), digest_size=2).digest(), "big") / 65535
    red, green, blue = colorsys.hls_to_rgb(hue, 0.8, 0.75)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
