"""The lock store of endpoints.yml: in memory for one Rasa process, Redis for several.

Rasa 3.6's Redis lock store loses a waiting message when the process holding its
conversation's lock dies: the waiting message's own ticket expires at about the time the
dead one does, and with both gone the lock never names the waiting ticket again, so the
message waits until its request is cancelled. Here a waiting message keeps its ticket
alive, and the message that gets the lock gets the full lifetime for its work."""

import asyncio
import time
from collections import deque
from typing import Text

from rasa.constants import ENV_SANIC_WORKERS
from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

# A waiting message renews its ticket every poll (1 s); if its process dies, the ticket
# stops blocking the messages behind it this long after the last renewal.
WAITING_TICKET_SECONDS = 10


class QueueKeepingRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, with waiting messages that keep their place in the queue."""

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                # Lifetime counts from now, not from when the message started waiting.
                self._renew(lock, ticket, rasa_lock_store.LOCK_LIFETIME)
                return lock
            self._renew(lock, ticket, WAITING_TICKET_SECONDS)
            await asyncio.sleep(wait_time_in_seconds)

    def _renew(self, lock: TicketLock, number: int, seconds: float) -> None:
        """Saves `lock` (without its expired tickets) with ticket `number` valid for `seconds` more."""
        lock.remove_expired_tickets()
        expires = time.time() + seconds
        own = next((ticket for ticket in lock.tickets if ticket.number == number), None)
        if own is None:
            lock.tickets = deque(sorted([*lock.tickets, Ticket(number, expires)], key=lambda t: t.number))
        else:
            own.expires = max(own.expires, expires)
        self.save_lock(lock)


class LockStoreFromEnvironment(LockStore):
    """What endpoints.yml names; `kind` (LOCK_STORE_TYPE) picks `in_memory` or `redis`.

    Rasa creates a custom lock store as `Class(endpoint_config=...)`, so this class builds
    the chosen store in `__new__` and returns it in its place.
    """

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:
        options = dict(endpoint_config.kwargs)
        kind = str(options.pop("kind", "in_memory")).strip().lower()
        if kind == "in_memory":
            # The count `rasa run` starts, which it takes from SANIC_WORKERS for this store.
            if number_of_sanic_workers(endpoint_config) > 1:
                raise ValueError(f"{ENV_SANIC_WORKERS} > 1 needs LOCK_STORE_TYPE=redis: with in-memory "
                                 "locks two workers could answer one conversation at once.")
            return InMemoryLockStore()
        if kind == "redis":
            return QueueKeepingRedisLockStore(host=endpoint_config.url, **options)
        raise ValueError(f"LOCK_STORE_TYPE must be in_memory or redis, not {kind!r}.")
