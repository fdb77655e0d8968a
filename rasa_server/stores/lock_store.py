"""The lock store of endpoints.yml: in memory for one Rasa process, Redis for several.

Rasa 3.6's Redis lock store keeps each conversation's queue of tickets as one JSON value
that every process reads, changes and writes back, so two processes can issue the same
number or lose a ticket; its holder's ticket runs out after the lock lifetime even while the
message is still being handled; and its keys never expire. Here every change to a queue is
one Lua script run by Redis (atomic), a waiting message keeps its place only while it keeps
polling, the holder renews its lease until it releases, and every key expires with its last
ticket. Times come from Redis's clock, so the Rasa processes' clocks do not matter."""

import asyncio
import logging
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text, Tuple

from redis.exceptions import RedisError
from rasa.constants import ENV_SANIC_WORKERS
from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A waiting message renews its ticket every poll (Rasa polls every second); one that stops
# polling this long (its process died or stalled) loses its place and, if it comes back,
# queues again at the back.
WAITING_TICKET_SECONDS = 10

# Asks for a new ticket rather than renewing one.
NO_TICKET = 0

# One hash per conversation: field "last" is the last number issued, and each ticket is a
# field <number> whose value is its expiry in ms on Redis's clock. The lowest live number
# holds the lock.
_TICKETS_LUA = """
local key = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function text(number) return string.format('%d', number) end

-- The live tickets (number -> expiry); lapsed ones are deleted on the way.
local function live_tickets()
  local tickets, fields = {}, redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    if fields[i] ~= 'last' then
      local expiry = tonumber(fields[i + 1])
      if expiry > now then
        tickets[tonumber(fields[i])] = expiry
      else
        redis.call('HDEL', key, fields[i])
      end
    end
  end
  return tickets
end

local function set_expiry(tickets, number, expiry)
  tickets[number] = expiry
  redis.call('HSET', key, text(number), text(expiry))
end

-- The key lives as long as its longest-lived ticket, so an idle conversation leaves nothing,
-- and until the clock has passed its last number (see take turn).
local function expire_with(tickets)
  local latest = tonumber(redis.call('HGET', key, 'last')) or 0
  for _, expiry in pairs(tickets) do
    if expiry > latest then latest = expiry end
  end
  if latest >= now then redis.call('PEXPIREAT', key, text(latest)) else redis.call('DEL', key) end
end

local tickets = live_tickets()
"""

# ARGV: ticket number (NO_TICKET for a new one), lifetime ms, waiting ms.
# Returns {number, 1 if that ticket holds the lock else 0}.
_TAKE_TURN_LUA = _TICKETS_LUA + """
local number = tonumber(ARGV[1])
if tickets[number] == nil then
  -- A new message, or a waiting one whose ticket lapsed: a new number at the back, never its
  -- old one (which could precede the holder). A number is never issued twice, not even after
  -- the key expired: numbers start from the clock, and the key lives until the clock passes
  -- its last number.
  number = math.max((tonumber(redis.call('HGET', key, 'last')) or 0) + 1, now)
  redis.call('HSET', key, 'last', text(number))
end
local holding = true
for other in pairs(tickets) do
  if other < number then holding = false end
end
set_expiry(tickets, number, now + tonumber(holding and ARGV[2] or ARGV[3]))
expire_with(tickets)
return {number, holding and 1 or 0}
"""

# ARGV: the holder's ticket number, lifetime ms. Returns 0 if the ticket had lapsed.
_RENEW_LEASE_LUA = _TICKETS_LUA + """
local number = tonumber(ARGV[1])
local renewed = tickets[number] ~= nil
if renewed then set_expiry(tickets, number, now + tonumber(ARGV[2])) end
expire_with(tickets)
return renewed and 1 or 0
"""

# ARGV: the ticket number to remove.
_RELEASE_LUA = _TICKETS_LUA + """
local number = tonumber(ARGV[1])
if tickets[number] ~= nil then
  tickets[number] = nil
  redis.call('HDEL', key, text(number))
end
expire_with(tickets)
"""

# Returns the live tickets as {number, expiry, number, expiry, ...}.
_LIVE_TICKETS_LUA = _TICKETS_LUA + """
expire_with(tickets)
local flat = {}
for number, expiry in pairs(tickets) do
  table.insert(flat, number)
  table.insert(flat, expiry)
end
return flat
"""


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class QueueKeepingRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic ticket queues and leases held while a message is handled."""

    def __init__(self, waiting_ticket_seconds: float = WAITING_TICKET_SECONDS, **redis_options) -> None:
        """Creates the store; registering the scripts does not contact Redis yet.

        Args:
            waiting_ticket_seconds: how long a waiting message keeps its place without polling;
                must exceed the poll interval (`wait_time_in_seconds` of `lock`).
            **redis_options: RedisLockStore's own (host, port, db, password, key_prefix, ...).
        """
        super().__init__(**redis_options)
        self.waiting_ticket_seconds = float(waiting_ticket_seconds)
        self._take_turn_script = self.red.register_script(_TAKE_TURN_LUA)
        self._renew_lease_script = self.red.register_script(_RENEW_LEASE_LUA)
        self._release_script = self.red.register_script(_RELEASE_LUA)
        self._live_tickets_script = self.red.register_script(_LIVE_TICKETS_LUA)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock while the block runs, after the messages queued before it.

        Args:
            conversation_id: the conversation whose messages are serialised.
            lock_lifetime: seconds the lock outlives its holder's process if that dies; a live
                holder renews it every third of this until it releases.
            wait_time_in_seconds: seconds between a waiting message's polls.

        Yields:
            The conversation's queue as it was when this message got the lock.
        """
        number, holding = self._take_turn(conversation_id, NO_TICKET, lock_lifetime)
        try:
            while not holding:
                await asyncio.sleep(wait_time_in_seconds)
                number, holding = self._take_turn(conversation_id, number, lock_lifetime)
            lease = asyncio.create_task(self._keep_lease(conversation_id, number, lock_lifetime))
            try:
                yield self.get_lock(conversation_id)
            finally:
                # The task only ever waits between renewals, so it renews nothing after this.
                lease.cancel()
        finally:
            self.finish_serving(conversation_id, number)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME) -> int:
        """Queues a new ticket; it lasts `lock_lifetime` if it holds the lock at once, else it must be polled."""
        number, _ = self._take_turn(conversation_id, NO_TICKET, lock_lifetime)
        return number

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the ticket; the conversation's key goes with its last ticket."""
        self._release_script(keys=[self._key(conversation_id)], args=[ticket_number])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Same as `finish_serving`, which already deletes an empty queue, atomically (Rasa's
        check-then-delete could delete a ticket issued in between)."""
        self.finish_serving(conversation_id, ticket_number)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The conversation's live tickets in queue order, or None if it has none."""
        flat = self._live_tickets_script(keys=[self._key(conversation_id)])
        queue = deque(Ticket(number, expiry / 1000) for number, expiry in sorted(zip(flat[::2], flat[1::2])))
        return TicketLock(conversation_id, queue) if queue else None

    def update_lock(self, conversation_id: Text) -> None:
        """Drops lapsed tickets (every script does that anyway)."""
        self.get_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Not supported: writing back a whole queue is the lost-update race this store removes."""
        raise NotImplementedError("Tickets change only through issue_ticket, lock and finish_serving.")

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _take_turn(self, conversation_id: Text, number: int, lock_lifetime: float) -> Tuple[int, bool]:
        """Renews ticket `number` (a new one at the back if it lapsed); says whether it holds the lock."""
        issued, holding = self._take_turn_script(
            keys=[self._key(conversation_id)],
            args=[number, _ms(lock_lifetime), _ms(self.waiting_ticket_seconds)],
        )
        if number not in (NO_TICKET, issued):
            logger.debug(f"A message of conversation '{conversation_id}' stopped polling and lost "
                         f"its place; it queues again at the back.")
        return issued, bool(holding)

    async def _keep_lease(self, conversation_id: Text, number: int, lock_lifetime: float) -> None:
        while True:
            await asyncio.sleep(lock_lifetime / 3)
            try:
                renewed = self._renew_lease_script(keys=[self._key(conversation_id)], args=[number, _ms(lock_lifetime)])
            except RedisError as error:
                # Redis may be back before the lease runs out; the next renewal tries again.
                logger.warning(f"Could not renew the lock of conversation '{conversation_id}': {error}")
                continue
            if not renewed:
                logger.error(f"Conversation '{conversation_id}' lost its lock while a message was being "
                             f"handled: this process or Redis stalled longer than {lock_lifetime} s.")
                return


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
