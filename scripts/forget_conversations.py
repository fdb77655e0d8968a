"""Deletes the conversations that have been silent longer than the retention period from
the tracker store: forget_conversations.py [--days N]. Default: CONVERSATION_RETENTION_DAYS
(90) and TRACKER_STORE_URL (the embedded conversations.db). The Rasa server runs the same
job daily by itself (rasa_server/stores/conversation_retention.py); this is `make forget-conversations`,
safe to run while the Rasa servers run."""

import argparse

from sqlalchemy import create_engine

from actions.config import conversation_retention_days, tracker_store_url
from rasa_server.stores.conversation_retention import forget_conversations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=conversation_retention_days(),
                        help="retention period in days (default: CONVERSATION_RETENTION_DAYS or 90)")
    args = parser.parse_args()
    if args.days < 0:
        parser.error("--days must be 0 or more")
    engine = create_engine(tracker_store_url())
    try:
        deleted = forget_conversations(engine, args.days)
    finally:
        engine.dispose()
    print(f"Deleted {deleted} conversation(s) silent for more than {args.days:g} days.")


if __name__ == "__main__":
    main()
