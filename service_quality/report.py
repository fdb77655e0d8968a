"""The service report's files: a Markdown summary, CSV exports and PNG charts."""

import csv
import datetime as dt
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from service_quality.figures import ServiceFigures

SUMMARY = "summary.md"
SUMMARY_CSV = "summary.csv"
INTENTS_CSV = "intents.csv"
FALLBACKS_CSV = "fallback_messages.csv"
INTENT_CHART = "intent_mix.png"
# The chart shows this many intents; the CSV has all.
CHART_INTENTS = 15


def summary_rows(figures: ServiceFigures) -> List[Tuple[str, Optional[float]]]:
    """(metric, value) for every headline figure; None where there was nothing to measure."""
    return [
        ("conversations", figures.conversations),
        ("customer turns", figures.customer_turns),
        ("containment (resolved without a human)", figures.containment),
        ("handoff rate", figures.handoff_rate),
        ("fallback rate (turns)", figures.fallback_rate),
        ("response time p50 (s)", figures.response_p50_seconds),
        ("response time p95 (s)", figures.response_p95_seconds),
    ]


def write_report(figures: ServiceFigures, since: dt.date, until: dt.date, out_dir: Path) -> None:
    """Writes the report into `out_dir` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = summary_rows(figures)
    _write_csv(out_dir / SUMMARY_CSV, ("metric", "value"), rows)
    _write_csv(out_dir / INTENTS_CSV, ("intent", "turns"), figures.intent_mix)
    _write_csv(out_dir / FALLBACKS_CSV, ("message (masked)", "times"), figures.top_fallback_messages)
    _draw_intent_mix(figures.intent_mix[:CHART_INTENTS], out_dir / INTENT_CHART)
    lines = [
        f"# Service report, conversations started {since} to {until} (exclusive)",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {metric} | {_shown(value)} |" for metric, value in rows),
        "",
        "Most frequent messages that fell back (masked):",
        "",
        *(f"- {times} x {message!r}" for message, times in figures.top_fallback_messages),
        "",
        f"Intent mix: {INTENTS_CSV}, chart {INTENT_CHART}.",
    ]
    (out_dir / SUMMARY).write_text("\n".join(lines) + "\n")


def _shown(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def _draw_intent_mix(intent_mix: Sequence[Tuple[str, int]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 0.35 * max(len(intent_mix), 1) + 1.2))
    names = [name for name, _ in reversed(intent_mix)]
    axes.barh(names, [turns for _, turns in reversed(intent_mix)], color="#2f6f9f")
    axes.set_xlabel("customer turns")
    axes.set_title("Intent mix")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
