"""CoNLL-2003 / IOB: written as spaCy's converter reads it, read back in IOB1, IOB2 and BILUO."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import sources
from annotations.cli import cli
from annotations.formats import WriteOptions, conll
from annotations.model import Answer, Document, DocumentState, Span, Token
from annotations.output_file import OutputError
from annotations.records import Record, RecordError
from annotations.text import whitespace_tokens

EU = "EU rejects German call to boycott British lamb."
EU_SPANS = (Span(0, 2, "ORG"), Span(11, 17, "MISC"), Span(34, 41, "MISC"))


def document(
    text: str, spans: tuple[Span, ...] = (), tokens: tuple[Token, ...] | None = None, number: int = 1
) -> Document:
    """A stored document (tokens on white space unless given)."""
    tokens = whitespace_tokens(text) if tokens is None else tokens
    return Document(number, "main", text, tokens, DocumentState(spans, Answer.ACCEPT))


def written(documents: list[Document], scheme: str = "iob2", labels: tuple[str, ...] = ()) -> str:
    """The CoNLL file of the documents."""
    pieces = list(conll.write(documents, WriteOptions(labels=labels, scheme=scheme)))
    assert all(name == "" for name, _ in pieces)
    return b"".join(data for _, data in pieces).decode("utf-8")


def read_text(tmp_path: Path, content: str, name: str = "in.conll") -> list[Record]:
    """The records of a CoNLL file holding ``content``."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return list(conll.read(path))


def entities(record: Record) -> list[tuple[str, str]]:
    """The record's spans as (text, label)."""
    return [(record.text[span.start : span.end], span.label) for span in record.spans or ()]


def as_document(record: Record, number: int = 1) -> Document:
    """The document an import would store for a record (its own tokens)."""
    return document(record.text, record.spans or (), record.tokens, number)


# ---------------------------------------------------------------- writing


def test_a_document_is_a_docstart_block_of_token_tag_lines_in_iob2() -> None:
    assert written([document(EU, EU_SPANS)]) == (
        "-DOCSTART- -X- O O\n\n"
        "EU B-ORG\nrejects O\nGerman B-MISC\ncall O\nto O\nboycott O\nBritish B-MISC\nlamb. O\n\n"
    )


def test_biluo_marks_single_token_entities_u_and_last_tokens_l() -> None:
    text = "Peter Blackburn met EU officials"
    spans = (Span(0, 15, "PER"), Span(20, 22, "ORG"))
    assert written([document(text, spans)], scheme="biluo") == (
        "-DOCSTART- -X- O O\n\nPeter B-PER\nBlackburn L-PER\nmet O\nEU U-ORG\nofficials O\n\n"
    )
    assert "Blackburn I-PER\n" in written([document(text, spans)])


def test_a_span_inside_a_token_splits_that_token() -> None:
    text = "Apple's chips"
    lines = written([document(text, (Span(0, 5, "ORG"),))]).splitlines()
    assert lines[2:5] == ["Apple B-ORG", "'s O", "chips O"]


def test_white_space_is_left_out_and_a_token_holding_white_space_is_split() -> None:
    """A stored token "New York" (a space inside) is written as two: a token line cannot hold a space."""
    text = "in  New York\u00a0City ."
    tokens = (Token(0, 2), Token(2, 4), Token(4, 12), Token(12, 17), Token(18, 19))
    lines = written([document(text, (Span(4, 17, "GPE"),), tokens)]).splitlines()
    assert lines[2:] == ["in O", "New B-GPE", "York I-GPE", "City I-GPE", ". O", ""]


def test_a_line_break_starts_a_sentence_unless_an_entity_spans_it() -> None:
    text = "First line\r\nsecond line\nNew\nYork"
    lines = written([document(text, (Span(24, 32, "GPE"),))]).splitlines()
    assert lines[2:] == ["First O", "line O", "", "second O", "line O", "", "New B-GPE", "York I-GPE", ""]


def test_a_label_with_white_space_is_refused_only_when_a_span_has_it() -> None:
    assert written([document(EU)], labels=("ORG", "BRAND NAME")).endswith("lamb. O\n\n")
    with pytest.raises(OutputError, match="'BRAND NAME' holds white space"):
        written([document(EU, (Span(0, 2, "BRAND NAME"),))])


def test_a_span_of_white_space_only_is_refused_naming_it() -> None:
    doc = document("a   b", (Span(1, 4, "GAP"),))
    with pytest.raises(OutputError, match=r"document 1 of dataset 'main': span 1-4 \(GAP\) holds only white"):
        written([doc])


def test_a_docstart_token_inside_a_document_is_refused() -> None:
    with pytest.raises(OutputError, match="has the token -DOCSTART- at offset 4"):
        written([document("see -DOCSTART- here")])


def test_an_empty_document_is_an_empty_block_and_is_not_read_back(tmp_path: Path) -> None:
    content = written([document(" \n "), document(EU, EU_SPANS)])
    assert content.startswith("-DOCSTART- -X- O O\n\n-DOCSTART- -X- O O\n\nEU B-ORG\n")
    records = read_text(tmp_path, content)
    assert [record.text for record in records] == [EU]
    assert records[0].where.endswith("in.conll:3")


# ---------------------------------------------------------------- reading

CONLL_2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def test_conll_2003_four_columns_are_read_a_document_per_docstart(tmp_path: Path) -> None:
    records = read_text(tmp_path, CONLL_2003)
    assert [record.text for record in records] == [
        "EU rejects German call .\nPeter Blackburn",
        "BRUSSELS 1996-08-22",
    ]
    assert entities(records[0]) == [("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")]
    assert entities(records[1]) == [("BRUSSELS", "LOC")]
    assert [record.where for record in records] == [
        f"{tmp_path / 'in.conll'}:1",
        f"{tmp_path / 'in.conll'}:12",
    ]
    assert records[0].tokens[:2] == (Token(0, 2), Token(3, 10)) and records[0].answer is None


@pytest.mark.parametrize(
    "tags",
    [
        ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC"],  # IOB1: B- only between two entities of one label
        ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"],  # IOB2
        ["B-PER", "L-PER", "O", "U-LOC", "B-LOC", "L-LOC"],  # BILUO
        ["B-PER", "E-PER", "O", "S-LOC", "B-LOC", "E-LOC"],  # IOBES
    ],
)
def test_iob1_iob2_and_biluo_give_the_same_spans(tmp_path: Path, tags: list[str]) -> None:
    words = ["Peter", "Blackburn", "in", "Bonn", "New", "York"]
    content = "".join(f"{word}\t{tag}\n" for word, tag in zip(words, tags))
    (record,) = read_text(tmp_path, content)
    assert record.text == "Peter Blackburn in Bonn New York"
    assert entities(record) == [("Peter Blackburn", "PER"), ("Bonn", "LOC"), ("New York", "LOC")]


def test_an_i_tag_of_another_label_starts_an_entity(tmp_path: Path) -> None:
    (record,) = read_text(tmp_path, "a B-ORG\nb I-ORG\nc I-PER\nd O\ne I-PER\n")
    assert entities(record) == [("a b", "ORG"), ("c", "PER"), ("e", "PER")]


def test_without_docstart_each_sentence_is_a_document(tmp_path: Path) -> None:
    records = read_text(tmp_path, "@paul O\nLondon B-LOC\n\r\n\r\nParis B-LOC\r\nrocks O\r\n", "wnut.txt")
    assert [record.text for record in records] == ["@paul London", "Paris rocks"]
    assert [entities(record) for record in records] == [[("London", "LOC")], [("Paris", "LOC")]]
    assert [record.where.rsplit(":", 1)[1] for record in records] == ["1", "5"]


def test_a_file_whose_lines_end_in_a_lone_cr_is_read_line_by_line(tmp_path: Path) -> None:
    """A classic Mac file: each CR ends a line (it was one line of eight columns, read as "Sony" and O)."""
    path = tmp_path / "mac.txt"
    path.write_bytes(b"Sony B-ORG\rsued O\r\rApple B-ORG\rwins O\r")
    assert conll.sniff(path, path.read_bytes())
    records = list(conll.read(path))
    assert [record.text for record in records] == ["Sony sued", "Apple wins"]
    assert [entities(record) for record in records] == [[("Sony", "ORG")], [("Apple", "ORG")]]
    assert [record.where.rsplit(":", 1)[1] for record in records] == ["1", "4"]


def test_a_file_of_docstart_lines_and_no_token_is_empty(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"in.conll: is empty \(it holds no CoNLL token lines\)"):
        read_text(tmp_path, "-DOCSTART- -X- O O\n\n-DOCSTART- -X- O O\n")


def test_a_byte_order_mark_is_not_part_of_the_first_token(tmp_path: Path) -> None:
    (record,) = read_text(tmp_path, "\ufeffEU B-ORG\nsays O\n")
    assert entities(record) == [("EU", "ORG")]


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("EU B-ORG\nrejects\n", 2, "'rejects' has no tag: a token line is TOKEN TAG"),
        ("EU NNP B-ORG\nrejects O\n", 2, "has 2 columns but line 3 has 3"),
        ("EU B-ORG\n\nNew York B-LOC\n", 3, "has 3 columns but line 3 has 2"),
        ("EU B-ORG\nrejects X-ORG\n", 2, "unknown tag 'X-ORG': a tag is O, or B-, I-, L-, U-"),
        ("EU BORG\n", 1, "unknown tag 'BORG'"),
        ("EU B-\n", 1, "the tag 'B-': the label is empty"),
        ("EU B-OR\x07G\n", 1, "holds the control character U+0007"),
    ],
)
def test_a_bad_line_is_refused_naming_file_and_line(
    tmp_path: Path, content: str, line: int, expected: str
) -> None:
    with pytest.raises(RecordError) as raised:
        read_text(tmp_path, "-DOCSTART- -X- O O\n\n" + content)
    assert str(raised.value).startswith(f"{tmp_path / 'in.conll'}:{line + 2}: ")
    assert expected in str(raised.value)


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.conll"
    path.write_bytes("EU B-ORG\nZ\u00fcrich B-LOC\n".encode("latin-1"))
    with pytest.raises(RecordError, match=r"latin.conll:2: is not UTF-8 text \(byte 0xfc\)"):
        list(conll.read(path))


# ---------------------------------------------------------------- round trips


def test_write_then_read_gives_the_same_text_tokens_and_spans() -> None:
    """A document already laid out as CoNLL text (single spaces, sentences on lines) comes back exactly."""
    text = "Tim Cook runs Apple 😀 .\nZürich is nice"
    spans = (Span(0, 8, "PERSON"), Span(14, 19, "ORG"), Span(24, 30, "GPE"))
    doc = document(text, spans)
    (record,) = _round_trip([doc], "iob2")
    assert record.text == text and record.spans == spans and record.tokens == doc.tokens
    (record,) = _round_trip([doc], "biluo")
    assert record.text == text and record.spans == spans


def test_token_boundaries_survive_a_round_trip() -> None:
    """Read tokens are the records' tokens, so a second export writes exactly the same file."""
    doc = document(
        "Apple's  chips,\tcheap!", (Span(0, 5, "ORG"),), (Token(0, 7), Token(9, 14), Token(14, 15))
    )
    first = written([doc])
    records = _round_trip([doc], "iob2")
    assert written([as_document(record) for record in records]) == first
    assert entities(records[0]) == [("Apple", "ORG")]


def _round_trip(documents: list[Document], scheme: str) -> list[Record]:
    """Write then read, in a temporary file."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return read_text(Path(folder), written(documents, scheme))


WORD = st.text(alphabet="aZé😀👨‍👩‍👧.,'-0", min_size=1, max_size=5)
GAP = st.sampled_from([" ", "  ", "\r\n", "\n", "\t", "\u00a0", " \n "])


@st.composite
def documents(draw, number: int) -> Document:
    """A document of words and odd gaps, with spans on whole, partial or several tokens, or none."""
    words = draw(st.lists(WORD, max_size=8))
    gaps = draw(st.lists(GAP, min_size=len(words) + 1, max_size=len(words) + 1))
    text = gaps[0] + "".join(word + gap for word, gap in zip(words, gaps[1:]))
    # the stored tokens: on white space, or one token over everything (white space inside it)
    tokens = None if draw(st.booleans()) else (Token(0, len(text)),)
    if not text.strip():
        return document(text, tokens=tokens, number=number)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=6))))
    spans = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        if text[start:end].strip():
            spans.append(Span(start, end, draw(st.sampled_from(["ORG", "PER", "X_Y"]))))
    return document(text, tuple(spans), tokens, number=number)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4).flatmap(lambda n: st.tuples(*[documents(i) for i in range(n)])),
    st.sampled_from(["iob2", "biluo"]),
)
def test_any_document_comes_back_with_its_words_and_entities(docs: tuple[Document, ...], scheme: str) -> None:
    """Emoji, CRLF, tabs, no-break spaces, sub-token spans, empty documents: every non-space character
    comes back in order, every span with its label and its words, and a second export is the same file
    (a file of blank documents only holds no token line: it is refused as empty)."""
    kept = [doc for doc in docs if doc.text.strip()]
    if not kept:
        with pytest.raises(RecordError, match="is empty"):
            _round_trip(list(docs), scheme)
        return
    records = _round_trip(list(docs), scheme)
    assert len(records) == len(kept)
    for doc, record in zip(kept, records):
        assert record.text.split() == [word for sentence in conll.sentences(doc) for word, _ in sentence]
        assert "".join(record.text.split()) == "".join(doc.text.split())
        expected = [(" ".join(doc.text[s.start : s.end].split()), s.label) for s in doc.spans]
        assert entities(record) == expected
    again = [as_document(record, number) for number, record in enumerate(records)]
    assert written(again, scheme) == written(kept, scheme)


# ---------------------------------------------------------------- spaCy's converter


def spacy_convert(path: Path, out: Path) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """What ``python -m spacy convert -c ner`` makes of a file: each Doc's words and (label, text) ents."""
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "convert", "-c", "ner", str(path), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("xx").vocab
    docs = DocBin().from_disk(out / f"{path.stem}.spacy").get_docs(vocab)
    return [([t.text for t in doc], [(e.label_, e.text) for e in doc.ents]) for doc in docs]


AWKWARD = [
    document(EU, EU_SPANS),
    document(
        "Apple's CEO 😀 visited\r\nZürich\u00a0Oerlikon today.", (Span(0, 5, "ORG"), Span(23, 38, "GPE"))
    ),
    document("nothing to see here"),
    document("Family 👨‍👩‍👧 in New\nYork", (Span(16, 24, "GPE"),)),
]


@pytest.mark.parametrize("scheme", ["iob2", "biluo"])
def test_spacy_convert_reads_the_export_with_the_same_entities(tmp_path: Path, scheme: str) -> None:
    path = tmp_path / "export.conll"
    path.write_text(written(AWKWARD, scheme), encoding="utf-8")
    converted = spacy_convert(path, tmp_path / "out")
    records = list(conll.read(path))
    assert len(converted) == len(records) == len(AWKWARD)
    for (words, ents), record in zip(converted, records):
        assert words == [record.text[token.start : token.end] for token in record.tokens]
        assert ents == [(label, text) for text, label in entities(record)]
    assert converted[1][1] == [("ORG", "Apple"), ("GPE", "Zürich Oerlikon")]
    assert converted[3][1] == [("GPE", "New York")]


# ---------------------------------------------------------------- recognising


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("train.txt", CONLL_2003, True),
        ("wnut17.txt", "@paul O\nLondon B-LOC\n\nis O\n", True),
        ("data", "EU\tB-ORG\nrejects\tO\n", True),
        ("x.conll", "anything at all", True),
        ("x.IOB", "", True),
        ("x.bio", "", True),
        ("x.conll03", "", True),
        ("notes.txt", "Hello world\nHow are you today O\n", False),
        ("notes.txt", "Call me O\nor call me B-TEAM\n", False),
        ("notes.txt", "One O\n", False),
        ("notes.txt", "", False),
        ("in.jsonl", '{"text": "EU O", "label": []}\n{"text": "a"}\n', False),
        ("bin", "\x00\x01 O\n\xff".encode("latin-1").decode("latin-1"), False),
    ],
)
def test_sniff_knows_conll_by_name_or_content_and_leaves_prose_alone(
    name: str, content: str, expected: bool
) -> None:
    head = content.encode("latin-1" if name == "bin" else "utf-8")
    assert conll.sniff(Path(name), head) is expected


def test_sniff_ignores_a_line_cut_off_by_the_end_of_the_head() -> None:
    head = ("EU B-ORG\nrejects O\n" * 250).encode()[: sources.HEAD_BYTES - 1] + "Zü".encode()[:2]
    assert conll.sniff(Path("data"), head)


def test_import_auto_reads_a_conll_txt_file_and_still_reads_prose_as_text(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text(CONLL_2003, encoding="utf-8")
    (tmp_path / "prose.txt").write_text("It was O\nthe best of times.\n", encoding="utf-8")
    records = list(sources.read([tmp_path / "train.txt", tmp_path / "prose.txt"]))
    assert [len(record.spans or ()) for record in records] == [3, 1, 0]
    assert records[2].text == "It was O\nthe best of times.\n" and records[2].spans is None


# ---------------------------------------------------------------- the command line

PRODIGY_TASKS = [
    {
        "text": "Tim Cook runs Apple's stores in Zürich\r\nand 😀 Paris.",
        "spans": [
            {"start": 0, "end": 8, "label": "PERSON"},
            {"start": 14, "end": 19, "label": "ORG"},
            {"start": 32, "end": 38, "label": "GPE"},
            {"start": 46, "end": 51, "label": "GPE"},
        ],
        "answer": "accept",
    },
    {"text": "Nothing here.", "spans": [], "answer": "accept"},
    {
        "text": "Rejected but kept: Berlin.",
        "spans": [{"start": 19, "end": 25, "label": "GPE"}],
        "answer": "reject",
    },
]


def run(*args: str):
    """The spandesk command, in-process."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def prodigy_rows(db: Path) -> list[dict]:
    """Every document of a database as Prodigy tasks."""
    result = run("export", "--db", str(db), "--format", "prodigy", "--all")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def span_words(row: dict) -> list[tuple[str, str]]:
    """A task's spans as (text with single spaces, label)."""
    return [
        (" ".join(row["text"][s["start"] : s["end"]].split()), s["label"]) for s in row.get("spans") or []
    ]


@pytest.mark.parametrize("scheme", ["iob2", "biluo"])
def test_cli_prodigy_to_conll_to_prodigy_keeps_every_span(tmp_path: Path, scheme: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(task, ensure_ascii=False) + "\n" for task in PRODIGY_TASKS), "utf-8")
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert run("import", str(source), "--db", str(first)).exit_code == 0
    out = tmp_path / "out.conll"
    exported = run("export", "--db", str(first), "--format", "conll", "-o", str(out), "--scheme", scheme)
    assert exported.exit_code == 0, exported.output
    assert "Exported 3 documents (5 spans)" in exported.output
    content = out.read_text("utf-8")
    assert content.count("-DOCSTART- -X- O O\n") == 3
    assert ("Apple U-ORG\n" if scheme == "biluo" else "Apple B-ORG\n") in content
    imported = run("import", str(out), "--db", str(second))
    assert imported.exit_code == 0, imported.output
    assert "Imported 3 documents" in imported.output and "pre-annotated" not in imported.output
    before, after = prodigy_rows(first), prodigy_rows(second)
    assert [span_words(row) for row in after] == [span_words(row) for row in before]
    assert after[0]["text"] == "Tim Cook runs Apple 's stores in Zürich\nand 😀 Paris ."
    assert [t["text"] for t in after[0]["tokens"][:5]] == ["Tim", "Cook", "runs", "Apple", "'s"]
    again = tmp_path / "again.conll"
    assert run(
        "export", "--db", str(second), "--format", "conll", "-o", str(again), "--all", "--scheme", scheme
    )
    assert again.read_text("utf-8") == content


def test_cli_conll_goes_to_stdout_and_format_is_taken_for_any_name(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    data = tmp_path / "corpus.data"
    data.write_text("EU B-ORG\nrejects O\n\nBonn B-LOC\n", "utf-8")
    assert run("import", str(data), "--db", str(db), "--format", "conll", "--answer", "accept").exit_code == 0
    result = run("export", "--db", str(db), "--format", "conll")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "-DOCSTART- -X- O O\n\nEU B-ORG\nrejects O\n\n-DOCSTART- -X- O O\n\nBonn B-LOC\n\n"
    )


def test_cli_a_bad_conll_file_is_a_message_naming_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conll"
    bad.write_text("EU B-ORG\nrejects Q-X\n", "utf-8")
    result = run("import", str(bad), "--db", str(tmp_path / "a.db"))
    assert result.exit_code != 0
    assert f"{bad}:2: unknown tag 'Q-X'" in result.output and "Traceback" not in result.output


def test_cli_a_label_with_a_space_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    task = {
        "text": "Ann Taylor sells",
        "spans": [{"start": 0, "end": 10, "label": "FASHION BRAND"}],
        "answer": "accept",
    }
    source.write_text(json.dumps(task) + "\n", "utf-8")
    db = tmp_path / "a.db"
    assert run("import", str(source), "--db", str(db)).exit_code == 0
    out = tmp_path / "out.conll"
    result = run("export", "--db", str(db), "--format", "conll", "-o", str(out))
    assert result.exit_code == 1 and "'FASHION BRAND' holds white space" in result.output
    assert not out.exists()


def test_a_folder_import_reads_its_conll_files_too(tmp_path: Path) -> None:
    """A folder holding a .conll file beside text files imports the CoNLL documents too."""
    from annotations.sources import read

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.conll").write_text("-DOCSTART- -X- O O\n\nParis B-GPE\nis O\nbig O\n", encoding="utf-8")
    (folder / "b.txt").write_text("Just text.", encoding="utf-8")
    records = list(read([folder]))
    assert [record.text for record in records] == ["Paris is big", "Just text."]
    assert [span.key() for span in records[0].spans] == [(0, 5, "GPE")]
