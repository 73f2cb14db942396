"""What the command line prints for a person shows data as text: a terminal never obeys it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from annotations.cli import cli
from annotations.terminal import printable

CLEAR_SCREEN = "\x1b[2J"
RIGHT_TO_LEFT = "\u202e"


def test_printable_escapes_what_a_terminal_obeys_and_keeps_lines() -> None:
    assert printable(f"a{CLEAR_SCREEN}b\tc\nd{RIGHT_TO_LEFT}e\x00") == "a\\x1b[2Jb\tc\nd\\u202ee\\x00"
    assert printable("Zoë 🇩🇪 naïve") == "Zoë 🇩🇪 naïve"


def _annotated(path: Path, label: str, answer: str = "accept") -> Path:
    task = {"text": "Angela Merkel", "spans": [{"start": 0, "end": 6, "label": label}], "answer": answer}
    path.write_text(json.dumps(task) + "\n", encoding="utf-8")
    return path


def test_stats_shows_escape_sequences_in_names_instead_of_obeying_them(tmp_path: Path) -> None:
    """A dataset and a label holding terminal escapes are listed with the escapes written out."""
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    imported = runner.invoke(
        cli,
        [
            "import",
            str(_annotated(tmp_path / "in.jsonl", f"PER{RIGHT_TO_LEFT}")),
            "--db",
            db,
            "--dataset",
            f"news{CLEAR_SCREEN}",
        ],
    )
    assert imported.exit_code == 0, imported.output
    assert "\x1b" not in imported.output and RIGHT_TO_LEFT not in imported.output
    stats = runner.invoke(cli, ["stats", "--db", db])
    assert stats.exit_code == 0
    assert "\x1b" not in stats.output and RIGHT_TO_LEFT not in stats.output
    assert "news\\x1b[2J" in stats.output and "PER\\u202e" in stats.output


def test_an_error_quoting_a_bad_value_shows_its_escapes(tmp_path: Path) -> None:
    """An import error that quotes a value from the file does not pass its escapes to the terminal."""
    bad = tmp_path / f"bad{RIGHT_TO_LEFT}.jsonl"
    bad.write_text(json.dumps({"text": "x", "answer": f"yes{CLEAR_SCREEN}"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(bad), "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and RIGHT_TO_LEFT not in result.output
    assert "yes\\u001b[2J" in result.output  # quoted as JSON writes it
