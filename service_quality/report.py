"""The service report's files: a Markdown summary, CSV exports and PNG charts."""

import csv
import datetime as dt
import io
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from service_quality.figures import ServiceFigures
from service_quality.team import TeamFigures

SUMMARY = "summary.md"
SUMMARY_CSV = "summary.csv"
INTENTS_CSV = "intents.csv"
FALLBACKS_CSV = "fallback_messages.csv"
CSAT_BY_INTENT_CSV = "csat_by_intent.csv"
CSAT_BY_FLOW_CSV = "csat_by_flow.csv"
CSAT_DISTRIBUTION_CSV = "csat_distribution.csv"
COMMENTS_CSV = "rating_comments.csv"
INTENT_CHART = "intent_mix.png"
CSAT_CHART = "csat_distribution.png"
# The chart shows this many intents; the CSV has all.
CHART_INTENTS = 15


class ReportUnavailable(Exception):
    """There is nothing to read the report from; the message says why, for the person asking."""


def summary_rows(figures: ServiceFigures, team: TeamFigures) -> List[Tuple[str, Optional[float]]]:
    """(metric, value) for every headline figure; None where there was nothing to measure."""
    return [
        ("conversations", figures.conversations),
        ("customer turns", figures.customer_turns),
        ("containment (resolved without a human)", figures.containment),
        ("handoff rate", figures.handoff_rate),
        ("fallback rate (turns)", figures.fallback_rate),
        ("response time p50 (s)", figures.response_p50_seconds),
        ("response time p95 (s)", figures.response_p95_seconds),
        ("handoffs to a person", team.handoffs),
        ("handoffs an agent took", team.claimed),
        ("abandoned handoffs (customer left the queue)", team.abandoned),
        ("time to first agent reply p50 (s)", team.first_reply_p50_seconds),
        ("time to first agent reply p95 (s)", team.first_reply_p95_seconds),
        ("ratings", team.ratings),
        ("CSAT average (1-5)", team.csat_average),
        ("CSAT with a person involved", team.csat_with_human),
        ("CSAT with the assistant only", team.csat_assistant_only),
        ("ratings with a comment", len(team.comments)),
    ]


def write_report(figures: ServiceFigures, team: TeamFigures, since: dt.date, until: dt.date, out_dir: Path) -> None:
    """Writes the report into `out_dir` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = summary_rows(figures, team)
    _write_csv(out_dir / SUMMARY_CSV, ("metric", "value"), rows)
    _write_csv(out_dir / INTENTS_CSV, ("intent", "turns"), figures.intent_mix)
    _write_csv(out_dir / FALLBACKS_CSV, ("message (masked)", "times"), figures.top_fallback_messages)
    _write_csv(out_dir / CSAT_DISTRIBUTION_CSV, ("rating", "ratings"), team.csat_distribution)
    _write_csv(out_dir / CSAT_BY_INTENT_CSV, ("intent", "CSAT average", "ratings"), team.csat_by_intent)
    _write_csv(out_dir / CSAT_BY_FLOW_CSV, ("flow", "CSAT average", "ratings"), team.csat_by_flow)
    _write_csv(out_dir / COMMENTS_CSV, ("rated at", "rating", "comment (masked)"), team.comments)
    (out_dir / INTENT_CHART).write_bytes(intent_mix_chart(figures.intent_mix[:CHART_INTENTS]))
    (out_dir / CSAT_CHART).write_bytes(csat_chart(team.csat_distribution))
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
        f"Intent mix: {INTENTS_CSV}, chart {INTENT_CHART}. CSAT: {CSAT_DISTRIBUTION_CSV} (chart {CSAT_CHART}),",
        f"per intent {CSAT_BY_INTENT_CSV}, per flow {CSAT_BY_FLOW_CSV}; the ratings' comments {COMMENTS_CSV}.",
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


def intent_mix_chart(intent_mix: Sequence[Tuple[str, int]]) -> bytes:
    """A PNG bar chart of customer turns per intent."""
    names = [name for name, _ in reversed(intent_mix)]
    return _bar_chart(names, [turns for _, turns in reversed(intent_mix)], "customer turns", "Intent mix", horizontal=True)


def csat_chart(distribution: Sequence[Tuple[int, int]]) -> bytes:
    """A PNG bar chart of how many conversations got each rating."""
    return _bar_chart([str(rating) for rating, _ in distribution], [count for _, count in distribution],
                      "ratings", "Customer satisfaction (1-5)", horizontal=False)


def _bar_chart(names: Sequence[str], values: Sequence[int], label: str, title: str, horizontal: bool) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    height = 0.35 * max(len(names), 1) + 1.2 if horizontal else 3.2
    figure, axes = pyplot.subplots(figsize=(8, height))
    if horizontal:
        axes.barh(names, values, color="#2f6f9f")
        axes.set_xlabel(label)
    else:
        axes.bar(names, values, color="#2f6f9f")
        axes.set_ylabel(label)
    axes.set_title(title)
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    pyplot.close(figure)
    return image.getvalue()
