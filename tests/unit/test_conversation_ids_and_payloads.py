"""Server-issued conversation ids and the button-payload check, in-process with Rasa's own classes."""

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.channels.button_payloads import offered_payloads, with_offered_payloads_only
from rasa_server.channels.conversation_ids import ConversationIdsNotConfigured, is_issued, issue_conversation_id
from rasa_server.channels.user_text import EMPTY_MESSAGE_REPLY

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


@pytest.fixture(autouse=True)
def signing_secret(monkeypatch):
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "unit-test-secret-" + "x" * 32)


def test_an_issued_id_is_recognised_and_each_is_new():
    first, second = issue_conversation_id(), issue_conversation_id()
    assert first != second
    assert is_issued(first) and is_issued(second)


@pytest.mark.parametrize("made_up", [
    "me", "", None, 42, ["x"], "abc.", ".abc", "a" * 200,
    "5f0c2f8e9a1b4c7d8e9f0a1b2c3d4e5f",  # a uuid as the README's curl once used
])
def test_ids_the_server_did_not_issue_are_not_recognised(made_up):
    assert not is_issued(made_up)


def test_a_tampered_id_is_not_recognised():
    nonce, _, signature = issue_conversation_id().partition(".")
    assert not is_issued(f"{nonce}x.{signature}")
    assert not is_issued(f"{nonce}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}")


def test_an_id_signed_with_another_secret_is_not_recognised(monkeypatch):
    foreign = issue_conversation_id()
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "another-assistant-" + "y" * 32)
    assert not is_issued(foreign)


def test_without_a_secret_no_id_is_issued(monkeypatch):
    monkeypatch.delenv("CONVERSATION_ID_SECRET")
    with pytest.raises(ConversationIdsNotConfigured):
        issue_conversation_id()


# --- button payloads ---

def tracker_with(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("customer", list(events))


def test_only_the_buttons_since_the_customers_last_message_are_offered():
    tracker = tracker_with(
        BotUttered("Cancel it?", {"buttons": YES_NO}),
        UserUttered("yes"),
        BotUttered("Done.", {}),
    )
    assert offered_payloads(tracker) == set()
    assert offered_payloads(tracker_with(UserUttered("cancel"), BotUttered("Sure?", {"buttons": YES_NO}))) == {
        "/affirm", "/deny"
    }
    assert offered_payloads(None) == set()


async def passed_on(text: str, tracker: DialogueStateTracker = None):
    """What the wrapped handler receives for `text` (None: nothing), and what the customer was told."""
    store = InMemoryTrackerStore(Domain.empty())
    if tracker is not None:
        await store.save(tracker)
    received = []

    async def handler(message: UserMessage) -> None:
        received.append(message.text)

    output = CollectingOutputChannel()
    await with_offered_payloads_only(handler, lambda: store)(UserMessage(text, output, "customer"))
    return (received[0] if received else None), [m.get("text") for m in output.messages]


@pytest.mark.parametrize("text, expected", [
    ("/restart", "restart"),
    ("/session_start", "session_start"),
    ('/inform{"order_id": "100001"}', 'inform{"order_id": "100001"}'),
    ("//affirm", "affirm"),
    ("/deny", "deny"),
])
async def test_slash_messages_nobody_offered_are_plain_text(text, expected):
    offered = tracker_with(UserUttered("hi"), BotUttered("Cancel it?", {"buttons": [YES_NO[0]]}))
    assert await passed_on(text, offered) == (expected, [])


async def test_an_offered_payload_keeps_its_intent_syntax():
    offered = tracker_with(UserUttered("cancel it"), BotUttered("Cancel it?", {"buttons": YES_NO}))
    assert await passed_on("/affirm", offered) == ("/affirm", [])


async def test_a_slash_in_a_new_conversation_is_plain_text_and_a_lone_slash_is_an_empty_message():
    assert await passed_on("/greet") == ("greet", [])
    assert await passed_on("/") == (None, [EMPTY_MESSAGE_REPLY])


async def test_ordinary_text_is_passed_on_untouched():
    assert await passed_on("where is my order 100001/2") == ("where is my order 100001/2", [])
