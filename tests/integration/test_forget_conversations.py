"""Conversation retention on Rasa's own SQL tracker store, in SQLite and PostgreSQL."""

import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts.forget_conversations import SECONDS_PER_DAY, forget_conversations

NOW = time.time()


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    return request.getfixturevalue("postgres").create_database(f"conversations_{int(NOW * 1000) % 10**9}")


async def save_conversation(store: SQLTrackerStore, sender: str, *days_ago: float) -> None:
    """A conversation with one message (and answer) per entry of `days_ago`."""
    events = []
    for age in days_ago:
        timestamp = NOW - age * SECONDS_PER_DAY
        events += [
            ActionExecuted("action_listen", timestamp=timestamp),
            UserUttered("where is my order", timestamp=timestamp),
            BotUttered("What's your order number?", timestamp=timestamp + 1),
        ]
    await store.save(DialogueStateTracker.from_events(sender, events))


async def senders_in(store: SQLTrackerStore):
    return set(await store.keys())


async def test_only_conversations_silent_longer_than_the_retention_are_deleted(tracker_store_url):
    store = SQLTrackerStore(Domain.empty(), host=tracker_store_url)
    await save_conversation(store, "silent-for-long", 200, 120)
    await save_conversation(store, "recent", 2)
    await save_conversation(store, "old-but-active", 300, 1)
    assert forget_conversations(tracker_store_url, 90, now=NOW) == 1
    assert await senders_in(store) == {"recent", "old-but-active"}
    # the active conversation keeps all of its history
    assert len((await store.retrieve("old-but-active")).events) == 6
    assert forget_conversations(tracker_store_url, 90, now=NOW) == 0
    store.engine.dispose()


def test_an_empty_tracker_store_is_fine(tmp_path):
    assert forget_conversations(f"sqlite:///{tmp_path / 'none.db'}", 90) == 0
