"""Sample records shared by the tests."""

from __future__ import annotations

# The task from FORMATS.md, as Prodigy's db-out writes it.
FREYA = {
    "text": "My name is Freya.",
    "_input_hash": 896529854,
    "_task_hash": -1486695581,
    "tokens": [
        {"text": "My", "start": 0, "end": 2, "id": 0, "ws": True},
        {"text": "name", "start": 3, "end": 7, "id": 1, "ws": True},
        {"text": "is", "start": 8, "end": 10, "id": 2, "ws": True},
        {"text": "Freya", "start": 11, "end": 16, "id": 3, "ws": False},
        {"text": ".", "start": 16, "end": 17, "id": 4, "ws": False},
    ],
    "_view_id": "ner_manual",
    "spans": [{"start": 11, "end": 16, "token_start": 3, "token_end": 3, "label": "PERSON"}],
    "answer": "accept",
    "_timestamp": 1707211049,
    "_annotator_id": "2024-02-06_10-17-19",
    "_session_id": "2024-02-06_10-17-19",
}
