"""Hugging Face token classification: rows of tokens and integer tags, with labels.json beside them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import hashing
from annotations.cli import cli
from annotations.formats import WriteOptions, hf
from annotations.model import Document, DocumentState, Span, Token
from annotations.records import Record, RecordError
from annotations.sources import HEAD_BYTES
from annotations.sources import read as read_sources
from annotations.text import whitespace_tokens

EU = "EU rejects German call to boycott British lamb."
CONLL_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
CONLL_ROW = {
    "id": "0",
    "tokens": ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    "pos_tags": [22, 42, 16, 21, 35, 37, 16, 21, 7],
    "ner_tags": [3, 0, 7, 0, 0, 0, 7, 0, 0],
}


def document(text: str, spans: Iterable[tuple[int, int, str]] = (), tokens=None, extra=None) -> Document:
    """A stored document as the exporter gets it (white-space tokens unless given)."""
    return Document(
        id=1,
        dataset="test",
        text=text,
        tokens=whitespace_tokens(text) if tokens is None else tuple(tokens),
        state=DocumentState(tuple(Span(*key) for key in spans)),
        input_hash=hashing.input_hash(text),
        extra=extra or {},
    )


def written(documents: list[Document], labels: tuple[str, ...] = (), scheme: str = "iob2"):
    """The rows and the last labels.json a write gives."""
    main, names = b"", None
    for name, data in hf.write(documents, WriteOptions(labels=labels, scheme=scheme)):
        if name:
            assert name == "labels.json"
            names = json.loads(data)
        else:
            main += data
    return [json.loads(line) for line in main.decode("utf-8").splitlines()], names


def save(folder: Path, rows: list[dict[str, Any]], names: Any = None, name: str = "train.jsonl") -> Path:
    """Rows as a JSONL file, with labels.json beside it when ``names`` is given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    if names is not None:
        (folder / "labels.json").write_text(json.dumps(names), encoding="utf-8")
    return path


def keys(record: Record) -> list[tuple[int, int, str]]:
    return [span.key() for span in record.spans or ()]


def check_loadable_by_datasets(rows: list[dict[str, Any]], names: list[str]) -> None:
    """What ``datasets.load_dataset("json", ...)`` needs of rows (it infers one Arrow schema from the
    rows and casts every row to it): the same keys in every row, one JSON type per key (strings,
    lists of strings, lists of integers, lists of integer pairs), and tags that are ids of ``names``."""
    assert names[0] == "O" and len(set(names)) == len(names)
    for row in rows:
        assert list(row) == ["id", "tokens", "ner_tags", "text", "offsets"]
        assert isinstance(row["id"], str) and isinstance(row["text"], str)
        assert all(isinstance(token, str) and token for token in row["tokens"])
        assert all(type(tag) is int and 0 <= tag < len(names) for tag in row["ner_tags"])
        assert all(len(pair) == 2 and all(type(n) is int for n in pair) for pair in row["offsets"])
        assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["offsets"])


# ---------------------------------------------------------------- writing


def test_rows_carry_tokens_integer_tags_text_and_offsets_with_the_tag_names_beside() -> None:
    rows, names = written([document(EU, [(0, 2, "ORG"), (11, 17, "MISC")])], labels=("ORG", "MISC"))
    assert names == ["O", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
    assert rows == [
        {
            "id": "0",
            "tokens": ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb."],
            "ner_tags": [1, 0, 3, 0, 0, 0, 0, 0],
            "text": EU,
            "offsets": [[0, 2], [3, 10], [11, 17], [18, 22], [23, 25], [26, 33], [34, 41], [42, 47]],
        }
    ]


def test_biluo_tags_mark_single_and_last_tokens() -> None:
    text = "Tim Cook runs Apple"
    rows, names = written([document(text, [(0, 8, "PER"), (14, 19, "ORG")])], ("PER", "ORG"), "biluo")
    assert names == ["O", "B-PER", "I-PER", "L-PER", "U-PER", "B-ORG", "I-ORG", "L-ORG", "U-ORG"]
    assert [names[tag] for tag in rows[0]["ner_tags"]] == ["B-PER", "L-PER", "O", "U-ORG"]


def test_tag_ids_follow_the_label_set_not_the_documents() -> None:
    """An export of a database whose documents use only its last label gives that label the same ids."""
    _rows, names = written([document("Paris", [(0, 5, "LOC")])], labels=("PER", "ORG", "LOC"))
    assert names.index("B-LOC") == 5


def test_a_label_missing_from_the_label_set_gets_ids_after_the_others() -> None:
    rows, names = written([document("Paris and Rome", [(0, 5, "GPE"), (10, 14, "LOC")])], labels=("LOC",))
    assert names == ["O", "B-LOC", "I-LOC", "B-GPE", "I-GPE"]
    assert [names[tag] for tag in rows[0]["ner_tags"]] == ["B-GPE", "O", "B-LOC"]


def test_a_span_inside_a_token_splits_that_token() -> None:
    rows, names = written([document("Flags at borderPutin today", [(15, 20, "PER")])], ("PER",))
    assert rows[0]["tokens"] == ["Flags", "at", "border", "Putin", "today"]
    assert [names[tag] for tag in rows[0]["ner_tags"]] == ["O", "O", "O", "B-PER", "O"]


def test_white_space_tokens_are_left_out_unless_a_span_holds_them() -> None:
    text = "New\u00a0\u00a0York \r\n Rome\r\nend"
    rows, names = written([document(text, [(0, 9, "GPE")])], ("GPE",))
    assert rows[0]["tokens"] == ["New", "\u00a0\u00a0", "York", "Rome", "end"]
    assert [names[tag] for tag in rows[0]["ner_tags"]] == ["B-GPE", "I-GPE", "I-GPE", "O", "O"]


def test_a_row_keeps_the_id_it_came_with_else_its_position() -> None:
    """An integer id (a doccano export's, a hand-made file's) is kept too, as a string like every row's."""
    rows, _ = written(
        [
            document("a", extra={"id": "train-17"}),
            document("b", extra={"id": 41}),
            document("c"),
            document("d", extra={"id": True}),
        ]
    )
    assert [row["id"] for row in rows] == ["train-17", "41", "2", "3"]


# ---------------------------------------------------------------- reading


def test_a_conll2003_row_from_the_hub_is_read_with_its_label_names(tmp_path: Path) -> None:
    path = save(tmp_path, [CONLL_ROW], CONLL_NAMES)
    [record] = hf.read(path)
    assert record.text == EU.replace("lamb.", "lamb .")
    assert keys(record) == [(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC")]
    assert record.tokens[:2] == (Token(0, 2), Token(3, 10))
    assert record.extra == {"id": "0", "pos_tags": CONLL_ROW["pos_tags"]}


def test_tag_names_may_come_from_a_dataset_info_file(tmp_path: Path) -> None:
    info = {
        "conll2003": {
            "features": {
                "id": {"dtype": "string", "_type": "Value"},
                "ner_tags": {"feature": {"names": CONLL_NAMES, "_type": "ClassLabel"}, "_type": "Sequence"},
            }
        }
    }
    path = save(tmp_path, [CONLL_ROW])
    (tmp_path / "dataset_infos.json").write_text(json.dumps(info), encoding="utf-8")
    [record] = hf.read(path)
    assert [span.label for span in record.spans] == ["ORG", "MISC", "MISC"]


@pytest.mark.parametrize(
    "names",
    [
        {str(number): name for number, name in enumerate(CONLL_NAMES)},
        {name: number for number, name in enumerate(CONLL_NAMES)},
        {"id2label": {str(number): name for number, name in enumerate(CONLL_NAMES)}},
    ],
)
def test_labels_json_may_map_ids_and_names(tmp_path: Path, names: dict) -> None:
    [record] = hf.read(save(tmp_path, [CONLL_ROW], names))
    assert [span.label for span in record.spans] == ["ORG", "MISC", "MISC"]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [(0, 1, "PER"), (3, 3, "LOC")]),  # IOB2
        (["I-PER", "I-PER", "B-PER", "I-LOC"], [(0, 1, "PER"), (2, 2, "PER"), (3, 3, "LOC")]),  # IOB1
        (["B-PER", "L-PER", "U-PER", "U-LOC"], [(0, 1, "PER"), (2, 2, "PER"), (3, 3, "LOC")]),  # BILUO
        (["B-PER", "E-PER", "S-PER", "S-PER"], [(0, 1, "PER"), (2, 2, "PER"), (3, 3, "PER")]),  # BIOES
        (["B-WORK-OF-ART", "I-WORK-OF-ART", "O", "O"], [(0, 1, "WORK-OF-ART")]),
    ],
)
def test_string_tags_of_each_scheme_need_no_labels_file(tmp_path: Path, tags, expected) -> None:
    [record] = hf.read(save(tmp_path, [{"tokens": ["Ann", "Lee", "in", "Rome"], "ner_tags": tags}]))
    starts, ends = [0, 4, 8, 11], [3, 7, 10, 15]
    assert keys(record) == [(starts[first], ends[last], label) for first, last, label in expected]


def test_text_without_offsets_is_searched_for_the_tokens(tmp_path: Path) -> None:
    row = {"tokens": ["Tim", "Cook", "!"], "ner_tags": ["B-PER", "I-PER", "O"], "text": "Tim  Cook!"}
    [record] = hf.read(save(tmp_path, [row]))
    assert record.text == "Tim  Cook!" and keys(record) == [(0, 9, "PER")]


def test_integer_tags_without_names_beside_them_say_which_file_to_write(tmp_path: Path) -> None:
    path = save(tmp_path, [{"tokens": ["EU"], "ner_tags": ["B-ORG"]}, CONLL_ROW])
    with pytest.raises(RecordError) as raised:
        list(hf.read(path))
    message = str(raised.value)
    assert message.startswith(f"{path}:2: ")
    assert str(tmp_path / "labels.json") in message and '["O", "B-ORG", "I-ORG"]' in message


TOKENS = ["Ann", "Lee"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([1, 2], 'must be a JSON object with "tokens" and "ner_tags", not a list'),
        ({"ner_tags": [0]}, 'has no "tokens" key'),
        ({"tokens": TOKENS}, 'has no "ner_tags" key'),
        ({"tokens": "Ann Lee", "ner_tags": [0]}, '"tokens" must be a list of strings, not a string'),
        (
            {"tokens": ["Ann", ""], "ner_tags": [0, 0]},
            '"tokens" entry 2 must be a non-empty string, not empty',
        ),
        ({"tokens": TOKENS, "ner_tags": [0]}, 'has 2 tokens but 1 "ner_tags"'),
        ({"tokens": TOKENS, "ner_tags": [0, 9]}, '"ner_tags" entry 2 is 9, but there are only 3 tag names'),
        (
            {"tokens": TOKENS, "ner_tags": [0, 1.5]},
            '"ner_tags" entry 2 must be a tag id (an integer) or name, not 1.5',
        ),
        ({"tokens": TOKENS, "ner_tags": ["PER", "O"]}, '"ner_tags" entry 1 is "PER": a tag is "O" or B-'),
        ({"tokens": TOKENS, "ner_tags": ["B- ", "O"]}, '"ner_tags" entry 1 ("B- "): the label is only white'),
        ({"tokens": [], "ner_tags": []}, 'has no tokens and no "text"'),
        ({"tokens": TOKENS, "ner_tags": [0, 0], "text": 3}, '"text" must be a string, not a number'),
        (
            {"tokens": TOKENS, "ner_tags": [0, 0], "text": "Ann Bo"},
            'token 2 "Lee" is not in "text" after 3',
        ),
        (
            {"tokens": TOKENS, "ner_tags": [0, 0], "text": "Ann Lee", "offsets": [[0, 3], [3, 7]]},
            'token 2 "Lee" is not at 3-7 of "text", which holds " Lee"',
        ),
        (
            {"tokens": ["Ann", "Ann"], "ner_tags": [1, 1], "text": "Ann", "offsets": [[0, 3], [0, 3]]},
            "token 2 (0-3) overlaps or precedes the one before",
        ),
        (
            {"tokens": TOKENS, "ner_tags": [0, 0], "text": "Ann Lee", "offsets": [[0, 3]]},
            '"offsets" must be a list of one [start, end] per token (2), not 1 entries',
        ),
    ],
)
def test_a_bad_row_is_refused_naming_file_line_and_problem(tmp_path: Path, row: Any, expected: str) -> None:
    path = save(tmp_path, [{"tokens": ["fine"], "ner_tags": [0]}, row], ["O", "B-PER", "I-PER"])
    with pytest.raises(RecordError) as raised:
        list(hf.read(path))
    assert str(raised.value).startswith(f"{path}:2: ")
    assert expected in str(raised.value)


def test_a_bad_labels_file_is_named(tmp_path: Path) -> None:
    path = save(tmp_path, [CONLL_ROW], ["O", "B-PER", "O"])
    with pytest.raises(RecordError, match=r"labels\.json: names a tag twice"):
        list(hf.read(path))
    (tmp_path / "labels.json").write_text('["O", "B-PER",\n oops]', encoding="utf-8")
    with pytest.raises(RecordError, match=r"labels\.json:2: invalid JSON at column 2"):
        list(hf.read(path))


def test_an_empty_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(RecordError, match="is empty"):
        list(hf.read(path))


def test_rows_are_recognised_by_their_keys(tmp_path: Path) -> None:
    path = save(tmp_path, [CONLL_ROW], CONLL_NAMES)
    assert hf.sniff(path, path.read_bytes())
    long_row = {"id": "0", "tokens": ["word"] * 2000, "ner_tags": [0] * 2000}
    assert hf.sniff(path, (json.dumps(long_row) + "\n").encode()[:HEAD_BYTES])
    prodigy = {"text": "EU", "tokens": [{"text": "EU", "start": 0, "end": 2, "id": 0}], "spans": []}
    long_task = {"tokens": [{"text": "EU", "start": 0, "end": 2, "id": 0}] * 200, "text": "EU", "spans": []}
    assert not hf.sniff(path, (json.dumps(long_task) + "\n").encode()[:HEAD_BYTES])
    for other in (prodigy, {"text": EU, "label": [[0, 2, "ORG"]]}, {"text": '"tokens": "ner_tags":'}):
        assert not hf.sniff(path, (json.dumps(other) + "\n").encode())
    assert [keys(r) for r in read_sources([path])] == [[(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC")]]


# ---------------------------------------------------------------- round trips


ROUND_TRIP_DOCUMENTS = [
    document(EU, [(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC")]),
    document("Family 👨‍👩‍👧 in Zürich\r\nnext\u00a0line", [(7, 15, "FAMILY"), (19, 25, "GPE")]),
    document("borderPutin and Tim Cook", [(6, 11, "PER"), (16, 24, "PER")]),
    document("No entities here."),
    document("  \r\n "),
]


@pytest.mark.parametrize("scheme", ["iob2", "biluo"])
def test_write_then_read_gives_the_same_text_spans_and_ids(tmp_path: Path, scheme: str) -> None:
    rows, names = written(ROUND_TRIP_DOCUMENTS, ("ORG", "MISC", "PER"), scheme)
    check_loadable_by_datasets(rows, names)
    records = list(hf.read(save(tmp_path, rows, names)))
    assert [r.text for r in records] == [d.text for d in ROUND_TRIP_DOCUMENTS]
    assert [keys(r) for r in records] == [[s.key() for s in d.spans] for d in ROUND_TRIP_DOCUMENTS]
    assert [r.extra for r in records] == [{"id": str(n)} for n in range(len(ROUND_TRIP_DOCUMENTS))]


PIECES = [
    "EU",
    "lamb",
    " ",
    "  ",
    "\t",
    "\r\n",
    "\u00a0",
    "\u2028",
    "e\u0301",
    "\U0001f600",
    "\U0001f1e9\U0001f1ea",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\u4e2d",
]


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """A document of Unicode text, white-space or arbitrary tokens, spans anywhere (inside tokens too)."""
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=20)))
    edges = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    labels = st.sampled_from(["ORG", "PER", "WORK-OF-ART"])
    spans = [(a, b, draw(labels)) for a, b in zip(edges[::2], edges[1::2], strict=False)]
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=6)) | {0, len(text)})
    tokens = draw(st.sampled_from([None, [Token(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]]))
    return document(text, spans, tokens)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents(), min_size=1, max_size=4), st.sampled_from(["iob2", "biluo"]))
def test_any_documents_come_back_with_their_text_and_spans(tmp_path: Path, docs, scheme: str) -> None:
    rows, names = written(docs, ("PER",), scheme)
    check_loadable_by_datasets(rows, names)
    records = list(hf.read(save(tmp_path / scheme, rows, names)))
    assert [r.text for r in records] == [d.text for d in docs]
    assert [keys(r) for r in records] == [[s.key() for s in d.spans] for d in docs]
    for record in records:  # the tokens read are the ones written
        assert all(record.text[t.start : t.end].strip() or t in _span_tokens(record) for t in record.tokens)


def _span_tokens(record: Record) -> set[Token]:
    return {t for t in record.tokens for s in record.spans if s.start <= t.start and t.end <= s.end}


# ---------------------------------------------------------------- the command


PRODIGY_ROWS = [
    {
        "text": "Tim Cook runs Apple in Cupertino.",
        "spans": [{"start": 0, "end": 8, "label": "PERSON"}, {"start": 14, "end": 19, "label": "ORG"}],
    },
    {"text": "Flags at borderPutin 👍 today", "spans": [{"start": 15, "end": 20, "label": "PERSON"}]},
    {"text": "Nothing to see.\r\nReally.", "spans": []},
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def doccano_export(db: Path) -> list[tuple[str, list]]:
    result = run("export", "--db", str(db), "--format", "doccano")
    assert result.exit_code == 0, result.output
    return [(row["text"], row["label"]) for row in map(json.loads, result.stdout.splitlines())]


@pytest.mark.parametrize("scheme", ["iob2", "biluo"])
def test_export_then_import_through_the_command_keeps_every_span(tmp_path: Path, scheme: str) -> None:
    source = save(tmp_path / "in", PRODIGY_ROWS, name="in.jsonl")
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert run("import", str(source), "--db", str(first), "--answer", "accept").exit_code == 0
    out = tmp_path / "hf" / "train.jsonl"
    out.parent.mkdir()
    result = run("export", "--db", str(first), "--format", "hf", "--scheme", scheme, "-o", str(out))
    assert result.exit_code == 0, result.output
    names = json.loads((out.parent / "labels.json").read_text(encoding="utf-8"))
    assert names[0] == "O" and {"B-PERSON", "I-PERSON", "B-ORG", "I-ORG"} <= set(names)
    check_loadable_by_datasets([json.loads(line) for line in out.read_text("utf-8").splitlines()], names)
    imported = run("import", str(out), "--db", str(second), "--answer", "accept")  # recognised by content
    assert imported.exit_code == 0, imported.output
    assert doccano_export(second) == doccano_export(first)
    assert [len(spans) for _text, spans in doccano_export(second)] == [2, 1, 0]


def test_export_to_standard_output_asks_for_a_path_before_writing_rows(tmp_path: Path) -> None:
    source = save(tmp_path / "in", PRODIGY_ROWS, name="in.jsonl")
    db = tmp_path / "spandesk.db"
    run("import", str(source), "--db", str(db), "--answer", "accept")
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--format", "hf"])
    assert result.exit_code != 0
    assert "also writes labels.json beside its file: give its path with -o PATH" in result.output
    assert "tokens" not in result.stdout


def test_importing_integer_tags_without_labels_json_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = save(tmp_path, [CONLL_ROW])
    result = run("import", str(path), "--db", str(tmp_path / "x.db"), "--format", "hf")
    assert result.exit_code != 0
    assert f"{path}:1:" in result.output and "labels.json" in result.output
    assert "Traceback" not in result.output


def test_importing_the_folder_of_an_export_reads_the_rows_not_labels_json(tmp_path: Path) -> None:
    source = save(tmp_path / "in", PRODIGY_ROWS, name="in.jsonl")
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    run("import", str(source), "--db", str(first), "--answer", "accept")
    (tmp_path / "hf").mkdir()
    assert (
        run("export", "--db", str(first), "--format", "hf", "-o", str(tmp_path / "hf" / "a.jsonl")).exit_code
        == 0
    )
    result = run("import", str(tmp_path / "hf"), "--db", str(second), "--answer", "accept")
    assert result.exit_code == 0, result.output
    assert doccano_export(second) == doccano_export(first)


@pytest.mark.parametrize("order", [1, -1])
def test_hugging_face_datasets_loads_the_rows_with_the_label_names(tmp_path: Path, order: int) -> None:
    """Runs where ``datasets`` is installed (about 300 MB with pyarrow and pandas, so not a test
    dependency); ``check_loadable_by_datasets`` checks the same shape everywhere. A document with no
    tokens (only white space) comes first or last: its empty lists must not fix the column types."""
    datasets = pytest.importorskip("datasets")
    rows, names = written(ROUND_TRIP_DOCUMENTS[::order], ("ORG", "MISC", "PER"), "biluo")
    path = save(tmp_path / "data", rows, names)
    loaded = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "c"))
    loaded = loaded.cast_column("ner_tags", datasets.Sequence(datasets.ClassLabel(names=names)))
    assert loaded["tokens"] == [row["tokens"] for row in rows]
    assert loaded["ner_tags"] == [row["ner_tags"] for row in rows]
    assert loaded.features["ner_tags"].feature.names == names


def test_the_cli_export_loads_with_hugging_face_datasets(tmp_path: Path) -> None:
    """`spandesk export --format hf -o rows.jsonl` gives rows `datasets` loads, tags named by labels.json."""
    datasets = pytest.importorskip("datasets")
    from click.testing import CliRunner

    from annotations.cli import cli

    corpus = tmp_path / "in.jsonl"
    task = {
        "text": "Sony sued Apple in Paris.",
        "answer": "accept",
        "spans": [
            {"start": 0, "end": 4, "label": "ORG"},
            {"start": 10, "end": 15, "label": "ORG"},
            {"start": 19, "end": 24, "label": "GPE"},
        ],
    }
    corpus.write_text(json.dumps(task) + "\n", encoding="utf-8")
    db, rows = str(tmp_path / "h.db"), tmp_path / "out" / "rows.jsonl"
    rows.parent.mkdir()
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(corpus), "--db", db]).exit_code == 0
    assert runner.invoke(cli, ["export", "--db", db, "--format", "hf", "-o", str(rows)]).exit_code == 0
    names = json.loads((rows.parent / "labels.json").read_text(encoding="utf-8"))
    loaded = datasets.load_dataset("json", data_files=str(rows), split="train", cache_dir=str(tmp_path / "c"))
    loaded = loaded.cast_column("ner_tags", datasets.Sequence(datasets.ClassLabel(names=names)))
    tags = [loaded.features["ner_tags"].feature.int2str(tag) for tag in loaded[0]["ner_tags"]]
    assert list(zip(loaded[0]["tokens"], tags)) == [
        ("Sony", "B-ORG"),
        ("sued", "O"),
        ("Apple", "B-ORG"),
        ("in", "O"),
        ("Paris", "B-GPE"),
        (".", "O"),
    ]
