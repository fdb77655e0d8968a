"""Conversation retention: deletes the conversations that have been silent longer than the
retention period from Rasa's SQL tracker store. The tracker store runs it daily inside the
Rasa server (rasa_server/stores/tracker_store.py); `make forget-conversations` runs it by hand.

Safe to run in several processes at once: a message arriving while it runs is never deleted,
on PostgreSQL only one process at a time does the work (an advisory lock), and on SQLite the
database's write lock serialises the runs."""

import logging
import threading
import time
from typing import Optional

from sqlalchemy import MetaData, Table, delete, func, inspect, select, text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

# Rasa's SQL tracker store keeps every event of every conversation in this table.
EVENTS_TABLE = "events"
SECONDS_PER_DAY = 86400
# Any fixed number names the lock; every process of the assistant uses this one.
_POSTGRES_LOCK = 0x62726967687463  # "brightc"


def forget_conversations(engine: Engine, older_than_days: float, now: Optional[float] = None) -> int:
    """Deletes every conversation whose latest event is older than `older_than_days`, in one
    transaction, and returns how many were deleted (0 if another process is at it)."""
    cutoff = (time.time() if now is None else now) - older_than_days * SECONDS_PER_DAY
    if not inspect(engine).has_table(EVENTS_TABLE):
        return 0
    events = Table(EVENTS_TABLE, MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql" and not connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": _POSTGRES_LOCK}
        ).scalar():
            return 0
        silent = select(events.c.sender_id).group_by(events.c.sender_id).having(func.max(events.c.timestamp) < cutoff)
        senders = [sender for (sender,) in connection.execute(silent)]
        # Only events before the cutoff: a message arriving meanwhile is never deleted.
        connection.execute(
            delete(events).where(events.c.sender_id.in_(silent.scalar_subquery()), events.c.timestamp < cutoff)
        )
    return len(senders)


class DailyRetention:
    """Runs `forget_conversations` in a daemon thread of this process: once at start, then
    every `interval_seconds` (a day). A failed run is logged and tried again next time."""

    def __init__(self, engine: Engine, older_than_days: float, interval_seconds: float = SECONDS_PER_DAY):
        self.engine, self.older_than_days, self.interval_seconds = engine, older_than_days, interval_seconds
        self.runs = 0
        self._ran = threading.Condition()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run_daily, name="conversation-retention", daemon=True)

    def start(self) -> "DailyRetention":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ends the thread after the run in progress, if any."""
        self._stopped.set()
        self._thread.join()

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        """True once `count` runs (failed or not) have finished; False after `timeout` seconds."""
        with self._ran:
            return self._ran.wait_for(lambda: self.runs >= count, timeout)

    def _run_daily(self) -> None:
        while not self._stopped.is_set():
            try:
                deleted = forget_conversations(self.engine, self.older_than_days)
                logger.info("Conversation retention: deleted %d conversation(s) silent for more than %g days.",
                            deleted, self.older_than_days)
            except Exception as error:  # noqa: BLE001 - the server goes on; the next run tries again
                logger.warning("Conversation retention failed (next try in %g s): %s", self.interval_seconds, error)
            with self._ran:
                self.runs += 1
                self._ran.notify_all()
            self._stopped.wait(self.interval_seconds)
