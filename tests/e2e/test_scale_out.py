"""Scale-out: two Rasa processes behind nginx share every conversation through the
PostgreSQL tracker store and the Redis lock store; one process is killed mid-run and
restarted. Afterwards every conversation's stored tracker is checked event by event.

The figures go to results/scale-out.json."""

import asyncio
import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from actions.db.engine import make_engine, session_scope
from actions.db.models import Order
from actions.privacy import mask_email
from actions.config import PROJECT_DIR
from harness.local_servers import REPLY_LIMIT_SECONDS
from rasa_server.stores.tracker_store import EventCipher
from tests.e2e.scale_out_servers import scaled_out_assistant
from tests.shop_factory import add_customer, add_order

CONVERSATIONS_PER_KIND = 12
CONCURRENCY = 8
# Turns before this index run while a Rasa process is killed and restarted; the rest
# after it is back, so every conversation lives through the crash.
TURNS_BEFORE_RESTART = 2
REPORT = PROJECT_DIR / "results" / "scale-out.json"
# nginx answers 502 when the process holding the request died (a POST is not resent).
INTERRUPTED_STATUS = 502
MAX_ATTEMPTS = 5

SCRIPTS = {
    "order_status": ("hi", "where is my package", "{order_id}", "{email}", "thanks, bye"),
    "cancellation": ("hello", "I want to cancel my order", "{order_id}", "{email}", "no, keep it"),
    "faq": ("hi", "which payment methods do you accept?", "how long does shipping take",
            "do you sell gift cards?", "bye"),
}


@dataclass
class Conversation:
    kind: str
    order_id: Optional[int] = None
    email: Optional[str] = None
    # The conversation id the server issues with the answer to the first turn.
    sender: Optional[str] = None
    # The test's own name for the conversation, in each turn's metadata.
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    # per turn: the replies the client got and nginx's request id (None when recovered)
    replies: List[Optional[List[str]]] = field(default_factory=list)
    request_ids: List[Optional[str]] = field(default_factory=list)

    def messages(self) -> List[str]:
        return [turn.format(order_id=self.order_id, email=self.email) for turn in SCRIPTS[self.kind]]

    def turn_id(self, index: int) -> str:
        return f"{self.key}:{index}"


def fill_shop(session) -> List[Conversation]:
    """One customer and order of their own per conversation, so a mix-up would show."""
    conversations = []
    for number in range(CONVERSATIONS_PER_KIND):
        for kind, status in (("order_status", "in_transit"), ("cancellation", "paid"), ("faq", None)):
            if status is None:
                conversations.append(Conversation(kind))
                continue
            customer = add_customer(session, name=f"Scale {kind} {number}", email=f"{kind}.{number}@example.com")
            order = add_order(session, customer, status, order_id=700000 + len(conversations))
            conversations.append(Conversation(kind, order.id, customer.email))
    return conversations


class Client:
    """Sends turns through nginx; after an interrupted request it resends the turn only
    if the tracker store shows it was not processed (exactly once, as a careful shop
    frontend would)."""

    def __init__(self, url: str, tracker_engine, cipher: EventCipher):
        self.url, self.tracker_engine, self.cipher = url, tracker_engine, cipher
        self.answered = 0
        self.interrupted = 0
        self.resent = 0
        self.condition = threading.Condition()

    def play(self, conversation: Conversation, turns: range) -> None:
        messages = conversation.messages()
        for index in turns:
            replies, request_id = self.send(conversation, index, messages[index])
            conversation.replies.append(replies)
            conversation.request_ids.append(request_id)
            with self.condition:
                self.answered += 1
                self.condition.notify_all()

    def send(self, conversation: Conversation, index: int, message: str) -> Tuple[List[str], Optional[str]]:
        body = {"message": message, "metadata": {"turn_id": conversation.turn_id(index)}}
        for _ in range(MAX_ATTEMPTS):
            if conversation.sender is not None:
                body["sender"] = conversation.sender
            try:
                response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=3 * REPLY_LIMIT_SECONDS)
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code == 200:
                conversation.sender = response.headers["X-Conversation-Id"]
                return [reply.get("text", "") for reply in response.json()], response.headers["X-Request-Id"]
            if response is not None and response.status_code != INTERRUPTED_STATUS:
                raise AssertionError(f"{response.status_code}: {response.text}")
            with self.condition:
                self.interrupted += 1
            # A first turn cut off before its id arrived left at most a conversation nobody
            # continues; it is sent again as a new one.
            stored = None if conversation.sender is None else stored_replies(
                self.tracker_engine, self.cipher, conversation.sender, conversation.turn_id(index)
            )
            if stored is not None:
                return stored, None
            with self.condition:
                self.resent += 1
        raise AssertionError(f"turn {index} of {conversation.key} interrupted {MAX_ATTEMPTS} times")

    def wait_for_answers(self, count: int) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self.answered >= count, timeout=30 * REPLY_LIMIT_SECONDS)


def stored_events(engine, sender: str, cipher: EventCipher) -> List[Dict[str, Any]]:
    """The conversation's events as stored, decrypted with the servers' TRACKER_ENCRYPTION_KEY
    (`EventCipher(key)` from rasa_server/stores/tracker_store.py)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender}
        )
        return [json.loads(cipher.decrypt(data)) for (data,) in rows]


def answers_by_turn(events: List[Dict[str, Any]]) -> List[Tuple[Optional[str], List[str]]]:
    """(turn id, the bot's replies) for every stored user message, in order."""
    turns: List[Tuple[Optional[str], List[str]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append(((event.get("metadata") or {}).get("turn_id"), []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text") or "")
    return turns


def stored_replies(engine, cipher: EventCipher, sender: str, turn_id: str) -> Optional[List[str]]:
    """The bot's replies to the stored user message `turn_id`, or None if it is not stored."""
    return next((replies for stored_id, replies in answers_by_turn(stored_events(engine, sender, cipher))
                 if stored_id == turn_id), None)


def slots_after(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    slots: Dict[str, Any] = {}
    for event in events:
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
    return slots


def tracker_problems(conversation: Conversation, events: List[Dict[str, Any]]) -> List[str]:
    """Everything wrong with one stored conversation; empty when it is intact."""
    problems = []
    messages = conversation.messages()
    users = [(e.get("text"), (e.get("metadata") or {}).get("turn_id")) for e in events if e["event"] == "user"]
    expected = [(message, conversation.turn_id(index)) for index, message in enumerate(messages)]
    if users != expected:
        problems.append(f"user messages {users} != sent {expected}")
    kinds = [e["event"] for e in events]
    if kinds.count("session_started") != 1:
        problems.append(f"{kinds.count('session_started')} sessions")
    listens = sum(1 for e in events if e["event"] == "action" and e.get("name") == "action_listen")
    if listens != len(users) + 1:
        problems.append(f"{listens} action_listen for {len(users)} user messages")
    # every user message answered, and the stored answer is the one the client got
    answers = [replies for _, replies in answers_by_turn(events)]
    for index, replies in enumerate(conversation.replies):
        if index >= len(answers) or not answers[index]:
            problems.append(f"turn {index} unanswered")
        elif replies != answers[index]:
            problems.append(f"turn {index}: client got {replies}, tracker has {answers[index]}")
    slots = slots_after(events)
    own_order = str(conversation.order_id) if conversation.order_id else None
    if slots.get("order_id") != own_order:
        problems.append(f"order_id slot {slots.get('order_id')!r}, expected {own_order!r}")
    return problems


def wait_until_nginx_routes_to(assistant, server_name: str) -> None:
    """nginx leaves a server it saw fail out of the rotation for a while (fail_timeout,
    10 s); the turns after the restart are to find the restarted process in it again."""
    deadline = time.monotonic() + REPLY_LIMIT_SECONDS
    while time.monotonic() < deadline:
        response = requests.get(f"{assistant.url}/webhooks/rest/", timeout=REPLY_LIMIT_SECONDS)
        if assistant.server_of_requests().get(response.headers.get("X-Request-Id")) == server_name:
            return
        time.sleep(0.5)  # polling for a condition, not waiting in its place
    raise AssertionError(f"nginx sent nothing to the restarted {server_name} for {REPLY_LIMIT_SECONDS} s")


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    with scaled_out_assistant(tmp_path_factory.mktemp("scale-out"), fill_shop) as running:
        yield running


def test_two_rasa_processes_keep_every_conversation_through_a_crash(topology):
    assistant, conversations = topology
    tracker_engine = create_engine(assistant.tracker_store_url)
    cipher = EventCipher(assistant.tracker_encryption_key)
    client = Client(assistant.url, tracker_engine, cipher)
    killed, restarted = assistant.rasa_servers[0], threading.Event()
    before = range(TURNS_BEFORE_RESTART)
    after = range(TURNS_BEFORE_RESTART, len(SCRIPTS["faq"]))

    def crash_and_restart() -> None:
        # mid-way through the first part, while requests are in flight
        client.wait_for_answers(len(conversations) * TURNS_BEFORE_RESTART // 2)
        killed.kill()
        killed.start()
        wait_until_nginx_routes_to(assistant, killed.name)
        restarted.set()

    with ThreadPoolExecutor(CONCURRENCY + 1) as pool:
        crash = pool.submit(crash_and_restart)
        for done in [pool.submit(client.play, c, before) for c in conversations]:
            done.result()
        crash.result()
        assert restarted.is_set()
        for done in [pool.submit(client.play, c, after) for c in conversations]:
            done.result()

    problems = {c.sender: tracker_problems(c, stored_events(tracker_engine, c.sender, cipher)) for c in conversations}
    assert {sender: found for sender, found in problems.items() if found} == {}

    with tracker_engine.connect() as connection:
        events_checked = connection.execute(text("SELECT COUNT(*) FROM events")).scalar()
        # Each encryption of an event differs, so twins are compared decrypted.
        rows = connection.execute(text("SELECT sender_id, type_name, timestamp, data FROM events")).all()
    stored = Counter((sender, kind, timestamp, cipher.decrypt(data)) for sender, kind, timestamp, data in rows)
    duplicated = sum(1 for count in stored.values() if count > 1)
    assert duplicated == 0

    # facts per conversation, from that conversation's own order
    for conversation in conversations:
        final_answer = " ".join(conversation.replies[3] or [])
        if conversation.kind == "order_status":
            assert str(conversation.order_id) in final_answer and "DHL" in final_answer, final_answer
    engine = make_engine(assistant.shop_url)
    with session_scope(engine) as session:
        kept = {o.status for o in session.query(Order).filter(Order.id.in_(
            [c.order_id for c in conversations if c.kind == "cancellation"]))}
    engine.dispose()
    assert kept == {"paid"}

    server_of = assistant.server_of_requests()
    servers_per_conversation = [
        {server_of[request_id] for request_id in c.request_ids if request_id} for c in conversations
    ]
    served_by_both = sum(1 for servers in servers_per_conversation if len(servers) == 2)
    after_restart = Counter(
        server_of[request_id] for c in conversations for request_id in c.request_ids[TURNS_BEFORE_RESTART:] if request_id
    )
    # round robin: most conversations move between the processes, and the restarted one serves again
    assert served_by_both >= len(conversations) // 2
    assert after_restart[killed.name] > 0

    # Structured logs without personal data, though Rasa logged every message (DEBUG).
    logs = assistant.logs()
    emails = [c.email for c in conversations if c.email]
    assert [(name, email) for name, log in logs.items() for email in emails if email in log] == []
    rasa_logs = logs["rasa-1.log"] + logs["rasa-2.log"]
    assert all(mask_email(email) in rasa_logs for email in emails)
    assert any(json.loads(line).get("logger", "").startswith("rasa.") for line in rasa_logs.splitlines()
               if line.startswith('{"time"'))

    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({
        "rasa_processes": len(assistant.rasa_servers),
        "conversations": len(conversations),
        "user_messages": sum(len(c.messages()) for c in conversations),
        "concurrency": CONCURRENCY,
        "restarts": 1,
        "requests_interrupted_by_the_crash": client.interrupted,
        "messages_resent_after_the_crash": client.resent,
        "conversations_served_by_both_processes": served_by_both,
        "requests_per_process": dict(Counter(server_of[r] for c in conversations for r in c.request_ids if r)),
        "requests_per_process_after_restart": dict(after_restart),
        "events_checked": events_checked,
        "log_lines_checked_for_personal_data": sum(len(log.splitlines()) for log in logs.values()),
        "duplicated_events": duplicated,
    }, indent=2) + "\n")
    tracker_engine.dispose()


def test_an_agent_answers_a_customer_while_a_rasa_process_is_down(topology):
    """The customer's socket.io connection is on rasa-2; the console calls rasa-1 first, so the
    agent's greeting crosses processes through Redis. Then rasa-1 is killed: the agent's reply
    goes through rasa-2, and the customer still gets it. The agent works through nginx."""
    assistant, _ = topology
    env = dict(assistant.env, AGENT_PASSWORD="correct horse battery staple")
    subprocess.run([sys.executable, "-m", "scripts.create_agent", "anna", "--name", "Anna"], env=env, check=True,
                   capture_output=True)
    agent = requests.Session()
    console = f"{assistant.url}/agent/api"
    signed_in = agent.post(f"{console}/session", json={"username": "anna", "password": env["AGENT_PASSWORD"]},
                           timeout=REPLY_LIMIT_SECONDS)
    assert signed_in.status_code == 200

    async def customer_side() -> List[str]:
        rasa_1, rasa_2 = assistant.rasa_servers
        client, received, confirmed = socketio.AsyncClient(), asyncio.Queue(), asyncio.Queue()
        client.on("bot_uttered", lambda data: received.put_nowait(data["text"]))
        client.on("session_confirm", lambda session_id: confirmed.put_nowait(session_id))
        await client.connect(assistant.rasa_urls[1], socketio_path="/socket.io", transports=["websocket"])
        try:
            await client.emit("session_request", {"session_id": uuid.uuid4().hex})
            session_id = await asyncio.wait_for(confirmed.get(), REPLY_LIMIT_SECONDS)
            await client.call("user_uttered", {"message": "I want to talk to a human", "session_id": session_id},
                              timeout=REPLY_LIMIT_SECONDS)
            queued = await asyncio.wait_for(received.get(), REPLY_LIMIT_SECONDS)
            reference = queued.split("reference ")[1][:10]

            def agent_post(verb, body=None):
                return agent.post(f"{console}/handoffs/{reference}/{verb}", json=body or {}, timeout=REPLY_LIMIT_SECONDS)

            texts = [queued]
            assert (await asyncio.to_thread(agent_post, "claim")).status_code == 200
            texts.append(await next_text(received, "Anna: Hi"))
            await asyncio.to_thread(rasa_1.kill)
            assert (await asyncio.to_thread(agent_post, "reply", {"text": "I'm on it."})).status_code == 200
            texts.append(await next_text(received, "Anna: I'm on it."))
            assert (await asyncio.to_thread(agent_post, "resolve")).status_code == 200
            texts.append(await next_text(received, "Rate this conversation"))
            return texts
        finally:
            await client.disconnect()
            rasa_1 = assistant.rasa_servers[0]
            await asyncio.to_thread(rasa_1.start)

    texts = asyncio.run(customer_side())
    assert texts[1].startswith("Anna: Hi") and texts[2] == "Anna: I'm on it."


async def next_text(received: "asyncio.Queue", starting: str) -> str:
    """The next message that starts with `starting` (the widget's waiting messages may come between)."""
    while True:
        text = await asyncio.wait_for(received.get(), REPLY_LIMIT_SECONDS)
        if starting in text:
            return text
