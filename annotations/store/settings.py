"""The label set and the database's own settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def labels(db: Database) -> list[tuple[str, str]]:
    """The label set in display order, as (name, colour) pairs."""
    return [
        (row["name"], row["colour"])
        for row in db.query("SELECT name, colour FROM labels ORDER BY position, name")
    ]


def add_labels(db: Database, names: Iterable[str], colours: dict[str, str] | None = None) -> None:
    """Add labels not yet known, at the end of the label set, with a colour each."""
    from annotations.labels import colour_for

    known = {name for name, _ in labels(db)}
    position = len(known)
    for name in names:
        if name in known:
            continue
        colour = (colours or {}).get(name) or colour_for(name)
        db.execute("INSERT INTO labels (name, colour, position) VALUES (?, ?, ?)", [name, colour, position])
        known.add(name)
        position += 1


def set_label_colour(db: Database, name: str, colour: str) -> None:
    """Change one label's colour."""
    db.execute("UPDATE labels SET colour = ? WHERE name = ?", [colour, name])


def get_setting(db: Database, key: str, default: str | None = None) -> str | None:
    """A stored setting, or ``default``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: Database, key: str, value: str) -> None:
    """Store a setting."""
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])
