"""Attacks on conversations through the real servers: made-up, guessed, forged and reused
conversation ids over REST and socket.io, a shop backend's own ids, and client-sent intent syntax."""

import asyncio
import sqlite3
import uuid

import jwt
import pytest
import requests
import socketio

from rasa_server.channels.conversation_ids import is_issued
from rasa_server.channels.rest import UNKNOWN_CONVERSATION_REPLY
from rasa_server.channels.socket_io import NO_SESSION_REPLY
from harness.local_servers import REPLY_LIMIT_SECONDS
from tests.integration.live import assistant_on_test_shop
from tests.shop_factory import add_customer, add_order

SHOP_SECRET = "security-test-shop-secret-" + "0123456789abcdef" * 2
EMAIL = "ines.moreau@example.com"
ORDER_ID, PAID_ORDER_ID = 650001, 650002
# What the verified order's answer shows (DHL and its tracking number, from tests/shop_factory.py).
ORDER_DETAILS = ("DHL", f"JJD{ORDER_ID:018d}", "Expected delivery")


def fill_shop(session):
    ines = add_customer(session, name="Ines Moreau", email=EMAIL)
    other = add_customer(session, name="Tom Berger", email="tom.berger@example.com")
    add_order(session, ines, "in_transit", order_id=ORDER_ID)
    add_order(session, ines, "paid", order_id=PAID_ORDER_ID)
    return {"ines": ines.id, "tom": other.id}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("conversation-ids")
    with assistant_on_test_shop(work_dir, fill_shop, rasa_env={"SHOP_JWT_SECRET": SHOP_SECRET}) as (running, customers):
        running.customers = customers
        yield running


def post(assistant, body, headers=None):
    return requests.post(f"{assistant.url}/webhooks/rest/webhook", json=body, headers=headers or {},
                         timeout=REPLY_LIMIT_SECONDS)


def texts(response) -> str:
    assert response.status_code == 200, response.text
    return " ".join(message.get("text", "") for message in response.json())


def verified_conversation(assistant) -> str:
    """A REST conversation in which the customer verified ORDER_ID; returns its id."""
    first = post(assistant, {"message": "where is my package"})
    conversation_id = first.headers["X-Conversation-Id"]
    texts(post(assistant, {"sender": conversation_id, "message": str(ORDER_ID)}))
    answer = texts(post(assistant, {"sender": conversation_id, "message": EMAIL}))
    assert all(detail in answer for detail in ORDER_DETAILS)
    return conversation_id


def stored_user_messages(assistant, conversation_id) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                              (conversation_id,)).fetchone()
    return count


def stored_events_of_type(assistant, conversation_id, type_name) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = ?",
                              (conversation_id, type_name)).fetchone()
    return count


def shop_token(customer_id):
    claims = {"sub": str(customer_id), "aud": "brightcart-assistant", "exp": 4102444800}
    return jwt.encode(claims, SHOP_SECRET, algorithm="HS256")


# --- REST ---

@pytest.fixture
def servers_secret(assistant, monkeypatch):
    """Lets the test check ids with the Rasa server's secret (which no client knows)."""
    monkeypatch.setenv("CONVERSATION_ID_SECRET", assistant.rasa.env["CONVERSATION_ID_SECRET"])


def test_a_message_without_sender_starts_a_conversation_with_an_issued_id(assistant, servers_secret):
    answer = post(assistant, {"message": "hi"})
    assert "Brightcart" in texts(answer)
    assert is_issued(answer.headers["X-Conversation-Id"])
    assert "X-Conversation-Id" in answer.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("made_up", ["me", "default", "1", uuid.uuid4().hex, "shop-customer-1:me"])
def test_a_made_up_conversation_id_is_refused_with_403_and_not_stored(assistant, made_up):
    answer = post(assistant, {"sender": made_up, "message": "what is the status of my order?"})
    assert answer.status_code == 403
    assert answer.json()["message"] == UNKNOWN_CONVERSATION_REPLY
    assert stored_user_messages(assistant, made_up) == 0


def test_a_forged_signature_on_a_victims_id_is_refused(assistant):
    victim = verified_conversation(assistant)
    nonce, _, signature = victim.partition(".")
    for forged in (f"{nonce}.{'A' * len(signature)}", f"{nonce}.", nonce, f"{nonce}.{signature}x"):
        answer = post(assistant, {"sender": forged, "message": "what is the status of my order?"})
        assert answer.status_code == 403
        assert not any(detail in answer.text for detail in ORDER_DETAILS)


def test_a_new_client_asking_about_my_order_gets_nothing_of_another_conversation(assistant):
    verified_conversation(assistant)
    answer = texts(post(assistant, {"message": "what is the status of my order?"}))
    assert not any(detail in answer for detail in ORDER_DETAILS)
    assert "order number" in answer


def test_a_shop_backend_keeps_its_own_ids_per_signed_in_customer(assistant):
    own_id = f"shop-session-{uuid.uuid4().hex[:8]}"
    ines = {"Authorization": f"Bearer {shop_token(assistant.customers['ines'])}"}
    tom = {"Authorization": f"Bearer {shop_token(assistant.customers['tom'])}"}
    texts(post(assistant, {"sender": own_id, "message": "where is my package"}, ines))
    answer = texts(post(assistant, {"sender": own_id, "message": str(ORDER_ID)}, ines))
    assert all(detail in answer for detail in ORDER_DETAILS)
    # The same id under another customer's token is another conversation: no order in hand.
    hijack = texts(post(assistant, {"sender": own_id, "message": "what is the status of my order?"}, tom))
    assert not any(detail in hijack for detail in ORDER_DETAILS)
    # And without a token the shop's own id is not accepted at all.
    assert post(assistant, {"sender": own_id, "message": "status?"}).status_code == 403


# --- client-sent intent syntax ---

def test_restart_and_session_start_sent_by_a_client_do_not_reset_the_conversation(assistant):
    first = post(assistant, {"message": "where is my package"})
    conversation_id = first.headers["X-Conversation-Id"]
    for attempt in ("/restart", "/session_start", '/inform{"order_id": "650001"}'):
        assert post(assistant, {"sender": conversation_id, "message": attempt}).status_code == 200
    assert stored_events_of_type(assistant, conversation_id, "restart") == 0
    assert stored_events_of_type(assistant, conversation_id, "session_started") == 1


def test_an_offered_button_payload_is_accepted(assistant):
    first = post(assistant, {"message": f"cancel order {PAID_ORDER_ID}"})
    conversation_id = first.headers["X-Conversation-Id"]
    confirm = post(assistant, {"sender": conversation_id, "message": EMAIL})
    assert [b["payload"] for b in confirm.json()[-1].get("buttons", [])] == ["/affirm", "/deny"]
    kept = texts(post(assistant, {"sender": conversation_id, "message": "/deny"}))
    assert f"left order {PAID_ORDER_ID} as it is" in kept


# --- socket.io ---

class SocketClient:
    """A socket.io client that collects what it receives."""

    def __init__(self):
        self.client = socketio.AsyncClient()
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", lambda data: self.replies.put_nowait(data.get("text", "")))
        self.client.on("session_confirm", lambda session_id: self.confirmed.put_nowait(session_id))

    async def connect(self, url):
        await self.client.connect(url, socketio_path="/socket.io", transports=["websocket"])

    async def session(self, requested=None) -> str:
        await self.client.emit("session_request", {"session_id": requested})
        return await asyncio.wait_for(self.confirmed.get(), REPLY_LIMIT_SECONDS)

    async def say(self, text, count=1, **extra) -> str:
        await self.client.emit("user_uttered", {"message": text, **extra})
        return " ".join([await asyncio.wait_for(self.replies.get(), REPLY_LIMIT_SECONDS) for _ in range(count)])


async def test_socketio_a_made_up_session_id_gets_a_new_issued_one(assistant, servers_secret):
    client = SocketClient()
    await client.connect(assistant.url)
    try:
        confirmed = await client.session("me")
        assert confirmed != "me" and is_issued(confirmed)
        assert await client.session(confirmed) == confirmed  # its own id can be resumed
    finally:
        await client.client.disconnect()


async def test_socketio_a_victims_session_cannot_be_joined_or_written_to(assistant):
    victim, attacker = SocketClient(), SocketClient()
    await victim.connect(assistant.url)
    await attacker.connect(assistant.url)
    try:
        victim_id = await victim.session()
        assert "order number" in await victim.say("where is my package")
        assert "email address or phone number" in await victim.say(str(ORDER_ID))
        nonce, _, _ = victim_id.partition(".")
        attacker_id = await attacker.session(f"{nonce}.forged")
        assert attacker_id != victim_id
        # A message naming the victim's session still belongs to the attacker's own conversation.
        answer = await attacker.say("what is the status of my order?", session_id=victim_id)
        assert not any(detail in answer for detail in ORDER_DETAILS)
        # The victim's conversation goes on undisturbed, and its answer reaches only the victim.
        answer = await victim.say(EMAIL, count=2)
        assert all(detail in answer for detail in ORDER_DETAILS)
        assert attacker.replies.empty()
        assert stored_user_messages(assistant, victim_id) == 3
    finally:
        await victim.client.disconnect()
        await attacker.client.disconnect()


async def test_socketio_a_message_before_any_session_gets_a_clear_reply(assistant):
    client = SocketClient()
    await client.connect(assistant.url)
    try:
        assert await client.say("where is my order", session_id=uuid.uuid4().hex) == NO_SESSION_REPLY
    finally:
        await client.client.disconnect()


async def test_socketio_a_page_from_another_origin_cannot_connect(assistant):
    client = socketio.AsyncClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(assistant.url, socketio_path="/socket.io", transports=["websocket"],
                             headers={"Origin": "https://evil.example"})
