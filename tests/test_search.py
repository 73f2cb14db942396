"""Corpus search (annotations.search): exact results whatever the index does, the index kept in step with
the documents by every way they arrive or leave, and the upgrade that builds it."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from annotations import store
from annotations.checking import check_database
from annotations.migrations import migrations
from annotations.model import DocumentState, Span, Token, Version
from annotations.search import Occurrence, Query, SearchError, context, find, index_trigrams
from annotations.search_preview import previews
from annotations.session import Session


def add_texts(db: Database, texts: list[str], dataset: str = "default") -> list[int]:
    """Store ``texts`` (each a new document of ``dataset``); their ids, in order."""
    with store.write_transaction(db):
        key = store.ensure_dataset(db, dataset)
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM documents").fetchone()[0]
        documents = [store.NewDocument(text, (), input_hash=i) for i, text in enumerate(texts)]
        store.insert_documents(db, key, documents)
    return list(range(first, first + len(texts)))


def found(db: Database, query: Query, dataset: str | None = None) -> list[tuple[int, int, int]]:
    return [(o.document_id, o.start, o.end) for o in find(db, query, dataset=dataset)]


# ---------------------------------------------------------------- a brute-force reference


def is_word(character: str) -> bool:
    return character.isalnum() or character == "_" or unicodedata.category(character).startswith("M")


def cuts_a_word(text: str, position: int) -> bool:
    return 0 < position < len(text) and is_word(text[position - 1]) and is_word(text[position])


def same(piece: str, wanted: str, case_sensitive: bool) -> bool:
    if case_sensitive:
        return piece == wanted
    return all(re.fullmatch(re.escape(a), b, re.IGNORECASE) for a, b in zip(wanted, piece, strict=True))


def brute_force(texts: dict[int, str], query: Query) -> list[tuple[int, int, int]]:
    """Every occurrence, position by position, never using the index nor the search module."""
    wanted, results = query.text, []
    for document_id, text in sorted(texts.items()):
        position = 0
        while position + len(wanted) <= len(text):
            end = position + len(wanted)
            if same(text[position:end], wanted, query.case_sensitive) and not (
                query.whole_words and (cuts_a_word(text, position) or cuts_a_word(text, end))
            ):
                results.append((document_id, position, end))
                position = end
            else:
                position += 1
    return results


# Letters with tricky case (dotted and dotless i, the Kelvin sign, long s, sharp s), combining marks,
# emoji with joiners, CRLF, CJK, signs, and the word itself inside other words.
PIECES = [
    "Putin", "putin", "PUTIN", "border", "Putin's", "borderPutin", "Putinism", " ", " ", "\r\n", "\n", ".",
    "(", ")", "'", "_", "i", "I", "İ", "ı", "K", "k", "\u212a", "s", "ſ", "ß", "ẞ", "e\u0301", "\u0301",
    "é", "É", "👩\u200d👩\u200d👧", "🇫🇷", "東京", "Дом", "дом", "ab", "a", "1", "Ω", "ω", "\x00", '"',
    "İstanbul", "ıstanbul", "istanbul", "\u212aelvin", "kelvin", "ſtar", "star", "Straße", "STRAẞE",
]  # fmt: skip
texts_strategy = st.lists(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join), min_size=1, max_size=6, unique=True
)


def query_strategy(texts: list[str]) -> st.SearchStrategy[Query]:
    """A piece of one of the texts (or some pieces), perhaps in other case, searched in each way."""
    from_texts = st.sampled_from(texts).flatmap(
        lambda text: st.tuples(st.integers(0, len(text)), st.integers(1, 8)).map(
            lambda se: text[se[0] : se[0] + se[1]]
        )
    )
    text = st.one_of(from_texts, st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map("".join))
    recased = st.tuples(text, st.sampled_from([str, str.upper, str.lower, str.swapcase])).map(
        lambda tc: tc[1](tc[0])
    )
    return st.builds(Query, recased.filter(bool), whole_words=st.booleans(), case_sensitive=st.booleans())


_datasets = count()


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = store.open_store(tmp_path_factory.mktemp("search") / "search.db")
    yield db
    db.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), texts=texts_strategy)
def test_every_occurrence_and_nothing_else_whatever_the_index(shared_db, data, texts) -> None:
    dataset = f"set{next(_datasets)}"
    ids = add_texts(shared_db, texts, dataset)
    query = data.draw(query_strategy(texts))
    stored = dict(zip(ids, texts, strict=True))
    assert found(shared_db, query, dataset) == brute_force(stored, query)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), texts=texts_strategy)
def test_a_regular_expression_finds_what_python_finds_in_each_text(shared_db, data, texts) -> None:
    dataset = f"set{next(_datasets)}"
    ids = add_texts(shared_db, texts, dataset)
    word = data.draw(st.sampled_from(["Putin", "border", "Дом", "é", "i", "ſ"]))
    pattern = data.draw(st.sampled_from([f"{word}\\w*", f"(?:{word})+", f"[bB]{word}|{word}s?", f"{word}.?"]))
    case_sensitive = data.draw(st.booleans())
    flags = 0 if case_sensitive else re.IGNORECASE
    expected = [
        (document_id, m.start(), m.end())
        for document_id, text in zip(ids, texts, strict=True)
        for m in re.finditer(pattern, text, flags)
        if m.end() > m.start()
    ]
    query = Query(pattern, regex=True, whole_words=False, case_sensitive=case_sensitive)
    assert found(shared_db, query, dataset) == expected


# ---------------------------------------------------------------- what a match is


def test_whole_words_by_default_substrings_when_asked(db) -> None:
    ids = add_texts(db, ["borderPutin met Putin's aide; Putinism (Putin)"])
    assert found(db, Query("Putin")) == [(ids[0], 16, 21), (ids[0], 40, 45)]
    assert [o.start for o in find(db, Query("Putin", whole_words=False))] == [6, 16, 30, 40]


def test_case_is_exact_unless_ignored(db) -> None:
    add_texts(db, ["KREMLIN kremlin Kremlin"])
    assert [o.start for o in find(db, Query("Kremlin"))] == [16]
    assert [o.start for o in find(db, Query("Kremlin", case_sensitive=False))] == [0, 8, 16]


def test_ignoring_case_finds_letters_the_index_folds_apart(db) -> None:
    # the index keeps the dotless ı and the dotted İ apart from i; Python's IGNORECASE equates them
    ids = add_texts(db, ["İSTANBUL", "ıstanbul", "Istanbul", "nothing"])
    query = Query("istanbul", case_sensitive=False)
    assert [o.document_id for o in find(db, query)] == ids[:3]
    assert "ist" not in index_trigrams(query) and "tan" in index_trigrams(query)


def test_combining_marks_belong_to_their_word(db) -> None:
    ids = add_texts(db, ["Jose\u0301 and Jose went"])
    assert found(db, Query("Jose")) == [(ids[0], 10, 14)]
    assert found(db, Query("Jose\u0301")) == [(ids[0], 0, 5)]


def test_queries_with_signs_at_their_edges(db) -> None:
    ids = add_texts(db, ["the U.S. and U.S.A. (U.S.)"])
    assert [o.start for o in find(db, Query("U.S."))] == [4, 13, 21]
    assert found(db, Query(" and ")) == [(ids[0], 8, 13)]


def test_any_script_and_crlf(db) -> None:
    ids = add_texts(db, ["東京タワー\r\nin 東京\r\n", "👩\u200d👩\u200d👧 family 👩\u200d👩\u200d👧"])
    assert found(db, Query("東京", whole_words=False)) == [(ids[0], 0, 2), (ids[0], 10, 12)]
    assert found(db, Query("\r\nin")) == [(ids[0], 5, 9)]
    assert [o.start for o in find(db, Query("👩\u200d👩\u200d👧"))] == [0, 13]


def test_queries_too_short_for_the_index_read_every_text(db) -> None:
    ids = add_texts(db, ["a US b", "USA", "us US"])
    assert index_trigrams(Query("US")) == set()
    assert found(db, Query("US")) == [(ids[0], 2, 4), (ids[2], 3, 5)]
    assert found(db, Query("US", whole_words=False, case_sensitive=False)) == [
        (ids[0], 2, 4),
        (ids[1], 0, 2),
        (ids[2], 0, 2),
        (ids[2], 3, 5),
    ]


def test_regex_uses_its_literals_and_respects_whole_words(db) -> None:
    ids = add_texts(db, ["Heathrow Airport, JFK Airport", "Airports", "Heath"])
    query = Query(r"\w+ Airport", regex=True)
    assert {"Air", "ort"} <= index_trigrams(query)
    assert found(db, query) == [(ids[0], 0, 16), (ids[0], 18, 29)]
    assert [o.document_id for o in find(db, Query(r"Airports?", regex=True))] == [ids[0], ids[0], ids[1]]
    # an alternation has no literal every match holds: every text is read
    assert index_trigrams(Query("Heath|JFK", regex=True)) == set()
    assert found(db, Query("Heath|JFK", regex=True)) == [(ids[0], 18, 21), (ids[2], 0, 5)]


def test_regex_inline_flags_and_verbose(db) -> None:
    ids = add_texts(db, ["KREMLIN walls", "kremlin"])
    assert [o.document_id for o in find(db, Query("(?i)kremlin", regex=True))] == ids
    assert [o.document_id for o in find(db, Query("(?x) KREM LIN  # the fortress", regex=True))] == ids[:1]


def test_matches_never_overlap_and_are_never_empty(db) -> None:
    ids = add_texts(db, ["aaaa", "xyz"])
    assert found(db, Query("aa", whole_words=False)) == [(ids[0], 0, 2), (ids[0], 2, 4)]
    assert found(db, Query("a*", regex=True, whole_words=False)) == [(ids[0], 0, 4)]


def test_bad_queries_are_refused_at_once_with_the_position(db) -> None:
    with pytest.raises(SearchError, match="position 5") as raised:
        find(db, Query("Putin(", regex=True))
    assert raised.value.position == 5
    with pytest.raises(SearchError, match="nothing to search"):
        find(db, Query(""))


def test_dataset_and_limit(db) -> None:
    first = add_texts(db, ["Kremlin one", "Kremlin two"], "a")
    second = add_texts(db, ["Kremlin three"], "b")
    assert [o.document_id for o in find(db, Query("Kremlin"), dataset="b")] == second
    assert [o.document_id for o in find(db, Query("Kremlin"), limit=2)] == first
    assert list(find(db, Query("Kremlin"), dataset="none")) == []


def test_context_is_the_text_around() -> None:
    assert context("one two three", 4, 7, width=3) == ("ne ", "two", " th")
    assert context("one two three", 0, 3) == ("", "one", " two three")


# ---------------------------------------------------------------- previews


def test_preview_shows_the_spans_of_the_version_asked(db) -> None:
    with store.write_transaction(db):
        key = store.ensure_dataset(db, "news")
        spans = (Span(0, 7, "FAC"), Span(17, 23, "GPE"))
        new = store.NewDocument("Kremlin walls in Moscow", (Token(0, 7),), 1, DocumentState(spans))
        store.insert_documents(db, key, [new])
    session = Session(db, "ana")
    document = session.open(1)
    session.apply(session.relabel(document.spans[0], "ORG"))
    (current,) = previews(db, find(db, Query("Kremlin")), width=5)
    assert (current.left, current.match, current.right, current.dataset) == ("", "Kremlin", " wall", "news")
    assert [span.label for span in current.spans] == ["ORG"] and current.span_texts == ("Kremlin",)
    (bob,) = previews(db, find(db, Query("Kremlin")), viewer="bob", width=40)
    assert [(span.label, text) for span, text in zip(bob.spans, bob.span_texts)] == [
        ("FAC", "Kremlin"),
        ("GPE", "Moscow"),
    ]
    assert bob.covering == (Span(0, 7, "FAC"),)
    assert store.load_document(db, 1, Version.of("ana")).state.spans[0].label == "ORG"


def test_previews_of_many_occurrences_read_documents_in_batches(db) -> None:
    ids = add_texts(db, [f"Kremlin number {n} and Kremlin" for n in range(2500)])
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    shown = list(previews(db, find(db, Query("Kremlin"))))
    db.conn.set_trace_callback(None)
    assert len(shown) == 5000 and shown[-1].occurrence == Occurrence(ids[-1], 24, 31)
    assert len([s for s in statements if s.lstrip().startswith("SELECT")]) < 20


# ---------------------------------------------------------------- the index in step with the documents


def index_holds(db: Database, document_id: int, piece: str) -> bool:
    term = '"' + piece + '"'
    rows = db.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", [term]).fetchall()
    return (document_id,) in rows


def fts_integrity(db: Database) -> None:
    db.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")


def test_documents_removed_leave_the_index(db) -> None:
    ids = add_texts(db, ["Kremlin gone", "Kremlin stays"])
    with store.write_transaction(db):
        db.execute("DELETE FROM annotations WHERE document_id = ?", [ids[0]])
        db.execute("DELETE FROM documents WHERE id = ?", [ids[0]])
    assert not index_holds(db, ids[0], "Kre")
    assert [o.document_id for o in find(db, Query("Kremlin"))] == [ids[1]]
    fts_integrity(db)


def test_imports_assign_and_merge_keep_the_index_in_step(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from annotations.cli import cli

    team, person = tmp_path / "team.db", tmp_path / "people"
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Kremlin one"}\n{"text": "the Kremlin"}\n', encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(source), "--db", str(team), "--dataset", "d"]).exit_code == 0
    assigned = runner.invoke(cli, ["assign", "--db", str(team), "--annotators", "ana", "--out", str(person)])
    assert assigned.exit_code == 0, assigned.output
    with store.open_store(person / "ana.db") as copy:
        assert [o.document_id for o in find(copy, Query("Kremlin"))] == [1, 2]
    other = tmp_path / "other.db"
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"text": "a new Kremlin text"}\n{"text": "Kremlin one"}\n', encoding="utf-8")
    assert runner.invoke(cli, ["import", str(extra), "--db", str(other), "--dataset", "d"]).exit_code == 0
    merged = runner.invoke(cli, ["merge", "--db", str(team), str(other)])
    assert merged.exit_code == 0, merged.output
    db = store.open_store(team)
    try:
        hits = list(previews(db, find(db, Query("Kremlin"))))
        assert [(h.occurrence.document_id, h.left, h.right) for h in hits] == [
            (1, "", " one"),
            (2, "the ", ""),
            (3, "a new ", " text"),
        ]
        fts_integrity(db)
        assert check_database(db) == []
    finally:
        db.close()


# ---------------------------------------------------------------- upgrade and check


def m006_database(path: Path, texts: list[str]) -> None:
    """A database as spandesk wrote it before search (schema m006), holding ``texts``."""
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m007_search")
    with store.write_transaction(db):
        key = store.ensure_dataset(db, "old")
        store.insert_documents(db, key, [store.NewDocument(t, (), i) for i, t in enumerate(texts)])
    db.close()


def test_upgrading_an_m006_database_indexes_its_documents(db_path) -> None:
    m006_database(db_path, ["Kremlin walls", "nothing here", "in the Kremlin"])
    db = store.open_store(db_path)
    try:
        assert "m007_search" in {m.name for m in migrations.applied(db)}
        assert [o.document_id for o in find(db, Query("Kremlin"))] == [1, 3]
        assert index_holds(db, 3, "Kre") and not index_holds(db, 2, "Kre")
        assert check_database(db) == []
    finally:
        db.close()


def test_check_names_a_missing_search_trigger(db) -> None:
    add_texts(db, ["Kremlin"])
    assert check_database(db) == []
    db.execute("DROP TRIGGER documents_fts_insert")
    problems = [str(problem) for problem in check_database(db)]
    assert problems == [
        "schema (trigger documents_fts_insert): is missing: corpus search (`spandesk find`) can miss"
        " documents added or removed since"
    ]
