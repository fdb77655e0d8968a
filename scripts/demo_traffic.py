"""Plays varied customer conversations against a running assistant, so that `make report`
and /insights have something to show: `make demo-traffic` (after `make run`), or `python -m
scripts.demo_traffic [--url URL] [--console-url URL] [--conversations N] [--seed S]`.

Customers greet, ask the FAQ, track demo orders with their email, type gibberish, ask for a
person and complain (some leave the queue again), and most rate the conversation when asked
(some add a comment). A demo agent ("demo-agent", given a fresh random password in the
commerce database) takes most handoffs in the agent console, replies and resolves them. Nothing is cancelled or changed in the shop; handoffs and
complaints leave tickets, as they would for real customers."""

import argparse
import random
import secrets
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import requests

from actions import clock
from actions.db.engine import default_engine
from actions.db.models import Base
from actions.db.service_desk import ServiceDesk
from agent_console.passwords import hash_password
from rasa_server.channels.rest import CONVERSATION_ID_HEADER

REPLY_TIMEOUT_SECONDS = 60
# Demo orders that keep their status and customer on any day (README, "Demo shop").
TRACKABLE_ORDERS = {
    "100016": "jan_hartmann@example.org",
    "100188": "lucia_garcia@example.net",
    "100032": "lea.hoffmann@example.com",
    "100001": "f.schaefer@example.com",
}
# Each kind of customer: the ways its conversation can go, one message per turn.
# {order} and {email} are a demo order and the email on it.
CONVERSATION_KINDS: Dict[str, List[List[str]]] = {
    "faq": [
        ["hi", "what's your return policy", "thanks, bye"],
        ["do you ship to canada", "how long does delivery take?", "thank you"],
        ["hello", "which payment methods do you accept", "ok great"],
        ["forgot my password", "thanks"],
    ],
    "tracking": [
        ["where is my parcel", "{order}", "{email}", "thanks!"],
        ["hi, where is my order {order}", "{email}"],
        ["has order #{order} shipped yet?", "it's {email}", "great, bye"],
    ],
    "products": [
        ["how much are the AeroBuds Pro", "any coupons?"],
        ["what would you recommend", "thanks"],
    ],
    "not understood": [
        ["asdf qwer", "zzzz xxy", "I want to talk to a human"],
        ["blorp", "where is my order {order}", "{email}"],
    ],
    "handoff": [
        ["I want to talk to a human"],
        ["this is useless, get me a real person please"],
    ],
    "complaint": [
        ["my parcel arrived damaged and I'm really annoyed"],
        ["I want to complain, the delivery was two weeks late"],
    ],
}


DEMO_AGENT = "demo-agent"
# How customers rate, by how their conversation went (weights of 1..5).
RATING_WEIGHTS = {"helped": (1, 1, 3, 8, 10), "not understood": (6, 5, 3, 1, 1), "with agent": (1, 2, 4, 8, 8)}
# Share of customers who press a rating when asked, of raters who add a comment, of handoffs
# the agent takes, and of the others whose customer leaves the queue ("never mind").
RATES_WHEN_ASKED, COMMENTS_AFTER_RATING, AGENT_TAKES, LEAVES_THE_QUEUE = 0.7, 0.3, 0.8, 0.5
# What a rater writes after the rating, by how their conversation went.
COMMENTS = {
    "helped": ["quick and easy, thanks", "nice, found my parcel in a minute"],
    "not understood": ["the bot did not get my question at all", "too many questions, no answer"],
    "with agent": ["the agent was really friendly", "took a while until someone answered"],
}
AGENT_REPLIES = ["Hi, I'm looking into it now.", "Thanks for waiting! It's sorted; you'll get an email shortly."]
CUSTOMER_TO_AGENT = ["ok thank you", "great, thanks a lot"]


@dataclass
class Customer:
    """One conversation over the REST channel: its id, and the buttons of the latest replies."""

    url: str
    conversation_id: Optional[str] = None
    buttons: List[Dict[str, str]] = field(default_factory=list)
    replies: int = 0

    def say(self, message: str) -> None:
        body = {"message": message, **({"sender": self.conversation_id} if self.conversation_id else {})}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=REPLY_TIMEOUT_SECONDS)
        response.raise_for_status()
        self.conversation_id = self.conversation_id or response.headers.get(CONVERSATION_ID_HEADER)
        replies = response.json()
        self.replies += len(replies)
        self.buttons = [button for reply in replies for button in reply.get("buttons", [])]

    def rating_asked(self) -> bool:
        return any(button.get("payload", "").startswith("/rate_conversation") for button in self.buttons)

    def rate(self, rating: int) -> None:
        """Presses the rating button the assistant offered (REST clients send its payload)."""
        self.say(f'/rate_conversation{{"rating": "{rating}"}}')


class DemoAgent:
    """The demo agent in the console: signs in once, takes, answers and resolves handoffs."""

    def __init__(self, console_url: str):
        password = secrets.token_urlsafe(24)
        Base.metadata.create_all(default_engine())
        ServiceDesk().create_agent(DEMO_AGENT, "Sam", hash_password(password), [], clock.now())
        self.api, self.http = f"{console_url}/agent/api", requests.Session()
        self.http.post(f"{self.api}/session", json={"username": DEMO_AGENT, "password": password},
                       timeout=REPLY_TIMEOUT_SECONDS).raise_for_status()

    def take_over(self, customer: Customer, random_source: random.Random) -> None:
        waiting = self.http.get(f"{self.api}/handoffs", timeout=REPLY_TIMEOUT_SECONDS).json()["handoffs"]
        reference = next(h["reference"] for h in reversed(waiting) if h["status"] == "waiting" and h["reason"] != "complaint")
        self._post(reference, "claim")
        self._post(reference, "reply", {"text": AGENT_REPLIES[0]})
        customer.say(random_source.choice(CUSTOMER_TO_AGENT))
        self._post(reference, "reply", {"text": AGENT_REPLIES[1]})
        self._post(reference, "resolve")

    def _post(self, reference: str, verb: str, body: Optional[dict] = None) -> None:
        self.http.post(f"{self.api}/handoffs/{reference}/{verb}", json=body or {}, timeout=REPLY_TIMEOUT_SECONDS).raise_for_status()


def conversation_plan(count: int, random_source: random.Random) -> List[List[str]]:
    """`count` conversations: every kind once (while `count` allows), then kinds at random."""
    kinds = list(CONVERSATION_KINDS)
    random_source.shuffle(kinds)
    chosen = kinds[:count] + [random_source.choice(kinds) for _ in range(count - len(kinds))]
    plan = []
    for kind in chosen:
        order = random_source.choice(sorted(TRACKABLE_ORDERS))
        messages = random_source.choice(CONVERSATION_KINDS[kind])
        plan.append([message.format(order=order, email=TRACKABLE_ORDERS[order]) for message in messages])
    return plan


def play(url: str, messages: List[str], agent: DemoAgent, random_source: random.Random) -> int:
    """Plays one conversation over the REST channel; returns how many replies came back."""
    customer = Customer(url)
    for message in messages:
        customer.say(message)
    handed_off = any("human" in m or "person" in m for m in messages)
    if handed_off and random_source.random() < AGENT_TAKES:
        # The rating question follows the agent's resolution (the widget shows it; REST does not).
        agent.take_over(customer, random_source)
        mood, asked = "with agent", True
    else:
        if handed_off and random_source.random() < LEAVES_THE_QUEUE:
            customer.say("never mind")
        if not customer.rating_asked():
            customer.say("bye")  # after a request, the goodbye brings the rating question
        mood = "not understood" if any(m.startswith(("asdf", "blorp")) for m in messages) else "helped"
        asked = customer.rating_asked()
    if asked and random_source.random() < RATES_WHEN_ASKED:
        customer.rate(random_source.choices(range(1, 6), weights=RATING_WEIGHTS[mood])[0])
        if random_source.random() < COMMENTS_AFTER_RATING:
            customer.say(random_source.choice(COMMENTS[mood]))
    return customer.replies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:5005", help="the Rasa server (default: make run's)")
    parser.add_argument("--console-url", default="http://localhost:8080", help="the agent console's server (default: make run's)")
    parser.add_argument("--conversations", type=int, default=200, help="how many conversations (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed plays the same conversations")
    args = parser.parse_args()
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    random_source = random.Random(args.seed)
    plan = conversation_plan(args.conversations, random_source)
    replies = 0
    try:
        agent = DemoAgent(args.console_url.rstrip("/"))
        for number, messages in enumerate(plan, start=1):
            replies += play(args.url.rstrip("/"), messages, agent, random_source)
            if number % 50 == 0:
                print(f"{number} conversations played", flush=True)
    except requests.RequestException as error:
        sys.exit(
            f"The assistant at {args.url} or its console at {args.console_url} did not answer"
            f" ({error.__class__.__name__}); is `make run` running?"
        )
    print(f"Played {len(plan)} conversations ({sum(map(len, plan))} messages, {replies} replies). Now: make report")


if __name__ == "__main__":
    main()
