"""The window's import asks what to do with differing versions; its export asks whose versions to write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gui_helpers import make_database, open_window
from PySide6.QtWidgets import QComboBox, QFileDialog

from annotations import store
from annotations.importing import import_sources
from annotations.model import Answer, Version
from gui.file_dialogs import DialogKind, file_dialog
from gui.version_choice import (
    KEEP_TEXT,
    REPLACE_TEXT,
    VERSION_COMBO,
    add_version_choice,
    chosen_version,
    version_items,
)

PARIS = "Alice met Bob in Paris."


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def team_database(tmp_path: Path) -> Path:
    """A database where alice and bob each have a version of PARIS (bob also marked the place)."""
    path = tmp_path / "team.db"
    make_database(path, [])
    alice = write(
        tmp_path / "alice.jsonl",
        [
            {
                "text": PARIS,
                "spans": [{"start": 0, "end": 5, "label": "PERSON"}],
                "answer": "accept",
                "_annotator_id": "alice",
            }
        ],
    )
    bob = write(
        tmp_path / "bob.jsonl",
        [
            {
                "text": PARIS,
                "spans": [
                    {"start": 0, "end": 5, "label": "PERSON"},
                    {"start": 17, "end": 22, "label": "GPE"},
                ],
                "answer": "accept",
                "_annotator_id": "bob",
            }
        ],
    )
    db = store.open_store(path)
    try:
        import_sources(db, [alice, bob])
    finally:
        db.close()
    return path


def alice_version(path: Path) -> tuple[tuple, Answer | None, list[str]]:
    db = store.open_store(path)
    try:
        document = store.load_document(db, 1, Version.of("alice"))
        kinds = [event["kind"] for event in store.history(db, 1, Version.of("alice"))]
        return tuple(s.key() for s in document.spans), document.answer, kinds
    finally:
        db.close()


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        (REPLACE_TEXT, ((), Answer.REJECT, ["import"])),
        (KEEP_TEXT, (((0, 5, "PERSON"),), Answer.ACCEPT, [])),
        ("Cancel", (((0, 5, "PERSON"),), Answer.ACCEPT, [])),
    ],
)
def test_an_import_with_differing_versions_asks_and_runs_again_with_the_choice(
    qtbot, tmp_path, button, expected
):
    path = team_database(tmp_path)
    window = open_window(qtbot, path)
    differing = write(
        tmp_path / "alice-again.jsonl",
        [
            {"text": "A new text.", "spans": [], "answer": "accept", "_annotator_id": "alice"},
            {"text": PARIS, "spans": [], "answer": "reject", "_annotator_id": "alice"},
        ],
    )
    first = window.files.start_import([differing], "default")
    with qtbot.waitSignal(first.done, timeout=60_000):
        pass
    box = window.files.versions_box
    assert box is not None and box.isVisible()
    assert f"{differing}:2" in box.text()
    assert alice_version(path) == (((0, 5, "PERSON"),), Answer.ACCEPT, [])  # nothing stored while asking
    chosen = next(b for b in box.buttons() if b.text().replace("&", "") == button)
    chosen.click()
    if button == "Cancel":
        qtbot.waitUntil(lambda: "Import cancelled" in window.statusBar().currentMessage())
        assert window.files.last_import is first
    else:
        second = window.files.last_import
        assert second is not first
        qtbot.waitUntil(lambda: second not in window.files.runs, timeout=60_000)
        qtbot.waitUntil(lambda: "Imported 1 document" in window.statusBar().currentMessage())
    assert alice_version(path) == expected


def test_the_export_dialog_offers_current_reviewed_every_and_each_annotator(qtbot, tmp_path):
    dialog = file_dialog(None, "Export prodigy", DialogKind.SAVE, tmp_path, "*.jsonl")
    qtbot.addWidget(dialog)
    combo = add_version_choice(dialog, "prodigy", ["alice", "bob"])
    assert combo is not None and dialog.findChild(QComboBox, VERSION_COMBO) is combo
    shown = [combo.itemText(i) for i in range(combo.count())]
    assert shown == [
        "Current (reviewed, else changed last)",
        "Reviewed",
        "Every annotator (one record each)",
        "alice",
        "bob",
    ]
    assert chosen_version(combo) == "current"
    combo.setCurrentIndex(4)
    assert chosen_version(combo) == "bob"
    assert [value for _text, value in version_items("conll", ["alice"])] == ["current", "reviewed", "alice"]
    assert add_version_choice(dialog, "prodigy", []) is None and chosen_version(None) == "current"


def test_exporting_from_the_window_writes_the_chosen_persons_versions(qtbot, tmp_path, monkeypatch):
    path = team_database(tmp_path)
    window = open_window(qtbot, path)
    output = tmp_path / "bob.jsonl"

    def choose_bob(dialog: QFileDialog) -> int:
        combo = dialog.findChild(QComboBox, VERSION_COMBO)
        assert [combo.itemData(i) for i in range(combo.count())][-2:] == ["alice", "bob"]
        combo.setCurrentIndex(combo.findData("bob"))
        dialog.selectFile(str(output))
        return QFileDialog.DialogCode.Accepted

    monkeypatch.setattr(QFileDialog, "exec", choose_bob)
    monkeypatch.setattr(QFileDialog, "selectedFiles", lambda _dialog: [str(output)])
    window.files.choose_export("prodigy")
    qtbot.waitUntil(lambda: "Exported 1 document" in window.statusBar().currentMessage(), timeout=60_000)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["_annotator_id"], len(r["spans"])) for r in records] == [("bob", 2)]
