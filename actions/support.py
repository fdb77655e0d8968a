"""Complaints and handoff to a person: both leave a ticket the team works from."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.conversation import recent_user_messages
from actions.generation.replies import send_reply
from actions.customer_profile import customer_profile
from actions.identity import known_customer
from actions.shop import ShopUnavailable, change_shop, shop_repository

# The team's phone line, as utter_handoff_queued states it.
SUPPORT_PHONE = "+49 30 901820"
# How many of the customer's latest messages a handoff ticket carries for the agent.
HANDOFF_CONTEXT_MESSAGES = 5


class ActionOpenComplaintTicket(Action):
    """Logs the complaint as a ticket and gives its reference."""

    def name(self) -> Text:
        return "action_open_complaint_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        try:
            reference = await change_shop(
                shop_repository().open_ticket,
                "complaint",
                tracker.latest_message.get("text") or "",
                clock.now(),
                order.customer_id if order else None,
                order.order_id if order else None,
                tracker.sender_id,
            )
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        await send_reply(dispatcher, "complaint_logged", dict(reference=reference), customer_profile(tracker, order))
        return []


class ActionHandOffToHuman(Action):
    """Puts the conversation in the team's queue (once) and says where it stands."""

    def name(self) -> Text:
        return "action_hand_off_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        try:
            reference, position = await change_shop(
                shop_repository().queue_handoff,
                tracker.sender_id,
                recent_user_messages(tracker, HANDOFF_CONTEXT_MESSAGES),
                clock.now(),
                order.customer_id if order else None,
            )
        except ShopUnavailable:
            # Without the queue the customer still gets the phone and email.
            dispatcher.utter_message(response="utter_handoff")
            return []
        facts = dict(reference=reference, position=position, support_phone=SUPPORT_PHONE)
        await send_reply(dispatcher, "handoff_queued", facts, customer_profile(tracker, order))
        return []
