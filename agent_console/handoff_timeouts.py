"""The agent console's sweep for handoffs no agent took in time whose offer never came.

The handoff sets a Rasa reminder for HANDOFF_TIMEOUT_MINUTES, which offers the customer a
callback or an email reply. Rasa keeps reminders in the memory of the process that set them, so
a restart or a crashed process forgets them. The sweep asks the commerce database, every little
while, for handoffs still waiting a while past their timeout and never offered one, and
triggers the reminder's intent for each over Rasa's HTTP API. The action that answers it marks
the offer in the database (ServiceDesk.offer_follow_up), so a customer is offered it once,
whether the reminder, the sweep or both came, and from however many console servers.
"""

import datetime as dt
import logging
import threading
from typing import Callable

from actions.db.service_desk import ServiceDesk
from actions.support import HANDOFF_TIMEOUT_INTENT
from agent_console.rasa_api import RasaApi

logger = logging.getLogger(__name__)

# Sweeps come a quarter of the timeout apart, within these bounds.
SHORTEST_INTERVAL = dt.timedelta(seconds=1)
LONGEST_INTERVAL = dt.timedelta(minutes=1)


class HandoffTimeoutSweep:
    def __init__(self, desk: ServiceDesk, rasa_api: RasaApi, timeout: dt.timedelta, now: Callable[[], dt.datetime]):
        self.desk, self.rasa_api, self.timeout, self.now = desk, rasa_api, timeout, now
        self.interval = min(max(timeout / 4, SHORTEST_INTERVAL), LONGEST_INTERVAL)

    def sweep(self) -> int:
        """Triggers the offer in each overdue conversation; how many were triggered. A handoff is
        overdue one interval after its reminder was due, so a reminder that works comes first."""
        triggered = 0
        for conversation_id in self.desk.handoffs_overdue(self.now() - self.timeout - self.interval):
            self.rasa_api.trigger_intent(conversation_id, HANDOFF_TIMEOUT_INTENT)
            triggered += 1
        return triggered

    def run_until(self, stopped: threading.Event) -> None:
        """Sweeps every interval until the event is set. A failed sweep (the database or every
        Rasa server down) is logged and tried again at the next: nothing was marked."""
        while not stopped.wait(self.interval.total_seconds()):
            try:
                self.sweep()
            except Exception as failure:  # noqa: BLE001 - the sweep outlives any one failure
                logger.warning("The sweep for overdue handoffs failed: %s", type(failure).__name__)

    def start(self) -> threading.Event:
        """Runs the sweep in a daemon thread; set the returned event to stop it."""
        stopped = threading.Event()
        threading.Thread(target=self.run_until, args=(stopped,), name="handoff-timeout-sweep", daemon=True).start()
        return stopped
