"""Ask, don't guess: when NLU read an order change without being sure of it, next to another
order request it nearly chose, the first question order_request_form asks for it comes with an
offer of the other request, once ("If you meant to change the items in your order instead,
just say so or tap below"). Nothing is changed before the customer confirms the change, and a
customer who meant the other request switches with one tap; a customer who meant the first
just answers the question, so the offer never holds a conversation up.

The thresholds are picked on the blind NLU set (docs/performance.md, "Accuracy"): `make evaluate-blind`
reports how often the offer is made and how many changes still start wrongly.
"""

from typing import Any, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.conversation import ORDER_REQUEST_INTENTS, events_since_order_request, order_request_parse_data
from actions.digressions import REQUEST_TEXT
from actions.order_changes import REQUEST_CHANGES

# A change whose intent is ranked this far at most above another order request's is offered the other.
UNSURE_MARGIN = 0.3
# Below this confidence a change is offered the other request whenever one is ranked second.
SURE_CONFIDENCE = 0.7
# What each order request is called on its button.
REQUEST_BUTTON_TITLES = {
    "track_order": "Where is my order?",
    "cancel_order": "Cancel the whole order",
    "change_order": "Change an item",
    "change_shipping_address": "Change the delivery address",
    "get_refund": "Get my money back",
    "return_item": "Return an item",
    "track_refund": "Where is my refund?",
    "check_invoice": "Look at the invoice",
    "get_invoice": "Get the invoice",
    "warranty_claim": "A warranty repair",
}


def close_alternative(parse_data: Any) -> Optional[Text]:
    """The other order request a message may have meant, when NLU ranked an order change
    first without being sure of it; None when the change is clear (or not a change)."""
    ranking = parse_data.get("intent_ranking") if isinstance(parse_data, dict) else None
    if not isinstance(ranking, list) or len(ranking) < 2:
        return None
    (first, first_confidence), (second, second_confidence) = (_name_and_confidence(entry) for entry in ranking[:2])
    if first not in REQUEST_CHANGES or second not in ORDER_REQUEST_INTENTS:
        return None
    unsure = first_confidence < SURE_CONFIDENCE or first_confidence - second_confidence < UNSURE_MARGIN
    return second if unsure else None


def _name_and_confidence(entry: Any) -> tuple:
    if not isinstance(entry, dict):
        return None, 0.0
    confidence = entry.get("confidence")
    return entry.get("name"), float(confidence) if isinstance(confidence, (int, float)) else 0.0


def unsure_request_alternative(tracker: Tracker) -> Optional[Text]:
    """The request to offer beside the one order_request_form serves, if NLU was unsure of it
    (a request the customer chose, by button or by switching, is sure)."""
    return close_alternative(order_request_parse_data(tracker))


def _asked_since_request(tracker: Tracker) -> bool:
    return any(event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT and event.get("value")
               for event in events_since_order_request(tracker))


def offer_other_request(dispatcher: CollectingDispatcher, tracker: Tracker, next_slot: Optional[Text]) -> None:
    """With the form's first question for an unsure change, offers the request NLU nearly chose."""
    if next_slot is None:
        return
    alternative = unsure_request_alternative(tracker)
    if alternative is None or _asked_since_request(tracker):
        return
    dispatcher.utter_message(response="utter_offer_other_request", request_text=REQUEST_TEXT[alternative],
                             request_title=REQUEST_BUTTON_TITLES[alternative], request_intent=alternative)
