"""Reading the conversation history the action server receives with each tracker, and
answering a turn whose action failed.

Events come from the Rasa server; anything in them may be missing or of another type, and
reading them never raises.
"""

import logging
import traceback
from typing import Any, Dict, Iterator, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)


def _events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The tracker's events that are dicts (a tracker from the wire may hold anything)."""
    events = tracker.events if isinstance(tracker.events, list) else []
    return [event for event in events if isinstance(event, dict)]


def _intent_name(event: Dict[Text, Any]) -> Optional[Text]:
    parse_data = event.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def user_intents_newest_first(tracker: Tracker) -> Iterator[Optional[Text]]:
    """Yields the intent name of each customer message, the latest message first."""
    for event in reversed(_events(tracker)):
        if event.get("event") == "user":
            yield _intent_name(event)


# The form that collects and verifies an order request's details.
ORDER_FORM = "order_request_form"
# The intents that start ORDER_FORM: each needs a verified order.
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


# Set when the customer takes up a request the assistant offered (no message names it).
ORDER_REQUEST_SLOT = "order_request"


def _request_event(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """The event that made the request ORDER_FORM serves: ORDER_REQUEST_SLOT set since the
    form's latest activation (a switch the customer confirmed inside it), else the last order
    request (a customer message, or ORDER_REQUEST_SLOT set) before that activation."""
    activated = False
    for event in reversed(_events(tracker)):
        requested = event.get("value") if event.get("event") == "slot" and event.get("name") == ORDER_REQUEST_SLOT else None
        if requested in ORDER_REQUEST_INTENTS:
            return event
        if event.get("event") == "active_loop" and event.get("name") == ORDER_FORM:
            activated = True
        elif activated and event.get("event") == "user" and _intent_name(event) in ORDER_REQUEST_INTENTS:
            return event
    return next((e for e in reversed(_events(tracker)) if e.get("event") == "user" and _intent_name(e) in ORDER_REQUEST_INTENTS), None)


def current_order_request(tracker: Tracker) -> Optional[Text]:
    """The order request order_request_form serves: the last one before the form's latest activation.

    Answers given inside the form ("it arrived broken") are often classified as order
    requests themselves; they must not change what the customer asked for.
    """
    event = _request_event(tracker)
    if event is None:
        return None
    return event.get("value") if event.get("event") == "slot" else _intent_name(event)


def order_request_text(tracker: Tracker) -> Text:
    """What the customer wrote to make the current order request ("" if it was offered)."""
    event = _request_event(tracker)
    text = event.get("text") if event is not None and event.get("event") == "user" else None
    return text if isinstance(text, str) else ""


def events_since_order_request(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The events after the one that made the current order request (all, if none did)."""
    events = _events(tracker)
    request = _request_event(tracker)
    start = next((index + 1 for index, event in enumerate(events) if event is request), 0)
    return events[start:]


def order_request_parse_data(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """What NLU made of the message that made the current order request (None if no message
    made it: the customer chose it)."""
    event = _request_event(tracker)
    parse_data = event.get("parse_data") if event is not None and event.get("event") == "user" else None
    return parse_data if isinstance(parse_data, dict) else None


# Events after which every slot is empty again.
SLOT_RESETS = ("restart", "session_started", "reset_slots")


def slot_before_latest_message(tracker: Tracker, slot: Text) -> Optional[object]:
    """The slot's value before the customer's latest message set anything."""
    events = _events(tracker)
    user_indices = [i for i, event in enumerate(events) if event.get("event") == "user"]
    value = None
    for event in events[: user_indices[-1] if user_indices else 0]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
        elif event.get("event") in SLOT_RESETS:
            value = None
    return value


def recent_user_messages(tracker: Tracker, limit: int) -> str:
    """The customer's last `limit` messages, oldest first, one per line."""
    texts = [e.get("text") for e in _events(tracker) if e.get("event") == "user"]
    return "\n".join(t for t in texts[-limit:] if isinstance(t, str) and t)


# Words that show a customer is frustrated, besides having complained in this conversation.
UPSET_WORDS = (
    "unacceptable", "ridiculous", "angry", "furious", "worst", "terrible", "awful", "disgusting",
    "fed up", "still not", "still no", "again", "joke", "scam", "useless", "!!",
)


def customer_mood(tracker: Tracker) -> Text:
    """`upset` if the customer complained in this conversation or sounds frustrated now, else `neutral`."""
    if "complaint" in user_intents_newest_first(tracker):
        return "upset"
    return "upset" if any(word in latest_text(tracker).lower() for word in UPSET_WORDS) else "neutral"


def latest_intent(tracker: Tracker) -> Optional[Text]:
    """The intent of the customer's latest message (None if there is none)."""
    latest = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
    intent = latest.get("intent")
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def latest_text(tracker: Tracker) -> Text:
    """The text of the customer's latest message ("" if there is none)."""
    latest = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
    text = latest.get("text")
    return text if isinstance(text, str) else ""


# --- a turn whose action failed ---
FAILURE_RESPONSE = "utter_something_went_wrong"


def apologise_for_failure(dispatcher: CollectingDispatcher, action_name: Text, error: BaseException) -> None:
    """Answers with an apology and a human contact, and logs where the error happened and its
    type only: its message can quote customer data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown place"
    logger.error("%s failed with %s at %s", action_name, type(error).__name__, where)
    dispatcher.utter_message(response=FAILURE_RESPONSE)
