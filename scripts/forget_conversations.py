"""Deletes the conversations that have been silent longer than the retention period from
the tracker store: forget_conversations.py [--days N]. Default: CONVERSATION_RETENTION_DAYS
(90) and TRACKER_STORE_URL (the embedded conversations.db). Safe to run while the Rasa
servers run, e.g. daily from cron (`make forget-conversations`)."""

import argparse
import time
from typing import Optional

from sqlalchemy import MetaData, Table, create_engine, delete, func, inspect, select

from actions.config import conversation_retention_days, tracker_store_url

# Rasa's SQL tracker store keeps every event of every conversation in this table.
EVENTS_TABLE = "events"
SECONDS_PER_DAY = 86400


def forget_conversations(url: str, older_than_days: float, now: Optional[float] = None) -> int:
    """Deletes every conversation whose latest event is older than `older_than_days`, in one
    transaction, and returns how many were deleted."""
    cutoff = (time.time() if now is None else now) - older_than_days * SECONDS_PER_DAY
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(EVENTS_TABLE):
            return 0
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            silent = select(events.c.sender_id).group_by(events.c.sender_id).having(
                func.max(events.c.timestamp) < cutoff
            )
            senders = [sender for (sender,) in connection.execute(silent)]
            # Only events before the cutoff: a message arriving meanwhile is never deleted.
            connection.execute(
                delete(events).where(events.c.sender_id.in_(silent.scalar_subquery()), events.c.timestamp < cutoff)
            )
        return len(senders)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=conversation_retention_days(),
                        help="retention period in days (default: CONVERSATION_RETENTION_DAYS or 90)")
    args = parser.parse_args()
    if args.days < 0:
        parser.error("--days must be 0 or more")
    deleted = forget_conversations(tracker_store_url(), args.days)
    print(f"Deleted {deleted} conversation(s) silent for more than {args.days:g} days.")


if __name__ == "__main__":
    main()
