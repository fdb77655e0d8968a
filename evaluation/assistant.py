"""Evaluates the assistant's NLU and dialogue for config.yml and the baseline config.

Usage:
    python -m evaluation.assistant [--folds 5] [--seed 0] [--jobs 1] [--variants bert baseline]
                                   [--out results/evaluation] [--blind-only]

For each config: the trained model on the blind NLU set (tests/nlu_blind, written by people
who never saw data/: intent accuracy and macro-F1, out-of-scope recall and precision,
`order_id` F1, the misroute rate, the worst intents and the most frequent confusions); NLU k-fold cross-validation on the project's training data, as
`rasa test nlu --cross-validation` runs it but resumable fold by fold and `--jobs` folds side
by side (evaluation/cross_validation.py; the same folds for every config and run, from
`--seed`), and the conversation tests (`rasa test core` on tests/test_stories.yml) with the
config's trained model. Rasa's reports and images land in `<out>/<config>/nlu` and `<out>/<config>/core`;
the side-by-side table in `<out>/summary.md` and `<out>/summary.json`, from the reports of
every variant found there (so variants can be evaluated in separate runs). `--blind-only`
skips cross-validation and the conversation tests (minutes instead of hours).
"""

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from actions.config import PROJECT_DIR
from actions.order_changes import REQUEST_CHANGES

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
OUT_OF_SCOPE = "out_of_scope"
# Each blind message's intent as the assistant acts on it (evaluation.blind_set.routes).
ROUTES_FILE = "routes.json"
# Lines of the worst intents and the most frequent confusions in the summary.
SHOWN = 5
# Metric name -> how to read it from one variant's blind-set results.
BLIND_METRICS = {
    "intent accuracy": lambda r: r["intent"].get("accuracy"),
    "intent macro-F1": lambda r: r["intent"].get("macro avg", {}).get("f1-score"),
    "out-of-scope recall": lambda r: r["intent"].get(OUT_OF_SCOPE, {}).get("recall"),
    "out-of-scope precision": lambda r: r["intent"].get(OUT_OF_SCOPE, {}).get("precision"),
    f"`{ENTITY}` entity F1": lambda r: r["entity"].get(ENTITY, {}).get("f1-score"),
    "misroute rate": lambda r: misroute_rate(r["routes"]),
    "offered the other request": lambda r: offered_rate(r["routes"]),
}
# Metric name -> how to read it from one variant's cross-validation and story results.
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


def evaluate_blind(variant: Variant, out: Path) -> None:
    """`rasa test nlu` of the trained model on the blind set, merged into one file for Rasa."""
    from evaluation.blind_set import blind_set, routes

    blind_dir = out / variant.name / "blind"
    blind_dir.mkdir(parents=True, exist_ok=True)
    (blind_dir / "blind_set.yml").write_text(blind_set().nlu_as_yaml())
    run([RASA, "test", "nlu", "--model", str(variant.model), "--nlu", str(blind_dir / "blind_set.yml"),
         "--out", str(blind_dir)])
    print(f"routing the blind set with {variant.model.name}", flush=True)
    (blind_dir / ROUTES_FILE).write_text(json.dumps(routes(variant.model), indent=0))


def misroute_rate(routed: List[Dict]) -> Optional[float]:
    """The share of messages that would start an order change other than the one wanted
    (or one that was not wanted at all); a message NLU was unsure of starts none."""
    misrouted = [r for r in routed
                 if r["routed"] in REQUEST_CHANGES and REQUEST_CHANGES[r["routed"]] != REQUEST_CHANGES.get(r["intent"])]
    return len(misrouted) / len(routed) if routed else None


def offered_rate(routed: List[Dict]) -> Optional[float]:
    """The share of messages whose change starts with an offer of the request NLU nearly
    chose ("If you meant to change the items in your order instead, ...")."""
    return sum(bool(r.get("offered")) for r in routed) / len(routed) if routed else None


def worst_intents(intent_report: Dict) -> List[str]:
    per_intent = {name: figures["f1-score"] for name, figures in intent_report.items()
                  if isinstance(figures, dict) and name not in ("macro avg", "weighted avg", "micro avg")}
    return [f"{name} {f1:.2f}" for name, f1 in sorted(per_intent.items(), key=lambda item: item[1])[:SHOWN]]


def frequent_confusions(errors: List[Dict]) -> List[str]:
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    return [f"{wanted} → {predicted} ({count})" for (wanted, predicted), count in pairs.most_common(SHOWN)]


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


def blind_results_of(variant: Variant, out: Path) -> Optional[Dict]:
    """The variant's blind-set reports in `out`, or None if it has not been tested there."""
    blind_dir = out / variant.name / "blind"
    if not (blind_dir / "intent_report.json").exists():
        return None
    errors, routed = blind_dir / "intent_errors.json", blind_dir / ROUTES_FILE
    return {"intent": read_json(blind_dir / "intent_report.json"), "entity": read_json(diet_entity_report(blind_dir)),
            "errors": json.loads(errors.read_text()) if errors.exists() else [],
            "routes": json.loads(routed.read_text()) if routed.exists() else []}


def results_of(variant: Variant, out: Path) -> Optional[Dict]:
    """The variant's cross-validation and story reports in `out`, or None if it has not been evaluated there."""
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
    """Rasa names the entity report after the extractor (DIETClassifier; LeanDIETClassifier in
    results of earlier versions); the newest is the last run's."""
    reports = list(nlu_dir.glob("*DIETClassifier_report.json"))
    return max(reports, key=lambda report: report.stat().st_mtime) if reports else nlu_dir / "DIETClassifier_report.json"


def read_json(path: Path) -> Dict:
    return json.loads(path.read_text()) if path.exists() else {}


def figure(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table(heading: str, metrics: Dict, results: Dict[str, Dict]) -> List[str]:
    names = list(results)
    lines = [heading, "", "| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for metric, read in metrics.items():
        lines.append(f"| {metric} | " + " | ".join(figure(read(results[n])) for n in names) + " |")
    return lines + [""]


def summary_table(blind: Dict[str, Dict], results: Dict[str, Dict]) -> str:
    """The blind set first (held out, written blind), then cross-validation (in-distribution)."""
    lines = []
    if blind:
        size = next(iter(blind.values()))["intent"].get("macro avg", {}).get("support")
        lines += table(f"Blind set: {size} messages of tests/nlu_blind (never trained on); intent figures as "
                       "`rasa test nlu` gives them (a fallback counts as the intent it replaced), the misroute "
                       "rate as the assistant acts (a fallback starts nothing)", BLIND_METRICS, blind)
        for name, result in blind.items():
            lines += [f"{name}: worst intents (F1) " + ", ".join(worst_intents(result["intent"])),
                      f"{name}: most frequent confusions " + ", ".join(frequent_confusions(result["errors"])), ""]
    if results:
        folds = "/".join(sorted({str(r["folds"]) for r in results.values()}))
        lines += table(f"In-distribution: {folds}-fold cross-validation on data/ · stories: tests/test_stories.yml",
                       METRICS, results)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the cross-validation folds")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained side by side")
    parser.add_argument("--variants", nargs="+", choices=[v.name for v in VARIANTS], default=[v.name for v in VARIANTS])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "evaluation")
    parser.add_argument("--blind-only", action="store_true", help="the blind set only, no cross-validation")
    args = parser.parse_args()
    for variant in VARIANTS:
        if variant.name in args.variants:
            evaluate_blind(variant, args.out)
            if not args.blind_only:
                evaluate(variant, args.folds, args.seed, args.jobs, args.out)
    blind = {v.name: r for v in VARIANTS if (r := blind_results_of(v, args.out))}
    results = {v.name: r for v in VARIANTS if (r := results_of(v, args.out))}
    figures = {
        "blind": {name: {metric: read(result) for metric, read in BLIND_METRICS.items()} for name, result in blind.items()},
        "cross_validation": {name: dict(folds=result["folds"], **{metric: read(result) for metric, read in METRICS.items()})
                             for name, result in results.items()},
    }
    summary = summary_table(blind, results)
    (args.out / "summary.md").write_text(summary)
    (args.out / "summary.json").write_text(json.dumps(figures, indent=2))
    print(summary)
    print(f"reports: {args.out}")


if __name__ == "__main__":
    main()
