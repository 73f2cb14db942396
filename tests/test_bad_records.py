"""A bad span or field is refused with the file, the line and exactly what is wrong (no hint that
does not apply), in every reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations import store
from annotations.importing import ImportFailure, import_sources

TEXT = "Peter met Anna."  # 15 characters
OVERLAP_HINT = "cannot overlap"


def refusal(tmp_path: Path, record: dict) -> str:
    """The message import_sources gives for ``record`` on line 2 (after a good one); nothing stored."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": "Fine."}) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    db = store.open_store(tmp_path / "x.db")
    try:
        with pytest.raises(ImportFailure) as caught:
            import_sources(db, [source])
        assert store.dataset_names(db) == []
    finally:
        db.close()
    message = str(caught.value)
    assert message.startswith(f"{source}:2: "), message
    return message.removeprefix(f"{source}:2: ")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"text": TEXT, "label": [[-5, 3, "PER"]]},
            "span [-5, 3] (PER) lies outside the text (length 15): offsets count characters from 0",
        ),
        (
            {"text": TEXT, "label": [[10, 99, "PER"]]},
            "span 10-99 (PER) lies outside the text (length 15): it ends 84 past the end",
        ),
        (
            {"text": TEXT, "label": [[9, 3, "PER"]]},
            "span 9-3 (PER) ends before it starts (the text has 15 characters)",
        ),
        ({"text": TEXT, "label": [[3, 3, "PER"]]}, "span 3-3 (PER) is empty: it starts and ends at 3"),
        (
            {"text": TEXT, "entities": [{"start_offset": -1, "end_offset": 2, "label": "A"}]},
            "span [-1, 2] (A) lies outside the text (length 15)",
        ),
        (
            {"text": TEXT, "spans": [{"start": -5, "end": 3, "label": "PER"}]},
            "span [-5, 3] (PER) lies outside the text (length 15)",
        ),
    ],
)
def test_offsets_outside_the_text_say_so_without_an_overlap_hint(tmp_path: Path, record, expected) -> None:
    message = refusal(tmp_path, record)
    assert message.startswith(expected), message
    assert OVERLAP_HINT not in message


def test_the_overlap_hint_stays_for_overlaps(tmp_path: Path) -> None:
    message = refusal(tmp_path, {"text": TEXT, "label": [[0, 5, "PER"], [3, 9, "X"]]})
    assert (
        message
        == "spans 0-5 (PER) and 3-9 (X) overlap (spandesk annotates named entities, which cannot overlap)"
    )


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"text": TEXT, "label": [[3.0, 5, "PER"]]},
            '"label" entry 1 [3.0, 5, "PER"]: the start must be an integer, not 3.0',
        ),
        (
            {"text": TEXT, "label": [[0, True, "PER"]]},
            '"label" entry 1 [0, true, "PER"]: the end must be an integer, not true',
        ),
        (
            {"text": TEXT, "labels": [["0", 5, "PER"]]},
            '"labels" entry 1 ["0", 5, "PER"]: the start must be an integer, not "0"',
        ),
        (
            {"text": TEXT, "label": [[0, 5, 7]]},
            '"label" entry 1 (0-5): the label must be a string, not a number',
        ),
        ({"text": TEXT, "label": [[0, 5, ""]]}, '"label" entry 1 (0-5): the label is empty'),
        (
            {"text": TEXT, "label": [[0, 5, "  "]]},
            "\"label\" entry 1 (0-5): the label is only white space ('  ')",
        ),
        ({"text": TEXT, "label": [[0, 5, "P\nER"]]}, "the label 'P\\nER' holds the control character U+000A"),
        (
            {"text": TEXT, "spans": [{"start": 0, "end": 5, "label": " "}]},
            "span 1 (0-5): the label is only white space",
        ),
        (
            {"text": TEXT, "spans": [{"start": 0, "end": 5, "label": "A\tB"}]},
            "holds the control character U+0009",
        ),
        (
            {"text": TEXT, "spans": [{"start": 0.0, "end": 5, "label": "A"}]},
            'span 1 needs an integer "start", not 0.0',
        ),
        (
            {"text": TEXT, "spans": [{"start": False, "end": 5, "label": "A"}]},
            'span 1 needs an integer "start", not false',
        ),
        ({"text": TEXT, "spans": {"start": 0}}, '"spans" must be a list, not an object'),
        ({"text": 5, "label": []}, '"text" must be a string, not a number'),
        ({"text": ["a"], "spans": []}, '"text" must be a string, not a list'),
        (
            {"text": TEXT, "tokens": [{"start": -1, "end": 5}]},
            "token 0 [-1, 5] lies outside the text (length 15)",
        ),
    ],
)
def test_wrong_typed_fields_are_named_precisely(tmp_path: Path, record, expected) -> None:
    message = refusal(tmp_path, record)
    assert expected in message, message
    assert "\n" not in message
