"""The agent console server's sweep: what no request would do in time.

- **Lost timeout offers.** The handoff sets a Rasa reminder for HANDOFF_TIMEOUT_MINUTES, which
  offers the customer a callback or an email reply. Rasa keeps reminders in the memory of the
  process that set them, so a restart or a crashed process forgets them. The sweep asks the
  commerce database for handoffs still waiting a while past their timeout and never offered
  one, and triggers the reminder's intent for each over Rasa's HTTP API. The action that answers
  it marks the offer in the database (ServiceDesk.offer_follow_up), so a customer is offered it
  once, whether the reminder, the sweep or both came, and from however many console servers.
- **Agents who left.** An open console asks the server every few seconds, and each request
  notes the agent as present. Conversations held by an agent away for AGENT_AWAY_MINUTES (the
  console closed, the laptop asleep) go back to their queues, keeping their place, and the
  assistant answers the customer meanwhile; signing out does the same at once.
"""

import datetime as dt
import logging
import threading

from actions.support import HANDOFF_TIMEOUT_INTENT
from agent_console.routes import AgentConsole

logger = logging.getLogger(__name__)

# Sweeps come a quarter of the shorter wait apart, within these bounds.
SHORTEST_INTERVAL = dt.timedelta(seconds=1)
LONGEST_INTERVAL = dt.timedelta(minutes=1)


class ConsoleSweep:
    def __init__(self, console: AgentConsole, handoff_timeout: dt.timedelta, agent_away: dt.timedelta):
        self.console, self.handoff_timeout, self.agent_away = console, handoff_timeout, agent_away
        self.interval = min(max(min(handoff_timeout, agent_away) / 4, SHORTEST_INTERVAL), LONGEST_INTERVAL)

    def sweep(self) -> None:
        desk, now = self.console.desk, self.console.now()
        self.console.return_to_queue(desk.return_claims_of_absent_agents(now - self.agent_away, now))
        # One interval after the reminder was due, so a reminder that works comes first.
        for conversation_id in desk.handoffs_overdue(now - self.handoff_timeout - self.interval):
            self.console.rasa.trigger_intent(conversation_id, HANDOFF_TIMEOUT_INTENT)

    def run_until(self, stopped: threading.Event) -> None:
        """Sweeps every interval until the event is set. A failed sweep (the database or every
        Rasa server down) is logged and tried again at the next: what it did not do stays due."""
        while not stopped.wait(self.interval.total_seconds()):
            try:
                self.sweep()
            except Exception as failure:  # noqa: BLE001 - the sweep outlives any one failure
                logger.warning("The agent console's sweep failed: %s", type(failure).__name__)

    def start(self) -> threading.Event:
        """Runs the sweep in a daemon thread; set the returned event to stop it."""
        stopped = threading.Event()
        threading.Thread(target=self.run_until, args=(stopped,), name="console-sweep", daemon=True).start()
        return stopped
