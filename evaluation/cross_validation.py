"""NLU k-fold cross-validation that keeps each fold: `rasa test nlu --cross-validation`, resumable.

Usage:
    python -m evaluation.cross_validation --config config.yml --out DIR [--folds 5] [--seed 0] [--jobs 1]

The folds are Rasa's own stratified split (`generate_folds`) with numpy's generator seeded, so
every run and every config hold out the same examples. Each fold trains and predicts as Rasa's
cross-validation does, and its predictions are kept in `DIR/folds/` under a key of the config,
the components' code, the fold's data and the Rasa version: an interrupted run resumes at the
first fold it has not finished, and `--jobs 2` trains two folds side by side. Rasa's reports and
images (`intent_report.json`, `*DIETClassifier_report.json`, confusion matrices, histograms)
are then written to DIR from all folds' predictions, as Rasa writes them.
"""

import argparse
import asyncio
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy

from actions.config import PROJECT_DIR


FoldPredictions = Dict[str, list]  # "intent", "entity", "response" -> Rasa's evaluation results


def nlu_data(data_dir: Path, domain: Path, folds: int):
    """The training data as `rasa test nlu` reads it, without intents too rare to be in every fold."""
    from rasa.nlu.test import drop_intents_below_freq
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(data_dir)], domain_path=str(domain))
    return drop_intents_below_freq(importer.get_nlu_data(), cutoff=folds)


def fold_splits(data, folds: int, seed: int) -> List[Tuple[object, object]]:
    """Rasa's stratified (train, test) split; it draws from numpy's global generator, seeded here."""
    from rasa.nlu.test import generate_folds

    numpy.random.seed(seed)
    return list(generate_folds(folds, data))


def yaml_of(training_data) -> str:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    return RasaYAMLWriter().dumps(training_data)


def code_of(config: Path) -> bytes:
    """The source of the project packages the config names components from (`components.x.Y`)."""
    text = config.read_text()
    packages = sorted({path.name for path in PROJECT_DIR.iterdir()
                       if path.is_dir() and (path / "__init__.py").exists() and f"{path.name}." in text})
    return b"".join(source.read_bytes() for package in packages
                    for source in sorted((PROJECT_DIR / package).rglob("*.py")))


def fold_key(config: Path, train_yaml: str, test_yaml: str) -> str:
    """What a fold's predictions depend on; a kept fold with another key is trained again."""
    import rasa

    digest = hashlib.sha256()
    parts = (rasa.__version__.encode(), config.read_bytes(), code_of(config), train_yaml.encode(), test_yaml.encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


class FoldStore:
    """Each fold's predictions in `<out>/folds/<n>.pickle`, next to the key they were made under."""

    def __init__(self, out: Path):
        self.directory = out / "folds"

    def _paths(self, fold: int) -> Tuple[Path, Path]:
        return self.directory / f"{fold}.key", self.directory / f"{fold}.pickle"

    def load(self, fold: int, key: str):
        key_path, predictions_path = self._paths(fold)
        if not (key_path.exists() and predictions_path.exists()) or key_path.read_text() != key:
            return None
        return pickle.loads(predictions_path.read_bytes())

    def save(self, fold: int, key: str, predictions: FoldPredictions) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        key_path, predictions_path = self._paths(fold)
        key_path.unlink(missing_ok=True)  # no key until the predictions are whole
        partial = predictions_path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(predictions))
        partial.replace(predictions_path)
        key_path.write_text(key)


def train_and_predict(config: Path, train_yaml: str, test) -> FoldPredictions:
    """One fold as Rasa's cross-validation runs it: train NLU on the rest, predict the held-out part."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.nlu.test import compute_metrics

    with tempfile.TemporaryDirectory() as directory:
        training_file = Path(directory) / "training_data.yml"
        training_file.write_text(train_yaml)
        model = train_nlu(str(config), str(training_file), directory)
        processor = Agent.load(model).processor
        *_, intents, entities, responses = asyncio.run(compute_metrics(processor, test))
    return {"intent": intents, "entity": entities, "response": responses}


def fold_keys(config: Path, splits) -> List[str]:
    return [fold_key(config, yaml_of(train), yaml_of(test)) for train, test in splits]


def run_fold(args: argparse.Namespace) -> None:
    """Trains and predicts the fold `--only-fold`, in a process of its own."""
    train, test = fold_splits(nlu_data(args.data, args.domain, args.folds), args.folds, args.seed)[args.only_fold]
    train_yaml = yaml_of(train)
    print(f"fold {args.only_fold + 1}/{args.folds}: training on {len(train.intent_examples)} examples, "
          f"testing on {len(test.intent_examples)}", flush=True)
    predictions = train_and_predict(args.config, train_yaml, test)
    FoldStore(args.out).save(args.only_fold, fold_key(args.config, train_yaml, yaml_of(test)), predictions)


def threads_per_job(jobs: int, folds: int) -> Dict[str, str]:
    """TensorFlow's thread pools sized so that the folds side by side share the cores; one fold gets all."""
    threads = str(max(1, (os.cpu_count() or 1) // min(jobs, folds)))
    return {"TF_INTRA_OP_PARALLELISM_THREADS": threads, "TF_INTER_OP_PARALLELISM_THREADS": threads,
            "OMP_NUM_THREADS": threads}


def run_folds(args: argparse.Namespace, folds: List[int]) -> None:
    """Each fold in its own process (TensorFlow keeps its threads and memory per process), `jobs` at a time."""
    environment = {**os.environ, **threads_per_job(args.jobs, len(folds))}
    pending, running, failed = list(folds), {}, []
    while pending or running:
        while pending and len(running) < args.jobs:
            fold = pending.pop(0)
            command = [sys.executable, "-m", "evaluation.cross_validation", "--config", str(args.config),
                       "--data", str(args.data), "--domain", str(args.domain), "--folds", str(args.folds),
                       "--seed", str(args.seed), "--out", str(args.out), "--only-fold", str(fold)]
            process = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment)
            running[process.pid] = (fold, process)  # kept referenced: Popen reaps only what it no longer holds
        pid, status = os.wait()  # whichever fold finishes first frees its place
        fold, _ = running.pop(pid)
        if os.waitstatus_to_exitcode(status) != 0:
            failed.append(fold + 1)
    if failed:
        sys.exit(f"cross-validation: fold(s) {', '.join(map(str, sorted(failed)))} failed; the others are kept, "
                 "so a rerun trains only those")


def write_reports(out: Path, predictions: List[FoldPredictions]) -> None:
    """Rasa's reports and images over all folds' held-out predictions, as `rasa test nlu` writes them."""
    from rasa.nlu.test import (_get_active_entity_extractors, evaluate_entities, evaluate_intents,
                               evaluate_response_selections)

    def pooled(kind: str) -> list:
        return [result for fold in predictions for result in fold[kind]]

    intents, entities, responses = pooled("intent"), pooled("entity"), pooled("response")
    reporting = dict(successes=False, errors=True, disable_plotting=False, report_as_dict=True)
    if intents:
        evaluate_intents(intents, str(out), **reporting)
    if entities:
        evaluate_entities(entities, _get_active_entity_extractors(entities), str(out), **reporting)
    if responses:
        evaluate_response_selections(responses, str(out), **reporting)


def cross_validate(args: argparse.Namespace) -> None:
    store = FoldStore(args.out)
    splits = fold_splits(nlu_data(args.data, args.domain, args.folds), args.folds, args.seed)
    keys = fold_keys(args.config, splits)
    kept = [store.load(fold, key) for fold, key in enumerate(keys)]
    for fold, predictions in enumerate(kept):
        if predictions is not None:
            print(f"fold {fold + 1}/{args.folds}: kept from an earlier run", flush=True)
    missing = [fold for fold, predictions in enumerate(kept) if predictions is None]
    if missing:
        run_folds(args, missing)
        for fold in missing:
            kept[fold] = store.load(fold, keys[fold])
    write_reports(args.out, kept)
    print(f"cross-validation reports: {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "data")
    parser.add_argument("--domain", type=Path, default=PROJECT_DIR / "domain.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained side by side")
    parser.add_argument("--only-fold", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.folds < 2 or args.jobs < 1:
        parser.error("--folds must be at least 2 and --jobs at least 1")
    for path in (args.config, args.data, args.domain):
        if not path.exists():
            parser.error(f"{path} does not exist")
    args.config, args.out = args.config.resolve(), args.out.resolve()
    from rasa.shared.exceptions import RasaException
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # As the `rasa` command does: LOG_LEVEL or INFO, not structlog's default that logs every parsed message
    configure_logging_and_warnings()
    configure_structlog()

    try:
        run_fold(args) if args.only_fold is not None else cross_validate(args)
    except RasaException as error:  # bad config or data: Rasa's message, as `rasa test` gives it
        sys.exit(f"cross-validation: {error}")


if __name__ == "__main__":
    main()
