"""Fallbacks. NLU unsure: ask which of two requests was meant when one would change an order
(components/request_guard.py), or else to rephrase; offer a human on the second miss in a
row. The policies unsure: inside a form its question again, elsewhere a human contact."""

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import user_intents_newest_first
from actions.order_changes import REQUEST_CHANGES

NLU_FALLBACK_INTENT = "nlu_fallback"
# The choice a button offers for each intent a close call may be between.
CHOICES = {
    "cancel_order": "Cancel the whole order",
    "change_order": "Change or remove an item",
    "change_shipping_address": "Change the delivery address",
    "get_refund": "Get my money back",
    "return_item": "Send something back",
    "track_order": "Find out where my order is",
    "track_refund": "Check on my refund",
    "check_cancellation_fee": "Ask if cancelling costs anything",
    "check_refund_policy": "Read the return and refund policy",
    "warranty_claim": "Report a faulty product",
    "set_up_shipping_address": "Save an address in my account",
    "place_order": "Place a new order",
    "check_invoice": "See my invoice",
    "get_invoice": "Get a copy of my invoice",
    "payment_issue": "Report a payment problem",
    "delivery_period": "Ask how long delivery takes",
    "delivery_options": "Ask about delivery options",
    "complaint": "Make a complaint",
    "contact_human_agent": "Talk to a person",
    "product_inquiry": "Ask about a product",
}


def consecutive_fallbacks(tracker: Tracker) -> int:
    """Counts the customer's latest messages in a row that NLU could not classify."""
    count = 0
    for intent in user_intents_newest_first(tracker):
        if intent != NLU_FALLBACK_INTENT:
            break
        count += 1
    return count


def close_call(tracker: Tracker) -> List[Text]:
    """The two intents NLU hesitated between, when one of them would change an order and a
    button can offer each; otherwise none."""
    latest = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
    ranking = [entry.get("name") for entry in latest.get("intent_ranking") or [] if isinstance(entry, dict)]
    top_two = [name for name in ranking if name != NLU_FALLBACK_INTENT][:2]
    if len(top_two) == 2 and set(top_two) & set(REQUEST_CHANGES) and all(name in CHOICES for name in top_two):
        return top_two
    return []


def order_number_given(tracker: Tracker) -> Optional[Text]:
    latest = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
    return next((str(entity.get("value")) for entity in latest.get("entities") or []
                 if isinstance(entity, dict) and entity.get("entity") == "order_id"), None)


def choice_button(intent: Text, order_id: Optional[Text]) -> Dict[Text, Text]:
    """A button that sends the intent, with the order number the message gave."""
    entities = json.dumps({"order_id": order_id}) if order_id else ""
    return {"title": CHOICES[intent], "payload": f"/{intent}{entities}"}


def ask_which_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Asks which of the two requests of a close call was meant; False if it was none."""
    choices = close_call(tracker)
    if choices:
        order_id = order_number_given(tracker)
        dispatcher.utter_message(response="utter_which_request",
                                 buttons=[choice_button(intent, order_id) for intent in choices])
    return bool(choices)


class ActionHandleNluFallback(Action):
    """Stage one asks which of two requests was meant, or to rephrase; stage two offers
    customer service, then it starts over."""

    def name(self) -> Text:
        return "action_handle_nlu_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if consecutive_fallbacks(tracker) % 2 == 0:
            dispatcher.utter_message(response="utter_offer_human")
        elif not ask_which_request(dispatcher, tracker):
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []


class ActionHandleCoreFallback(Action):
    """When no policy is sure what comes next (RulePolicy's core fallback). Inside a form the
    form asks its question again, so the turn is answered and the form goes on; elsewhere the
    customer gets a human contact and the message is forgotten, as Rasa's own fallback does."""

    def name(self) -> Text:
        return "action_handle_core_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_did_not_get_that")
            return [FollowupAction(tracker.active_loop_name)]
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]
