"""Changes a customer can make to a verified order: what each needs, the confirmation, the outcome."""

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.conversation import current_order_request
from actions.db.repository import (
    NOT_YET_SHIPPED_STATUSES,
    RETURN_WINDOW_DAYS,
    ChangeOutcome,
    OrderSummary,
    ShippingAddress,
)
from actions.formatting import STATUS_TEXT, echo_customer_text, format_day, format_items, format_money
from actions.generation.replies import send_reply
from actions.customer_profile import Profile, customer_profile
from actions.identity import known_customer
from actions.privacy import mask_address, mask_email
from actions.shop import ask_shop, change_shop, shop_repository
from actions.validation import parse_quantity

# The order requests that change the order, and the change each one asks for.
REQUEST_CHANGES = {
    "cancel_order": "cancel",
    "get_refund": "refund",
    "return_item": "return",
    "change_shipping_address": "address",
    "change_order": "items",
}
# What order_request_form asks after verification, before the confirmation.
CHANGE_DETAIL_SLOTS = {
    "cancel": [],
    "refund": ["refund_reason"],
    "return": ["refund_reason"],
    "address": ["shipping_street", "shipping_postcode", "shipping_city", "shipping_country"],
    "items": ["change_item", "change_quantity"],
}
CHANGE_SLOTS = sorted({s for slots in CHANGE_DETAIL_SLOTS.values() for s in slots} | {"change_confirmed"})
KIND_TEXT = {"refund": "refund request", "return": "return"}
# Policy the replies state; the templates in domain.yml say the same.
REFUND_DAYS_TEXT = "5-7 business days"
# "How long until I get my money back?" is answered with the status.
REFUND_STATUS_TEXT = {
    "requested": f"open and waiting for the parcel to reach our warehouse; the money follows within {REFUND_DAYS_TEXT} of its arrival",
    "approved": "approved",
    "received": f"received at our warehouse; the money is being sent back and arrives within {REFUND_DAYS_TEXT}",
    "refunded": "refunded to your original payment method",
    "rejected": "rejected; our team has emailed you why",
}
RETURN_WINDOW_TEXT = f"{RETURN_WINDOW_DAYS} days"


def change_half_done(tracker: Tracker) -> bool:
    """True if the customer already gave a detail of a change, or answered its confirmation."""
    return any(tracker.get_slot(slot) is not None for slot in CHANGE_SLOTS)


def tell_verified(dispatcher: CollectingDispatcher, order: OrderSummary) -> None:
    dispatcher.utter_message(
        response="utter_order_verified", order_id=order.order_id, masked_email=mask_email(order.customer_email)
    )


def requested_change(tracker: Tracker) -> Optional[Text]:
    """The change the customer's latest order request asks for, or None for a question."""
    request = current_order_request(tracker)
    return REQUEST_CHANGES.get(request) if request else None


def forget_change() -> List[Dict[Text, Any]]:
    """Clears what was collected for a change, so the next request starts fresh."""
    return [SlotSet(slot, None) for slot in CHANGE_SLOTS]


def requested_address(tracker: Tracker) -> ShippingAddress:
    return ShippingAddress(
        street=tracker.get_slot("shipping_street"),
        postcode=tracker.get_slot("shipping_postcode"),
        city=tracker.get_slot("shipping_city"),
        country=tracker.get_slot("shipping_country"),
    )


def masked(address: ShippingAddress) -> str:
    # The street is the customer's own text: no markup may reach a client that renders it.
    return mask_address(echo_customer_text(address.street), address.postcode, address.city, address.country)


def requested_quantity(tracker: Tracker) -> Optional[int]:
    """The validated change_quantity as a number, or None if the slot holds anything else."""
    value = tracker.get_slot("change_quantity")
    return parse_quantity(value) if isinstance(value, str) else None


def item_change_text(tracker: Tracker) -> str:
    item, quantity = tracker.get_slot("change_item"), requested_quantity(tracker)
    return f"remove {item}" if quantity == 0 else f"change {item} to {quantity}"


class ActionAskChangeConfirmed(Action):
    """Asks the customer to confirm the change, stating what exactly will happen."""

    def name(self) -> Text:
        return "action_ask_change_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        change = requested_change(tracker)
        if order is None or change is None:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if change == "items" and requested_quantity(tracker) is None:
            # Nothing to confirm yet: the form asks for the quantity again.
            dispatcher.utter_message(response="utter_invalid_change_quantity")
            return [SlotSet("change_quantity", None)]
        facts = dict(order_id=order.order_id, items=format_items(order.items))
        if change == "cancel":
            dispatcher.utter_message(
                response="utter_confirm_cancel", total=format_money(order.total, order.currency),
                status_text=STATUS_TEXT[order.status], **facts,
            )
        elif change in KIND_TEXT:
            dispatcher.utter_message(
                response="utter_confirm_refund", kind_text=KIND_TEXT[change],
                amount=format_money(order.total, order.currency), **facts,
            )
        elif change == "address":
            dispatcher.utter_message(
                response="utter_confirm_address", order_id=order.order_id, masked_address=masked(requested_address(tracker))
            )
        else:
            dispatcher.utter_message(
                response="utter_confirm_item_change", order_id=order.order_id, change_text=item_change_text(tracker)
            )
        return []


class ActionAskChangeItem(Action):
    """Asks which item of the order to change, listing what the order contains."""

    def name(self) -> Text:
        return "action_ask_change_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        if order is None:
            dispatcher.utter_message(response="utter_shop_unavailable")
        else:
            dispatcher.utter_message(response="utter_ask_change_item", order_id=order.order_id, items=format_items(order.items))
        return []


async def tell_refusal(
    dispatcher: CollectingDispatcher, tracker: Tracker, change: Text, outcome: ChangeOutcome, order: OrderSummary
) -> None:
    """Says why the change cannot be made and what the customer can do instead."""
    facts = dict(order_id=order.order_id, status_text=STATUS_TEXT[outcome.status])
    profile = customer_profile(tracker, order)
    reason = outcome.reason
    if change == "cancel":
        if reason == "already_cancelled":
            dispatcher.utter_message(response="utter_order_already_cancelled", **facts)
        elif outcome.status in ("delivered", "returned"):
            dispatcher.utter_message(response=f"utter_cancel_refused_{outcome.status}", **facts)
        else:
            await send_reply(dispatcher, "cancel_refused", dict(facts, return_window=RETURN_WINDOW_TEXT), profile)
    elif change in KIND_TEXT:
        await tell_refund_refusal(dispatcher, outcome, order, facts, profile)
    elif change == "address":
        dispatcher.utter_message(response="utter_address_change_refused", **facts)
    elif reason == "last_item":
        dispatcher.utter_message(response="utter_item_change_refused_last_item", **facts)
    elif reason == "item_not_in_order":
        dispatcher.utter_message(response="utter_invalid_change_item", items=format_items(order.items), **facts)
    else:
        dispatcher.utter_message(response="utter_item_change_refused", **facts)


async def tell_refund_refusal(
    dispatcher: CollectingDispatcher, outcome: ChangeOutcome, order: OrderSummary, facts: Dict[Text, Any],
    profile: Profile,
) -> None:
    if outcome.reason == "already_requested":
        refunds = await ask_shop(shop_repository().refunds_for_order, order.order_id)
        existing = next((r for r in refunds if r.status != "rejected"), refunds[0])
        dispatcher.utter_message(
            response="utter_refund_already_requested", kind_text=KIND_TEXT.get(existing.kind, "refund request"),
            reference=existing.reference, refund_status_text=REFUND_STATUS_TEXT[existing.status], **facts,
        )
    elif outcome.reason == "window_closed":
        assert order.delivered_at is not None  # the return window only closes after a delivery
        closed = dict(
            order_id=order.order_id, delivered_on=format_day(order.delivered_at),
            window_closed_on=format_day(order.delivered_at + dt.timedelta(days=RETURN_WINDOW_DAYS)),
        )
        await send_reply(dispatcher, "refund_window_closed", closed, profile)
    elif outcome.status == "cancelled":
        dispatcher.utter_message(response="utter_refund_refused_cancelled", **facts)
    elif outcome.status in NOT_YET_SHIPPED_STATUSES:
        dispatcher.utter_message(response="utter_refund_refused_not_shipped", **facts)
    else:
        dispatcher.utter_message(response="utter_refund_refused_on_the_way", **facts)


async def make_change(dispatcher: CollectingDispatcher, tracker: Tracker, change: Text, order: OrderSummary) -> None:
    """Makes the confirmed change in one transaction and tells the outcome.

    Raises:
        ShopUnavailable: the change failed and nothing was changed; only then is the customer
            told that it failed (change_shop waits for the real outcome).
    """
    repository, now = shop_repository(), clock.now()
    if change == "cancel":
        outcome = await change_shop(repository.cancel_order, order.order_id, now)
    elif change in KIND_TEXT:
        outcome = await change_shop(
            repository.request_refund, order.order_id, change, tracker.get_slot("refund_reason") or "", now
        )
    elif change == "address":
        outcome = await change_shop(repository.change_shipping_address, order.order_id, requested_address(tracker))
    else:
        outcome = await change_shop(
            repository.change_item_quantity, order.order_id, tracker.get_slot("change_item"),
            requested_quantity(tracker),
        )
    if not outcome.done or outcome.reason == "already_cancelled":
        await tell_refusal(dispatcher, tracker, change, outcome, order)
        return
    profile = customer_profile(tracker, order)
    if change == "cancel":
        await send_reply(dispatcher, "order_cancelled", dict(order_id=order.order_id, refund_days=REFUND_DAYS_TEXT), profile)
    elif change in KIND_TEXT:
        assert outcome.amount is not None  # a refund or return done carries its amount
        facts = dict(
            kind_text=KIND_TEXT[change], reference=outcome.reference, order_id=order.order_id,
            amount=format_money(outcome.amount, order.currency), refund_days=REFUND_DAYS_TEXT,
        )
        await send_reply(dispatcher, "refund_requested", facts, profile)
    elif change == "address":
        facts = dict(order_id=order.order_id, masked_address=masked(requested_address(tracker)))
        await send_reply(dispatcher, "address_changed", facts, profile)
    else:
        assert outcome.amount is not None  # an item change done carries the new total
        facts = dict(
            change_text=item_change_text(tracker), order_id=order.order_id,
            total=format_money(outcome.amount, order.currency),
        )
        await send_reply(dispatcher, "item_changed", facts, profile)


async def answer_change_request(
    dispatcher: CollectingDispatcher, tracker: Tracker, change: Text, order: OrderSummary
) -> List[Dict[Text, Any]]:
    """Ends a change request: made if confirmed, kept if declined, else why it is not possible."""
    confirmed = tracker.get_slot("change_confirmed")
    if confirmed is True:
        await make_change(dispatcher, tracker, change, order)
    elif confirmed is False:
        dispatcher.utter_message(response="utter_change_kept", order_id=order.order_id)
    else:
        # The form asked nothing more, so the change was not possible for this order.
        tell_verified(dispatcher, order)
        refusal = await ask_shop(shop_repository().change_refusal, order.order_id, change, clock.now())
        if refusal is None:
            # Possible after all: the form skipped the questions because the database failed then.
            dispatcher.utter_message(response="utter_shop_unavailable")
        else:
            await tell_refusal(
                dispatcher, tracker, change, ChangeOutcome(done=False, status=order.status, reason=refusal), order
            )
    return forget_change()
