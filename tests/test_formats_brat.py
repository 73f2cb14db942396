"""brat standoff: a folder of .txt/.ann pairs written and read back with every span where it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import hashing, sources, store
from annotations.cli import cli
from annotations.exporting import ExportFailure, export
from annotations.formats import WriteOptions, brat
from annotations.model import Answer, Document, DocumentState, Span
from annotations.records import RecordError
from annotations.text import whitespace_tokens

SONY = "Sony bought Columbia Pictures in 1989."


def document(text: str, spans: list[tuple[int, int, str]], number: int = 1) -> Document:
    """A stored document with these spans."""
    return Document(
        id=number,
        dataset="test",
        text=text,
        tokens=whitespace_tokens(text),
        state=DocumentState(tuple(Span(*key) for key in sorted(spans)), Answer.ACCEPT),
        input_hash=hashing.input_hash(text),
    )


def write_folder(folder: Path, documents: list[Document], labels: tuple[str, ...] = ()) -> Path:
    """The pieces of a brat export, saved as files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in brat.write(documents, WriteOptions(labels=labels)):
        assert name == Path(name).name and name
        (folder / name).write_bytes(data)
    return folder


def read_back(folder: Path) -> list[tuple[str, list[tuple[int, int, str]] | None]]:
    """The text and span keys of every record of a brat folder."""
    return [(r.text, None if r.spans is None else [s.key() for s in r.spans]) for r in brat.read(folder)]


def pair(folder: Path, name: str, text: str | bytes, ann: str | None) -> Path:
    """A hand-made brat pair (the .ann left out when ``ann`` is None)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (folder / f"{name}.txt").write_bytes(data)
    if ann is not None:
        (folder / f"{name}.ann").write_bytes(ann.encode("utf-8"))
    return folder


# ---------------------------------------------------------------- writing


def test_an_export_is_a_txt_and_ann_per_document_and_an_annotation_conf(tmp_path: Path) -> None:
    docs = [document(SONY, [(0, 4, "ORG"), (12, 29, "ORG"), (33, 37, "DATE")]), document("Nothing.", [], 2)]
    pieces = dict(brat.write(docs, WriteOptions(labels=("ORG", "DATE", "PERSON"))))
    stem = brat.piece_stem(docs[0])
    assert list(pieces) == [f"{stem}.txt", f"{stem}.ann", f"{brat.piece_stem(docs[1])}.txt",
                            f"{brat.piece_stem(docs[1])}.ann", "annotation.conf"]  # fmt: skip
    assert pieces[f"{stem}.txt"] == SONY.encode("utf-8")
    assert pieces[f"{stem}.ann"].decode() == (
        "T1\tORG 0 4\tSony\nT2\tORG 12 29\tColumbia Pictures\nT3\tDATE 33 37\t1989\n"
    )
    assert pieces[f"{brat.piece_stem(docs[1])}.ann"] == b""
    conf = pieces["annotation.conf"].decode().splitlines()
    assert conf[conf.index("[entities]") + 1 : conf.index("[entities]") + 4] == ["ORG", "DATE", "PERSON"]
    assert {"[relations]", "[events]", "[attributes]"} <= set(conf)


def test_file_names_are_stable_plain_names_in_document_order() -> None:
    first, later = document("a", [], 7), document("b", [], 12)
    assert brat.piece_stem(first) == brat.piece_stem(document("a", [], 7))
    assert brat.piece_stem(first) < brat.piece_stem(later) and "/" not in brat.piece_stem(first)


def test_crlf_text_is_written_as_is_and_offsets_count_both_characters(tmp_path: Path) -> None:
    text = "Line one\r\nSony 😀 Corp\r\n"
    doc = document(text, [(10, 14, "ORG"), (15, 16, "EMOJI"), (17, 21, "ORG")])
    folder = write_folder(tmp_path / "out", [doc])
    stem = brat.piece_stem(doc)
    assert (folder / f"{stem}.txt").read_bytes() == text.encode("utf-8")
    lines = (folder / f"{stem}.ann").read_text(encoding="utf-8").splitlines()
    assert lines == ["T1\tORG 10 14\tSony", "T2\tEMOJI 15 16\t😀", "T3\tORG 17 21\tCorp"]
    assert read_back(folder) == [(text, [(10, 14, "ORG"), (15, 16, "EMOJI"), (17, 21, "ORG")])]


@pytest.mark.parametrize(
    ("text", "span", "line"),
    [
        ("Foo\nBar baz", (0, 7), "T1\tX 0 3;4 7\tFoo Bar"),
        ("Foo\r\nBar", (0, 8), "T1\tX 0 3;5 8\tFoo Bar"),
        ("a\nFoo", (1, 5), "T1\tX 1 1;2 5\t Foo"),
        ("Foo\n\nx", (0, 5), "T1\tX 0 3;5 5\tFoo "),
        ("a\u2028b", (0, 3), "T1\tX 0 1;2 3\ta b"),
        ("a\nb", (1, 2), "T1\tX 1 1;2 2\t "),
    ],
)
def test_a_span_over_a_line_break_is_written_as_brat_writes_one_and_read_back_whole(
    tmp_path: Path, text: str, span: tuple[int, int], line: str
) -> None:
    doc = document(text, [(*span, "X")])
    folder = write_folder(tmp_path / "out", [doc])
    ann = (folder / f"{brat.piece_stem(doc)}.ann").read_text(encoding="utf-8")
    assert ann == line + "\n" and len(ann.splitlines()) == 1  # one .ann line, as brat splits them
    assert read_back(folder) == [(text, [(*span, "X")])]


def test_a_sub_token_span_is_kept_exactly(tmp_path: Path) -> None:
    text = "borderPutin said"
    folder = write_folder(tmp_path / "out", [document(text, [(6, 11, "PERSON")])])
    assert read_back(folder) == [(text, [(6, 11, "PERSON")])]


def test_labels_come_out_in_the_conf_only_when_brat_takes_them_as_type_names() -> None:
    conf = brat.conf_text(["ORG", "B-PER", "Ünïcode", "a|b"]).splitlines()
    entities = conf[conf.index("[entities]") + 1 : conf.index("[relations]")]
    assert "ORG" in entities and "B-PER" in entities
    assert "Ünïcode" not in entities and "a|b" not in entities
    assert any(line.startswith("#") and "Ünïcode" in line for line in entities)


def test_a_label_with_a_space_refuses_the_export_before_anything_is_written(db, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": SONY, "label": [[0, 4, "Big Company"]]}) + "\n", encoding="utf-8")
    import_sources_quietly(db, source)
    out = tmp_path / "out"
    with pytest.raises(ExportFailure, match=r"'Big Company'.*no white space.*Nothing was written"):
        export(db, "brat", out, include_unanswered=True)
    assert not out.exists() or not any(out.iterdir())


def import_sources_quietly(db, *paths: Path, **options) -> None:
    from annotations.importing import import_sources

    import_sources(db, [str(p) for p in paths], **options)


# ---------------------------------------------------------------- reading


def test_a_brat_folder_is_read_with_events_relations_and_notes_left_out(tmp_path: Path) -> None:
    ann = (
        "T1\tOrganization 0 4\tSony\n"
        "T2\tOrganization 12 29\tColumbia Pictures\n"
        "R1\tAcquired Arg1:T1 Arg2:T2\t\n"
        "T3\tAcquire 0 11\tSony bought\n"
        "E1\tAcquire:T3 Buyer:T1 Bought:T2\n"
        "A1\tNegated E1\n"
        "N1\tReference T1 Wikipedia:534366\tSony\n"
        "#1\tAnnotatorNotes T1\tchecked\n"
        "*\tEquiv T1 T2\n"
        "\n"
    )
    folder = pair(tmp_path / "corpus", "doc", SONY, ann)
    assert brat.sniff(folder, b"")
    # T3 is the event's trigger (overlapping T1): part of the event, left out with it
    assert read_back(folder) == [(SONY, [(0, 4, "Organization"), (12, 29, "Organization")])]


def test_documents_are_read_in_natural_order_from_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    pair(root, "doc10", "ten", "")
    pair(root, "doc2", "two", "T1\tNUM 0 3\ttwo\n")
    pair(root / "sub", "doc1", "one", "")
    texts = [text for text, _ in read_back(root)]
    assert texts == ["two", "ten", "one"]


def test_a_txt_without_ann_is_unannotated_and_an_empty_txt_is_skipped(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "a", "Not annotated yet.", None)
    pair(folder, "b", "Annotated, no entities.", "")
    pair(folder, "c", "", "")
    pair(folder, "d", "Spans.", "T1\tX 0 5\tSpans\n")
    assert read_back(folder) == [
        ("Not annotated yet.", None),
        ("Annotated, no entities.", []),
        ("Spans.", [(0, 5, "X")]),
    ]


def test_a_single_ann_file_is_read_with_its_txt(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", SONY, "T1\tORG 0 4\tSony\n")
    records = list(brat.read(folder / "doc.ann"))
    assert [(r.text, [s.key() for s in r.spans]) for r in records] == [(SONY, [(0, 4, "ORG")])]


def test_offsets_counting_crlf_as_one_character_are_mapped_to_the_file(tmp_path: Path) -> None:
    text = "Head\r\nSony here\r\nand Columbia"
    universal = text.replace("\r\n", "\n")
    ann = "T1\tORG 5 9\tSony\nT2\tORG 19 27\tColumbia\n"  # offsets into the universal-newline text
    assert universal[5:9] == "Sony" and universal[19:27] == "Columbia"
    folder = pair(tmp_path / "corpus", "doc", text, ann)
    [(read_text, spans)] = read_back(folder)
    assert read_text == text
    assert [read_text[s:e] for s, e, _ in spans] == ["Sony", "Columbia"]
    assert spans == [(6, 10, "ORG"), (21, 29, "ORG")]


def test_a_crlf_ann_file_and_a_bom_are_read(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", "\ufeffSony", None)
    (folder / "doc.ann").write_bytes("\ufeffT1\tORG 1 5\tSony\r\n".encode())
    assert read_back(folder) == [("\ufeffSony", [(1, 5, "ORG")])]


def test_a_missing_span_text_is_filled_as_brat_does(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", SONY, "T1\tORG 0 4\n")
    assert read_back(folder) == [(SONY, [(0, 4, "ORG")])]


def bad(tmp_path: Path, ann: str, text: str = SONY) -> str:
    """The message reading a pair with this .ann gives."""
    folder = pair(tmp_path / "corpus", "doc", text, ann)
    with pytest.raises(RecordError) as caught:
        list(brat.read(folder))
    return str(caught.value)


def test_a_discontinuous_span_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    message = bad(tmp_path, "T1\tORG 0 4\tSony\nT2\tORG 0 4;12 20\tSony Columbia\n")
    assert message.startswith(f"{tmp_path / 'corpus' / 'doc.ann'}:2: T2")
    assert "discontinuous" in message and "0 4;12 20" in message


def test_a_span_text_that_differs_from_the_txt_is_refused(tmp_path: Path) -> None:
    message = bad(tmp_path, "T1\tORG 1 5\tSony\n")
    assert message.startswith(f"{tmp_path / 'corpus' / 'doc.ann'}:1: T1")
    assert "'Sony'" in message and "'ony '" in message


def test_utf16_counted_offsets_are_caught_by_the_span_text(tmp_path: Path) -> None:
    text = "😀 Sony"  # a tool counting UTF-16 units puts Sony at 3-7
    message = bad(tmp_path, "T1\tORG 3 7\tSony\n", text)
    assert ":1: T1" in message and "Unicode characters" in message


@pytest.mark.parametrize(
    ("ann", "expected"),
    [
        ("T1\tORG 0 99\tSony\n", ":1: T1: 0-99 lies outside the text of 38 characters"),
        ("T1\tORG 4 0\t\n", ":1: T1: 4-0 ends before it starts"),
        ("T1\tORG zero four\tSony\n", ":1: T1: expected 'LABEL START END'"),
        ("T1\tORG 0 4\tSony\nT2\tPER 2 8\tny bou\n", ":2: T2 (PER 2-8) overlaps T1 (ORG 0-4, line 1)"),
        ("T1 ORG 0 4 Sony\n", ":1: is not a brat annotation"),
        ("X1\tORG 0 4\tSony\n", ":1: 'X1' is not a brat annotation ID"),
        ("T1\t 0 4\tSony\n", ":1: T1: the label is empty"),
        ("T1\tORG 2 2\t\n", ":1: T1 (ORG 2-2) is empty"),
    ],
)
def test_bad_annotation_lines_name_file_and_line(tmp_path: Path, ann: str, expected: str) -> None:
    message = bad(tmp_path, ann)
    assert message.startswith(str(tmp_path / "corpus" / "doc.ann")) and expected in message


def test_an_ann_without_its_txt_and_a_txt_that_is_not_utf8_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "lonely.ann").write_text("T1\tX 0 1\ta\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"lonely\.ann: has no lonely\.txt beside it"):
        list(brat.read(folder))
    (folder / "lonely.txt").write_bytes(b"caf\xe9")
    with pytest.raises(RecordError, match=r"lonely\.txt: is not valid UTF-8: byte 0xe9"):
        list(brat.read(folder))


def test_a_folder_is_brat_only_when_it_holds_an_ann_file(tmp_path: Path) -> None:
    """A folder with an .ann file below it is brat; so is an .ann file named alone (its .txt is not)."""
    from annotations.sources import read

    plain = pair(tmp_path / "plain", "a", "text", None)
    assert not brat.sniff(plain, b"")
    nested = pair(tmp_path / "nested" / "inner", "a", "Sony", "T1\tORG 0 4\tSony\n")
    assert brat.sniff(tmp_path / "nested", b"")
    assert brat.sniff(nested / "a.ann", b"") and not brat.sniff(nested / "a.txt", b"")
    records = list(read([nested / "a.ann"]))  # no --format: recognised by its name
    assert [(r.text, [s.key() for s in r.spans]) for r in records] == [("Sony", [(0, 4, "ORG")])]


# ---------------------------------------------------------------- property


SAMPLE_CHARS = st.sampled_from(list("ab Z\u00e9\u00a0😀👨\u200d👩\r\n\t.;|\u2028"))


@st.composite
def documents(draw) -> list[Document]:
    """Documents with emoji, CRLF, line breaks inside spans, sub-token spans and no spans at all."""
    result = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        text = draw(st.text(SAMPLE_CHARS, min_size=1, max_size=30))
        cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=8))))
        spans = [
            (start, end, draw(st.sampled_from(["ORG", "PER", "B-X"])))
            for start, end in zip(cuts[::2], cuts[1::2])
            if end > start and draw(st.booleans())
        ]
        result.append(document(text, spans, number))
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=documents())
def test_any_documents_round_trip_through_brat(tmp_path_factory, docs: list[Document]) -> None:
    folder = write_folder(tmp_path_factory.mktemp("brat"), docs, ("ORG", "PER", "B-X"))
    for name in folder.iterdir():
        if name.suffix == ".ann":  # brat's own reading: one T line per span, its text as the .txt holds
            text = name.with_suffix(".txt").read_bytes().decode("utf-8")
            for line in name.read_text(encoding="utf-8").splitlines():
                _ident, data, shown = line.split("\t", 2)
                fragments = [tuple(map(int, f.split())) for f in data.split(" ", 1)[1].split(";")]
                assert shown == " ".join(text[s:e] for s, e in fragments)
    assert read_back(folder) == [(d.text, [s.key() for s in d.spans]) for d in docs]


# ---------------------------------------------------------------- end to end


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_export_then_import_into_a_fresh_database_gives_the_same_documents(tmp_path: Path) -> None:
    rows = [
        {"text": SONY, "label": [[0, 4, "ORG"], [12, 29, "ORG"]], "answer": "accept"},
        {
            "text": "Line one\r\nTim Cook\r\nruns 😀 Apple",
            "label": [[5, 18, "PERSON"], [27, 32, "ORG"]],
            "answer": "accept",
        },  # fmt: skip
        {"text": "No entities here.", "label": [], "answer": "reject"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    first, second, out = tmp_path / "first.db", tmp_path / "second.db", tmp_path / "brat"
    assert run("import", str(source), "--db", str(first)).exit_code == 0
    exported = run("export", "--db", str(first), "--format", "brat", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert "Exported 3 documents (4 spans)" in exported.output
    assert (out / "annotation.conf").is_file() and len(list(out.glob("*.ann"))) == 3
    imported = run("import", str(out), "--db", str(second), "--answer", "accept")
    assert imported.exit_code == 0, imported.output
    assert "Imported 3 documents" in imported.output and "pre-annotated" not in imported.output
    assert stored(second) == {(r["text"], tuple(tuple(s) for s in r["label"])) for r in rows}


def test_cli_import_of_a_bad_brat_folder_names_the_line_and_stores_nothing(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", SONY, "T1\tORG 0 4\tSony\nT2\tORG 0 4;12 20\tSony Columbia\n")
    db_file = tmp_path / "db.sqlite"
    result = run("import", str(folder), "--db", str(db_file))
    assert result.exit_code == 1
    assert f"{folder / 'doc.ann'}:2: T2" in result.output and "Nothing was imported" in result.output
    explicit = run("import", str(folder / "doc.ann"), "--db", str(db_file), "--format", "brat")
    assert explicit.exit_code == 1 and "discontinuous" in explicit.output


def test_a_brat_folder_is_recognised_without_format(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", SONY, "T1\tORG 0 4\tSony\n")
    records = list(sources.read([folder]))
    assert [(r.text, [s.key() for s in r.spans]) for r in records] == [(SONY, [(0, 4, "ORG")])]


def stored(path: Path) -> set[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """Every document's text and span keys in a database file."""
    database = store.open_store(path)
    try:
        return {
            (d.text, tuple(s.key() for s in d.spans))
            for d in store.iter_documents(database, None, tuple(Answer), True)
        }
    finally:
        database.close()


def test_the_same_entity_written_twice_is_one_span(tmp_path: Path) -> None:
    folder = pair(tmp_path / "corpus", "doc", SONY, "T1\tORG 0 4\tSony\nT2\tORG 0 4\tSony\n")
    assert read_back(folder) == [(SONY, [(0, 4, "ORG")])]


def test_a_span_label_brat_cannot_hold_is_refused_even_outside_the_label_set() -> None:
    refused = r"000001-[0-9a-f]{8}\.txt: brat cannot hold the label 'two words'"
    with pytest.raises(ExportFailure, match=refused):
        list(brat.write([document(SONY, [(0, 4, "two words")])], WriteOptions(labels=("ORG",))))


def test_cli_says_why_a_brat_export_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": SONY, "label": [[0, 4, "Big Co"]], "answer": "accept"}) + "\n")
    db_file = tmp_path / "db.sqlite"
    assert run("import", str(source), "--db", str(db_file)).exit_code == 0
    result = run("export", "--db", str(db_file), "--format", "brat", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "brat cannot hold the label 'Big Co'" in result.output
    assert "Traceback" not in result.output


def test_offsets_that_fit_no_reading_of_a_crlf_text_name_the_first_mismatch(tmp_path: Path) -> None:
    message = bad(tmp_path, "T1\tORG 0 4\tHead\nT2\tORG 7 11\tnope\n", "Head\r\nSony here")
    assert message.startswith(f"{tmp_path / 'corpus' / 'doc.ann'}:2: T2") and "'nope'" in message


def test_a_folder_export_appears_whole_or_not_at_all_and_never_mixes_with_old_files(tmp_path: Path) -> None:
    """An export into a folder that holds files is refused; one that fails midway leaves no folder."""
    from click.testing import CliRunner

    from annotations.cli import cli

    corpus = tmp_path / "in.jsonl"
    tasks = [
        {"text": "Sony sued Apple.", "spans": [{"start": 0, "end": 4, "label": "ORG"}], "answer": "accept"},
        {"text": "Bad label here.", "spans": [{"start": 0, "end": 3, "label": "A B"}], "answer": "accept"},
    ]
    corpus.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    db = str(tmp_path / "b.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(corpus), "--db", db]).exit_code == 0
    failed = runner.invoke(cli, ["export", "--db", db, "--format", "brat", "-o", str(tmp_path / "out")])
    assert failed.exit_code == 1
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".spandesk-")]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.ann").write_text("T1\tORG 0 1\tx\n", encoding="utf-8")
    refused = runner.invoke(
        cli, ["export", "--db", db, "--format", "brat", "--dataset", "default", "-o", str(tmp_path / "full")]
    )
    assert refused.exit_code == 1 and "is not empty" in refused.output
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["old.ann"]


def test_a_folder_export_to_a_symbolic_link_is_written_through_it(tmp_path: Path) -> None:
    """A link to an empty folder, or to one not made yet: the export lands where it points."""
    from click.testing import CliRunner

    from annotations.cli import cli

    corpus = tmp_path / "in.jsonl"
    task = {"text": "Sony sued Apple.", "spans": [{"start": 0, "end": 4, "label": "ORG"}], "answer": "accept"}
    corpus.write_text(json.dumps(task) + "\n", encoding="utf-8")
    db = str(tmp_path / "b.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(corpus), "--db", db]).exit_code == 0
    (tmp_path / "empty").mkdir()
    (tmp_path / "to-empty").symlink_to("empty")
    (tmp_path / "to-missing").symlink_to("missing")
    for link, target in (("to-empty", "empty"), ("to-missing", "missing")):
        result = runner.invoke(cli, ["export", "--db", db, "--format", "brat", "-o", str(tmp_path / link)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / link).is_symlink() and len(list((tmp_path / target).glob("*.ann"))) == 1
