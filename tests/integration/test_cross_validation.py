"""make evaluate's cross-validation on a small real project: Rasa's reports, kept folds, resumption."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions.config import PROJECT_DIR

EMAIL = "jana.novak@example.com"

# Rasa components that train in seconds without TensorFlow: what is tested is the fold handling.
CONFIG = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
  - name: RegexEntityExtractor
    use_regexes: true
"""
NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
{greet}
- intent: track_order
  examples: |
{track}
- regex: order_id
  examples: |
    - \\d{{6}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    greetings = ["hi", "hello", "hey", "good morning", "hi there", "hello friend", "hey you", f"hi, {EMAIL}"]
    tracking = [f"where is order [{order}](order_id)" for order in range(482910, 482918)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(NLU.format(
        greet="\n".join(f"    - {text}" for text in greetings),
        track="\n".join(f"    - {text}" for text in tracking)))
    (tmp_path / "domain.yml").write_text('version: "3.1"\nintents:\n  - greet\n  - track_order\n'
                                         "entities:\n  - order_id\n")
    (tmp_path / "config.yml").write_text(CONFIG)
    return tmp_path


def run_cross_validation(project: Path, jobs: int = 1) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evaluation.cross_validation", "--config", str(project / "config.yml"),
         "--data", str(project / "data"), "--domain", str(project / "domain.yml"), "--folds", "2",
         "--jobs", str(jobs), "--out", str(project / "out")],
        cwd=PROJECT_DIR, capture_output=True, text=True)


def cross_validate(project: Path, jobs: int = 1) -> str:
    finished = run_cross_validation(project, jobs)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout


def kept_fold_times(project: Path):
    return [(project / "out" / "folds" / f"{fold}.pickle").stat().st_mtime_ns for fold in range(2)]


def test_folds_side_by_side_give_rasas_reports_over_all_held_out_examples(project):
    output = cross_validate(project, jobs=2)
    assert "fold 1/2: training on 8 examples, testing on 8" in output
    assert "fold 2/2: training on 8 examples, testing on 8" in output
    intents = json.loads((project / "out" / "intent_report.json").read_text())
    assert intents["greet"]["support"] + intents["track_order"]["support"] == 16
    entities = json.loads((project / "out" / "RegexEntityExtractor_report.json").read_text())
    assert entities["order_id"]["support"] == 8
    assert entities["order_id"]["f1-score"] == 1.0
    for image in ("intent_confusion_matrix.png", "intent_histogram.png"):
        assert (project / "out" / image).stat().st_size > 0


def test_held_out_messages_are_not_logged(project):
    """Rasa logs each parsed message at debug level; the runner keeps Rasa's default level, INFO."""
    finished = run_cross_validation(project)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert EMAIL not in finished.stdout + finished.stderr


def test_a_rerun_keeps_finished_folds_and_trains_only_the_unfinished(project):
    cross_validate(project)
    kept = kept_fold_times(project)
    assert cross_validate(project).count("kept from an earlier run") == 2
    assert kept_fold_times(project) == kept

    (project / "out" / "folds" / "1.key").unlink()  # stopped before fold 2 was whole
    output = cross_validate(project)
    assert "fold 1/2: kept from an earlier run" in output
    assert "fold 2/2: training" in output
    assert kept_fold_times(project)[0] == kept[0]


def test_a_config_rasa_cannot_load_gets_rasas_message_and_no_reports(project):
    (project / "config.yml").write_text(CONFIG.replace("LogisticRegressionClassifier", "NoSuchClassifier"))
    finished = run_cross_validation(project, jobs=2)
    assert finished.returncode != 0
    assert "Can't load class for name 'NoSuchClassifier'" in finished.stderr
    assert "fold(s) 1, 2 failed" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not (project / "out" / "intent_report.json").exists()
