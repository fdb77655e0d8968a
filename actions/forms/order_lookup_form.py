"""Validation of order_lookup_form: the order number and the proof that it is the customer's."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.shop import ShopUnavailable, ask_shop, shop_repository
from actions.validation import normalise_contact, normalise_order_id

MAX_VERIFICATION_ATTEMPTS = 3


def first_value(slot_value: Any) -> Optional[Any]:
    # The extractor returns a list when a message holds two values; the first
    # one is what the customer most likely meant.
    if isinstance(slot_value, list):
        return slot_value[0] if slot_value else None
    return slot_value


def verification_locked(tracker: Tracker) -> bool:
    """True after MAX_VERIFICATION_ATTEMPTS failed verifications in this conversation."""
    return (tracker.get_slot("verification_failures") or 0) >= MAX_VERIFICATION_ATTEMPTS


class ValidateOrderLookupForm(FormValidationAction):
    """Accepts an order number and the email or phone on that order, and verifies the pair."""

    def name(self) -> Text:
        return "validate_order_lookup_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # Nothing more is asked once locked: the form ends and the answer offers a human.
        return [] if verification_locked(tracker) else domain_slots

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_id = normalise_order_id(first_value(slot_value))
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        contact = tracker.get_slot("order_contact")
        # A contact given earlier must match this (possibly new) order; a contact in
        # this same message is checked by validate_order_contact instead.
        if contact and "order_contact" not in tracker.slots_to_validate():
            return await self._verify(dispatcher, tracker, order_id, contact)
        return {"order_id": order_id}

    async def validate_order_contact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        contact = normalise_contact(first_value(slot_value))
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_order_contact")
            return {"order_contact": None}
        order_id = tracker.get_slot("order_id")
        if order_id is None:
            # Given before the order number: checked once the number comes.
            return {"order_contact": contact}
        return await self._verify(dispatcher, tracker, order_id, contact)

    async def _verify(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order_id: Text, contact: Text
    ) -> Dict[Text, Any]:
        try:
            order = await ask_shop(shop_repository().find_verified_order, int(order_id), contact)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return {"order_id": order_id, "order_contact": None}
        if order is not None:
            return {"order_id": order_id, "order_contact": contact}
        failures = (tracker.get_slot("verification_failures") or 0) + 1
        # Same words whether the order does not exist or is someone else's.
        if failures < MAX_VERIFICATION_ATTEMPTS:
            dispatcher.utter_message(response="utter_order_not_verified")
        return {"order_id": None, "order_contact": None, "verification_failures": failures}
