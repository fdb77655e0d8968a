"""The service report: `make report` or `python -m scripts.service_report [--since DATE]
[--until DATE] [--out DIR]`. Reads the conversations that started in the date range (UTC,
--until exclusive; default: the last 30 days) from the tracker store (TRACKER_STORE_URL, by
default the embedded conversations.db; TRACKER_ENCRYPTION_KEY decrypts them) and writes
summary.md, CSV exports and a chart into --out (default results/report)."""

import argparse
import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from actions.config import PROJECT_DIR, tracker_store_url
from rasa_server.stores.tracker_store import TrackerEncryptionKeyError, events_of_conversations_started
from service_quality.conversations import conversations_from_events
from service_quality.figures import service_figures
from service_quality.report import SUMMARY, write_report

DEFAULT_DAYS = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None


def _unix_time(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()


def main() -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", type=_date, default=today - dt.timedelta(days=DEFAULT_DAYS), help="first day (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date, default=today + dt.timedelta(days=1), help="day after the last (YYYY-MM-DD)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "report", help="folder for the report")
    args = parser.parse_args()
    if args.until <= args.since:
        parser.error("--until must be after --since")
    url = make_url(tracker_store_url())
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        sys.exit(f"No conversations to report on: {url.database} does not exist yet (make run creates it).")
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            sys.exit("No conversations to report on: the tracker store has no events table yet.")
        conversations = conversations_from_events(
            events_of_conversations_started(engine, _unix_time(args.since), _unix_time(args.until))
        )
        figures = service_figures(conversations)
    except TrackerEncryptionKeyError as error:
        sys.exit(f"Cannot read the conversations: {error}")
    finally:
        engine.dispose()
    write_report(figures, args.since, args.until, args.out)
    print((args.out / SUMMARY).read_text(), end="")


if __name__ == "__main__":
    main()
