"""Reading the conversation history the action server receives with each tracker."""

from typing import Iterator, Optional, Text

from rasa_sdk import Tracker


def user_intents_newest_first(tracker: Tracker) -> Iterator[Optional[Text]]:
    """Yields the intent name of each customer message, the latest message first."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            yield (event.get("parse_data") or {}).get("intent", {}).get("name")


# The intents that start order_lookup_form: each needs a verified order.
ORDER_REQUEST_INTENTS = (
    "track_order",
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "get_refund",
    "return_item",
    "track_refund",
    "check_invoice",
    "get_invoice",
    "warranty_claim",
)


def current_order_request(tracker: Tracker) -> Optional[Text]:
    """The order request order_lookup_form serves: the last one before the form's latest activation.

    Answers given inside the form ("it arrived broken") are often classified as order
    requests themselves; they must not change what the customer asked for.
    """
    activated = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "order_lookup_form":
            activated = True
        elif activated and event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent in ORDER_REQUEST_INTENTS:
                return intent
    return next((i for i in user_intents_newest_first(tracker) if i in ORDER_REQUEST_INTENTS), None)


# Events after which every slot is empty again.
SLOT_RESETS = ("restart", "session_started", "reset_slots")


def slot_before_latest_message(tracker: Tracker, slot: Text) -> Optional[object]:
    """The slot's value before the customer's latest message set anything."""
    user_indices = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    value = None
    for event in tracker.events[: user_indices[-1] if user_indices else 0]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
        elif event.get("event") in SLOT_RESETS:
            value = None
    return value


def recent_user_messages(tracker: Tracker, limit: int) -> str:
    """The customer's last `limit` messages, oldest first, one per line."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return "\n".join(t for t in texts[-limit:] if t)


# Words that show a customer is frustrated, besides having complained in this conversation.
UPSET_WORDS = (
    "unacceptable", "ridiculous", "angry", "furious", "worst", "terrible", "awful", "disgusting",
    "fed up", "still not", "still no", "again", "joke", "scam", "useless", "!!",
)


def customer_mood(tracker: Tracker) -> Text:
    """`upset` if the customer complained in this conversation or sounds frustrated now, else `neutral`."""
    if "complaint" in user_intents_newest_first(tracker):
        return "upset"
    text = (tracker.latest_message or {}).get("text") or ""
    return "upset" if any(word in text.lower() for word in UPSET_WORDS) else "neutral"
