"""Validation of order_request_form: the order number, the proof that it is the customer's
(the email or phone on it, unless the shop signed its customer in), and, for a change the
order still allows, the change's details and the customer's confirmation.

A proof older than VERIFICATION_TTL_MINUTES is forgotten and asked for again. A turn whose
validation fails is answered with an apology, and the values it was validating are asked again.
"""

import difflib
import math
import re
from typing import Any, Dict, List, Optional, Set, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import clock
from actions.conversation import (
    ORDER_REQUEST_INTENTS,
    apologise_for_failure,
    latest_intent,
    latest_text,
    order_request_text,
    slot_before_latest_message,
)
from actions.digressions import switch_answered, switch_request
from actions.formatting import format_items
from actions.identity import (
    VERIFIED_AT_SLOT,
    VerificationBlocked,
    proof_expired,
    proof_given_now,
    proven_order,
    signed_in_customer_id,
    verified_order,
)
from actions.order_changes import CHANGE_DETAIL_SLOTS, CHANGE_SLOTS, requested_change
from actions.shop import ShopUnavailable, ask_shop, shop_repository
from actions.unsure_request import offer_other_request
from actions.validation import (
    corrected_order_id,
    email_in_text,
    normalise_city,
    normalise_contact,
    normalise_country,
    normalise_order_id,
    normalise_postcode,
    normalise_reason,
    normalise_street,
    order_id_in_text,
    reason_in_text,
    whole_contact,
    parse_quantity,
    postcode_rule,
)

MAX_VERIFICATION_ATTEMPTS = 3
# What every order request needs; the domain lists these first, then every change detail.
VERIFICATION_SLOTS = ["order_id", "order_contact"]
# What it needs when the shop signed in the order's own customer.
SIGNED_IN_SLOTS = ["order_id"]
FORM_SLOTS = VERIFICATION_SLOTS + CHANGE_SLOTS
# Messages about the request itself, whose email is the proof the form needs.
CONTACT_BEARING_INTENTS = (*ORDER_REQUEST_INTENTS, "inform")


def first_value(slot_value: Any) -> Optional[Any]:
    # The extractor returns a list when a message holds two values; the first
    # one is what the customer most likely meant.
    if isinstance(slot_value, list):
        return slot_value[0] if slot_value else None
    return slot_value


def failed_verifications(tracker: Tracker) -> float:
    """How many verifications failed in this conversation (0 for anything but a number)."""
    value = tracker.get_slot("verification_failures")
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def verification_locked(tracker: Tracker) -> bool:
    """True after MAX_VERIFICATION_ATTEMPTS failed verifications in this conversation."""
    return failed_verifications(tracker) >= MAX_VERIFICATION_ATTEMPTS


def contact_given_again(tracker: Tracker) -> bool:
    """True if the customer's latest message holds the email or phone the form already has."""
    contact = tracker.get_slot("order_contact")
    return isinstance(contact, str) and normalise_contact(latest_text(tracker)) == contact


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


class ValidateOrderRequestForm(FormValidationAction):
    """Accepts an order number and verifies it is the customer's: it belongs to the customer
    the shop signed in, or the email or phone given is the one on that order."""

    def name(self) -> Text:
        return "validate_order_request_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        said_before = len(dispatcher.messages)
        being_validated = _slots_being_validated(tracker)
        try:
            renewal = self._forget_expired_proof(dispatcher, tracker)
            return renewal + await super().run(dispatcher, tracker, domain)
        except Exception as error:  # noqa: BLE001 - the turn is answered whatever failed
            # Replies about values whose validation did not finish would mislead.
            del dispatcher.messages[said_before:]
            apologise_for_failure(dispatcher, self.name(), error)
            return _ask_again(tracker, being_validated)

    @staticmethod
    def _forget_expired_proof(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Forgets a proof older than VERIFICATION_TTL_MINUTES, so the form asks for the email or
        phone again; the same contact in this very message is checked again instead."""
        if not proof_expired(tracker):
            return []
        contact = tracker.get_slot("order_contact") if contact_given_again(tracker) else None
        if contact is None:
            dispatcher.utter_message(response="utter_verification_expired")
        # Also the form's view of this turn: the contact is this turn's candidate for validation
        # (None: nothing to check), the proof's time is gone.
        tracker.slots[VERIFIED_AT_SLOT] = None
        tracker.add_slots([SlotSet("order_contact", contact)])
        return [SlotSet(VERIFIED_AT_SLOT, None), SlotSet("order_contact", contact)]

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
        if switch_request(tracker):
            # Another request came while a change was half-done: whether to drop it comes first.
            return ["switch_confirmed"]
        proof = await proof_slots(tracker)
        change = requested_change(tracker)
        order_id = normalise_order_id(first_value(tracker.get_slot("order_id")))
        if change is None or order_id is None or any(tracker.get_slot(slot) is None for slot in proof):
            return proof
        try:
            refusal = await ask_shop(shop_repository().change_refusal, int(order_id), change, clock.now())
        except (ShopUnavailable, LookupError):
            return proof
        # A change the order no longer allows ends the form; the answer says why.
        if refusal is not None:
            return proof
        return proof + CHANGE_DETAIL_SLOTS[change] + ["change_confirmed"]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[EventType]:
        next_slot = await super().next_requested_slot(dispatcher, tracker, domain)
        # Ask, don't guess: the first question for a change NLU was unsure of offers the other request.
        offer_other_request(dispatcher, tracker, next_slot.get("value") if next_slot else None)
        return next_slot

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        # The number alone, or within the answer to its question ("oh I see, it says 100073").
        order_id = normalise_order_id(first_value(slot_value)) or order_id_in_text(first_value(slot_value))
        # NLU may tag the denied number of "it is 100021, not 100012".
        order_id = corrected_order_id(latest_text(tracker)) or order_id
        if order_id is None and tracker.get_slot("requested_slot") not in (None, "order_id"):
            # A number in the answer to another question ("Lindenstrasse 12") that NLU
            # took for an order number: the order in hand stays.
            return {"order_id": slot_before_latest_message(tracker, "order_id")}
        if order_id is None and "order_contact" in tracker.slots_to_validate():
            # The email or phone instead of the number: kept, and the number asked for again.
            return {"order_id": None}
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        # A contact given earlier must match this (possibly new) order; a contact in this
        # same message is checked by validate_order_contact instead.
        contact = None if "order_contact" in tracker.slots_to_validate() else tracker.get_slot("order_contact")
        return await self._accept_order_id(dispatcher, tracker, order_id, contact)

    async def extract_order_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An email NLU did not tag in a message about this request ("return the shoes from
        order 100409, my email is clara@example.org"): an email has one exact shape, so the form
        does not ask for what the customer already wrote."""
        if tracker.get_slot("order_contact") is not None or latest_intent(tracker) not in CONTACT_BEARING_INTENTS:
            return {}
        email = email_in_text(latest_text(tracker))
        return {"order_contact": email} if email else {}

    async def validate_order_contact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if slot_value is None:
            # Cleared this turn (an expired proof): the form asks for it again.
            return {"order_contact": None}
        contact = whole_contact(first_value(slot_value), latest_text(tracker))
        order_number = normalise_order_id(first_value(slot_value))
        if contact is None and order_number is not None and tracker.get_slot("requested_slot") == "order_id":
            # The order number that was asked for, which NLU read as a phone number
            # ("700000"): taken as the order number, and any contact given earlier stays.
            earlier = slot_before_latest_message(tracker, "order_contact")
            earlier_contact = earlier if isinstance(earlier, str) else None
            accepted = await self._accept_order_id(dispatcher, tracker, order_number, earlier_contact)
            return {"order_contact": earlier_contact, **accepted}
        if contact is None and "order_id" in tracker.slots_to_validate():
            # A corrected order number ("sorry, it's 100016"), not a contact: asked for next.
            return {"order_contact": None}
        corrected_order_id = order_id_in_text(latest_text(tracker)) if contact is None else None
        if corrected_order_id is not None:
            # The same, when NLU did not tag the number.
            accepted = await self._accept_order_id(dispatcher, tracker, corrected_order_id, None)
            return {"order_contact": None, **accepted}
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_order_contact")
            return {"order_contact": None}
        order_id = normalise_order_id(first_value(tracker.get_slot("order_id")))
        order_id_beside = order_id_in_text(latest_text(tracker)) if order_id is None else None
        if order_id_beside is not None:
            # The number in the same message, which NLU did not tag ("100016, jan@example.org").
            return await self._verify(dispatcher, tracker, order_id_beside, contact)
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
        """Checks a normalised order number against the contact (or the signed-in customer)."""
        try:
            order = await proven_order(tracker, int(order_id), contact)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return {"order_id": order_id, "order_contact": None}
        except VerificationBlocked:
            return _count_failure(dispatcher, tracker, "utter_verification_blocked")
        if order is not None:
            # A newly verified request starts without details left from an earlier one. Only an
            # email or phone expires; the shop's sign-in is proven again with every message.
            proof_time = {VERIFIED_AT_SLOT: proof_given_now()} if contact else {}
            same_order = order_id == normalise_order_id(first_value(slot_before_latest_message(tracker, "order_id")))
            # A form started again for the same order (a switched request, a confirmation in
            # other words) keeps what it collected.
            fresh_request = {} if same_order else {slot: None for slot in CHANGE_SLOTS}
            return {"order_id": order_id, "order_contact": contact, **proof_time, **fresh_request,
                    **reason_given_already(tracker)}
        if contact is None:
            # Signed in, but not their order: asked for its email or phone like anyone else.
            return {"order_id": order_id}
        # Same words whether the order does not exist or is someone else's. The number stays, so
        # a mistyped email is typed again alone; a corrected number replaces it.
        return _count_failure(dispatcher, tracker, "utter_order_not_verified", order_id)

    async def validate_switch_confirmed(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return switch_answered(dispatcher, tracker, slot_value)

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
        except VerificationBlocked:
            # Asked for the email or phone again, which meets the block until it ends.
            dispatcher.utter_message(response="utter_verification_blocked")
            return {"change_item": None, "order_contact": None, VERIFIED_AT_SLOT: None}
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


def _count_failure(
    dispatcher: CollectingDispatcher, tracker: Tracker, response: Text, kept_order_id: Optional[Text] = None
) -> Dict[Text, Any]:
    """A failed or blocked proof: the contact (and the order number unless it is kept) asked
    again, `response` says why, and the conversation's count goes up (at the limit the answer
    action offers a human)."""
    failures = failed_verifications(tracker) + 1
    if failures < MAX_VERIFICATION_ATTEMPTS:
        dispatcher.utter_message(response=response)
    return {"order_id": kept_order_id, "order_contact": None, VERIFIED_AT_SLOT: None, "verification_failures": failures}


def reason_given_already(tracker: Tracker) -> Dict[Text, Any]:
    """The return or refund reason the customer named with the request or the proof, so the
    form does not ask for it."""
    if requested_change(tracker) not in ("refund", "return") or tracker.get_slot("refund_reason"):
        return {}
    reason = reason_in_text(latest_text(tracker)) or reason_in_text(order_request_text(tracker))
    return {"refund_reason": reason} if reason else {}


def _slots_being_validated(tracker: Tracker) -> Set[Text]:
    """The form's slots this turn set (what a failed validation asks again)."""
    try:
        return set(tracker.slots_to_validate()) & set(FORM_SLOTS)
    except Exception:  # noqa: BLE001 - events too broken to read: nothing to clear
        return set()


def _ask_again(tracker: Tracker, being_validated: Set[Text]) -> List[EventType]:
    """After a failed validation: the values it was validating cleared, and the question the
    customer was answering asked again (the order number if there was none)."""
    requested = tracker.get_slot(REQUESTED_SLOT)
    ask = requested if requested in FORM_SLOTS else VERIFICATION_SLOTS[0]
    return [SlotSet(slot, None) for slot in FORM_SLOTS if slot in being_validated] + [SlotSet(REQUESTED_SLOT, ask)]


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
