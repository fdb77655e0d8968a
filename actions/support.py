"""Complaints, handoff to a person and what follows it: every one leaves a ticket the team
works from (actions/db/service_desk.py), in the skill queue the conversation belongs to."""

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock, config
from actions.conversation import recent_user_messages, user_intents_newest_first
from actions.customer_profile import customer_profile
from actions.db.service_desk import TicketStatus
from actions.fallback import NLU_FALLBACK_INTENT
from actions.generation.replies import send_reply
from actions.identity import known_customer, signed_in_customer_id
from actions.shop import ShopUnavailable, ask_shop, change_shop, service_desk
from actions.skill_queues import queue_for, queue_title
from personal_data.masking import mask_personal_data

# The team's phone line, as utter_handoff_queued states it.
SUPPORT_PHONE = "+49 30 901820"
# How many of the customer's latest messages a handoff ticket carries for the agent.
HANDOFF_CONTEXT_MESSAGES = 5
# How many of the customer's latest messages tell whether the assistant had failed to understand.
FALLBACK_LOOKBACK_MESSAGES = 4
HANDOFF_TICKET_SLOT = "handoff_ticket"
HANDOFF_TIMEOUT_INTENT = "EXTERNAL_handoff_timeout"
TICKET_REFERENCE = re.compile(r"\bTCK[\s-]?(\d{6})\b", re.IGNORECASE)
FOLLOW_UPS = {"callback": "call you back", "email": "reply by email"}


def handoff_reason(tracker: Tracker) -> Text:
    """Why the conversation goes to a person: after the assistant failed to understand, or asked."""
    recent = list(user_intents_newest_first(tracker))[1 : FALLBACK_LOOKBACK_MESSAGES + 1]
    return "fallback" if NLU_FALLBACK_INTENT in recent else "asked"


def wait_text(wait: Optional[dt.timedelta]) -> Text:
    if wait is None:
        return "not known yet"
    minutes = round(wait.total_seconds() / 60)
    return "under a minute" if minutes < 1 else f"about {minutes} minute{'s' if minutes != 1 else ''}"


class ActionOpenComplaintTicket(Action):
    """Logs the complaint as a ticket in the complaints queue and gives its reference."""

    def name(self) -> Text:
        return "action_open_complaint_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        try:
            reference = await change_shop(
                service_desk().file_complaint,
                mask_personal_data(tracker.latest_message.get("text") or ""),
                clock.now(),
                tracker.sender_id,
                order.customer_id if order else None,
                order.order_id if order else None,
            )
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        await send_reply(dispatcher, "complaint_logged", dict(reference=reference), customer_profile(tracker, order))
        return []


class ActionHandOffToHuman(Action):
    """Puts the conversation in its skill queue (once), says where it stands and how long the
    wait is likely to be, and sets a reminder for when no agent took it in time."""

    def name(self) -> Text:
        return "action_hand_off_to_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        now = clock.now()
        try:
            place = await change_shop(
                service_desk().queue_handoff,
                tracker.sender_id,
                mask_personal_data(recent_user_messages(tracker, HANDOFF_CONTEXT_MESSAGES)),
                queue_for(user_intents_newest_first(tracker)),
                handoff_reason(tracker),
                now,
                order.customer_id if order else None,
                order.order_id if order else None,
            )
        except ShopUnavailable:
            # Without the queue the customer still gets the phone and email.
            dispatcher.utter_message(response="utter_handoff")
            return []
        facts = dict(reference=place.reference, position=place.position, support_phone=SUPPORT_PHONE)
        await send_reply(dispatcher, "handoff_queued", facts, customer_profile(tracker, order))
        dispatcher.utter_message(
            response="utter_handoff_wait", queue=queue_title(place.queue), wait=wait_text(place.estimated_wait)
        )
        timeout = dt.timedelta(minutes=config.handoff_timeout_minutes())
        return [
            SlotSet(HANDOFF_TICKET_SLOT, place.reference),
            # Rasa's reminder: it survives the customer's messages, not a restart of the Rasa server.
            ReminderScheduled(HANDOFF_TIMEOUT_INTENT, now + timeout, name="handoff_timeout", kill_on_user_message=False),
        ]


class ActionAcknowledgeStop(Action):
    """"Never mind" outside a form: takes a waiting handoff out of the queue, else just stops."""

    def name(self) -> Text:
        return "action_acknowledge_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if not tracker.get_slot(HANDOFF_TICKET_SLOT):
            dispatcher.utter_message(response="utter_stopped")
            return []
        try:
            state = await change_shop(service_desk().cancel_handoff, tracker.sender_id, clock.now())
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if state is None:
            dispatcher.utter_message(response="utter_stopped")
        elif state.status == "with_agent":
            dispatcher.utter_message(response="utter_handoff_already_taken", reference=state.reference)
            return []
        else:
            dispatcher.utter_message(response="utter_handoff_cancelled", reference=state.reference)
        return [SlotSet(HANDOFF_TICKET_SLOT, None)]


class ActionHandoffTimeout(Action):
    """The handoff's reminder (or the agent console's sweep, when a restart lost the reminder):
    if no agent took the conversation, offer a callback or an email, once."""

    def name(self) -> Text:
        return "action_handoff_timeout"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            place = await change_shop(service_desk().offer_follow_up, tracker.sender_id, clock.now())
            waiting = place or await ask_shop(service_desk().waiting_handoff, tracker.sender_id, clock.now())
        except ShopUnavailable:
            return []
        if place is None:
            # Offered already (the customer is not asked twice: the ticket still waits), or taken,
            # cancelled or closed meanwhile (then nothing is left for "never mind" to cancel).
            return [SlotSet(HANDOFF_TICKET_SLOT, waiting.reference if waiting else None)]
        dispatcher.utter_message(response="utter_handoff_timeout", queue=queue_title(place.queue), reference=place.reference)
        return []


class ActionRecordFollowUp(Action):
    """The customer's choice of a callback or an email reply, kept on the open ticket."""

    def name(self) -> Text:
        return "action_record_follow_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        choice = next(tracker.get_latest_entity_values("follow_up"), None)
        if not isinstance(choice, str) or choice not in FOLLOW_UPS:
            text = (tracker.latest_message.get("text") or "").lower()
            choice = "callback" if "call" in text else "email"
        try:
            reference = await change_shop(service_desk().record_follow_up, tracker.sender_id, choice, clock.now())
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if reference is None:
            dispatcher.utter_message(response="utter_follow_up_without_ticket")
        else:
            dispatcher.utter_message(response="utter_follow_up_recorded", follow_up=FOLLOW_UPS[choice], reference=reference)
        return []


class ActionCheckTicketStatus(Action):
    """A ticket's status, queue and last update, for the conversation that opened it or the
    customer it belongs to (signed in, or with an order verified in this conversation)."""

    def name(self) -> Text:
        return "action_check_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        order = await known_customer(tracker)
        customer_id = order.customer_id if order else signed_in_customer_id(tracker)
        if customer_id is not None and not 0 < customer_id < 2**63:
            customer_id = None  # no customer has such an id (a database integer)
        match = TICKET_REFERENCE.search(tracker.latest_message.get("text") or "")
        desk = service_desk()
        try:
            if match:
                ticket = await ask_shop(desk.ticket_status, f"TCK-{match.group(1)}")
            else:
                ticket = await ask_shop(desk.latest_ticket_of, tracker.sender_id, customer_id)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if ticket is None and not match:
            dispatcher.utter_message(response="utter_ask_ticket_reference")
        elif ticket is None or not _may_see(ticket, tracker.sender_id, customer_id):
            # The same answer whether the ticket exists or not: a reference is no proof.
            dispatcher.utter_message(response="utter_ticket_not_yours")
        else:
            dispatcher.utter_message(
                response="utter_ticket_status",
                reference=ticket.reference,
                kind=ticket.kind.replace("_", " "),
                queue=queue_title(ticket.queue) if ticket.queue else "customer service",
                status=ticket.status,
                updated=ticket.updated_at.strftime("%d %b %Y, %H:%M"),
            )
        return []


def _may_see(ticket: TicketStatus, conversation_id: Text, customer_id: Optional[int]) -> bool:
    return ticket.conversation_id == conversation_id or (customer_id is not None and ticket.customer_id == customer_id)

