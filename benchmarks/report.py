"""Formats `make bench` results: a Markdown table and a latency histogram."""

from pathlib import Path
from typing import Dict


def markdown_summary(report: Dict[str, Dict], ratios: Dict[str, Dict]) -> str:
    lines = [
        "| variant | Rasa workers | concurrency | msg/s | p50 ms (not generated) | p95 ms (not generated) "
        "| p50 / p95 / p99 ms (all) | p50 ms (generated) | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, variant in report.items():
        for concurrency, run in variant["runs"].items():
            quiet, every, generated = run["not_generated"], run["all"], run["generated"]
            lines.append(
                f"| {name} | {variant['rasa_workers']} | {concurrency} | {run['messages_per_second']} | {quiet['p50']} | {quiet['p95']} "
                f"| {every['p50']} / {every['p95']} / {every['p99']} | {generated['p50']} | {run['errors']} |"
            )
    lines += ["", "| variant | Rasa workers | Rasa server peak RSS MB (all processes) | largest Rasa process MB "
              "| action server peak RSS MB | rasa train s |", "|---|---|---|---|---|---|"]
    for name, variant in report.items():
        memory = variant["peak_rss_mb"]
        lines.append(f"| {name} | {variant['rasa_workers']} | {memory['rasa']} | {memory['rasa_largest_process']} "
                     f"| {memory['actions']} | {variant['train_seconds']} |")
    for name, figures in ratios.items():
        lines += ["", f"Ratios {name} (same run):", ""]
        lines += [f"- c={key[1:]}: " + ", ".join(f"{metric} {value}" for metric, value in value.items())
                  if isinstance(value, dict) else f"- {key}: {value}" for key, value in figures.items()]
    return "\n".join(lines) + "\n"


def plot_latencies(report: Dict[str, Dict], path: Path) -> None:
    """One panel per concurrency level, the variants' turn latencies overlaid."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    levels = list(next(iter(report.values()))["runs"])
    figure, axes = plt.subplots(1, len(levels), figsize=(5 * len(levels), 4), squeeze=False)
    for axis, level in zip(axes[0], levels):
        for name, variant in report.items():
            latencies = variant["runs"][level]["latencies_ms"]
            if latencies:
                axis.hist(latencies, bins=40, alpha=0.6, label=name)
        axis.set_title(f"concurrency {level}")
        axis.set_xlabel("latency per turn (ms)")
        axis.set_ylabel("turns")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
