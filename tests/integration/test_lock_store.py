"""The lock store of endpoints.yml on a real Redis server."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_server.stores.lock_store import LockStoreFromEnvironment, QueueKeepingRedisLockStore
from harness.redis_server import RedisServer

# Fails the test instead of hanging it; Rasa's own Redis lock store waits forever here.
GIVE_UP_SECONDS = 60
# Polls of the waiting messages in the tests that watch them wait (Rasa's: 1 s).
QUICK_POLLS = {"wait_time_in_seconds": 0.1}


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.port
    server.stop()


class PausableProcess:
    """An event loop on a thread of its own that the test can freeze, as SIGSTOP freezes a process."""

    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._resumed = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine) -> asyncio.Future:
        """Runs `coroutine` in this process; the caller's loop can await its result."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def pause(self) -> None:
        """Returns once nothing of this process runs until `resume`."""
        frozen = threading.Event()
        self._resumed.clear()

        def freeze():
            frozen.set()
            self._resumed.wait()

        self._loop.call_soon_threadsafe(freeze)
        await asyncio.to_thread(frozen.wait)

    def resume(self) -> None:
        self._resumed.set()

    def close(self) -> None:
        self.resume()
        asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


async def _cancel_other_tasks():
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def pausable_process():
    process = PausableProcess()
    yield process
    process.close()


def redis_lock_store(port, **options):
    return LockStoreFromEnvironment(EndpointConfig(url="127.0.0.1", kind="redis", port=str(port), password="", db=1,
                                                   **options))


def queue(store, conversation_id):
    """The conversation's live tickets, first the holder's."""
    lock = store.get_lock(conversation_id)
    return list(lock.tickets) if lock else []


def numbers(store, conversation_id):
    return [ticket.number for ticket in queue(store, conversation_id)]


async def until(condition):
    """Waits until `condition()` is true, checking it every 20 ms; fails the test after GIVE_UP_SECONDS."""
    async def poll():
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), GIVE_UP_SECONDS)


async def handle(store, conversation_id, name, order, release=None, **lock_options):
    """A message: notes when it starts and ends, and holds the lock until `release` if given."""
    async with store.lock(conversation_id, **lock_options):
        order.append(f"{name} starts")
        if release is not None:
            await release
        order.append(f"{name} ends")


async def hold(store, conversation_id, **lock_options):
    """Takes the lock and keeps it until the returned stack is closed."""
    stack = AsyncExitStack()
    await stack.enter_async_context(store.lock(conversation_id, **lock_options))
    return stack


def redis_seconds(store):
    seconds, microseconds = store.red.time()
    return seconds + microseconds / 1e6


def test_the_environment_picks_the_store(redis_port):
    assert isinstance(LockStoreFromEnvironment(EndpointConfig(kind="in_memory", url="localhost")), InMemoryLockStore)
    assert isinstance(redis_lock_store(redis_port), QueueKeepingRedisLockStore)
    with pytest.raises(ValueError, match="in_memory or redis"):
        LockStoreFromEnvironment(EndpointConfig(kind="memcached"))


def test_several_sanic_workers_refuse_in_memory_locks(redis_port, monkeypatch):
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="SANIC_WORKERS > 1 needs LOCK_STORE_TYPE=redis"):
        LockStoreFromEnvironment(EndpointConfig(kind="in_memory", url="localhost"))
    assert isinstance(redis_lock_store(redis_port), QueueKeepingRedisLockStore)


async def test_a_message_waiting_behind_a_dead_process_gets_the_lock(redis_port):
    """The holder dies without releasing; the waiting message queued right behind it."""
    dead_process, live_process = redis_lock_store(redis_port), redis_lock_store(redis_port)
    dead_process.issue_ticket("conversation-1", 2)

    async def handle_message():
        async with live_process.lock("conversation-1", lock_lifetime=2) as lock:
            return lock.conversation_id

    assert await asyncio.wait_for(handle_message(), GIVE_UP_SECONDS) == "conversation-1"
    # released afterwards: the next message gets the lock at once
    assert live_process.get_lock("conversation-1") is None


async def test_a_holder_whose_process_stopped_lets_the_next_message_in(redis_port, pausable_process):
    """The stopped process no longer renews its lease, which lapses after the lock lifetime."""
    stopped, live = redis_lock_store(redis_port), redis_lock_store(redis_port)
    await pausable_process.run(hold(stopped, "conversation-stopped", lock_lifetime=2))
    stopped_ticket = numbers(live, "conversation-stopped")
    await pausable_process.pause()

    async def handle_message():
        async with live.lock("conversation-stopped", lock_lifetime=2, **QUICK_POLLS) as lock:
            return [ticket.number for ticket in lock.tickets]

    serving = await asyncio.wait_for(handle_message(), GIVE_UP_SECONDS)
    assert len(stopped_ticket) == 1 and len(serving) == 1 and serving[0] > stopped_ticket[0]


async def test_messages_of_one_conversation_are_served_one_at_a_time(redis_port):
    first, second = redis_lock_store(redis_port), redis_lock_store(redis_port)
    order = []
    holding = asyncio.Event()

    async def handle(store, name, hold_until=None):
        async with store.lock("conversation-2"):
            order.append(f"{name} starts")
            if hold_until is not None:
                holding.set()
                await hold_until
            order.append(f"{name} ends")

    release = asyncio.get_running_loop().create_future()
    first_message = asyncio.create_task(handle(first, "first", release))
    await holding.wait()
    second_message = asyncio.create_task(handle(second, "second"))
    # the second message is queued (its ticket is in the lock) while the first holds it
    while len(second.get_lock("conversation-2").tickets) < 2:
        await asyncio.sleep(0)
    release.set_result(None)
    await asyncio.wait_for(asyncio.gather(first_message, second_message), GIVE_UP_SECONDS)
    assert order == ["first starts", "first ends", "second starts", "second ends"]


def test_tickets_issued_at_once_by_many_clients_are_distinct_and_all_queued_in_order(redis_port):
    clients = [redis_lock_store(redis_port) for _ in range(8)]
    start = threading.Barrier(len(clients))

    def issue_tickets(client):
        start.wait()
        return [client.issue_ticket("conversation-rush", 60) for _ in range(25)]

    with ThreadPoolExecutor(len(clients)) as pool:
        issued = list(pool.map(issue_tickets, clients))
    every_number = [number for client_numbers in issued for number in client_numbers]
    assert len(set(every_number)) == len(clients) * 25
    # a ticket issued after another one returned comes after it
    assert all(client_numbers == sorted(client_numbers) for client_numbers in issued)
    assert numbers(clients[0], "conversation-rush") == sorted(every_number)


def test_messages_arriving_at_once_in_many_processes_hold_the_lock_one_at_a_time(redis_port):
    counter = redis.Redis(host="127.0.0.1", port=redis_port, db=2)
    guard = threading.Lock()
    holders = {"now": 0, "most": 0}

    async def handle_message(store):
        async with store.lock("conversation-crowd", wait_time_in_seconds=0.02):
            with guard:
                holders["now"] += 1
                holders["most"] = max(holders["most"], holders["now"])
            served = int(counter.get("served") or 0)
            await asyncio.sleep(0)  # lets the others run: a second holder would read the same count
            counter.set("served", served + 1)
            with guard:
                holders["now"] -= 1

    async def messages():
        await asyncio.gather(*(handle_message(redis_lock_store(redis_port)) for _ in range(5)))

    def process(_):
        asyncio.run(asyncio.wait_for(messages(), GIVE_UP_SECONDS))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(process, range(4)))
    assert holders["most"] == 1
    assert int(counter.get("served")) == 20


def test_a_ticket_number_is_never_issued_twice_even_after_the_queue_emptied(redis_port):
    """A waiter whose ticket lapsed may still hold its number: no later message may get it."""
    store = redis_lock_store(redis_port)
    # a burst issues several numbers a millisecond, ahead of the clock they start from
    burst = [store.issue_ticket("conversation-burst", 60) for _ in range(50)]
    for number in burst:
        store.finish_serving("conversation-burst", number)
    assert store.get_lock("conversation-burst") is None
    assert store.issue_ticket("conversation-burst", 60) > max(burst)


async def test_a_waiter_that_stopped_polling_queues_again_behind_the_holder(redis_port, pausable_process):
    conversation = "conversation-lapsed"
    holder_store, third_store = redis_lock_store(redis_port), redis_lock_store(redis_port)
    waiter_store = redis_lock_store(redis_port, waiting_ticket_seconds=2)
    order = []
    release_holder = asyncio.get_running_loop().create_future()
    release_third = asyncio.get_running_loop().create_future()

    holder = asyncio.create_task(handle(holder_store, conversation, "holder", order, release_holder, **QUICK_POLLS))
    await until(lambda: order == ["holder starts"])
    waiter = pausable_process.run(handle(waiter_store, conversation, "waiter", order, **QUICK_POLLS))
    await until(lambda: len(queue(third_store, conversation)) == 2)
    third = asyncio.create_task(handle(third_store, conversation, "third", order, release_third, **QUICK_POLLS))
    await until(lambda: len(queue(third_store, conversation)) == 3)
    _, lapsing, third_number = numbers(third_store, conversation)

    await pausable_process.pause()
    await until(lambda: lapsing not in numbers(third_store, conversation))
    release_holder.set_result(None)
    await until(lambda: order[-1:] == ["third starts"])
    pausable_process.resume()
    # back, the waiter queues behind the new holder and keeps waiting there poll after poll
    await until(lambda: len(queue(third_store, conversation)) == 2)
    requeued = queue(third_store, conversation)[1]
    await until(lambda: any(ticket.number == requeued.number and ticket.expires > requeued.expires
                            for ticket in queue(third_store, conversation)))
    assert requeued.number > third_number
    assert order == ["holder starts", "holder ends", "third starts"]

    release_third.set_result(None)
    await asyncio.wait_for(asyncio.gather(holder, third, waiter), GIVE_UP_SECONDS)
    assert order == ["holder starts", "holder ends", "third starts", "third ends", "waiter starts", "waiter ends"]


async def test_a_message_handled_longer_than_the_lock_lifetime_keeps_the_lock(redis_port):
    conversation, lifetime = "conversation-long-action", 2
    first, second = redis_lock_store(redis_port), redis_lock_store(redis_port)
    order = []
    release = asyncio.get_running_loop().create_future()

    long_action = asyncio.create_task(
        handle(first, conversation, "long action", order, release, lock_lifetime=lifetime))
    await until(lambda: order == ["long action starts"])
    first_lease_ends = queue(first, conversation)[0].expires
    next_message = asyncio.create_task(
        handle(second, conversation, "next message", order, lock_lifetime=lifetime, **QUICK_POLLS))
    await until(lambda: len(queue(first, conversation)) == 2)
    # past the end of the first lease and of one more lifetime, the next message polling all along
    await until(lambda: redis_seconds(first) > first_lease_ends + lifetime)
    assert order == ["long action starts"]

    release.set_result(None)
    await asyncio.wait_for(asyncio.gather(long_action, next_message), GIVE_UP_SECONDS)
    assert order == ["long action starts", "long action ends", "next message starts", "next message ends"]


async def test_every_key_expires_with_its_last_ticket(redis_port):
    store = redis_lock_store(redis_port)

    def assert_every_key_expires():
        keys = list(store.red.scan_iter(match=store.key_prefix + "*"))
        assert keys and all(store.red.pttl(key) > 0 for key in keys)
        for conversation_id in ("conversation-abandoned", "conversation-ttl"):
            assert 0 < store.red.pttl(store.key_prefix + conversation_id) <= 30_000

    store.issue_ticket("conversation-abandoned", 30)  # its process died holding the lock
    async with store.lock("conversation-ttl", lock_lifetime=30):
        store.issue_ticket("conversation-ttl", 30)  # a message queued behind, whose process died
        assert_every_key_expires()
    assert_every_key_expires()
    # a conversation whose last ticket is gone leaves nothing behind (the key keeps its last
    # number until the clock passes it: at most to the end of the millisecond it was issued in)
    async with store.lock("conversation-done", lock_lifetime=30):
        pass
    assert store.get_lock("conversation-done") is None
    assert store.red.pttl(store.key_prefix + "conversation-done") in (-2, 0, 1)  # -2: no such key
