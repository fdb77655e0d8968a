"""The lock store of endpoints.yml on a real Redis server."""

import asyncio

import pytest
from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.lock_store import LockStoreFromEnvironment, QueueKeepingRedisLockStore
from scripts.redis_server import RedisServer

# Fails the test instead of hanging it; Rasa's own Redis lock store waits forever here.
GIVE_UP_SECONDS = 60


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.port
    server.stop()


def redis_lock_store(port):
    return LockStoreFromEnvironment(EndpointConfig(url="127.0.0.1", kind="redis", port=str(port), password="", db=1))


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


async def test_a_message_waiting_behind_a_dead_process_gets_the_lock(redis_port, monkeypatch):
    """The holder dies without releasing; the waiting message queued right behind it."""
    monkeypatch.setattr(rasa_lock_store, "LOCK_LIFETIME", 2)
    dead_process, live_process = redis_lock_store(redis_port), redis_lock_store(redis_port)
    dead_process.issue_ticket("conversation-1", 2)

    async def handle_message():
        async with live_process.lock("conversation-1", lock_lifetime=2) as lock:
            return lock.conversation_id

    assert await asyncio.wait_for(handle_message(), GIVE_UP_SECONDS) == "conversation-1"
    # released afterwards: the next message gets the lock at once
    assert live_process.get_lock("conversation-1") is None


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
