"""Order requests: answers what can be said about an order once its number is known."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import user_intents_newest_first

# The intents that start order_lookup_form; each has an utter_order_noted_<intent>.
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


def latest_order_request(tracker: Tracker) -> Optional[Text]:
    """Returns the most recent order-request intent of the conversation, if any."""
    return next((i for i in user_intents_newest_first(tracker) if i in ORDER_REQUEST_INTENTS), None)


class ActionAnswerOrderRequest(Action):
    """Answers the customer's order request for the order number in the form."""

    def name(self) -> Text:
        return "action_answer_order_request"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        request = latest_order_request(tracker)
        if request is None:
            dispatcher.utter_message(response="utter_ask_what_about_order")
        else:
            dispatcher.utter_message(response=f"utter_order_noted_{request}")
        return []
