"""The encrypted tracker store (rasa_server/stores/tracker_store.py) on real SQLite and PostgreSQL: no
email, phone or address in clear in the stored rows, Rasa's own reads and queries unchanged,
and a missing or wrong key stops the store instead of storing clear text."""

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.config import PROJECT_DIR
from rasa_server.stores.tracker_store import EncryptedSQLTrackerStore, EventCipher, TrackerEncryptionKeyError

KEY = "k" * 16 + "a-random-test-key-of-40-characters"
EMAIL, PHONE, STREET = "anna.berg@example.com", "+49 151 2345678", "Kastanienallee 7"


@pytest.fixture(autouse=True)
def encryption_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", KEY)


def conversation(sender: str) -> DialogueStateTracker:
    """A customer giving an email, a phone number and a new street, as entities and slots too."""
    events = [SessionStarted(), ActionExecuted("action_listen")]
    for text, slot, value in (
        (f"my email is {EMAIL}", "email", EMAIL),
        (f"or call {PHONE}", "phone", PHONE),
        (STREET, "shipping_street", STREET),
    ):
        entities = [{"entity": slot, "value": value, "start": 0, "end": len(value)}]
        events += [
            UserUttered(text, {"name": "inform", "confidence": 0.9}, entities),
            SlotSet(slot, value),
            BotUttered("Thanks."),
            ActionExecuted("action_listen"),
        ]
    return DialogueStateTracker.from_events(sender, events)


def raw_rows(url: str):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
            )).all()
    finally:
        engine.dispose()


def contains_personal_data(text: str) -> bool:
    return any(secret in text for secret in (EMAIL, PHONE, STREET, "anna.berg", "2345678", "Kastanienallee"))


async def test_events_are_encrypted_at_rest_and_read_back_unchanged(tracker_store_url):
    """Also fails if Rasa stopped reading and writing through the store's SQLEvent class."""
    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    tracker = conversation("customer-1")
    await store.save(tracker)

    rows = raw_rows(tracker_store_url)
    assert len(rows) == len(tracker.events)
    assert not any(contains_personal_data(str(row)) for row in rows)
    # the columns Rasa queries stay readable
    assert {row.sender_id for row in rows} == {"customer-1"}
    assert [row.type_name for row in rows][:3] == ["session_started", "action", "user"]
    assert "inform" in {row.intent_name for row in rows} and "action_listen" in {row.action_name for row in rows}

    for read in (await store.retrieve("customer-1"), await store.retrieve_full_tracker("customer-1")):
        assert [event.as_dict() for event in read.events] == [event.as_dict() for event in tracker.events]
    assert list(await store.keys()) == ["customer-1"]
    store.engine.dispose()


async def test_a_conversation_goes_on_across_processes_with_the_same_key(tracker_store_url):
    first = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    await first.save(conversation("customer-2"))
    first.engine.dispose()
    second = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    tracker = await second.retrieve("customer-2")
    tracker.update(UserUttered("thanks, bye"))
    await second.save(tracker)
    assert [event.text for event in (await second.retrieve("customer-2")).events if event.type_name == "user"][-1] == (
        "thanks, bye"
    )
    second.engine.dispose()


def test_without_a_key_the_store_does_not_start_and_stores_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_ENCRYPTION_KEY")
    with pytest.raises(TrackerEncryptionKeyError, match="TRACKER_ENCRYPTION_KEY is not set"):
        EncryptedSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'conversations.db'}")
    assert not (tmp_path / "conversations.db").exists()


def test_a_short_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", "secret")
    with pytest.raises(TrackerEncryptionKeyError, match="at least 32"):
        EncryptedSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'conversations.db'}")


async def test_a_wrong_key_stops_the_store_at_start_and_leaves_the_rows_alone(monkeypatch, tracker_store_url):
    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    await store.save(conversation("customer-3"))
    store.engine.dispose()
    before = raw_rows(tracker_store_url)
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", "another-random-key-of-forty-characters!!")
    with pytest.raises(TrackerEncryptionKeyError, match="does not decrypt the stored conversations"):
        EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    assert raw_rows(tracker_store_url) == before


async def test_conversations_stored_in_clear_by_an_earlier_version_are_encrypted_at_start(tracker_store_url):
    plain = SQLTrackerStore(Domain.empty(), host=tracker_store_url)
    tracker = conversation("customer-4")
    await plain.save(tracker)
    plain.engine.dispose()
    assert any(contains_personal_data(row.data) for row in raw_rows(tracker_store_url))

    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    assert not any(contains_personal_data(str(row)) for row in raw_rows(tracker_store_url))
    assert [e.as_dict() for e in (await store.retrieve("customer-4")).events] == [e.as_dict() for e in tracker.events]
    store.engine.dispose()


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    existing = tmp_path / "conversations.db"
    existing.touch(mode=0o644)
    store = EncryptedSQLTrackerStore(Domain.empty(), host=f"sqlite:///{existing}")
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o600
    store.engine.dispose()


def test_the_cipher_reads_only_its_own_tokens():
    token = EventCipher(KEY).encrypt('{"event": "user"}')
    assert EventCipher(KEY).decrypt(token) == '{"event": "user"}'
    with pytest.raises(TrackerEncryptionKeyError):
        EventCipher(KEY[::-1]).decrypt(token)


def endpoints_with(monkeypatch, tracker_store_url: str) -> AvailableEndpoints:
    """deploy/endpoints.yml as `rasa run --endpoints deploy/endpoints.yml` reads it, with its
    variables set."""
    for name, value in {
        "TRACKER_STORE_URL": tracker_store_url, "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_TOKEN": "token", "LOCK_STORE_TYPE": "in_memory", "REDIS_HOST": "localhost",
        "REDIS_PORT": "6379", "REDIS_PASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value)
    return AvailableEndpoints.read_endpoints(str(PROJECT_DIR / "deploy" / "endpoints.yml"))


async def test_the_deploy_endpoints_give_rasa_the_encrypted_store_with_daily_retention(monkeypatch, tracker_store_url):
    store = TrackerStore.create(endpoints_with(monkeypatch, tracker_store_url).tracker_store, Domain.empty())
    assert isinstance(store, EncryptedSQLTrackerStore)
    assert store.retention is not None and store.retention.wait_for_runs(1, timeout=60)
    await store.save(conversation("customer-5"))
    assert not any(contains_personal_data(str(row)) for row in raw_rows(tracker_store_url))
    store.retention.stop()
    store.engine.dispose()


def test_rasa_does_not_fall_back_to_memory_without_a_key(monkeypatch, tmp_path):
    endpoints = endpoints_with(monkeypatch, f"sqlite:///{tmp_path / 'conversations.db'}")
    monkeypatch.delenv("TRACKER_ENCRYPTION_KEY")
    with pytest.raises(TrackerEncryptionKeyError):
        TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert not Path(tmp_path / "conversations.db").exists()


async def test_the_embedded_endpoints_need_only_the_secrets_of_env(monkeypatch, tmp_path):
    """endpoints.yml as plain `rasa run` in the project folder reads it: nothing but the
    secrets (which every process reads from .env at start) comes from the environment."""
    for name in ("ACTION_ENDPOINT_URL", "TRACKER_STORE_URL", "LOCK_STORE_TYPE", "REDIS_HOST", "REDIS_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "token")
    monkeypatch.chdir(tmp_path)  # the store's file is relative to the folder rasa runs in
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_DIR / "endpoints.yml"))
    assert endpoints.action.url == "http://localhost:5055/webhook"
    assert endpoints.action.headers == {"Authorization": "Bearer token"}
    assert isinstance(LockStore.create(endpoints.lock_store), InMemoryLockStore)
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert isinstance(store, EncryptedSQLTrackerStore) and store.retention is not None
    await store.save(conversation("customer-6"))
    store.retention.stop()
    store.engine.dispose()
    assert (tmp_path / "conversations.db").exists()
    assert not any(contains_personal_data(str(row)) for row in raw_rows(f"sqlite:///{tmp_path / 'conversations.db'}"))
