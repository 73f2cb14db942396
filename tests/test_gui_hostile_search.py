"""A person abusing the window's corpus search and apply everywhere: hostile cases found under Xvfb."""

from __future__ import annotations

import time

from annotations import store
from annotations.search import Query
from gui.corpus_search import search_job
from tests.gui_helpers import make_database

# Every text holds words but no seven digits: the regular expression below backtracks through each one and
# matches nothing, so a search yields no occurrence at all until it has read the last text.
WORDS = " ".join(f"word{i % 97} and more" for i in range(50))
SLOW = Query(r"(\w+\s)+\d{7}", regex=True)


def test_a_cancelled_search_matching_nothing_stops_without_reading_every_text(tmp_path):
    path = tmp_path / "db.sqlite"
    make_database(path, [f"{WORDS} {n}." for n in range(150)])
    db = store.open_store(path)
    try:
        started = time.perf_counter()
        full = search_job(SLOW, "tester")(db, lambda done, total: None, lambda: False)
        whole = time.perf_counter() - started
        assert full is not None and full.total == 0
        started = time.perf_counter()
        # cancelled at once (the person typed on, closed the panel or the window): nothing comes back, soon
        assert search_job(SLOW, "tester")(db, lambda done, total: None, lambda: True) is None
        assert time.perf_counter() - started < whole / 5
    finally:
        db.close()
