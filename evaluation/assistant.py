"""Evaluates the assistant's NLU and dialogue for config.yml and the baseline config.

Usage:
    python -m evaluation.assistant [--folds 5] [--seed 0] [--jobs 1] [--variants bert baseline]
                                   [--out results/evaluation]

For each config: NLU k-fold cross-validation on the project's training data, as
`rasa test nlu --cross-validation` runs it but resumable fold by fold and `--jobs` folds side
by side (evaluation/cross_validation.py; the same folds for every config and run, from
`--seed`), and the conversation tests (`rasa test core` on tests/test_stories.yml) with the
config's trained model. Rasa's reports and images land in `<out>/<config>/nlu` and `<out>/<config>/core`;
the side-by-side table in `<out>/summary.md` and `<out>/summary.json`, from the reports of
every variant found there (so variants can be evaluated in separate runs).
"""

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from actions.config import PROJECT_DIR

RASA = str(Path(sys.executable).with_name("rasa"))


@dataclass(frozen=True)
class Variant:
    name: str
    config: Path
    model: Path


VARIANTS = [
    Variant("bert", PROJECT_DIR / "config.yml", PROJECT_DIR / "models" / "assistant.tar.gz"),
    Variant("baseline", PROJECT_DIR / "evaluation" / "baseline.yml", PROJECT_DIR / "models" / "baseline.tar.gz"),
]
ENTITY = "order_id"
# Metric name -> how to read it from one variant's results.
METRICS = {
    "intent accuracy": lambda r: r["intent"]["accuracy"],
    "intent macro-F1": lambda r: r["intent"]["macro avg"]["f1-score"],
    f"`{ENTITY}` entity F1": lambda r: r["entity"].get(ENTITY, {}).get("f1-score"),
    "story accuracy": lambda r: r["story"]["conversation_accuracy"]["accuracy"],
    "action accuracy": lambda r: r["story"]["accuracy"],
}


def run(command: List[str]) -> None:
    print("$ " + " ".join(command), flush=True)
    if subprocess.run(command, cwd=PROJECT_DIR).returncode != 0:
        sys.exit("make evaluate stopped: the command above failed (its message is above); "
                 "finished cross-validation folds are kept for the next run")


def evaluate(variant: Variant, folds: int, seed: int, jobs: int, out: Path) -> None:
    nlu_dir, core_dir = out / variant.name / "nlu", out / variant.name / "core"
    run([
        sys.executable, "-m", "evaluation.cross_validation", "--config", str(variant.config),
        "--folds", str(folds), "--seed", str(seed), "--jobs", str(jobs), "--out", str(nlu_dir),
    ])
    # No --fail-on-prediction-errors: a failed story is a figure here, not an error.
    run([
        RASA, "test", "core", "--model", str(variant.model), "--stories", "tests/test_stories.yml",
        "--out", str(core_dir),
    ])
    (out / variant.name / "folds").write_text(f"{folds}\n")


def results_of(variant: Variant, out: Path) -> Optional[Dict]:
    """The variant's reports in `out`, or None if it has not been evaluated there."""
    nlu_dir, core_dir = out / variant.name / "nlu", out / variant.name / "core"
    if not (out / variant.name / "folds").exists():  # written last, once both tests ran
        return None
    return {
        "folds": int((out / variant.name / "folds").read_text()),
        "intent": read_json(nlu_dir / "intent_report.json"),
        "entity": read_json(diet_entity_report(nlu_dir)),
        "story": read_json(core_dir / "story_report.json"),
    }


def diet_entity_report(nlu_dir: Path) -> Path:
    """Rasa names the entity report after the extractor (DIETClassifier, LeanDIETClassifier);
    the newest is the last run's."""
    reports = list(nlu_dir.glob("*DIETClassifier_report.json"))
    return max(reports, key=lambda report: report.stat().st_mtime) if reports else nlu_dir / "DIETClassifier_report.json"


def read_json(path: Path) -> Dict:
    return json.loads(path.read_text()) if path.exists() else {}


def figure(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def summary_table(results: Dict[str, Dict]) -> str:
    names = list(results)
    folds = "/".join(sorted({str(r["folds"]) for r in results.values()}))
    lines = [
        f"NLU: {folds}-fold cross-validation on data/ · stories: tests/test_stories.yml",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for metric, read in METRICS.items():
        lines.append(f"| {metric} | " + " | ".join(figure(read(results[n])) for n in names) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the cross-validation folds")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained side by side")
    parser.add_argument("--variants", nargs="+", choices=[v.name for v in VARIANTS], default=[v.name for v in VARIANTS])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "evaluation")
    args = parser.parse_args()
    for variant in VARIANTS:
        if variant.name in args.variants:
            evaluate(variant, args.folds, args.seed, args.jobs, args.out)
    found = {variant.name: results_of(variant, args.out) for variant in VARIANTS}
    results = {name: result for name, result in found.items() if result}
    figures = {name: dict(folds=result["folds"], **{metric: read(result) for metric, read in METRICS.items()})
               for name, result in results.items()}
    table = summary_table(results)
    (args.out / "summary.md").write_text(table)
    (args.out / "summary.json").write_text(json.dumps(figures, indent=2))
    print(table)
    print(f"reports: {args.out}")


if __name__ == "__main__":
    main()
