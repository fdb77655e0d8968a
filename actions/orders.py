"""Order requests: answers from the shop's data once the order is verified as the customer's."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.conversation import (
    ORDER_FORM,
    apologise_for_failure,
    current_order_request,
    order_request_text,
    recent_user_messages,
)
from actions.db.repository import NOT_YET_SHIPPED_STATUSES, OrderSummary
from actions.customer_profile import customer_profile
from actions.formatting import STATUS_TEXT, format_checkpoint, format_day, format_items, format_money, format_timeline
from actions.forms.order_request_form import verification_locked
from actions.generation.replies import send_reply
from actions.identity import (
    VERIFIED_AT_SLOT,
    VerificationBlocked,
    has_identity_proof,
    proof_expired,
    verified_order,
)
from actions.logistics import DatabaseTrackingProvider
from actions.order_changes import (
    KIND_TEXT,
    REFUND_STATUS_TEXT,
    REQUEST_CHANGES,
    answer_change_request,
    change_half_done,
    tell_verified,
)
from actions.second_request import follow_up_second_request, split_requests
from actions.shop import ShopUnavailable, ask_shop, change_shop, shop_repository
from actions.validation import normalise_order_id

ON_THE_WAY = ("shipped", "in_transit", "out_for_delivery")
# How many of the customer's latest messages a warranty ticket carries for the team.
WARRANTY_CONTEXT_MESSAGES = 5


async def tell_order_status(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary) -> None:
    """Status, and for shipped orders the carrier, latest checkpoint, ETA and a short timeline."""
    profile = customer_profile(tracker, order)
    facts = dict(order_id=order.order_id, status_text=STATUS_TEXT[order.status], items=format_items(order.items))
    if order.status in ON_THE_WAY:
        tracking = await ask_shop(DatabaseTrackingProvider(shop_repository()).track, order.order_id)
        if tracking is not None and tracking.checkpoints:
            timeline = format_timeline(tracking.checkpoints)
            shipment = dict(
                order_id=order.order_id,
                carrier=tracking.carrier,
                tracking_number=tracking.tracking_number,
                eta=format_day(tracking.estimated_delivery),
                latest_checkpoint=format_checkpoint(tracking.checkpoints[-1]),
            )
            await send_reply(
                dispatcher, "order_on_the_way", shipment, profile, then=f"Recent steps:\n{timeline}",
                timeline=timeline, status_text=facts["status_text"],
            )
            return
    if order.status == "delivered" and order.delivered_at is not None:
        delivered = dict(order_id=order.order_id, items=facts["items"], delivered_on=format_day(order.delivered_at))
        await send_reply(dispatcher, "order_delivered", delivered, profile)
    elif order.status in NOT_YET_SHIPPED_STATUSES:
        await send_reply(dispatcher, "order_not_shipped", facts, profile)
    else:
        await send_reply(dispatcher, "order_status", facts, profile)


async def tell_invoice(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary) -> None:
    invoice = await ask_shop(shop_repository().invoice_for_order, order.order_id)
    if invoice is None:
        dispatcher.utter_message(
            response="utter_no_invoice_yet", order_id=order.order_id, status_text=STATUS_TEXT[order.status]
        )
        return
    facts = dict(
        invoice_number=invoice.number,
        order_id=order.order_id,
        issued_on=format_day(invoice.issued_at),
        net=format_money(invoice.net, order.currency),
        vat=format_money(invoice.vat, order.currency),
        total=format_money(invoice.total, order.currency),
    )
    await send_reply(dispatcher, "invoice_summary", facts, customer_profile(tracker, order))


async def tell_refund_status(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary) -> None:
    refunds = await ask_shop(shop_repository().refunds_for_order, order.order_id)
    if not refunds and order.status == "cancelled":
        # Cancelled orders are refunded without a return.
        dispatcher.utter_message(response="utter_refund_refused_cancelled", order_id=order.order_id)
    elif not refunds:
        dispatcher.utter_message(response="utter_no_refund_found", order_id=order.order_id)
    await tell_refunds(dispatcher, tracker, order, refunds)


async def tell_status_and_return(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary) -> None:
    """The order's status and, for a delivered or returned order, where its return stands
    ("did you get the jacket I sent back?" is asked as a status question too)."""
    await tell_order_status(dispatcher, tracker, order)
    if order.status in ("delivered", "returned"):
        await tell_refunds(dispatcher, tracker, order, await ask_shop(shop_repository().refunds_for_order, order.order_id))


async def tell_refunds(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary, refunds: List) -> None:
    profile = customer_profile(tracker, order)
    for refund in refunds:
        facts = dict(
            kind_text=KIND_TEXT.get(refund.kind, "refund request"),
            reference=refund.reference,
            order_id=order.order_id,
            amount=format_money(refund.amount, order.currency),
            refund_status_text=REFUND_STATUS_TEXT[refund.status],
        )
        await send_reply(dispatcher, "refund_status", facts, profile)


async def open_warranty_claim(dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderSummary) -> None:
    reference = await change_shop(
        shop_repository().open_ticket,
        "warranty_claim",
        recent_user_messages(tracker, WARRANTY_CONTEXT_MESSAGES),
        clock.now(),
        order.customer_id,
        order.order_id,
        tracker.sender_id,
    )
    await send_reply(
        dispatcher, "warranty_claim_opened", dict(reference=reference, order_id=order.order_id),
        customer_profile(tracker, order),
    )


# Requests that only read (or log) and need no confirmation.
ANSWERS = {
    "track_order": tell_status_and_return,
    "check_invoice": tell_invoice,
    "get_invoice": tell_invoice,
    "track_refund": tell_refund_status,
    "warranty_claim": open_warranty_claim,
}


class ActionAskWhatAboutOrder(Action):
    """An order number given out of the blue: if it is one (6 digits, as the form checks it),
    it is kept and the customer is asked what to do with it; a postcode or a price is not
    taken for one."""

    def name(self) -> Text:
        return "action_ask_what_about_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        order_id = normalise_order_id(tracker.get_slot("order_id"))
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        else:
            dispatcher.utter_message(response="utter_ask_what_about_order", order_id=order_id)
        return [SlotSet("order_id", order_id)]


class ActionSubmitOrderRequestForm(Action):
    """Answers the customer's order request for the verified order in the form."""

    def name(self) -> Text:
        return "action_submit_order_request_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        said_before = len(dispatcher.messages)
        try:
            return await self._answer(dispatcher, tracker)
        except Exception as error:  # noqa: BLE001 - the turn is answered whatever failed
            # A half-given answer would mislead; the apology replaces it.
            del dispatcher.messages[said_before:]
            apologise_for_failure(dispatcher, self.name(), error)
            return []

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        if tracker.active_loop_name == ORDER_FORM:
            # Predicted while the form still has a question: the form asks it again, so the
            # turn neither ends unanswered nor repeats this action up to Rasa's limit.
            return [FollowupAction(ORDER_FORM)]
        if verification_locked(tracker):
            dispatcher.utter_message(response="utter_verification_locked")
            return []
        request, second = split_requests(order_request_text(tracker), current_order_request(tracker),
                                         change_half_done(tracker))
        if request is None or tracker.get_slot("order_id") is None or not has_identity_proof(tracker):
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        try:
            # Verified again here: nothing is disclosed on slots alone.
            order = await verified_order(tracker)
            if order is None and proof_expired(tracker):
                # The form asks for the email or phone again before anything is shown.
                dispatcher.utter_message(response="utter_verification_expired")
                return [SlotSet("order_contact", None), SlotSet(VERIFIED_AT_SLOT, None),
                        FollowupAction(ORDER_FORM)]
            if order is None:
                dispatcher.utter_message(response="utter_order_not_verified")
                return [SlotSet("order_contact", None)]
            if request in REQUEST_CHANGES:
                events = await answer_change_request(dispatcher, tracker, REQUEST_CHANGES[request], order)
            else:
                tell_verified(dispatcher, order)
                await ANSWERS[request](dispatcher, tracker, order)
                events = []
            return events + follow_up_second_request(dispatcher, second, order.order_id)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
        except VerificationBlocked:
            dispatcher.utter_message(response="utter_verification_blocked")
            return [SlotSet("order_contact", None), SlotSet(VERIFIED_AT_SLOT, None)]
        return []
