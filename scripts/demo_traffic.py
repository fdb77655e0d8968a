"""Plays varied customer conversations against a running assistant, so that `make report`
has something to show: `make demo-traffic` (after `make run`), or `python -m
scripts.demo_traffic [--url URL] [--conversations N] [--seed S]`.

Customers greet, ask the FAQ, track demo orders with their email, type gibberish, ask for a
person and complain. Nothing is cancelled or changed in the shop; handoffs and complaints
leave tickets, as they would for real customers."""

import argparse
import random
import sys
from typing import Dict, List, Optional

import requests

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


def play(url: str, messages: List[str]) -> int:
    """Plays one conversation over the REST channel; returns how many replies came back."""
    conversation_id: Optional[str] = None
    replies = 0
    for message in messages:
        body = {"message": message, **({"sender": conversation_id} if conversation_id else {})}
        response = requests.post(f"{url}/webhooks/rest/webhook", json=body, timeout=REPLY_TIMEOUT_SECONDS)
        response.raise_for_status()
        conversation_id = conversation_id or response.headers.get(CONVERSATION_ID_HEADER)
        replies += len(response.json())
    return replies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:5005", help="the Rasa server (default: make run's)")
    parser.add_argument("--conversations", type=int, default=200, help="how many conversations (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed plays the same conversations")
    args = parser.parse_args()
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    plan = conversation_plan(args.conversations, random.Random(args.seed))
    replies = 0
    try:
        for number, messages in enumerate(plan, start=1):
            replies += play(args.url.rstrip("/"), messages)
            if number % 50 == 0:
                print(f"{number} conversations played", flush=True)
    except requests.RequestException as error:
        sys.exit(f"The assistant at {args.url} did not answer ({error.__class__.__name__}); is `make run` running?")
    print(f"Played {len(plan)} conversations ({sum(map(len, plan))} messages, {replies} replies). Now: make report")


if __name__ == "__main__":
    main()
