"""Model ▸ Train from my corrections: a child process trains while the window stays usable; the scores per
label are shown at the end; Cancel leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations import store, training
from gui.model_menu import BLANK_MODEL, TrainDialog, train_arguments
from tests.gui_helpers import open_window
from tests.test_training import imported, record


def train_dialog(qtbot, db_path: Path, tmp_path: Path, steps: int) -> tuple[object, TrainDialog]:
    imported(db_path, tmp_path, [record(i) for i in range(30)])
    window = open_window(qtbot, db_path)
    [model_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Model"]
    [train] = [a for a in model_menu.actions() if a.text() == "&Train from my corrections…"]
    train.trigger()
    dialog = window.train_dialog
    qtbot.addWidget(dialog)
    dialog.output_edit.setText(str(tmp_path / "trained"))
    dialog.base_box.setCurrentText(BLANK_MODEL)
    dialog.steps_box.setValue(steps)
    return window, dialog


def test_training_from_the_window_shows_scores_per_label_and_registers_the_model(
    qtbot, db_path: Path, tmp_path: Path
) -> None:
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=30)
    shown = window.controller.document.id
    with qtbot.waitSignal(dialog.training.ended, timeout=120_000) as ended:
        dialog.train_button.click()
        assert dialog.training.running() and not dialog.train_button.isEnabled()
        window.next_document()  # the window answers while the model trains
        assert window.controller.document.id != shown
    assert ended.args == [0], dialog.log.toPlainText()
    assert "LOSS NER" in dialog.log.toPlainText()
    labels = [dialog.scores.item(row, 0).text() for row in range(dialog.scores.rowCount())]
    assert dialog.scores.isVisible() and labels[-1] == "all labels"
    assert set(labels[:-1]) <= {"PERSON", "CITY"} and labels[:-1]
    assert dialog.scores.item(len(labels) - 1, 3).text().endswith("%")
    assert (tmp_path / "trained" / "meta.json").exists()
    assert [m.path for m in store.registered_models(window.db)] == [str(tmp_path / "trained")]
    assert "Saved" in dialog.status.text()


def test_cancel_ends_the_training_and_leaves_nothing(qtbot, db_path: Path, tmp_path: Path) -> None:
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=100_000)
    dialog.train_button.click()
    qtbot.waitUntil(lambda: "LOSS NER" in dialog.log.toPlainText(), timeout=60_000)
    with qtbot.waitSignal(dialog.training.ended, timeout=60_000) as ended:
        dialog.cancel_button.click()
    assert ended.args == [130]
    assert "cancelled" in dialog.status.text() and not dialog.scores.isVisible()
    assert not (tmp_path / "trained").exists() and training.scratch_folders(tmp_path / "trained") == []
    assert store.registered_models(window.db) == []
    assert dialog.train_button.isEnabled()


def test_a_failed_training_shows_its_message(qtbot, db_path: Path, tmp_path: Path) -> None:
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=5)
    dialog.base_box.setCurrentText("no_such_pipeline_xyz")
    with qtbot.waitSignal(dialog.training.ended, timeout=60_000) as ended:
        dialog.train_button.click()
    assert ended.args == [1]
    assert (
        dialog.status.text().startswith("Error: --base:") and "no_such_pipeline_xyz" in dialog.status.text()
    )


def test_the_arguments_stand_for_the_choices(tmp_path: Path) -> None:
    arguments = train_arguments(tmp_path / "a.db", tmp_path / "m", None, 0.25, 300)
    assert arguments == [
        "train", "--db", str(tmp_path / "a.db"), "-o", str(tmp_path / "m"),
        "--eval-split", "0.25", "--max-steps", "300",
    ]  # fmt: skip
    assert train_arguments(tmp_path / "a.db", tmp_path / "m", "blank", 0.2, 5)[-2:] == ["--base", "blank"]


def test_a_second_training_goes_to_a_new_folder_without_asking(qtbot, db_path: Path, tmp_path: Path) -> None:
    """The dialog kept the folder of the model it had just saved: Train again failed with "the folder is
    not empty"."""
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=5)
    for _ in range(2):
        with qtbot.waitSignal(dialog.training.ended, timeout=120_000) as ended:
            dialog.train_button.click()
        assert ended.args == [0], dialog.log.toPlainText()
    paths = [Path(m.path) for m in store.registered_models(window.db)]
    assert len(set(paths)) == 2 and all((path / "meta.json").is_file() for path in paths)
    assert paths[0] == tmp_path / "trained" and paths[1].parent == tmp_path
    assert Path(dialog.output_edit.text()) not in paths  # ready for a third


def test_a_folder_that_cannot_be_made_is_a_message(qtbot, db_path: Path, tmp_path: Path) -> None:
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=5)
    (tmp_path / "a file").write_text("x", encoding="utf-8")
    dialog.output_edit.setText(str(tmp_path / "a file" / "model"))
    dialog.train_button.click()  # raised NotADirectoryError out of the slot
    assert not dialog.training.running() and dialog.train_button.isEnabled()
    assert "a file" in dialog.status.text() and "not a folder" in dialog.status.text()


@pytest.mark.parametrize("taken", ["a file", "a folder with a file"])
def test_a_place_already_taken_is_said_in_the_dialogs_words(
    qtbot, db_path: Path, tmp_path: Path, taken
) -> None:
    """Not the command's ("choose a new folder with -o", "or add --force"): the dialog has neither."""
    window, dialog = train_dialog(qtbot, db_path, tmp_path, steps=5)
    place = tmp_path / "model"
    if taken == "a file":
        place.write_text("x", encoding="utf-8")
    else:
        place.mkdir()
        (place / "notes.txt").write_text("x", encoding="utf-8")
    dialog.output_edit.setText(str(place))
    dialog.train_button.click()
    assert not dialog.training.running() and dialog.train_button.isEnabled()
    assert "choose a new or empty folder" in dialog.status.text()
    assert "with -o" not in dialog.status.text() and "--force" not in dialog.status.text()
