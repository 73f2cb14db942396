"""Patterns files: every bad pattern is refused with its file and line, before any text is annotated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotations.cli import cli
from annotations.preannotate import read_patterns

GOOD = [{"label": "ORG", "pattern": "Apple"}, {"label": "ROLE", "pattern": [{"LOWER": "president"}]}]


def patterns_file(tmp_path: Path, bad: object) -> Path:
    """A patterns file whose third line is ``bad``."""
    path = tmp_path / "patterns.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in [*GOOD, bad]), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ({"label": "X", "pattern": [{"FOO": "bar"}]}, "FOO"),  # E152/E154 without validation
        ({"label": "X", "pattern": [{"TEXT": {"NOT_A_PREDICATE": 1}}]}, "NOT_A_PREDICATE"),
        ({"label": "X", "pattern": []}, "E012"),
        ({"label": "X", "pattern": [{"TEXT": "a", "OP": "{2,1}"}]}, "E011"),
        ({"label": "X", "pattern": "Apple", "id": [1, 2]}, '"id" must be a string, not [1, 2]'),
        ({"label": "X", "pattern": [{"TEXT": {"REGEX": "(["}}]}, "invalid REGEX: unterminated character set"),
        ({"label": "X", "pattern": [{"TEXT": {"REGEX": 5}}]}, "REGEX"),
        ({"label": "", "pattern": "Apple"}, 'non-empty string "label", not ""'),
        ({"label": "   ", "pattern": "Apple"}, 'non-empty string "label"'),
        ({"label": ["ORG"], "pattern": "Apple"}, 'non-empty string "label", not ["ORG"]'),
        ({"pattern": "Apple"}, 'non-empty string "label", not nothing'),
        ({"label": "OR\nG", "pattern": "Apple"}, "label 'OR\\nG' holds the control character U+000A"),
        ({"label": "X", "pattern": ""}, "phrase"),
        ({"label": "X", "pattern": [{"_": {"undefined_attr": True}}]}, "_.undefined_attr"),
    ],
)
def test_a_bad_pattern_is_refused_with_its_file_and_line(tmp_path: Path, bad: object, said: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_patterns(patterns_file(tmp_path, bad))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'patterns.jsonl'}:3: ")
    assert said in message and "\n" not in message


def test_good_patterns_are_read_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "patterns.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in GOOD), encoding="utf-8")
    assert read_patterns(path) == [(GOOD[0], f"{path}:1"), (GOOD[1], f"{path}:2")]


def test_the_import_command_names_the_bad_pattern_line(tmp_path: Path) -> None:
    """Today spaCy's own TypeError/re.error escaped; now: the line, and nothing imported."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": "Apple hired a new president."}) + "\n", encoding="utf-8")
    path = patterns_file(tmp_path, {"label": "X", "pattern": "Apple", "id": [1, 2]})
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["import", str(source), "--db", str(db), "--patterns", str(path)])
    assert result.exit_code == 1, result.output
    assert f'{path}:3: "id" must be a string' in result.output
    assert "the database is unchanged" in result.output and "Traceback" not in result.output
