"""Ask, don't guess: an order change NLU read without being sure, next to another order
request it nearly chose, is asked about ("cancel the whole order, or change an item?")
before order_lookup_form starts it.

The thresholds are picked on the blind NLU set (README, "Accuracy"): `make evaluate-blind`
reports how many messages they ask about and how many changes they would still start wrongly.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ORDER_REQUEST_INTENTS, current_order_request, order_request_parse_data
from actions.order_changes import REQUEST_CHANGES

# A change whose intent is ranked this far at most above another order request's is asked about.
UNSURE_MARGIN = 0.3
# Below this confidence a change is asked about when any other order request is ranked second.
SURE_CONFIDENCE = 0.6
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
    """The request to offer beside the one order_lookup_form serves, if NLU was unsure of it
    (a request the customer chose, by button or by switching, is sure)."""
    return close_alternative(order_request_parse_data(tracker))


def request_choice(first: Text, second: Text) -> Dict[Text, Any]:
    """The question's variables: each request's button title and payload."""
    return {
        "first_title": REQUEST_BUTTON_TITLES.get(first, first), "first_intent": first,
        "second_title": REQUEST_BUTTON_TITLES.get(second, second), "second_intent": second,
    }


class ActionAskChosenRequest(Action):
    """Asks which of the two requests the customer meant, with a button for each."""

    def name(self) -> Text:
        return "action_ask_chosen_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        first = current_order_request(tracker)
        second = unsure_request_alternative(tracker)
        if first is None or second is None:
            dispatcher.utter_message(response="utter_did_not_get_that")
            return []
        dispatcher.utter_message(response="utter_ask_chosen_request", **request_choice(first, second))
        return []
