"""Training an NER pipeline on the corrections with spaCy's own training (``spandesk train``).

The training data is each accepted document's current version (reviewed, else changed last, as
``export`` writes it), turned into spaCy Docs by the DocBin writer (so a span inside a token is an
entity exactly as in a ``--format spacy`` export). The documents are split by a seed into a training
part and a held-out part; spaCy's ``init_nlp`` and ``training.loop.train`` do the rest, with a config
like ``spacy init config -p ner`` (fine-tuning a base pipeline's ``ner``) or the person's own.

Nothing half-written: training happens in a temporary folder beside the model's folder, which is
renamed into place at the end and registered in the same transaction; an error or Ctrl+C removes it.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations import store
from annotations.counting import agreeing, counted
from annotations.hashing import text_digest
from annotations.model import Answer, Document
from annotations.output_file import process_runs
from annotations.waiting import waiting_note

if TYPE_CHECKING:
    from sqlite_utils import Database

BLANK = "blank"  # --base blank: start from scratch
CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
OnLine = Callable[[str], None]
"""Where training reports: one line of progress at a time (spaCy's table of steps, losses and scores)."""


class TrainingFailure(Exception):
    """Training could not start or finish; the message says why. Nothing was written or registered."""


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """What ``spandesk train`` was asked for."""

    output: Path
    dataset: str | None = None
    base: str | None = None  # a pipeline name or path, BLANK, or None: the database's model
    config: Path | None = None
    eval_split: float = 0.2
    seed: int = 0
    max_steps: int | None = None  # None: the config's
    force: bool = False


@dataclass(frozen=True, slots=True)
class LabelScores:
    """Precision, recall and F of one label (0 to 1)."""

    p: float
    r: float
    f: float


@dataclass(frozen=True, slots=True)
class Scores:
    """spaCy's Scorer on the held-out documents: the entity P/R/F overall and per label."""

    p: float
    r: float
    f: float
    per_label: dict[str, LabelScores]

    def to_json(self) -> dict[str, Any]:
        """The scores as stored with the model."""
        labels = {name: {"p": s.p, "r": s.r, "f": s.f} for name, s in self.per_label.items()}
        return {"ents_p": self.p, "ents_r": self.r, "ents_f": self.f, "ents_per_type": labels}

    @classmethod
    def from_json(cls, scores: dict[str, Any]) -> Scores:
        """Scores read back from a model's row (``to_json``)."""
        labels = scores.get("ents_per_type") or {}
        per_label = {name: LabelScores(v["p"], v["r"], v["f"]) for name, v in labels.items()}
        return cls(scores.get("ents_p", 0.0), scores.get("ents_r", 0.0), scores.get("ents_f", 0.0), per_label)


@dataclass(frozen=True, slots=True)
class Split:
    """The documents trained on and the held-out ones they are scored on."""

    train: list[Document]
    held_out: list[Document]

    @property
    def train_spans(self) -> int:
        """How many spans the training part holds."""
        return sum(len(document.spans) for document in self.train)


@dataclass(frozen=True, slots=True)
class TrainResult:
    """A trained, registered model."""

    path: Path
    name: str
    version: str
    base: str
    documents: int
    spans: int
    held_out: int
    scores: Scores
    model_id: int


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One point of the learning curve: the share of the training part used and the held-out score."""

    fraction: float
    documents: int
    scores: Scores


# ---------------------------------------------------------------- the data


def training_documents(db: Database, dataset: str | None) -> list[Document]:
    """The accepted documents, each as its current version (reviewed, else changed last: as exported)."""
    if dataset is not None and store.dataset_id(db, dataset) is None:
        have = ", ".join(store.dataset_names(db)) or "none"
        raise TrainingFailure(f"there is no dataset called {dataset!r} (have: {have})")
    chosen = store.iter_documents(
        db, dataset, (Answer.ACCEPT,), with_predictions=False, versions=store.Versions.current()
    )
    return list(chosen)


def split_documents(documents: Sequence[Document], eval_split: float, seed: int) -> Split:
    """The documents split by ``seed``: ``eval_split`` of the texts held out (one text, however many
    documents hold it, on one side only); TrainingFailure when either side would be empty."""
    if not 0.0 < eval_split < 1.0:
        raise TrainingFailure(f"--eval-split must be between 0 and 1 (got {eval_split:g})")
    by_text: dict[bytes, list[Document]] = {}
    for document in documents:
        by_text.setdefault(text_digest(document.text), []).append(document)
    if not by_text:
        raise TrainingFailure(
            "no accepted documents to train on: accept the documents you have corrected (or choose "
            "another --dataset)"
        )
    keys = sorted(by_text)
    random.Random(seed).shuffle(keys)
    held = round(len(keys) * eval_split)
    if held == 0 or held == len(keys):
        raise TrainingFailure(
            f"{counted(len(keys), 'accepted text')} {agreeing(len(keys), 'is', 'are')} too few for "
            f"--eval-split {eval_split:g}: it leaves "
            f"{'no document to score on' if held == 0 else 'no document to train on'}; accept more "
            "documents or choose another --eval-split"
        )
    held_out = [document for key in keys[:held] for document in by_text[key]]
    train = [document for key in keys[held:] for document in by_text[key]]
    return Split(train, held_out)


def write_docbin(documents: Sequence[Document], path: Path, lang: str) -> None:
    """The documents as a ``.spacy`` file, made by the DocBin export's writer (sub-token spans split)."""
    from annotations.formats import docbin

    try:
        docbin.write_docbin(documents, path, lang)
    except docbin.DocBinError as error:
        raise TrainingFailure(str(error)) from error


# ---------------------------------------------------------------- the model to start from


def base_model(db: Database, requested: str | None) -> str | None:
    """The pipeline whose ``ner`` is fine-tuned: ``requested`` (None for ``blank``), else the model whose
    predictions the database holds (a registered one by its folder), else the default model."""
    from annotations.preannotate import ModelNotFound, resolve_model_name

    if requested is not None and requested.strip().lower() == BLANK:
        return None
    try:
        if requested is not None:
            return resolve_model_name(requested)
        for model, version in store.models_latest_first(db):
            # a registered model run from its folder is stored as VERSION+DIGEST (reannotate)
            registered = store.registered_model(db, model, version.partition("+")[0])
            candidate = registered.path if registered else model
            if Path(candidate).is_dir() or _installed(candidate):
                return candidate
        return resolve_model_name(None)
    except ModelNotFound as error:
        raise TrainingFailure(f"--base: {error} Or start from scratch with --base {BLANK}.") from error


def _installed(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _base_pipeline(base: str) -> tuple[str, str, bool]:
    """The base pipeline's language, its NER component's name, and whether that listens to a tok2vec."""
    import spacy
    from spacy.pipeline.tok2vec import Tok2VecListener

    try:
        nlp = spacy.load(base)
    except (OSError, ValueError) as error:
        raise TrainingFailure(f"--base {base}: cannot be loaded as a spaCy pipeline ({error})") from error
    names = [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory in ("ner", "beam_ner")]
    if not names:
        raise TrainingFailure(
            f"--base {base}: the pipeline has no ner component to fine-tune (it has "
            f"{', '.join(nlp.pipe_names) or 'none'}); choose another, or --base {BLANK}"
        )
    listens = any(isinstance(node, Tok2VecListener) for node in nlp.get_pipe(names[0]).model.walk())
    return nlp.lang, names[0], listens


def training_config(base: str | None, config_path: Path | None, seed: int, max_steps: int | None) -> Any:
    """The spaCy config to train with: the person's, else ``spacy init config -p ner``'s, its ``ner``
    (and the tok2vec it listens to, if any) taken from ``base`` when one is given."""
    from spacy import util
    from spacy.cli.init_config import init_config

    if config_path is not None:
        try:
            config = util.load_config(config_path, interpolate=False)
        except Exception as error:  # thinc's ConfigValidationError, configparser's errors, OSError
            raise TrainingFailure(f"{config_path}: not a spaCy config ({_one_line(error)})") from error
    else:
        config = init_config(lang="en", pipeline=["ner"], optimize="efficiency")
    if base is not None:
        config = _sourcing(config, base)
    elif config_path is not None:
        _check_trains_ner(config, config_path)
    for section in ("paths", "system", "training"):  # a config of one's own may leave some out
        config.setdefault(section, {})
    config["system"]["seed"] = seed
    config["training"]["seed"] = seed
    if max_steps is not None:
        config["training"]["max_steps"] = max_steps
        config["training"]["eval_frequency"] = max(1, min(200, max_steps // 4))
    config["training"]["logger"] = {"@loggers": "spacy.ConsoleLogger.v1", "progress_bar": False}
    return config


def _check_trains_ner(config: Any, config_path: Path) -> None:
    """Refuse a config whose pipeline has no ner to train (a tagger's or senter's: nothing to score)."""
    components = config.get("components") or {}
    pipeline = (config.get("nlp") or {}).get("pipeline") or []
    factories = {
        name: (components.get(name) or {}).get("factory")
        or ("source" if "source" in (components.get(name) or {}) else "")
        for name in pipeline
    }
    if not any(factory in ("ner", "beam_ner", "source") for factory in factories.values()):
        shown = ", ".join(f"{name} ({factory or 'no factory'})" for name, factory in factories.items())
        raise TrainingFailure(
            f"{config_path}: the pipeline has no ner component to train (it has {shown or 'none'}); "
            "spandesk trains named entities: add a ner, or leave out --config"
        )


def _sourcing(config: Any, base: str) -> Any:
    """The config with its ner taken from ``base`` (and its tok2vec, when the ner listens to one)."""
    lang, ner_name, listens = _base_pipeline(base)
    config["nlp"]["lang"] = lang
    components: dict[str, Any] = {"ner": {"source": base, "component": ner_name}}
    if listens:
        components = {"tok2vec": {"source": base}, **components}
    config["components"] = components
    config["nlp"]["pipeline"] = list(components)
    return config


# ---------------------------------------------------------------- training


_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours spaCy's printer adds


class _Lines(io.TextIOBase):
    """A text stream handing each complete line written to it to ``on_line``."""

    def __init__(self, on_line: OnLine) -> None:
        self._on_line = on_line
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            line = _ANSI.sub("", line).rstrip()
            if line.strip():
                self._on_line(line)
        return len(text)


def train_in(folder: Path, split: Split, config: Any, on_line: OnLine, meta: dict[str, str]) -> Path:
    """Train with spaCy's ``init_nlp`` and ``loop.train`` in ``folder``; the best model's folder."""
    import logging

    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train

    lang = config["nlp"]["lang"]
    write_docbin(split.train, folder / "train.spacy", lang)
    write_docbin(split.held_out, folder / "dev.spacy", lang)
    config["paths"]["train"] = str(folder / "train.spacy")
    config["paths"]["dev"] = str(folder / "dev.spacy")
    config.to_disk(folder / "config.cfg")
    logging.getLogger("spacy").setLevel(logging.WARNING)
    try:
        nlp = init_nlp(config, use_gpu=-1)
    except (ValueError, KeyError, OSError) as error:
        raise TrainingFailure(f"spaCy could not set up training: {_one_line(error)}") from error
    nlp.meta.update(meta)
    lines = _Lines(on_line)
    (folder / "output").mkdir()
    train(nlp, folder / "output", use_gpu=-1, stdout=lines, stderr=lines)
    best = folder / "output" / "model-best"
    return best if best.is_dir() else folder / "output" / "model-last"


def evaluate(model: Path, held_out: Path) -> Scores:
    """spaCy's Scorer on the held-out DocBin, read as ``spacy train`` reads its dev corpus."""
    import spacy
    from spacy.training import Corpus

    nlp = spacy.load(model)
    scores = nlp.evaluate(list(Corpus(held_out)(nlp)))
    per_type = scores.get("ents_per_type") or {}
    per_label = {label: LabelScores(v["p"], v["r"], v["f"]) for label, v in sorted(per_type.items())}
    return Scores(scores["ents_p"] or 0.0, scores["ents_r"] or 0.0, scores["ents_f"] or 0.0, per_label)


def check_output(output: Path, force: bool, database: Path | None = None) -> None:
    """Refuse an output ``output_problem`` finds taken (in the command's words: -o, --force), or whose
    parent folder is not there."""
    problem = output_problem(output, force, database)
    if problem is not None:
        reason, advice = problem
        raise TrainingFailure(f"{output}: {reason}{advice}")
    if not output.parent.is_dir():
        raise TrainingFailure(f"{output.parent}: no such folder (the model's folder goes inside it)")


def output_problem(output: Path, force: bool, database: Path | None = None) -> tuple[str, str] | None:
    """Why a model cannot be saved in ``output``, and what the command offers instead; None when it can.
    Taken: a file (or a link), a folder holding something (unless ``force``), or one holding the database
    at any depth (``force`` would delete it, and its -wal, with the model it replaces). The folders are
    looked at, no file in them opened (one may be the database)."""
    if database is not None and _holds(output, database):
        return (
            f"holds the database {database}; the model's folder must not contain it",
            " (choose a new folder with -o)",
        )
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        return "exists and is not a folder", "; choose a new folder with -o"
    if output.is_dir() and any(output.iterdir()) and not force:
        return "the folder is not empty", "; choose a new one, or add --force to replace what it holds"
    return None


@contextmanager
def scratch_folder(output: Path) -> Iterator[Path]:
    """A temporary folder beside ``output`` (same file system, so it can be renamed into place),
    removed at the end whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.training-{os.getpid()}-", dir=output.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clear_killed_trainings(output: Path, on_line: OnLine = print) -> list[Path]:
    """Remove the temporary folders beside ``output`` left by trainings into it whose process was killed
    (``scratch_folder`` names them with its process id), saying so; those of running ones are kept."""
    removed = []
    for folder in scratch_folders(output):
        match = re.fullmatch(rf"\.{re.escape(output.name)}\.training-(\d+)-.*", folder.name)
        if match is None or process_runs(int(match.group(1))) or not folder.is_dir() or folder.is_symlink():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        on_line(f"Removed {folder}, left by a training that was killed")
        removed.append(folder)
    return removed


def train_model(db: Database, settings: TrainSettings, on_line: OnLine = print) -> TrainResult:
    """Train on the accepted documents, score per label on the held-out part, put the model in
    ``settings.output`` and register it; all or nothing."""
    output = settings.output.absolute()
    check_output(output, settings.force, store.database_path(db))
    clear_killed_trainings(output, on_line)
    split = split_documents(training_documents(db, settings.dataset), settings.eval_split, settings.seed)
    base = base_model(db, settings.base) if settings.config is None or settings.base else None
    config = training_config(base, settings.config, settings.seed, settings.max_steps)
    name = f"{config['nlp']['lang']}_{_model_name(output)}"
    version = f"{store.count_models(db, name) + 1}.0.0"
    on_line(
        f"Training on {counted(len(split.train), 'document')} ({counted(split.train_spans, 'span')}), "
        f"holding out {len(split.held_out)}; starting from {base or 'a blank model'}"
    )
    with scratch_folder(output) as folder:
        best = train_in(folder, split, config, on_line, {"name": name.split("_", 1)[1], "version": version})
        scores = evaluate(best, folder / "dev.spacy")
        started = base or (f"config {settings.config}" if settings.config else BLANK)
        row = store.NewModel(
            str(output), name, version, started, len(split.train), split.train_spans, scores.to_json()
        )
        store.wait_to_write(db, waiting_note(db, "The model", on_line))
        with store.write_transaction(db):
            model_id = store.register_model(db, row, in_transaction=True)
            _put_in_place(best, output, folder)
    return TrainResult(
        output, name, version, started, len(split.train), split.train_spans, len(split.held_out),
        scores, model_id,
    )  # fmt: skip


def _holds(folder: Path, database: Path) -> bool:
    """Whether ``database`` lies inside ``folder`` (links resolved), or is it."""
    try:
        inside, outer = database.resolve(), folder.resolve()
    except (OSError, RuntimeError):
        return False
    return inside == outer or outer in inside.parents


def _put_in_place(model: Path, output: Path, folder: Path) -> None:
    """Rename the trained model to ``output`` (an existing one is moved into ``folder``, removed with it)."""
    if output.exists():
        output.rename(folder / "replaced")
    model.rename(output)


def _model_name(output: Path) -> str:
    """A pipeline name made of the model folder's name (letters, digits and underscores)."""
    return "spandesk_" + (re.sub(r"\W+", "_", output.name.lower(), flags=re.ASCII).strip("_") or "model")


def learning_curve(
    db: Database,
    settings: TrainSettings,
    on_line: OnLine = print,
    fractions: Sequence[float] = CURVE_FRACTIONS,
) -> list[CurvePoint]:
    """Train on growing shares of the training part (the same held-out part) and score each."""
    check_output(settings.output.absolute(), settings.force, store.database_path(db))
    clear_killed_trainings(settings.output.absolute(), on_line)
    split = split_documents(training_documents(db, settings.dataset), settings.eval_split, settings.seed)
    base = base_model(db, settings.base) if settings.config is None or settings.base else None
    points = []
    for fraction in fractions:
        part = replace(split, train=split.train[: max(1, round(len(split.train) * fraction))])
        config = training_config(base, settings.config, settings.seed, settings.max_steps)
        with scratch_folder(settings.output.absolute()) as folder:
            best = train_in(folder, part, config, lambda _line: None, {})
            point = CurvePoint(fraction, len(part.train), evaluate(best, folder / "dev.spacy"))
        on_line(format_curve_point(point))
        points.append(point)
    return points


def format_curve_point(point: CurvePoint) -> str:
    """One line of the learning curve."""
    return (
        f"{point.fraction:4.0%} of the training part ({counted(point.documents, 'document'):>15}): "
        f"F {point.scores.f:6.1%}  P {point.scores.p:6.1%}  R {point.scores.r:6.1%}"
    )


def format_scores(scores: Scores) -> str:
    """The held-out scores as a table: one row per label, then all labels together."""
    width = max([5, *(len(label) for label in scores.per_label)])
    rows = [f"{'label':<{width}}  {'P':>6}  {'R':>6}  {'F':>6}"]
    for label, s in scores.per_label.items():
        rows.append(f"{label:<{width}}  {s.p:6.1%}  {s.r:6.1%}  {s.f:6.1%}")
    rows.append(f"{'all':<{width}}  {scores.p:6.1%}  {scores.r:6.1%}  {scores.f:6.1%}")
    return "\n".join(rows)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def scratch_folders(output: Path) -> list[Path]:
    """The temporary folders a training into ``output`` would make (for tests and clean-up checks)."""
    parent = output.absolute().parent
    return sorted(parent.glob(f".{output.name}.training-*")) if parent.is_dir() else []
