"""Validation of order_lookup_form: the order number every order request starts with."""

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.validation import normalise_order_id


class ValidateOrderLookupForm(FormValidationAction):
    """Accepts an order number in any common spelling and stores its 6 digits."""

    def name(self) -> Text:
        return "validate_order_lookup_form"

    def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        # The extractor may return a list when a message holds two numbers;
        # the first one is what the customer most likely meant.
        if isinstance(slot_value, list):
            slot_value = slot_value[0] if slot_value else None
        order_id = normalise_order_id(slot_value)
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return {"order_id": order_id}
