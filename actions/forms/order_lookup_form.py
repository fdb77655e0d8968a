"""Validation of order_lookup_form: the order number, the proof that it is the customer's
(the email or phone on it, unless the shop signed its customer in), and, for a change the
order still allows, the change's details and the customer's confirmation."""

import difflib
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import clock
from actions.conversation import slot_before_latest_message
from actions.formatting import format_items
from actions.identity import proven_order, signed_in_customer_id, verified_order
from actions.order_changes import CHANGE_DETAIL_SLOTS, CHANGE_SLOTS, requested_change
from actions.shop import ShopUnavailable, ask_shop, shop_repository
from actions.validation import (
    normalise_city,
    normalise_contact,
    normalise_country,
    normalise_order_id,
    normalise_postcode,
    normalise_reason,
    normalise_street,
    parse_quantity,
    postcode_rule,
)

MAX_VERIFICATION_ATTEMPTS = 3
# What every order request needs; the domain lists these first, then every change detail.
VERIFICATION_SLOTS = ["order_id", "order_contact"]
# What it needs when the shop signed in the order's own customer.
SIGNED_IN_SLOTS = ["order_id"]


def first_value(slot_value: Any) -> Optional[Any]:
    # The extractor returns a list when a message holds two values; the first
    # one is what the customer most likely meant.
    if isinstance(slot_value, list):
        return slot_value[0] if slot_value else None
    return slot_value


def verification_locked(tracker: Tracker) -> bool:
    """True after MAX_VERIFICATION_ATTEMPTS failed verifications in this conversation."""
    return (tracker.get_slot("verification_failures") or 0) >= MAX_VERIFICATION_ATTEMPTS


async def proof_slots(tracker: Tracker) -> List[Text]:
    """SIGNED_IN_SLOTS once the order in the form is the signed-in customer's own, else
    VERIFICATION_SLOTS: anonymous customers, and anyone asking about another customer's
    order, also give the email or phone on it."""
    order_id = normalise_order_id(first_value(tracker.get_slot("order_id")))
    if order_id is None or signed_in_customer_id(tracker) is None:
        return VERIFICATION_SLOTS
    try:
        own_order = await proven_order(tracker, int(order_id), None)
    except ShopUnavailable:
        return VERIFICATION_SLOTS
    return SIGNED_IN_SLOTS if own_order is not None else VERIFICATION_SLOTS


class ValidateOrderLookupForm(FormValidationAction):
    """Accepts an order number and verifies it is the customer's: it belongs to the customer
    the shop signed in, or the email or phone given is the one on that order."""

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
        if verification_locked(tracker):
            return []
        proof = await proof_slots(tracker)
        change = requested_change(tracker)
        if change is None or any(tracker.get_slot(slot) is None for slot in proof):
            return proof
        order_id = int(tracker.get_slot("order_id"))
        try:
            refusal = await ask_shop(shop_repository().change_refusal, order_id, change, clock.now())
        except (ShopUnavailable, LookupError):
            return proof
        # A change the order no longer allows ends the form; the answer says why.
        if refusal is not None:
            return proof
        return proof + CHANGE_DETAIL_SLOTS[change] + ["change_confirmed"]

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_id = normalise_order_id(first_value(slot_value))
        if order_id is None and tracker.get_slot("requested_slot") not in (None, "order_id"):
            # A number in the answer to another question ("Lindenstrasse 12") that NLU
            # took for an order number: the order in hand stays.
            return {"order_id": slot_before_latest_message(tracker, "order_id")}
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        # A contact given earlier must match this (possibly new) order; a contact in this
        # same message is checked by validate_order_contact instead.
        contact = None if "order_contact" in tracker.slots_to_validate() else tracker.get_slot("order_contact")
        return await self._accept_order_id(dispatcher, tracker, order_id, contact)

    async def validate_order_contact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        contact = normalise_contact(first_value(slot_value))
        order_number = normalise_order_id(first_value(slot_value))
        if contact is None and order_number is not None and tracker.get_slot("requested_slot") == "order_id":
            # The order number that was asked for, which NLU read as a phone number
            # ("700000"): taken as the order number, and any contact given earlier stays.
            earlier_contact = slot_before_latest_message(tracker, "order_contact")
            accepted = await self._accept_order_id(dispatcher, tracker, order_number, earlier_contact)
            return {"order_contact": earlier_contact, **accepted}
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_order_contact")
            return {"order_contact": None}
        order_id = tracker.get_slot("order_id")
        if order_id is None:
            # Given before the order number: checked once the number comes.
            return {"order_contact": contact}
        return await self._verify(dispatcher, tracker, order_id, contact)

    async def _accept_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order_id: Text, contact: Optional[Text]
    ) -> Dict[Text, Any]:
        """A valid order number, verified at once if a contact is in hand or the customer is
        signed in (their own order needs no contact)."""
        if contact or signed_in_customer_id(tracker) is not None:
            return await self._verify(dispatcher, tracker, order_id, contact)
        return {"order_id": order_id}

    async def _verify(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order_id: Text, contact: Optional[Text]
    ) -> Dict[Text, Any]:
        try:
            order = await proven_order(tracker, int(order_id), contact)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return {"order_id": order_id, "order_contact": None}
        if order is not None:
            # A newly verified request starts without details left from an earlier one.
            return {"order_id": order_id, "order_contact": contact, **{slot: None for slot in CHANGE_SLOTS}}
        if contact is None:
            # Signed in, but not their order: asked for its email or phone like anyone else.
            return {"order_id": order_id}
        failures = (tracker.get_slot("verification_failures") or 0) + 1
        # Same words whether the order does not exist or is someone else's.
        if failures < MAX_VERIFICATION_ATTEMPTS:
            dispatcher.utter_message(response="utter_order_not_verified")
        return {"order_id": None, "order_contact": None, "verification_failures": failures}

    async def validate_refund_reason(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return normalised_or_explained("refund_reason", normalise_reason(slot_value), dispatcher)

    async def validate_shipping_street(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return normalised_or_explained("shipping_street", normalise_street(slot_value), dispatcher)

    async def validate_shipping_postcode(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return normalised_or_explained("shipping_postcode", normalise_postcode(slot_value), dispatcher)

    async def validate_shipping_city(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return normalised_or_explained("shipping_city", normalise_city(slot_value), dispatcher)

    async def validate_shipping_country(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        country = normalise_country(slot_value)
        if country is None:
            dispatcher.utter_message(response="utter_invalid_shipping_country")
            return {"shipping_country": None}
        # The postcode was asked first; now that the country is known it must fit it.
        rule = postcode_rule(country, tracker.get_slot("shipping_postcode") or "")
        if rule is not None:
            dispatcher.utter_message(response="utter_postcode_does_not_fit_country", country=country, postcode_rule=rule)
            return {"shipping_country": country, "shipping_postcode": None}
        return {"shipping_country": country}

    async def validate_change_item(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        try:
            order = await verified_order(tracker)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return {"change_item": None}
        names = [name for name, _ in order.items] if order else []
        item = closest_item(slot_value, names)
        if item is None and order is not None:
            dispatcher.utter_message(
                response="utter_invalid_change_item", order_id=order.order_id, items=format_items(order.items)
            )
        return {"change_item": item}

    async def validate_change_quantity(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        quantity = parse_quantity(slot_value)
        return normalised_or_explained("change_quantity", None if quantity is None else str(quantity), dispatcher)


def normalised_or_explained(slot: Text, value: Optional[Text], dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """The slot set to its normalised value, or cleared with utter_invalid_<slot> said once."""
    if value is None:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
    return {slot: value}


# Words that say nothing about which item is meant.
FILLER_WORDS = {"the", "and", "one", "please", "item", "want", "change", "that", "this", "those", "these", "with"}


def closest_item(typed: Any, names: List[Text]) -> Optional[Text]:
    """The order item the customer means: the name sharing most words with what they typed
    (typos allowed), or None if no word matches."""
    if not isinstance(typed, str):
        return None
    words = [w for w in re.findall(r"\w+", typed.lower()) if len(w) >= 3 and w not in FILLER_WORDS]

    def shared_words(name: Text) -> int:
        name_words = name.lower().split() or [""]
        return sum(max(difflib.SequenceMatcher(None, w, n).ratio() for n in name_words) >= 0.8 for w in words)

    best = max(names, key=shared_words, default=None)
    return best if best is not None and shared_words(best) > 0 else None
