"""Changes a customer can make to a verified order. Each kind (cancel, refund, return, address,
items) is one ChangeKind in CHANGE_KINDS: the request that asks for it, what order_request_form
asks for it, how it is confirmed, made and told, and why it is refused. When a change is
allowed is decided by the repository (ShopRepository.change_refusal)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

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
    ShopRepository,
)
from actions.formatting import STATUS_TEXT, echo_customer_text, format_day, format_items, format_money
from actions.generation.replies import send_reply
from actions.customer_profile import Profile, customer_profile
from actions.identity import known_customer
from actions.privacy import mask_address, mask_email
from actions.shop import ask_shop, change_shop, shop_repository
from actions.validation import parse_quantity

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




# --- what the customer is told, per change kind ---
def cancel_confirmation(tracker: Tracker, order: OrderSummary) -> Dict[str, Any]:
    return dict(order_id=order.order_id, items=format_items(order.items), total=format_money(order.total, order.currency),
                status_text=STATUS_TEXT[order.status])


def refund_confirmation(kind: str) -> Callable[[Tracker, OrderSummary], Dict[str, Any]]:
    def facts(tracker: Tracker, order: OrderSummary) -> Dict[str, Any]:
        return dict(order_id=order.order_id, items=format_items(order.items), kind_text=KIND_TEXT[kind],
                    amount=format_money(order.total, order.currency))

    return facts


def address_confirmation(tracker: Tracker, order: OrderSummary) -> Dict[str, Any]:
    return dict(order_id=order.order_id, masked_address=masked(requested_address(tracker)))


def item_confirmation(tracker: Tracker, order: OrderSummary) -> Dict[str, Any]:
    return dict(order_id=order.order_id, change_text=item_change_text(tracker))


def cancel_done(tracker: Tracker, order: OrderSummary, outcome: ChangeOutcome) -> Dict[str, Any]:
    return dict(order_id=order.order_id, refund_days=REFUND_DAYS_TEXT)


def refund_done(kind: str) -> Callable[[Tracker, OrderSummary, ChangeOutcome], Dict[str, Any]]:
    def facts(tracker: Tracker, order: OrderSummary, outcome: ChangeOutcome) -> Dict[str, Any]:
        assert outcome.amount is not None  # a refund or return done carries its amount
        return dict(kind_text=KIND_TEXT[kind], reference=outcome.reference, order_id=order.order_id,
                    amount=format_money(outcome.amount, order.currency), refund_days=REFUND_DAYS_TEXT)

    return facts


def address_done(tracker: Tracker, order: OrderSummary, outcome: ChangeOutcome) -> Dict[str, Any]:
    return address_confirmation(tracker, order)  # the address that was confirmed is the one now set


def item_done(tracker: Tracker, order: OrderSummary, outcome: ChangeOutcome) -> Dict[str, Any]:
    assert outcome.amount is not None  # an item change done carries the new total
    return dict(change_text=item_change_text(tracker), order_id=order.order_id, total=format_money(outcome.amount, order.currency))


# --- how each change is made (run off the event loop by change_shop) ---
def cancel(repository: ShopRepository, tracker: Tracker, order_id: int, now: dt.datetime) -> ChangeOutcome:
    return repository.cancel_order(order_id, now)


def refund(kind: str) -> Callable[[ShopRepository, Tracker, int, dt.datetime], ChangeOutcome]:
    def request(repository: ShopRepository, tracker: Tracker, order_id: int, now: dt.datetime) -> ChangeOutcome:
        return repository.request_refund(order_id, kind, tracker.get_slot("refund_reason") or "", now)

    return request


def change_address(repository: ShopRepository, tracker: Tracker, order_id: int, now: dt.datetime) -> ChangeOutcome:
    return repository.change_shipping_address(order_id, requested_address(tracker))


def change_item(repository: ShopRepository, tracker: Tracker, order_id: int, now: dt.datetime) -> ChangeOutcome:
    quantity = requested_quantity(tracker)
    if quantity is None:  # never from the form: it is confirmed only once usable (unusable_quantity)
        raise ValueError("change_quantity is not a quantity")
    return repository.change_item_quantity(order_id, tracker.get_slot("change_item"), quantity)


def unusable_quantity(tracker: Tracker) -> Optional[Text]:
    return "change_quantity" if requested_quantity(tracker) is None else None


# --- why a change is refused, per change kind ---
Refusal = Callable[[CollectingDispatcher, ChangeOutcome, OrderSummary, Dict[str, Any], Profile], Awaitable[None]]


async def tell_cancel_refusal(
    dispatcher: CollectingDispatcher, outcome: ChangeOutcome, order: OrderSummary, facts: Dict[str, Any], profile: Profile
) -> None:
    if outcome.reason == "already_cancelled":
        dispatcher.utter_message(response="utter_order_already_cancelled", **facts)
    elif outcome.status in ("delivered", "returned"):
        dispatcher.utter_message(response=f"utter_cancel_refused_{outcome.status}", **facts)
    else:
        await send_reply(dispatcher, "cancel_refused", dict(facts, return_window=RETURN_WINDOW_TEXT), profile)


async def tell_address_refusal(
    dispatcher: CollectingDispatcher, outcome: ChangeOutcome, order: OrderSummary, facts: Dict[str, Any], profile: Profile
) -> None:
    dispatcher.utter_message(response="utter_address_change_refused", **facts)


async def tell_item_refusal(
    dispatcher: CollectingDispatcher, outcome: ChangeOutcome, order: OrderSummary, facts: Dict[str, Any], profile: Profile
) -> None:
    if outcome.reason == "last_item":
        dispatcher.utter_message(response="utter_item_change_refused_last_item", **facts)
    elif outcome.reason == "item_not_in_order":
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


@dataclass(frozen=True)
class ChangeKind:
    """One kind of change to a verified order."""

    request: Text  # the intent that asks for it
    details: Tuple[Text, ...]  # what order_request_form asks after verification, before confirming
    confirmation: Text  # the response that asks the customer to confirm
    confirmation_facts: Callable[[Tracker, OrderSummary], Dict[str, Any]]
    make: Callable[[ShopRepository, Tracker, int, dt.datetime], ChangeOutcome]
    done_act: Text  # the reply act that tells it is done
    done_facts: Callable[[Tracker, OrderSummary, ChangeOutcome], Dict[str, Any]]
    tell_refusal: Refusal
    # The detail slot to ask again if what the customer gave cannot be confirmed, or None.
    unusable_detail: Callable[[Tracker], Optional[Text]] = lambda tracker: None


CHANGE_KINDS = {
    "cancel": ChangeKind(
        request="cancel_order", details=(), confirmation="utter_confirm_cancel", confirmation_facts=cancel_confirmation,
        make=cancel, done_act="order_cancelled", done_facts=cancel_done, tell_refusal=tell_cancel_refusal,
    ),
    **{kind: ChangeKind(
        request=request, details=("refund_reason",), confirmation="utter_confirm_refund",
        confirmation_facts=refund_confirmation(kind), make=refund(kind), done_act="refund_requested",
        done_facts=refund_done(kind), tell_refusal=tell_refund_refusal,
    ) for kind, request in (("refund", "get_refund"), ("return", "return_item"))},
    "address": ChangeKind(
        request="change_shipping_address",
        details=("shipping_street", "shipping_postcode", "shipping_city", "shipping_country"),
        confirmation="utter_confirm_address", confirmation_facts=address_confirmation, make=change_address,
        done_act="address_changed", done_facts=address_done, tell_refusal=tell_address_refusal,
    ),
    "items": ChangeKind(
        request="change_order", details=("change_item", "change_quantity"), confirmation="utter_confirm_item_change",
        confirmation_facts=item_confirmation, make=change_item, done_act="item_changed", done_facts=item_done,
        tell_refusal=tell_item_refusal, unusable_detail=unusable_quantity,
    ),
}
# The order requests that change the order, and the change each one asks for.
REQUEST_CHANGES = {kind.request: name for name, kind in CHANGE_KINDS.items()}
# What order_request_form asks after verification, before the confirmation.
CHANGE_DETAIL_SLOTS = {name: list(kind.details) for name, kind in CHANGE_KINDS.items()}
CHANGE_SLOTS = sorted({s for slots in CHANGE_DETAIL_SLOTS.values() for s in slots} | {"change_confirmed"})


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
        kind = CHANGE_KINDS[change]
        unusable = kind.unusable_detail(tracker)
        if unusable is not None:
            # Nothing to confirm yet: the form asks for that detail again.
            dispatcher.utter_message(response=f"utter_invalid_{unusable}")
            return [SlotSet(unusable, None)]
        dispatcher.utter_message(response=kind.confirmation, **kind.confirmation_facts(tracker, order))
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
    await CHANGE_KINDS[change].tell_refusal(dispatcher, outcome, order, facts, customer_profile(tracker, order))


async def make_change(dispatcher: CollectingDispatcher, tracker: Tracker, change: Text, order: OrderSummary) -> None:
    """Makes the confirmed change in one transaction and tells the outcome.

    Raises:
        ShopUnavailable: the change failed and nothing was changed; only then is the customer
            told that it failed (change_shop waits for the real outcome).
    """
    kind = CHANGE_KINDS[change]
    outcome = await change_shop(kind.make, shop_repository(), tracker, order.order_id, clock.now())
    if not outcome.done or outcome.reason == "already_cancelled":
        await tell_refusal(dispatcher, tracker, change, outcome, order)
        return
    await send_reply(dispatcher, kind.done_act, kind.done_facts(tracker, order, outcome), customer_profile(tracker, order))


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
