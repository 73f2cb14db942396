"""Hostile inputs to the issue-13 formats: files mistaken for another format, leftovers of killed exports."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations import sources
from annotations.cli import cli
from annotations.records import RecordError


def test_a_prose_list_named_txt_is_read_as_text_not_as_conll(tmp_path: Path) -> None:
    """Lines ending in something tag-like (``B-12``) but with no token tagged O are prose, kept whole."""
    notes = tmp_path / "notes.txt"
    notes.write_text("Vitamin B-12\nVitamin B-6\n", encoding="utf-8")
    records = list(sources.read([notes]))
    assert [record.text for record in records] == ["Vitamin B-12\nVitamin B-6\n"]
    assert records[0].spans is None  # a plain text, not two entities labelled 12 and 6


def test_a_conll_file_named_txt_is_still_recognised(tmp_path: Path) -> None:
    """CoNLL copies are often called train.txt: tokens with tags, some O, are read as CoNLL."""
    train = tmp_path / "train.txt"
    train.write_text("Paris B-LOC\nis O\nnice O\n", encoding="utf-8")
    (record,) = sources.read([train])
    assert record.text == "Paris is nice"
    assert [(span.start, span.end, span.label) for span in record.spans or ()] == [(0, 5, "LOC")]


def killed_export_leftover(folder: Path) -> Path:
    """What a brat export killed midway leaves: a hidden temporary folder of a process that is gone."""
    leftover = folder / f".spandesk-{dead_pid()}-0123abcd.tmp"
    leftover.mkdir()
    (leftover / "000001-00000000.txt").write_text("Half written", encoding="utf-8")
    (leftover / "000001-00000000.ann").write_text("T1\tORG 0 4\tHalf\n", encoding="utf-8")
    return leftover


def dead_pid() -> int:
    """The id of a process that has ended."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_importing_a_folder_skips_a_killed_exports_temporary(tmp_path: Path) -> None:
    """The half-written export of a killed ``export --format brat`` is not imported with the folder."""
    (tmp_path / "letter.txt").write_text("Dear Ann", encoding="utf-8")
    killed_export_leftover(tmp_path)
    assert [record.text for record in sources.read([tmp_path])] == ["Dear Ann"]


def test_a_brat_folder_skips_a_killed_exports_temporary(tmp_path: Path) -> None:
    """A brat folder beside a killed export's leftovers reads only its own pairs."""
    (tmp_path / "doc.txt").write_text("Acme rises", encoding="utf-8")
    (tmp_path / "doc.ann").write_text("T1\tORG 0 4\tAcme\n", encoding="utf-8")
    killed_export_leftover(tmp_path)
    assert [record.text for record in sources.read([tmp_path])] == ["Acme rises"]


def test_a_folder_holding_only_a_killed_export_is_not_taken_for_brat(tmp_path: Path) -> None:
    """Only the leftovers' .ann files: the folder is not a brat collection, and holds nothing to import."""
    (tmp_path / "readme.md").write_text("Notes", encoding="utf-8")
    killed_export_leftover(tmp_path)
    assert [record.text for record in sources.read([tmp_path])] == ["Notes"]


def test_an_empty_conll_file_is_refused_not_imported_as_nothing(tmp_path: Path) -> None:
    """An empty (or blank) CoNLL file says so, as an empty text or JSONL file does."""
    for name, content in [
        ("empty.conll", ""),
        ("blank.conll", " \n\t\n"),
    ]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(RecordError, match=rf"{name}: is empty"):
            list(sources.read([path]))


def test_an_hf_export_named_labels_json_is_refused_not_overwritten_by_its_label_list(tmp_path: Path) -> None:
    """``-o labels.json`` would have the rows replaced by the tag names written beside them."""
    corpus = tmp_path / "in.jsonl"
    task = {"text": "Sony sued.", "answer": "accept", "spans": [{"start": 0, "end": 4, "label": "ORG"}]}
    corpus.write_text(json.dumps(task) + "\n", encoding="utf-8")
    db, target = str(tmp_path / "h.db"), tmp_path / "labels.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(corpus), "--db", db, "--model", "blank:en"]).exit_code == 0
    result = runner.invoke(cli, ["export", "--db", db, "--format", "hf", "-o", str(target)])
    assert result.exit_code != 0
    assert "also writes labels.json beside its file, which would replace the export" in result.output
    assert "Traceback" not in result.output and not target.exists()


@pytest.mark.parametrize("labels_file", ["a folder", "an SQLite database"])
def test_an_hf_export_whose_label_list_cannot_be_written_leaves_the_previous_export_as_it_was(
    tmp_path: Path, labels_file: str
) -> None:
    """The rows and labels.json go together: when labels.json cannot be written, the old rows stay."""
    corpus = tmp_path / "in.jsonl"
    task = {"text": "Sony sued.", "answer": "accept", "spans": [{"start": 0, "end": 4, "label": "ORG"}]}
    corpus.write_text(json.dumps(task) + "\n", encoding="utf-8")
    db, rows, labels = str(tmp_path / "h.db"), tmp_path / "rows.jsonl", tmp_path / "labels.json"
    rows.write_text("the previous export\n", encoding="utf-8")
    if labels_file == "a folder":
        labels.mkdir()
    else:
        sqlite3.connect(labels).execute("CREATE TABLE kept (x)").connection.close()
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(corpus), "--db", db, "--model", "blank:en"]).exit_code == 0
    result = runner.invoke(cli, ["export", "--db", db, "--format", "hf", "-o", str(rows)])
    assert result.exit_code != 0 and "labels.json" in result.output and "Traceback" not in result.output
    assert rows.read_text(encoding="utf-8") == "the previous export\n"
    left = sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("h.db"))
    assert left == ["in.jsonl", "labels.json", "rows.jsonl"]  # no temporary left behind


def test_a_file_misread_by_its_content_says_how_to_read_it_otherwise(tmp_path: Path) -> None:
    """A .txt starting with -DOCSTART- is taken for CoNLL; when that fails, the message offers --format."""
    from annotations.records import RecordError
    from annotations.sources import read

    notes = tmp_path / "notes.txt"
    notes.write_text("-DOCSTART- of my notes\nthis is prose, not tags\n", encoding="utf-8")
    with pytest.raises(
        RecordError, match=r"read as conll because of its content; --format names another way"
    ):
        list(read([notes]))
    assert [record.text for record in read([notes], fmt="text")] == [notes.read_text(encoding="utf-8")]


def test_a_folder_recognised_by_its_ann_files_reports_its_own_error_without_a_format_hint(
    tmp_path: Path,
) -> None:
    """A brat folder is brat by construction: its errors are brat's, with no suggestion to read it as text."""
    from annotations.records import RecordError
    from annotations.sources import read

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Sony", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tORG 0 4\tSonx\n", encoding="utf-8")
    with pytest.raises(RecordError) as refused:
        list(read([folder]))
    assert "a.ann:1" in str(refused.value) and "--format" not in str(refused.value)
