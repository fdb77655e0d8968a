"""The agent console (/agent/api on the chat page's server) against the real Rasa and action
servers: a socket.io customer asks for a person, an agent signs in, claims, replies and
resolves; the customer sees it all and rates. Then what an outsider or a second agent tries."""

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt
import pytest
import requests
import socketio

from actions import clock
from actions.db.engine import make_engine
from actions.db.service_desk import ServiceDesk
from agent_console import sessions
from harness.local_servers import REPLY_LIMIT_SECONDS
from tests.integration.live import assistant_on_test_shop, page_server

PASSWORD = "correct horse battery staple"
RATING_PAYLOAD = '/rate_conversation{"rating": "5"}'
COMMENT = "Anna sorted it out quickly, my email is lea.hoffmann@example.com if you need it"
MASKED_COMMENT = "Anna sorted it out quickly, my email is l***@example.com if you need it"


def create_agent(env, username, name, *queues):
    """`make agent` as a script runs it (password from AGENT_PASSWORD)."""
    command = [sys.executable, "-m", "scripts.create_agent", username, "--name", name]
    if queues:
        command += ["--queues", *queues]
    subprocess.run(command, env=dict(env, AGENT_PASSWORD=PASSWORD), check=True, capture_output=True)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("agent-console")
    with assistant_on_test_shop(work_dir, lambda session: None) as (assistant, _):
        create_agent(assistant.env, "anna", "Anna")
        create_agent(assistant.env, "ben", "Ben")
        create_agent(assistant.env, "cara", "Cara", "payments")
        create_agent(assistant.env, "dora", "Dora")
        with page_server(work_dir, assistant.url, env=assistant.env) as page_url:
            yield assistant, page_url.rstrip("/")


@pytest.fixture(scope="module")
def desk(servers):
    assistant, _ = servers
    engine = make_engine(assistant.env["COMMERCE_DB_URL"])
    yield ServiceDesk(engine)
    engine.dispose()


class Customer:
    """A chat widget's socket.io connection: every bot message it received, in order."""

    def __init__(self, url):
        self.url, self.client = url, socketio.AsyncClient()
        self.received: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", lambda data: self.received.put_nowait(data))

    async def __aenter__(self):
        confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", lambda session_id: confirmed.put_nowait(session_id))
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.client.emit("session_request", {"session_id": uuid.uuid4().hex})
        self.conversation_id = await asyncio.wait_for(confirmed.get(), REPLY_LIMIT_SECONDS)
        return self

    async def __aexit__(self, *exc):
        await self.client.disconnect()

    async def say(self, text):
        """Sends the message and returns once the server acknowledged it: every reply was sent."""
        await self.client.call("user_uttered", {"message": text, "session_id": self.conversation_id}, timeout=REPLY_LIMIT_SECONDS)

    async def next_message(self):
        return await asyncio.wait_for(self.received.get(), REPLY_LIMIT_SECONDS)

    def unread(self):
        messages = []
        while not self.received.empty():
            messages.append(self.received.get_nowait())
        return messages


class Agent:
    def __init__(self, page_url):
        self.page_url, self.http = page_url, requests.Session()

    async def call(self, method, path, body=None, **kwargs):
        kwargs.setdefault("json", body)
        return await asyncio.to_thread(
            self.http.request, method, f"{self.page_url}/agent/api/{path}", timeout=REPLY_LIMIT_SECONDS, **kwargs
        )

    async def sign_in(self, username, password=PASSWORD):
        return await self.call("POST", "session", {"username": username, "password": password})


async def signed_in(page_url, username):
    agent = Agent(page_url)
    assert (await agent.sign_in(username)).status_code == 200
    return agent


async def test_an_agent_takes_over_replies_and_resolves_and_the_customer_rates(servers, desk):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("I want to talk to a human")
        queued, wait = customer.unread()
        assert "number 1 in the queue" in queued["text"] and "orders and delivery" in wait["text"]
        reference = queued["text"].split("reference ")[1][:10]

        anna = await signed_in(page_url, "anna")
        listed = (await anna.call("GET", "handoffs")).json()
        assert reference in [h["reference"] for h in listed["handoffs"]]

        assert (await anna.call("POST", f"handoffs/{reference}/claim", {})).status_code == 200
        greeting = await customer.next_message()
        assert greeting["text"].startswith("Anna: Hi, I'm Anna")

        # Paused: the assistant stays silent, the agent reads the message, masked.
        await customer.say("my email is lea.hoffmann@example.com and the parcel is late")
        assert customer.unread() == []
        history = (await anna.call("GET", f"handoffs/{reference}/messages")).json()["messages"]
        assert history[-1] == {"from": "customer", "text": "my email is l***@example.com and the parcel is late",
                               "at": history[-1]["at"]}
        assert [m["from"] for m in history[:2]] == ["customer", "assistant"]

        assert (await anna.call("POST", f"handoffs/{reference}/reply", {"text": "It arrives tomorrow."})).status_code == 200
        assert (await customer.next_message())["text"] == "Anna: It arrives tomorrow."

        ben = await signed_in(page_url, "ben")
        assert (await ben.call("POST", f"handoffs/{reference}/claim", {})).status_code == 404
        assert (await ben.call("POST", f"handoffs/{reference}/reply", {"text": "me too"})).status_code == 404

        assert (await anna.call("POST", f"handoffs/{reference}/resolve", {})).status_code == 200
        farewell, question = await customer.next_message(), await customer.next_message()
        assert farewell["text"].startswith("Anna: Glad we could sort this out")
        assert "Rate this conversation" in question["text"]
        assert [b["payload"] for b in question["quick_replies"]][-1] == RATING_PAYLOAD

        await customer.say(RATING_PAYLOAD)
        replies = customer.unread()
        assert len(replies) == 1, replies
        [thanks] = replies
        assert thanks["text"].startswith("Thank you for rating this conversation 5 out of 5!")
        await customer.say(COMMENT)
        [kept] = customer.unread()
        assert kept["text"].startswith("Thank you, I've passed your comment on to our team.")
        # Pressed again, the button is no longer offered: no second rating is stored.
        await customer.say(RATING_PAYLOAD)
        assert "Thank you for rating" not in " ".join(m["text"] for m in customer.unread())

    handoff = desk.handoff(reference)
    assert (handoff.status, handoff.agent_username) == ("resolved", "anna")
    assert handoff.claimed_at <= handoff.first_agent_reply_at <= handoff.closed_at
    [rating] = [r for r in desk.ratings_between(dt.datetime(2000, 1, 1), dt.datetime(3000, 1, 1))
                if r.conversation_id == handoff.conversation_id]
    assert (rating.rating, rating.human_involved, rating.flows, rating.comment) == (5, True, ["handoff"], MASKED_COMMENT)


async def test_a_request_after_the_rating_is_served_not_kept_as_a_comment(servers, desk):
    assistant, _ = servers
    async with Customer(assistant.url) as customer:
        await customer.say("which payment methods do you accept?")
        await customer.say("bye")
        assert "Rate this conversation" in customer.unread()[-1]["text"]
        await customer.say(RATING_PAYLOAD)
        await customer.say("where is my order 100001?")
        replies = customer.unread()
        assert "Thank you, I've passed your comment" not in " ".join(m["text"] for m in replies)
        assert "email" in replies[-1]["text"]  # the order's proof is asked for
    [rating] = [r for r in desk.ratings_between(dt.datetime(2000, 1, 1), dt.datetime(3000, 1, 1))
                if r.conversation_id == customer.conversation_id]
    assert rating.comment is None


async def test_an_agent_signing_out_puts_the_conversation_back_in_the_queue(servers, desk):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("I want to talk to a human")
        reference = customer.unread()[0]["text"].split("reference ")[1][:10]
        dora = await signed_in(page_url, "dora")
        assert (await dora.call("POST", f"handoffs/{reference}/claim", {})).status_code == 200
        assert (await customer.next_message())["text"].startswith("Dora: Hi")

        assert (await dora.call("DELETE", "session")).status_code == 200
        back = await customer.next_message()
        assert back["text"].startswith("Dora had to leave, so you're back in the queue for orders and delivery")
        assert desk.handoff(reference).status == "waiting"
        # No longer paused: the assistant answers again, and "never mind" leaves the queue.
        await customer.say("which payment methods do you accept?")
        assert customer.unread() != []
        await customer.say("never mind")
        assert reference in customer.unread()[-1]["text"]
    assert desk.handoff(reference).status == "cancelled"


async def test_two_agents_claiming_at_once_get_one_conversation(servers):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("can I speak to a real person please")
        reference = customer.unread()[0]["text"].split("reference ")[1][:10]
        anna, ben = await signed_in(page_url, "anna"), await signed_in(page_url, "ben")
        answers = await asyncio.gather(*(agent.call("POST", f"handoffs/{reference}/claim", {}) for agent in (anna, ben)))
        # The loser lost the race (409) or, looking later, no longer sees another agent's handoff (404).
        statuses = sorted(a.status_code for a in answers)
        assert statuses[0] == 200 and statuses[1] in (404, 409), statuses
        winner = (anna, ben)[[a.status_code for a in answers].index(200)]
        assert (await customer.next_message())["text"].startswith(("Anna: ", "Ben: "))
        assert customer.unread() == []
        # Handed back, the assistant answers again.
        assert (await winner.call("POST", f"handoffs/{reference}/hand-back", {})).status_code == 200
        assert "handing you back" in (await customer.next_message())["text"]
        await customer.say("hi")
        assert "Brightcart" in customer.unread()[0]["text"]


async def test_never_mind_leaves_the_queue_and_agents_cannot_claim_it(servers):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("I need a human agent")
        reference = customer.unread()[0]["text"].split("reference ")[1][:10]
        await customer.say("never mind")
        assert "taken you out of the queue" in customer.unread()[0]["text"]
        anna = await signed_in(page_url, "anna")
        assert reference not in [h["reference"] for h in (await anna.call("GET", "handoffs")).json()["handoffs"]]
        assert (await anna.call("POST", f"handoffs/{reference}/claim", {})).status_code == 404


async def test_an_agent_sees_only_their_queues(servers):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("a person please")
        reference = customer.unread()[0]["text"].split("reference ")[1][:10]
        cara = await signed_in(page_url, "cara")  # payments only; this one is orders and delivery
        assert reference not in [h["reference"] for h in (await cara.call("GET", "handoffs")).json()["handoffs"]]
        assert (await cara.call("GET", f"handoffs/{reference}/messages")).status_code == 404


# --- what outsiders try ---

ROUTES = [("GET", "handoffs"), ("GET", "handoffs/TCK-123456/messages"), ("POST", "handoffs/TCK-123456/claim"),
          ("POST", "handoffs/TCK-123456/reply")]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("cookie", [None, "forged", "expired", "other-secret"])
async def test_without_a_valid_session_every_route_is_401(servers, method, path, cookie):
    assistant, page_url = servers
    secret = assistant.env["AGENT_SESSION_SECRET"]
    values = {
        None: None,
        "forged": sessions.issue(secret, "anna", 60)[:-4] + "abcd",
        "expired": sessions.issue(secret, "anna", 1, now=0),
        "other-secret": sessions.issue("not-the-shops-secret-" * 2, "anna", 60),
    }
    agent = Agent(page_url)
    if values[cookie]:
        agent.http.cookies.set(sessions.COOKIE_NAME, values[cookie])
    response = await agent.call(method, path, {"text": "hi"} if method == "POST" else None)
    assert response.status_code == 401
    assert response.json() == {"error": "sign in first"}


@pytest.mark.parametrize("username, password", [("anna", "wrong password!"), ("nobody", PASSWORD), ("anna", "")])
async def test_wrong_credentials_get_one_answer_and_no_cookie(servers, username, password):
    _, page_url = servers
    agent = Agent(page_url)
    response = await agent.sign_in(username, password)
    assert (response.status_code, response.json()) == (401, {"error": "wrong username or password"})
    assert not agent.http.cookies


async def test_the_session_cookie_is_http_only_and_same_site_and_secure_behind_https(servers):
    _, page_url = servers
    response = await Agent(page_url).sign_in("anna")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    behind_tls = await Agent(page_url).call(
        "POST", "session", {"username": "anna", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    assert behind_tls.headers["Set-Cookie"].endswith("; Secure")


async def test_repeated_wrong_passwords_block_the_name_even_for_the_right_one(servers):
    _, page_url = servers
    for _ in range(5):
        assert (await Agent(page_url).sign_in("dora", "guess")).status_code == 401
    agent = Agent(page_url)
    blocked = await agent.sign_in("dora")
    assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.json()["error"]
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert not agent.http.cookies
    # Other names are not affected, and unknown names count the same (no hint they exist).
    assert (await Agent(page_url).sign_in("anna")).status_code == 200
    for _ in range(5):
        await Agent(page_url).sign_in("no-such-agent", "guess")
    assert (await Agent(page_url).sign_in("no-such-agent", "guess")).status_code == 429


@pytest.mark.parametrize("body, headers, status", [
    ("username=anna", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("{not json", {"Content-Type": "application/json"}, 400),
    ("[1, 2]", {"Content-Type": "application/json"}, 400),
    (json.dumps({"username": ["anna"], "password": 5}), {"Content-Type": "application/json"}, 400),
    ("x" * 20000, {"Content-Type": "application/json"}, 413),
])
async def test_malformed_requests_get_a_clear_4xx(servers, body, headers, status):
    _, page_url = servers
    response = await Agent(page_url).call("POST", "session", json=None, data=body, headers=headers)
    assert response.status_code == status and "error" in response.json()


async def test_bad_replies_are_refused(servers):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("I want to talk to a human")
        reference = customer.unread()[0]["text"].split("reference ")[1][:10]
        anna = await signed_in(page_url, "anna")
        assert (await anna.call("POST", f"handoffs/{reference}/reply", {"text": "hello"})).status_code == 409
        await anna.call("POST", f"handoffs/{reference}/claim", {})
        for text in ("", "   ", 42, "x" * 2001):
            assert (await anna.call("POST", f"handoffs/{reference}/reply", {"text": text})).status_code == 400
        assert (await anna.call("POST", "handoffs/TCK-12/claim", {})).status_code == 404
        await anna.call("POST", f"handoffs/{reference}/resolve", {})


def test_the_customer_cannot_use_rasas_http_api(servers):
    assistant, _ = servers
    for path in ("/conversations/anything/tracker", "/status"):
        assert requests.get(f"{assistant.url}{path}", timeout=REPLY_LIMIT_SECONDS).status_code == 401
    response = requests.post(
        f"{assistant.url}/conversations/anything/tracker/events", json=[{"event": "pause"}], timeout=REPLY_LIMIT_SECONDS
    )
    assert response.status_code == 401


def test_rasas_http_api_takes_the_jwt_whose_secret_is_not_in_the_process_list(servers):
    assistant, _ = servers
    secret = assistant.env["RASA_JWT_SECRET"]
    command_line = Path(f"/proc/{assistant.rasa.process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert "--enable-api" in command_line and secret not in command_line
    claims = {"user": {"username": "test", "role": "admin"}, "exp": int(time.time()) + 60}
    headers = {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}
    assert requests.get(f"{assistant.url}/status", headers=headers, timeout=REPLY_LIMIT_SECONDS).status_code == 200
    forged = {"Authorization": f"Bearer {jwt.encode(claims, 'a-guessed-secret-of-enough-length', algorithm='HS256')}"}
    assert requests.get(f"{assistant.url}/status", headers=forged, timeout=REPLY_LIMIT_SECONDS).status_code == 401


# --- /insights ---

async def test_insights_give_the_report_to_a_signed_in_agent(servers):
    assistant, page_url = servers
    async with Customer(assistant.url) as customer:
        await customer.say("hi")
    anna = await signed_in(page_url, "anna")
    response = await anna.call("GET", "insights")
    assert response.status_code == 200
    data = response.json()
    summary = {row["metric"]: row["value"] for row in data["summary"]}
    assert summary["conversations"] >= 1 and summary["handoffs to a person"] >= 1
    assert data["charts"]["csat"].startswith("data:image/png;base64,")
    assert (await Agent(page_url).call("GET", "insights")).status_code == 401


@pytest.mark.parametrize("query, status", [("since=yesterday", 400), ("since=2026-12-05&until=2026-12-01", 400),
                                           ("since=2026-12-01&until=2026-12-01", 400)])
async def test_insights_refuse_bad_dates(servers, query, status):
    _, page_url = servers
    anna = await signed_in(page_url, "anna")
    response = await anna.call("GET", f"insights?{query}")
    assert response.status_code == status and "error" in response.json()


# --- a REST customer ---

def rest_messages(assistant, sender, **params):
    return requests.get(f"{assistant.url}/webhooks/rest/messages", params={"sender": sender, **params},
                        timeout=REPLY_LIMIT_SECONDS)


async def test_a_rest_customer_fetches_the_agents_messages(servers):
    assistant, page_url = servers
    name = f"rest-{uuid.uuid4().hex[:6]}"
    reply = await asyncio.to_thread(assistant.say, "I want to talk to a human", name)
    reference = reply[0].split("reference ")[1][:10]
    conversation_id = assistant.conversation_ids[name]
    assert rest_messages(assistant, conversation_id).json() == []

    anna = await signed_in(page_url, "anna")
    await anna.call("POST", f"handoffs/{reference}/claim", {})
    await anna.call("POST", f"handoffs/{reference}/reply", {"text": "Which order is it?"})
    greeting, question = rest_messages(assistant, conversation_id).json()
    assert greeting["text"].startswith("Anna: Hi") and question["text"] == "Anna: Which order is it?"
    assert rest_messages(assistant, conversation_id, since=greeting["timestamp"]).json() == [question]

    # Paused: the customer's message gets no reply from the assistant; the agent answers it.
    assert await asyncio.to_thread(assistant.say, "order 100032", name) == []
    assert rest_messages(assistant, conversation_id).json() == []
    await anna.call("POST", f"handoffs/{reference}/resolve", {})
    farewell, rating = rest_messages(assistant, conversation_id).json()
    assert farewell["text"].startswith("Anna: Glad") and rating["buttons"][0]["payload"].startswith("/rate_conversation")


@pytest.mark.parametrize("params, status", [({"sender": "made-up-id"}, 403), ({}, 400), ({"sender": ""}, 400)])
def test_fetching_messages_needs_an_issued_conversation(servers, params, status):
    assistant, _ = servers
    response = requests.get(f"{assistant.url}/webhooks/rest/messages", params=params, timeout=REPLY_LIMIT_SECONDS)
    assert response.status_code == status


def test_fetching_messages_refuses_a_bad_since(servers):
    assistant, _ = servers
    name = f"rest-{uuid.uuid4().hex[:6]}"
    assistant.say("hi", name)
    assert rest_messages(assistant, assistant.conversation_ids[name], since="yesterday").status_code == 400


# --- nobody free in time: Rasa's reminder offers a callback or an email ---

@pytest.fixture(scope="module")
def impatient_assistant(tmp_path_factory):
    """An assistant whose handoffs wait 3 seconds for an agent (HANDOFF_TIMEOUT_MINUTES=0.05)."""
    saved = os.environ.get("HANDOFF_TIMEOUT_MINUTES")
    os.environ["HANDOFF_TIMEOUT_MINUTES"] = "0.05"
    try:
        with assistant_on_test_shop(tmp_path_factory.mktemp("impatient"), lambda session: None) as (assistant, _):
            yield assistant
    finally:
        if saved is None:
            os.environ.pop("HANDOFF_TIMEOUT_MINUTES")
        else:
            os.environ["HANDOFF_TIMEOUT_MINUTES"] = saved


async def test_nobody_free_in_time_offers_a_callback_and_keeps_the_ticket(impatient_assistant):
    engine = make_engine(impatient_assistant.env["COMMERCE_DB_URL"])
    desk = ServiceDesk(engine)
    async with Customer(impatient_assistant.url) as customer:
        await customer.say("I want to talk to a human")
        received = customer.unread()
        reference = received[0]["text"].split("reference ")[1][:10]
        # The reminder's message, with no message from the customer (it may come with a slow turn's).
        offer = next((m for m in received if "still busy" in m["text"]), None) or await customer.next_message()
        assert "still busy" in offer["text"] and reference in offer["text"]
        payloads = [reply["payload"] for reply in offer["quick_replies"]]
        assert payloads == ['/choose_follow_up{"follow_up": "callback"}', '/choose_follow_up{"follow_up": "email"}']
        await customer.say(payloads[0])
        assert customer.unread()[0]["text"] == f"Done: our team will call you back about {reference}, within one business day."
    handoff = desk.handoff(reference)
    assert (handoff.status, handoff.follow_up) == ("waiting", "callback")
    engine.dispose()


def test_a_reminder_lost_to_a_crash_is_offered_by_the_console_sweep(impatient_assistant, tmp_path):
    """Rasa keeps reminders in its process: killed before it fired, the handoff's reminder is
    gone, and the console server's sweep makes the offer instead, once."""
    engine = make_engine(impatient_assistant.env["COMMERCE_DB_URL"])
    desk = ServiceDesk(engine)
    name = f"rest-{uuid.uuid4().hex[:6]}"
    reference = impatient_assistant.say("I want to talk to a human", name)[0].split("reference ")[1][:10]
    impatient_assistant.rasa.kill()
    conversation_id = impatient_assistant.conversation_ids[name]
    assert desk.waiting_handoff(conversation_id, clock.now()) is not None
    assert desk.handoffs_overdue(clock.now() + dt.timedelta(days=1)).count(conversation_id) == 1, (
        "the reminder came before the crash: this test needs it lost"
    )
    impatient_assistant.rasa.start()
    with page_server(tmp_path, impatient_assistant.url, env=impatient_assistant.env):
        offer = wait_for_message(impatient_assistant, conversation_id, "still busy")
    offers = [m for m in rest_messages(impatient_assistant, conversation_id).json() if "still busy" in m["text"]]
    assert offers == [offer] and reference in offer["text"]
    assert [reply["payload"] for reply in offers[0]["buttons"]] == [
        '/choose_follow_up{"follow_up": "callback"}', '/choose_follow_up{"follow_up": "email"}'
    ]
    assert desk.handoffs_overdue(clock.now() + dt.timedelta(days=1)).count(conversation_id) == 0
    assert desk.handoff(reference).status == "waiting"
    engine.dispose()


def wait_for_message(assistant, conversation_id, words):
    """The REST customer's first pending message with the words (polled, as a REST client does)."""
    deadline = time.monotonic() + REPLY_LIMIT_SECONDS
    while time.monotonic() < deadline:
        messages = rest_messages(assistant, conversation_id).json()
        found = [message for message in messages if words in message.get("text", "")]
        if found:
            return found[0]
        time.sleep(0.5)  # polling for a condition, not waiting in its place
    raise AssertionError(f"no message with {words!r} within {REPLY_LIMIT_SECONDS} s")


def test_an_agent_away_too_long_loses_the_conversation_to_the_queue(impatient_assistant, tmp_path):
    """The agent claims, then their console goes quiet (closed, asleep): after AGENT_AWAY_MINUTES
    the conversation is back in its queue and the assistant answers the customer meanwhile."""
    create_agent(impatient_assistant.env, "erik", "Erik")
    engine = make_engine(impatient_assistant.env["COMMERCE_DB_URL"])
    desk = ServiceDesk(engine)
    name = f"rest-{uuid.uuid4().hex[:6]}"
    reference = impatient_assistant.say("I want to talk to a human", name)[0].split("reference ")[1][:10]
    conversation_id = impatient_assistant.conversation_ids[name]
    env = dict(impatient_assistant.env, AGENT_AWAY_MINUTES="0.05")
    with page_server(tmp_path, impatient_assistant.url, env=env) as page_url:
        erik = asyncio.run(signed_in(page_url.rstrip("/"), "erik"))
        assert asyncio.run(erik.call("POST", f"handoffs/{reference}/claim", {})).status_code == 200
        back = wait_for_message(impatient_assistant, conversation_id, "Erik had to leave")
    assert "back in the queue for orders and delivery" in back["text"]
    assert desk.handoff(reference).status == "waiting"
    assert impatient_assistant.say("which payment methods do you accept?", name) != []
    engine.dispose()
