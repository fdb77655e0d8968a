"""Conversation retention on the encrypted tracker store, in SQLite and PostgreSQL: by hand
(make forget-conversations), daily inside the Rasa server, and in two processes at once."""

import logging
import os
import subprocess
import sys
import threading
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine

from actions.config import PROJECT_DIR
from rasa_server.stores.conversation_retention import SECONDS_PER_DAY, DailyRetention, forget_conversations
from rasa_server.stores.tracker_store import EncryptedSQLTrackerStore

NOW = time.time()
WAIT_SECONDS = 60


@pytest.fixture(autouse=True)
def encryption_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", "a-random-test-key-of-forty-characters-xyz")
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "90")


@pytest.fixture
def store(tracker_store_url):
    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    yield store
    store.engine.dispose()


async def save_conversation(store, sender: str, *days_ago: float) -> None:
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


async def save_the_three_conversations(store) -> None:
    await save_conversation(store, "silent-for-long", 200, 120)
    await save_conversation(store, "recent", 2)
    await save_conversation(store, "old-but-active", 300, 1)


async def senders_in(store):
    return set(await store.keys())


async def test_only_conversations_silent_longer_than_the_retention_are_deleted(store):
    await save_the_three_conversations(store)
    assert forget_conversations(store.engine, 90, now=NOW) == 1
    assert await senders_in(store) == {"recent", "old-but-active"}
    # the active conversation keeps all of its history
    assert len((await store.retrieve("old-but-active")).events) == 6
    assert forget_conversations(store.engine, 90, now=NOW) == 0


async def test_the_store_runs_the_retention_by_itself_at_start(store, tracker_store_url):
    await save_the_three_conversations(store)
    server_store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url, daily_retention=True)
    try:
        assert server_store.retention.wait_for_runs(1, WAIT_SECONDS)
        assert await senders_in(store) == {"recent", "old-but-active"}
    finally:
        server_store.retention.stop()
        server_store.engine.dispose()


async def test_two_processes_running_the_retention_at_once_do_no_harm(store, tracker_store_url):
    await save_the_three_conversations(store)
    for sender in range(20):
        await save_conversation(store, f"silent-{sender}", 100)
    start, errors = threading.Barrier(2), []

    def run_as_another_process() -> None:
        engine = create_engine(tracker_store_url)  # connections of its own, as a second Rasa process has
        try:
            start.wait()
            forget_conversations(engine, 90, now=NOW)
        except Exception as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)
        finally:
            engine.dispose()

    runs = [threading.Thread(target=run_as_another_process) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert errors == []
    assert await senders_in(store) == {"recent", "old-but-active"}
    assert len((await store.retrieve("old-but-active")).events) == 6


def test_a_failed_run_is_logged_and_the_next_one_still_comes(tmp_path, caplog):
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'conversations.db'}")
    with caplog.at_level(logging.WARNING):
        retention = DailyRetention(unreachable, 90, interval_seconds=0.01).start()
        try:
            assert retention.wait_for_runs(2, WAIT_SECONDS)
        finally:
            retention.stop()
    assert "Conversation retention failed" in caplog.text


def test_an_empty_tracker_store_is_fine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'none.db'}")
    assert forget_conversations(engine, 90) == 0
    engine.dispose()


async def test_make_forget_conversations_deletes_from_the_configured_store(store, tracker_store_url):
    await save_the_three_conversations(store)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.forget_conversations", "--days", "90"], cwd=PROJECT_DIR,
        env={**os.environ, "TRACKER_STORE_URL": tracker_store_url}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 conversation(s) silent for more than 90 days." in done.stdout
    assert await senders_in(store) == {"recent", "old-but-active"}
