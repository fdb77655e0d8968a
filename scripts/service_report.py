"""The service report: `make report` or `python -m scripts.service_report [--since DATE]
[--until DATE] [--out DIR]`. Reads the conversations that started in the date range (UTC,
--until exclusive; default: the last 30 days) from the tracker store (TRACKER_STORE_URL, by
default the embedded conversations.db; TRACKER_ENCRYPTION_KEY decrypts them), and the handoffs and
ratings of those days from the commerce database, and writes summary.md, CSV exports and charts
into --out (default results/report)."""

import argparse
import datetime as dt
import sys
from pathlib import Path

from actions.config import PROJECT_DIR
from service_quality.collect import figures_between
from service_quality.report import SUMMARY, ReportUnavailable, write_report

DEFAULT_DAYS = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None


def main() -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", type=_date, default=today - dt.timedelta(days=DEFAULT_DAYS), help="first day (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date, default=today + dt.timedelta(days=1), help="day after the last (YYYY-MM-DD)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "report", help="folder for the report")
    args = parser.parse_args()
    if args.until <= args.since:
        parser.error("--until must be after --since")
    try:
        figures, team = figures_between(args.since, args.until)
    except ReportUnavailable as error:
        sys.exit(str(error))
    write_report(figures, team, args.since, args.until, args.out)
    print((args.out / SUMMARY).read_text(), end="")


if __name__ == "__main__":
    main()
