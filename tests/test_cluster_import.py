"""`spandesk import --cluster`: pre-annotation on a real Dask cluster gives the plain import's database,
survives a lost worker and a killed client (re-running redoes only the missing shards), and says what is
wrong (a bad record, no Dask, no scheduler) without a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotations import store
from annotations.importing import import_sources
from tests.reliability_helpers import run_spandesk

distributed = pytest.importorskip("distributed")

WORKTREE = Path(__file__).resolve().parents[1]
TIME_COLUMNS = {"created", "updated", "at"}
SLOW = "a" * 21  # a token the patterns' backtracking REGEX takes ~0.15 s to refuse: shards that take a while
SLOW_PATTERNS = [
    {"label": "SLOW", "pattern": [{"TEXT": {"REGEX": "^(a+)+b$"}}]},
    {"label": "PLACE", "pattern": "Berlin"},
    {"label": "PERSON", "pattern": "Ada Lovelace"},
]


def _env() -> dict[str, str]:
    """The environment of a spandesk subprocess (and of the cluster's workers): this worktree first."""
    return {**os.environ, "PYTHONPATH": str(WORKTREE), "PYTHONUNBUFFERED": "1"}


def _spandesk(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("spandesk")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "annotations.cli", *args]


def _rows(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes, in rowid order, without their clock times."""
    connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if not row[0].startswith(("documents_fts", "sqlite_", "_sqlite"))
        ]
        found = {}
        for table in sorted(tables):
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            kept = ", ".join(f'"{c}"' for c in columns if c not in TIME_COLUMNS)
            found[table] = connection.execute(f'SELECT {kept} FROM "{table}" ORDER BY rowid').fetchall()
        return found
    finally:
        connection.close()


def _corpus(path: Path, count: int, slow: bool = False) -> Path:
    lines = []
    for number in range(count):
        word = f" {SLOW}" if slow else ""
        text = f"Angela Merkel met Ada Lovelace in Berlin{word} on day {number} of May 2021. Zoë 😀 {number}"
        lines.append(json.dumps({"text": text, "meta": {"n": number}}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real two-worker LocalCluster this test owns (so that its workers can be killed)."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _plain_import(corpus: Path, db_path: Path, model: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """The rows a plain (one-process) import of ``corpus`` stores."""
    db = store.open_store(db_path)
    try:
        import_sources(db, [corpus], model=model)
    finally:
        db.close()
    return _rows(db_path)


@pytest.fixture(scope="module")
def slow_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """A corpus whose shards take a while, a rules-only model (a blank pipeline with an entity_ruler whose
    backtracking REGEX is slow to refuse a token), and the rows a plain import of it stores."""
    import spacy

    folder = tmp_path_factory.mktemp("slow")
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(SLOW_PATTERNS)
    nlp.to_disk(folder / "rules")
    corpus = _corpus(folder / "slow.jsonl", 24, slow=True)
    return corpus, folder / "rules", _plain_import(corpus, folder / "plain.db", str(folder / "rules"))


def _watch(command: list[str], until: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``command`` and read its stderr until a line contains ``until`` (the lines read so far)."""
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env())
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if until in line:
            return process, lines
    process.kill()
    raise AssertionError(f"never saw {until!r}: {''.join(lines)}")


def test_a_local_cluster_stores_the_same_database_as_a_plain_import(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 30)
    clustered = tmp_path / "cluster.db"
    expected = _plain_import(corpus, tmp_path / "plain.db")
    result = run_spandesk(
        "import", str(corpus), "--db", str(clustered), "--cluster", "local:2", "--shard-size", "4"
    )
    assert result.returncode == 0, result.stderr
    assert "Imported 30 documents" in result.stdout
    assert "8 shards of up to 4 documents" in result.stderr and "shards 8/8" in result.stderr
    assert _rows(clustered) == expected
    assert len(expected["documents"]) == 30 and any(row for row in expected["predictions"])
    assert not list(tmp_path.glob("cluster.db.cluster-*")), "the work folder is removed once stored"


def _slow_import_command(corpus: Path, model: Path, db_path: Path, scheduler: str) -> list[str]:
    """`spandesk import` of the slow corpus on the cluster, in shards of 2 (12 shards)."""
    return _spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(model),
        "--cluster", scheduler, "--shard-size", "2",
    )  # fmt: skip


def test_a_killed_worker_is_replaced_and_the_result_is_the_same(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    corpus, model, expected = slow_import
    db_path = tmp_path / "cluster.db"
    command = _slow_import_command(corpus, model, db_path, scheduler)
    with distributed.Client(scheduler) as client:
        before = set(client.run(os.getpid).values())
        process, lines = _watch(command, "shards 1/12")
        os.kill(sorted(before)[0], signal.SIGKILL)  # a worker dies with shards still to do
        out, err = process.communicate(timeout=120)
        after = set(client.run(os.getpid).values())
    assert process.returncode == 0, "".join(lines) + err
    assert sorted(before)[0] not in after, "the killed worker is gone (its nanny started another)"
    assert "shards 12/12" in err
    assert _rows(db_path) == expected


def test_ctrl_c_then_a_killed_client_resume_and_redo_only_the_missing_shards(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    corpus, model, expected = slow_import
    db_path = tmp_path / "cluster.db"
    command = _slow_import_command(corpus, model, db_path, scheduler)
    process, lines = _watch(command, "shards 2/12")
    process.send_signal(signal.SIGINT)  # Ctrl+C
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Import cancelled; the database is unchanged. Finished shards are kept in" in err
    (folder,) = tmp_path.glob("cluster.db.cluster-*")
    first = json.loads((folder / "manifest.json").read_text())["done"]
    assert len(first) >= 2

    process, lines = _watch(command, f"shards {len(first) + 3}/12")
    assert any(f"{len(first)} already done" in line for line in lines)
    process.kill()  # SIGKILL: no clean-up at all
    process.wait(timeout=30)
    done = json.loads((folder / "manifest.json").read_text())["done"]
    assert set(first) < set(done) and len(done) < 12
    assert _rows(db_path)["documents"] == [], "nothing is stored before every shard is done"

    again = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=120)

    assert again.returncode == 0, again.stderr
    started = re.search(r"(\d+) already done .*, (\d+) to do", again.stderr)
    assert started is not None, again.stderr
    assert int(started.group(1)) == len(done) and int(started.group(2)) == 12 - len(done)
    assert f"shards {len(done) + 1}/12" in again.stderr and "shards 12/12" in again.stderr
    assert _rows(db_path) == expected
    assert not folder.exists(), "the work folder is removed once stored"


def test_a_scheduler_lost_while_shards_are_out_is_said_and_the_same_command_resumes_elsewhere(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    """The scheduler's machine dies mid-import: a message, not Dask's traceback; re-run on another."""
    corpus, model, expected = slow_import
    db_path = tmp_path / "cluster.db"
    lost = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    try:
        process, _ = _watch(
            _slow_import_command(corpus, model, db_path, lost.scheduler_address), "shards 1/12"
        )
    finally:
        lost.close()
    _, err = process.communicate(timeout=60)

    assert process.returncode == 1 and "Traceback" not in err, err
    assert f"lost the Dask scheduler at {lost.scheduler_address} while it had work out" in err
    assert "Nothing was imported; the database is unchanged. Finished shards are kept in" in err
    again = subprocess.run(
        _slow_import_command(corpus, model, db_path, scheduler), capture_output=True, text=True, env=_env()
    )
    assert again.returncode == 0 and "already done" in again.stderr, again.stderr
    assert _rows(db_path) == expected


def test_a_worker_that_stops_without_dying_is_said_and_the_import_goes_on_when_it_wakes(
    slow_import: tuple[Path, Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paused worker keeps its shards for ever (Dask retries dead workers only): the wait is said,
    naming the worker, instead of a progress line stuck at "about 0 s left"."""
    from annotations import cluster_import
    from annotations.importing import read_sources
    from annotations.preannotate import load_pipeline

    corpus, model, _ = slow_import
    monkeypatch.setattr(cluster_import, "STALL_AFTER", 2.0)
    said: list[str] = []
    db_path = tmp_path / "paused.db"
    spec = cluster_import.pipeline_spec(str(model), None, None, db_path)
    records = list(read_sources([corpus], db_path, "auto"))
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    paused: list[int] = []

    def pause_one(progress: cluster_import.ShardProgress) -> None:
        if progress.done == 1 and not paused:  # one shard in: pause the worker that has the most left
            pids = client.run(os.getpid)
            paused.append(pids[max(pids, key=lambda worker: len(client.processing()[worker]))])
            os.kill(paused[0], signal.SIGSTOP)

    def note(text: str) -> None:
        said.append(text)
        if text.startswith("No shard has finished") and paused:
            os.kill(paused[0], signal.SIGCONT)  # it wakes once the wait is said

    try:
        client = distributed.Client(cluster)
        with cluster_import.ClusterPredictor(
            cluster.scheduler_address, db_path, spec, shard_size=2, progress=pause_one, say=note
        ) as predictor:
            results = list(predictor(load_pipeline(str(model)), records, lambda: False))
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
        cluster.close()
    assert len(results) == len(records)
    stalls = [text for text in said if text.startswith("No shard has finished")]
    assert len(stalls) == 1, said
    assert "still out, on tcp://" in stalls[0] and "Ctrl+C stops, keeping the finished shards" in stalls[0]


def test_an_import_started_with_ctrl_c_ignored_goes_on_through_a_ctrl_c(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    """A script's background command ignores SIGINT (the Ctrl+C meant for the script): as a plain import
    does, the cluster import keeps it ignored."""
    corpus, model, expected = slow_import
    db_path = tmp_path / "cluster.db"
    process = subprocess.Popen(
        _slow_import_command(corpus, model, db_path, scheduler),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509 (POSIX only)
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "shards 2/12" in line:
            process.send_signal(signal.SIGINT)
            break
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0 and "cancelled" not in err, err
    assert _rows(db_path) == expected


def test_a_bad_record_is_named_by_file_and_line(scheduler: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 5)
    corpus.write_text(corpus.read_text() + '{"text": "broken\n', encoding="utf-8")
    db_path = tmp_path / "cluster.db"
    result = run_spandesk("import", str(corpus), "--db", str(db_path), "--cluster", scheduler)
    assert result.returncode == 1
    assert "news.jsonl:6" in result.stderr and "Traceback" not in result.stderr
    assert "Nothing was imported" in result.stderr


def test_without_dask_cluster_says_how_to_install_it(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 3)
    hide = (
        "import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None; "
        "from annotations.cli import main; sys.argv[0] = 'spandesk'; main()"
    )
    args = ["import", str(corpus), "--db", str(tmp_path / "x.db"), "--cluster", "local:2"]
    result = subprocess.run(
        [sys.executable, "-c", hide, *args], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert result.returncode == 1
    assert "pip install 'spandesk[cluster]'" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_scheduler_is_said_within_the_timeout(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 3)
    db_path = tmp_path / "x.db"
    started = time.monotonic()
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--cluster", address, "--cluster-timeout", "2"
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s" in result.stderr


def test_an_address_that_is_none_says_what_one_looks_like(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 3)
    result = run_spandesk("import", str(corpus), "--db", str(tmp_path / "x.db"), "--cluster", "my-cluster")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "tcp://host:8786" in result.stderr and "local:N" in result.stderr


def test_the_window_imports_on_a_cluster_and_shows_shards_and_rate_in_its_dialog(
    qtbot, scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    from tests.gui_helpers import open_window

    corpus, model, expected = slow_import
    path = tmp_path / "window.db"
    store.open_store(path).close()  # a new, empty database
    window = open_window(qtbot, path)
    labels: list[str] = []
    run = window.files.start_import([corpus], "default", model=str(model), cluster=scheduler)
    dialog = window.files.progress_dialog
    assert dialog is not None
    run.progress.connect(lambda _done, _total: labels.append(dialog.labelText()))
    with qtbot.waitSignal(run.done, timeout=90_000):
        pass
    assert "Imported 24 documents" in window.statusBar().currentMessage()
    assert f"Pre-annotating on {scheduler}: shards 0/1" in labels  # 24 documents: one shard of 500
    assert re.fullmatch(rf"Pre-annotating on {scheduler}: shards 1/1, [\d,]+ docs/s", dialog.labelText())
    assert _rows(path) == expected


# ---------------------------------------------------------------- a hostile work folder, model, address


@pytest.fixture(scope="module", name="rules")
def rules_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fast rules-only model folder (PLACE for Berlin, PERSON for Ada Lovelace)."""
    import spacy

    folder = tmp_path_factory.mktemp("rules") / "model"
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(SLOW_PATTERNS[1:])
    nlp.to_disk(folder)
    return folder


def _keep_shards(scheduler: str, corpus: Path, db_path: Path, model: Path, size: int) -> Path:
    """Pre-annotate ``corpus`` on the cluster without storing it: the work folder an interrupted import
    leaves beside ``db_path``."""
    from annotations.cluster_import import ClusterPredictor, pipeline_spec
    from annotations.importing import read_sources
    from annotations.preannotate import load_pipeline

    spec = pipeline_spec(str(model), None, None, db_path)
    records = list(read_sources([corpus], db_path, "auto"))
    with ClusterPredictor(scheduler, db_path, spec, shard_size=size) as predictor:
        assert len(list(predictor(load_pipeline(str(model)), records, lambda: False))) == len(records)
    assert predictor.folder is not None and predictor.folder.is_dir()
    return predictor.folder


def test_a_tampered_work_folder_is_done_again_never_stored(
    scheduler: str, rules: Path, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 16)
    expected = _plain_import(corpus, tmp_path / "plain.db", str(rules))
    db_path = tmp_path / "cluster.db"
    store.open_store(db_path).close()
    folder = _keep_shards(scheduler, corpus, db_path, rules, 2)
    shard = json.loads((folder / "shard-000005.json").read_text())
    shard["offsets"][0][2][0][2] = "BOGUS"  # right digest, right shape: an entity relabelled by hand
    (folder / "shard-000005.json").write_text(json.dumps(shard))
    (folder / "shard-000006.json").unlink()
    (folder / "shard-000006.json").mkdir()  # a folder in its place: it cannot be kept again
    shard = json.loads((folder / "shard-000000.json").read_text())
    shard["offsets"][0][2].append([50, 9999, "PLACE"])  # right digest, a span past the text's end
    (folder / "shard-000000.json").write_text(json.dumps(shard))
    shard = json.loads((folder / "shard-000001.json").read_text())
    shard["offsets"].pop()  # one result short
    (folder / "shard-000001.json").write_text(json.dumps(shard))
    text = (folder / "shard-000002.json").read_text()
    (folder / "shard-000002.json").write_text(text[: len(text) // 2])  # cut short
    (folder / "shard-000003.json").unlink()
    (folder / "shard-000003.json").symlink_to(db_path)  # the database itself: never opened
    (folder / "shard-000004.json").unlink()
    os.mkfifo(folder / "shard-000004.json")  # a pipe: opening it would wait for ever
    (folder / "manifest.json").write_text("[1, 2]")  # not the manifest's shape

    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(rules), "--cluster", scheduler,
        "--shard-size", "2",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "1 already done" in result.stderr and "7 to do" in result.stderr
    assert "shard-000005.json: not used (its offsets were changed after it was written)" in result.stderr
    assert "shard-000006.json: cannot be written (Is a directory); the import goes on" in result.stderr
    for number, why in enumerate(
        ["(50-9999) is not a range", "results for 1 of the", "cannot be read", "database's files"]
    ):
        assert re.search(rf"shard-00000{number}\.json: not used \(.*{re.escape(why)}", result.stderr), why
    assert "shard-000004.json: not used (is not a file)" in result.stderr
    assert _rows(db_path) == expected
    assert run_spandesk("check", "--db", str(db_path)).returncode == 0


def test_a_database_with_a_long_file_name_keeps_its_shards_in_a_folder_whose_name_fits(
    scheduler: str, rules: Path, tmp_path: Path
) -> None:
    """The work folder's name is the database's plus 29 characters: past 255 bytes it could not be made."""
    corpus = _corpus(tmp_path / "news.jsonl", 4)
    expected = _plain_import(corpus, tmp_path / "plain.db", str(rules))
    db_path = tmp_path / ("é" * 114 + ".db")  # 231 bytes: fine for SQLite and its side files (-journal)
    store.open_store(db_path).close()
    folder = _keep_shards(scheduler, corpus, db_path, rules, 2)
    assert len(folder.name.encode()) <= 255 and folder.name.startswith("é" * 50)

    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(rules), "--cluster", scheduler,
        "--shard-size", "2",
    )  # fmt: skip

    assert result.returncode == 0 and "2 already done" in result.stderr, result.stderr
    assert _rows(db_path) == expected and not folder.exists()


def test_two_imports_of_the_same_files_at_once_both_finish(
    scheduler: str, rules: Path, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 16)
    expected = _plain_import(corpus, tmp_path / "plain.db", str(rules))
    db_path = tmp_path / "cluster.db"
    store.open_store(db_path).close()
    command = _spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(rules), "--cluster", scheduler,
        "--shard-size", "1",
    )  # fmt: skip
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env())]
    runs.append(
        subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env())
    )
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
        assert "Traceback" not in err
    assert sorted("Imported 16 documents" in out for out, _ in outputs) == [False, True]
    assert _rows(db_path) == expected


def test_a_model_changed_in_place_is_run_again_not_read_from_old_shards(
    scheduler: str, tmp_path: Path
) -> None:
    import spacy

    model = tmp_path / "model"
    for label in ("PLACE", "CITY"):  # the same folder, name and version; another label for Berlin
        nlp = spacy.blank("en")
        nlp.add_pipe("entity_ruler").add_patterns([{"label": label, "pattern": "Berlin"}])
        nlp.to_disk(model)
        if label == "PLACE":
            corpus = _corpus(tmp_path / "news.jsonl", 4)
            db_path = tmp_path / "cluster.db"
            store.open_store(db_path).close()
            _keep_shards(scheduler, corpus, db_path, model, 2)
    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(model), "--cluster", scheduler,
        "--shard-size", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "0 already done" in result.stderr
    labels = {span[2] for (spans,) in _spans(db_path) for span in json.loads(spans)}
    assert labels == {"CITY"}


def _spans(db_path: Path) -> list[tuple[str]]:
    connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT spans FROM annotations").fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("local:²", "local:N needs a number of workers from 1 to 256"),
        ("local:0", "from 1 to 256"),
        ("local:-1", "from 1 to 256"),
        ("local:1000", "from 1 to 256"),
        ("tcp://host:²", "is not a scheduler address"),
        ("tcp://:8786", "is not a scheduler address"),
        ("http://127.0.0.1:8787", "http:// is not a Dask scheduler's protocol"),
    ],
)
def test_a_cluster_address_that_is_none_is_said_at_once(address: str, said: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 2)
    started = time.monotonic()
    result = run_spandesk("import", str(corpus), "--db", str(tmp_path / "x.db"), "--cluster", address)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert said in result.stderr and time.monotonic() - started < 20


def test_the_database_given_as_patterns_is_refused_unopened(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 2)
    db_path = tmp_path / "x.db"
    store.open_store(db_path).close()
    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--patterns", str(db_path), "--cluster", "local:1"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is the database being imported into, not a patterns file" in result.stderr


def test_the_window_asks_about_versions_then_imports_again_on_the_cluster(
    qtbot, scheduler: str, rules: Path, tmp_path: Path
) -> None:
    from tests.gui_helpers import open_window
    from tests.test_gui_versions_io import KEEP_TEXT, PARIS, team_database, write

    path = team_database(tmp_path)
    window = open_window(qtbot, path)
    differing = write(
        tmp_path / "alice-again.jsonl",
        [
            {"text": "Ada Lovelace flew to Berlin."},  # to pre-annotate
            {"text": PARIS, "spans": [], "answer": "reject", "_annotator_id": "alice"},  # another version
        ],
    )
    first = window.files.start_import([differing], "default", model=str(rules), cluster=scheduler)
    with qtbot.waitSignal(first.done, timeout=60_000):
        pass
    box = window.files.versions_box
    assert box is not None and box.isVisible()
    labels: list[str] = []
    next(b for b in box.buttons() if b.text().replace("&", "") == KEEP_TEXT).click()
    second = window.files.last_import
    assert second is not first and window.files.progress_dialog is not None
    second.progress.connect(lambda _done, _total: labels.append(window.files.progress_dialog.labelText()))
    qtbot.waitUntil(lambda: second not in window.files.runs, timeout=60_000)
    assert "Imported 1 document" in window.statusBar().currentMessage()
    assert any(label.startswith(f"Pre-annotating on {scheduler}: shards") for label in labels), labels


def test_ctrl_c_while_the_local_cluster_starts_cancels_cleanly(tmp_path: Path) -> None:
    import psutil

    corpus = _corpus(tmp_path / "news.jsonl", 3)
    db_path = tmp_path / "x.db"
    command = _spandesk("import", str(corpus), "--db", str(db_path), "--cluster", "local:1")
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 60
    while not psutil.Process(process.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)  # the cluster's first process: Dask is starting it
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=90)
    assert process.returncode == 130, err
    assert "Import cancelled; the database is unchanged." in err and "Traceback" not in err
    assert "Cluster local:1" not in err, "the import stopped before reading the records"
    assert _rows(db_path).get("documents", []) == []


def test_a_scheduler_without_workers_is_said_within_the_timeout(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 2)
    alone = distributed.LocalCluster(n_workers=0, dashboard_address=":0", silence_logs=50)
    try:
        started = time.monotonic()
        result = run_spandesk(
            "import", str(corpus), "--db", str(tmp_path / "x.db"), "--cluster", alone.scheduler_address,
            "--cluster-timeout", "2",
        )  # fmt: skip
        assert time.monotonic() - started < 40
    finally:
        alone.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"the Dask scheduler at {alone.scheduler_address} has no workers" in result.stderr
    assert "Nothing was imported" in result.stderr


def test_a_work_folder_left_by_files_that_changed_is_pointed_out(
    scheduler: str, rules: Path, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 4)
    db_path = tmp_path / "cluster.db"
    store.open_store(db_path).close()
    old = _keep_shards(scheduler, corpus, db_path, rules, 2)  # an import stopped before storing
    corpus.write_text(corpus.read_text(encoding="utf-8").replace("day 0", "day zero"), encoding="utf-8")
    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(rules), "--cluster", scheduler,
        "--shard-size", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "0 already done" in result.stderr, "the changed file's shards are done again"
    assert "Work folders of other cluster imports are beside the database" in result.stderr
    assert str(old) in result.stderr and old.is_dir(), "named, not removed: another import may use it"


def test_an_address_where_a_web_server_answers_is_said_to_be_no_scheduler(tmp_path: Path) -> None:
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        corpus = _corpus(tmp_path / "news.jsonl", 2)
        address = (
            f"tcp://127.0.0.1:{server.server_address[1]}"  # e.g. the dashboard's port, not the scheduler's
        )
        result = run_spandesk(
            "import",
            str(corpus),
            "--db",
            str(tmp_path / "x.db"),
            "--cluster",
            address,
            "--cluster-timeout",
            "3",
        )
    finally:
        server.shutdown()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{address}" in result.stderr and "Nothing was imported" in result.stderr


def test_the_main_process_never_loads_spacy_the_workers_say_which_model_they_run(
    scheduler: str, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 6)
    db_path = tmp_path / "cluster.db"
    expected = _plain_import(corpus, tmp_path / "plain.db")
    argv = ["spandesk", "import", str(corpus), "--db", str(db_path), "--cluster", scheduler]
    probe = (
        f"import sys\nfrom annotations.cli import main\nsys.argv = {argv!r}\n"
        "try:\n    main()\nexcept SystemExit as leaving:\n    code = leaving.code\n"
        "print('spaCy loaded here:', 'spacy' in sys.modules, 'exit', code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert "spaCy loaded here: False exit 0" in result.stdout, result.stdout + result.stderr
    assert "pre-annotated 6 with en_core_web_sm" in result.stdout  # the name and version the workers said
    assert _rows(db_path) == expected


def test_a_model_no_worker_can_load_is_said_in_the_workers_words(scheduler: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 3)
    db_path = tmp_path / "cluster.db"
    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--cluster", scheduler, "--model", "no_such_model_xyz"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "the cluster's workers cannot load the model: spaCy model 'no_such_model_xyz'" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert _rows(db_path)["documents"] == []


def test_a_shard_from_a_worker_with_another_model_version_is_refused() -> None:
    from annotations.cluster_import import ClusterFailure, _checked, _Shard
    from annotations.records import Record

    record = Record(text="Ada Lovelace", where="news.jsonl:7")
    offsets = [[[0, 4], [3, 12], []]]
    shard = _Shard(0, [record], "digest")
    same = {"offsets": offsets, "model": "en_core_web_sm 3.8.0"}
    assert _checked(same, shard, "en_core_web_sm 3.8.0") == offsets
    with pytest.raises(ClusterFailure, match="news.jsonl:7 with 'en_core_web_sm 3.7.1'.*same model"):
        _checked({**same, "model": "en_core_web_sm 3.7.1"}, shard, "en_core_web_sm 3.8.0")


def test_the_first_shards_documents_come_while_later_shards_are_still_on_the_workers(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    from annotations.cluster_import import ClusterPredictor, pipeline_spec
    from annotations.importing import read_sources

    corpus, model, _ = slow_import
    db_path = tmp_path / "cluster.db"
    records = list(read_sources([corpus], db_path, "auto"))
    with ClusterPredictor(
        scheduler, db_path, pipeline_spec(str(model), None, None, db_path), shard_size=2
    ) as p:
        annotated = p(p.model(lambda: False), records, lambda: False)
        first = next(annotated)
        shards_in = len(p.redone)
        rest = list(annotated)
    assert shards_in < 12, "the main process builds the first documents while the workers go on"
    assert len(p.redone) == 12 and len([first, *rest]) == 24
    assert first.spans and first.spans[0].label == "PERSON"


@pytest.mark.parametrize(
    ("starts", "ends", "said"),
    [
        ([0, 4], [3, 9], None),
        ([], [], None),
        ([0, 4], [3, 10], "token (4-10) is not a range inside the text (9 characters)"),
        ([0, -1], [3, 2], "token (-1-2)"),
        ([0, 5], [3, 4], "token (5-4)"),
        ([0, True], [3, 4], "token (True-4)"),
        ([0, 4.0], [3, 9], "token (4.0-9)"),
        ([0, 4], [3, "9"], "token (4-9)"),
    ],
)
def test_offsets_coming_back_are_checked_token_by_token(starts: list, ends: list, said: str | None) -> None:
    from annotations.shard_folder import offsets_problem

    problem = offsets_problem([[starts, ends, []]], ["Ada met B"])
    assert problem is None if said is None else said in str(problem)


class _PressesCtrlC:
    """Ctrl+C pressed while Python runs a finaliser (as it may in a weakref callback, a garbage collector
    callback, an import's lock clean-up): the KeyboardInterrupt raised there is printed and dropped."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped Ctrl+C
def test_ctrl_c_dropped_in_a_finaliser_still_cancels_the_cluster_import(
    scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    from annotations.cluster_import import ClusterPredictor, pipeline_spec
    from annotations.importing import ImportCancelled

    corpus, model, _ = slow_import
    db_path = tmp_path / "cluster.db"
    pressed: list[int] = []

    def progress(shown) -> None:  # noqa: ANN001
        if shown.done == 1 and not pressed:
            pressed.append(1)
            _PressesCtrlC()  # made and dropped at once: Ctrl+C lands in its finaliser

    db = store.open_store(db_path)
    try:
        spec = pipeline_spec(str(model), None, None, db_path)
        with (
            ClusterPredictor(scheduler, db_path, spec, shard_size=2, progress=progress) as predictor,
            pytest.raises(ImportCancelled),
        ):
            import_sources(db, [corpus], model=str(model), predict=predictor)
    finally:
        db.close()
    assert pressed and _rows(db_path)["documents"] == []  # cancelled: nothing stored


def test_a_worker_lost_while_loading_the_model_is_replaced_and_the_import_goes_on(tmp_path: Path) -> None:
    """The only worker dies while it loads the model (killed, out of memory): Dask starts another one, at
    another address; the question of which model it runs goes to that one instead of waiting for ever."""
    from annotations.cluster_import import ClusterPredictor, pipeline_spec

    db_path = tmp_path / "cluster.db"
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    try:
        with ClusterPredictor(
            cluster.scheduler_address, db_path, pipeline_spec(None, None, None, db_path)
        ) as predictor:
            with distributed.Client(cluster.scheduler_address) as client:
                (pid,) = client.run(os.getpid).values()
            os.kill(pid, signal.SIGKILL)  # while it loads the model (or just after: its answer is lost too)
            deadline = time.monotonic() + 40
            try:
                model = predictor.model(lambda: time.monotonic() > deadline)
            except KeyboardInterrupt:  # what the deadline raises
                pytest.fail("still waiting for the lost worker's answer after 40 s")
        assert model.name.startswith("en_core_web_sm")
    finally:
        cluster.close()


def test_a_model_that_kills_every_worker_loading_it_is_said_not_waited_for(tmp_path: Path) -> None:
    """Workers too small for the model (their memory limit ends each one while it loads): Dask gives up on
    the question after a few workers died on it; the import says so instead of waiting for ever."""
    from annotations.cluster_import import ClusterPredictor, pipeline_spec
    from annotations.importing import ImportFailure

    db_path = tmp_path / "cluster.db"
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=50,
        memory_limit="120MB",  # a worker starts in ~60 MB; spaCy and its model need more
    )
    try:
        with ClusterPredictor(
            cluster.scheduler_address, db_path, pipeline_spec(None, None, None, db_path)
        ) as predictor:
            deadline = time.monotonic() + 90
            try:
                with pytest.raises(ImportFailure, match="workers cannot load the model: KilledWorker"):
                    predictor.model(lambda: time.monotonic() > deadline)
            except KeyboardInterrupt:  # what the deadline raises
                pytest.fail("still waiting for a worker after 90 s")
    finally:
        cluster.close()


def test_the_window_asks_for_the_shard_size_and_imports_in_shards_of_it(
    qtbot, scheduler: str, slow_import: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    from gui.cluster_job import ClusterDialog
    from tests.gui_helpers import open_window

    dialog = ClusterDialog(None, "local:2", 500)
    qtbot.addWidget(dialog)
    dialog.address.clear()
    qtbot.keyClicks(dialog.address, f"  {scheduler} ")
    dialog.shard_size.setValue(4)
    assert dialog.choice() == (scheduler, 4)
    dialog.address.clear()
    assert dialog.choice() is None, "no address, nothing to run on"

    corpus, model, expected = slow_import
    path = tmp_path / "window.db"
    store.open_store(path).close()
    window = open_window(qtbot, path)
    labels: list[str] = []
    run = window.files.start_import([corpus], "default", model=str(model), cluster=scheduler, shard_size=4)
    progress = window.files.progress_dialog
    assert progress is not None
    run.progress.connect(lambda _done, _total: labels.append(progress.labelText()))
    with qtbot.waitSignal(run.done, timeout=90_000):
        pass
    assert f"Pre-annotating on {scheduler}: shards 0/6" in labels  # 24 documents in shards of 4
    assert _rows(path) == expected


@pytest.mark.parametrize("timeout", ["nan", "NaN", "inf", "0"])
def test_a_cluster_timeout_that_is_no_number_of_seconds_is_refused_by_the_command_line(
    timeout: str, tmp_path: Path
) -> None:
    """NaN passed click's range (every comparison with it is false) and reached Dask."""
    from click.testing import CliRunner

    from annotations.cli import cli

    corpus = _corpus(tmp_path / "news.jsonl", 1)
    result = CliRunner().invoke(
        cli,
        [
            "import",
            str(corpus),
            "--db",
            str(tmp_path / "x.db"),
            "--cluster",
            "local:1",
            "--cluster-timeout",
            timeout,
        ],
    )
    assert result.exit_code == 2 and "Invalid value for '--cluster-timeout'" in result.output
    assert not (tmp_path / "x.db").exists()


def test_a_tls_address_without_dask_tls_settings_says_so_not_that_no_scheduler_answers(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 1)
    result = run_spandesk(
        "import", str(corpus), "--db", str(tmp_path / "x.db"), "--cluster", "tls://127.0.0.1:1",
        "--cluster-timeout", "2",
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "--cluster tls://127.0.0.1:1: Dask has no TLS settings here" in result.stderr
    assert "is not a Dask scheduler" not in result.stderr
