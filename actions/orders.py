"""Order requests: answers from the shop's data once the order is verified as the customer's."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import user_intents_newest_first
from actions.db.repository import OrderSummary
from actions.formatting import STATUS_TEXT, format_checkpoint, format_day, format_items, format_timeline
from actions.forms.order_lookup_form import verification_locked
from actions.logistics import DatabaseTrackingProvider
from actions.privacy import mask_email
from actions.shop import ShopUnavailable, ask_shop, shop_repository

# The intents that start order_lookup_form; all but track_order have an
# utter_order_noted_<intent> until their own flow answers them.
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
NOT_YET_SHIPPED = ("pending", "paid", "packed")
ON_THE_WAY = ("shipped", "in_transit", "out_for_delivery")


def latest_order_request(tracker: Tracker) -> Optional[Text]:
    """Returns the most recent order-request intent of the conversation, if any."""
    return next((i for i in user_intents_newest_first(tracker) if i in ORDER_REQUEST_INTENTS), None)


async def tell_order_status(dispatcher: CollectingDispatcher, order: OrderSummary) -> None:
    """Status, and for shipped orders the carrier, latest checkpoint, ETA and a short timeline."""
    facts = dict(order_id=order.order_id, status_text=STATUS_TEXT[order.status], items=format_items(order.items))
    if order.status in ON_THE_WAY:
        tracking = await ask_shop(DatabaseTrackingProvider(shop_repository()).track, order.order_id)
        if tracking is not None and tracking.checkpoints:
            dispatcher.utter_message(
                response="utter_order_on_the_way",
                carrier=tracking.carrier,
                tracking_number=tracking.tracking_number,
                eta=format_day(tracking.estimated_delivery),
                latest_checkpoint=format_checkpoint(tracking.checkpoints[-1]),
                timeline=format_timeline(tracking.checkpoints),
                **facts,
            )
            return
    if order.status == "delivered" and order.delivered_at is not None:
        dispatcher.utter_message(response="utter_order_delivered", delivered_on=format_day(order.delivered_at), **facts)
    elif order.status in NOT_YET_SHIPPED:
        dispatcher.utter_message(response="utter_order_not_shipped_yet", **facts)
    else:
        dispatcher.utter_message(response="utter_order_status", **facts)


class ActionAnswerOrderRequest(Action):
    """Answers the customer's order request for the verified order in the form."""

    def name(self) -> Text:
        return "action_answer_order_request"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if verification_locked(tracker):
            dispatcher.utter_message(response="utter_verification_locked")
            return []
        order_id, contact = tracker.get_slot("order_id"), tracker.get_slot("order_contact")
        request = latest_order_request(tracker)
        if request is None or order_id is None or contact is None:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        try:
            # Verified again here: nothing is disclosed on slots alone.
            order = await ask_shop(shop_repository().find_verified_order, int(order_id), contact)
            if order is None:
                dispatcher.utter_message(response="utter_order_not_verified")
                return [SlotSet("order_contact", None)]
            dispatcher.utter_message(
                response="utter_order_verified", order_id=order.order_id, masked_email=mask_email(order.customer_email)
            )
            if request == "track_order":
                await tell_order_status(dispatcher, order)
            else:
                dispatcher.utter_message(response=f"utter_order_noted_{request}", order_id=order.order_id)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
        return []
