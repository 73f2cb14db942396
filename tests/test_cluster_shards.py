"""A cluster import's default shards shrink towards the end (the workers finish together) and a re-run
cuts the same ones; a local cluster's workers start with the pipeline loaded and Dask's bookkeeping quiet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotations.cluster_import import DEFAULT_SHARD_SIZE, MIN_TAPERED_SHARD, shard_bounds
from tests.reliability_helpers import run_spandesk
from tests.test_cluster_import import _corpus, _env, _plain_import, _rows, rules_model  # noqa: F401 (the fixture `rules`)

pytest.importorskip("distributed")


@pytest.mark.parametrize("count", [1, 7, 99, 100, 101, 499, 500, 501, 1_999, 3_000, 10_000, 20_001])
def test_default_shards_cover_every_record_once_and_shrink_at_the_end(count: int) -> None:
    bounds = shard_bounds(count, None)
    sizes = [end - start for start, end in bounds]
    assert [start for start, _ in bounds] == [0, *(end for _, end in bounds[:-1])], "contiguous, in order"
    assert bounds[-1][1] == count and all(size > 0 for size in sizes)
    assert max(sizes) <= DEFAULT_SHARD_SIZE
    assert sizes == sorted(sizes, reverse=True), "never a bigger shard after a smaller one"
    if count >= 3 * DEFAULT_SHARD_SIZE:  # a worker idle at the end waits for at most a small shard
        assert sizes[0] == DEFAULT_SHARD_SIZE and sizes[-2] == MIN_TAPERED_SHARD
    assert shard_bounds(count, None) == bounds, "the same records give the same shards"


@pytest.mark.parametrize(("count", "size"), [(10, 4), (10_000, 250), (3, 500), (500, 500)])
def test_a_given_shard_size_is_kept_exactly(count: int, size: int) -> None:
    sizes = [end - start for start, end in shard_bounds(count, size)]
    assert sizes[:-1] == [size] * (len(sizes) - 1) and 0 < sizes[-1] <= size and sum(sizes) == count


def test_an_import_without_shard_size_resumes_every_shard_it_kept(rules: Path, tmp_path: Path) -> None:
    from annotations.cluster_import import ClusterPredictor, pipeline_spec
    from annotations.importing import read_sources
    from annotations.preannotate import load_pipeline

    corpus = _corpus(tmp_path / "news.jsonl", 1_234)
    expected = _plain_import(corpus, tmp_path / "plain.db", str(rules))
    db_path = tmp_path / "cluster.db"
    records = list(read_sources([corpus], db_path, "auto"))
    spec = pipeline_spec(str(rules), None, None, db_path)
    with ClusterPredictor("local:1", db_path, spec) as predictor:  # interrupted before the store
        assert len(list(predictor(load_pipeline(str(rules)), records, lambda: False))) == len(records)
    total = len(shard_bounds(len(records), None))
    assert predictor.folder is not None and len(list(predictor.folder.glob("shard-*.json"))) == total

    result = run_spandesk(
        "import", str(corpus), "--db", str(db_path), "--model", str(rules), "--cluster", "local:2"
    )

    assert result.returncode == 0, result.stderr
    assert f"{total} shards of up to 309 documents, {total} already done" in result.stderr
    assert f"{total} already done (kept in {predictor.folder}), 0 to do" in result.stderr
    assert _rows(db_path) == expected


def test_local_workers_start_with_the_pipeline_loaded_by_their_fork_server(
    rules: Path, tmp_path: Path
) -> None:
    probe = f"""
import json, sys
import dask
from pathlib import Path
from annotations.cluster_import import ClusterPredictor, pipeline_spec

def seen():
    import sys
    import dask
    server = sys.modules.get("annotations.cluster_fork_server")
    return {{
        "preloaded": repr(getattr(server, "preloaded", None)),
        "profiled": dask.config.get("distributed.worker.profile.enabled"),
    }}

if __name__ == "__main__":
    spec = pipeline_spec({str(rules)!r}, None, None)
    with ClusterPredictor("local:2", Path({str(tmp_path / "x.db")!r}), spec) as predictor:
        said = list(predictor._client.run(seen).values())
    print(json.dumps({{"workers": said, "spec": repr(spec), "pandas": "pandas" in sys.modules}}))
"""
    script = tmp_path / "probe.py"
    script.write_text(probe, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert result.returncode == 0, result.stderr
    said = json.loads(result.stdout.splitlines()[-1])
    assert said["workers"] == [{"preloaded": said["spec"], "profiled": False}] * 2
    assert not said["pandas"], "starting a local cluster does not import pandas into this process"
