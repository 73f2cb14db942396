"""The queue's search box on a big project: an ASCII search of three characters or more is narrowed by the
trigram index, finding exactly the documents reading every text finds (any case, punctuation, quotes, a
NUL in a text), reading far less; with the index missing or damaged it still finds them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import make_database
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import store
from annotations.model import Answer
from annotations.session import Session

TEXTS = [
    "Angela Merkel met Ada Lovelace in BERLIN.",
    'She said "berlin" twice: Berlin, berlin!',
    "Nothing here about cities.",
    "Ber lin is not Berlin split",
    "A NUL\x00 inside, then berlin after it",
    "Zoë Moreau in Paris; ZOË again",
    "ab\"c quote'd x_y%z 100% done",
    "Straße and STRASSE",
    "",
    "berlinberlinberlin",
]
QUERIES = [
    "berlin",
    "BeRlIn",
    "lin",
    "in ",
    '"berlin"',
    'ab"c',
    "%z 1",
    "x_y",
    "100%",
    "ss",
    "Zo",
    "é",
    "NUL",
]


@pytest.fixture
def db(tmp_path: Path):
    path = tmp_path / "search.db"
    make_database(path, TEXTS * 3)
    database = store.open_store(path)
    session = Session(database, "tester")
    session.open(2)
    session.apply(session.set_answer(Answer.ACCEPT))
    yield database
    database.close()


def by_reading_every_text(db, **filters) -> tuple[list[int], int]:
    """What the queue finds when the index is not used (the way every search worked before it)."""
    from annotations.store import queue

    where, params = queue.queue_filter(
        filters.get("dataset"), filters.get("status"), filters["search"], indexed=False
    )
    sql = "SELECT d.id FROM documents d JOIN datasets ds ON ds.id = d.dataset_id"
    sql += " LEFT JOIN annotations a ON a.document_id = d.id AND a.kind = 'base'"
    ids = [row[0] for row in db.execute(sql + " WHERE " + " AND ".join(where) + " ORDER BY d.id", params)]
    return ids, len(ids)


@pytest.mark.parametrize("search", QUERIES)
def test_an_indexed_search_finds_what_reading_every_text_finds(db, search) -> None:
    found = [key[-1] for key in store.queue_page(db, search=search)]
    expected, count = by_reading_every_text(db, search=search)
    assert found == expected
    assert store.count_queue(db, search=search) == count
    pending = [key[-1] for key in store.queue_page(db, status=[None], search=search, viewer="tester")]
    assert pending == [i for i in expected if i != 2]


@settings(max_examples=60, deadline=None)
@given(search=st.text(alphabet="bBeErRlLiInN \"'%_\x00.", min_size=1, max_size=7))
def test_any_ascii_search_finds_the_same_with_and_without_the_index(tmp_path_factory, search) -> None:
    path = tmp_path_factory.mktemp("h") / "h.db"
    make_database(path, TEXTS)
    db = store.open_store(path)
    try:
        assert [key[-1] for key in store.queue_page(db, search=search)] == by_reading_every_text(
            db, search=search
        )[0]
    finally:
        db.close()


def test_without_a_usable_index_the_search_still_finds_everything(db) -> None:
    expected, count = by_reading_every_text(db, search="berlin")
    db.execute("DROP TABLE documents_fts")  # as a damaged or missing index would (spandesk check names it)
    assert [key[-1] for key in store.queue_page(db, search="berlin")] == expected
    assert store.count_queue(db, search="berlin") == count
    assert store.count_review_queue(db, search="berlin") == 0


def test_a_rare_word_is_found_without_reading_every_text(tmp_path) -> None:
    path = tmp_path / "big.db"
    make_database(path, [f"Post {i} about Paris and the weather" for i in range(20_000)] + ["Vostrakh Keep"])
    db = store.open_store(path)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def cost(indexed: bool) -> int:
        from annotations.store import queue

        steps[0] = 0
        db.conn.set_progress_handler(count, 100)
        try:
            if indexed:
                assert store.count_queue(db, search="vostrakh") == 1
            else:
                where, params = queue.queue_filter(None, None, "vostrakh", indexed=False)
                db.execute("SELECT count(*) FROM documents d WHERE " + " AND ".join(where), params).fetchone()
        finally:
            db.conn.set_progress_handler(None, 100)
        return steps[0]

    assert cost(indexed=True) * 20 < cost(indexed=False)  # reading 20,001 texts vs a few index pages
    db.close()
