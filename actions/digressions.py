"""What the customer says inside a request that is not an answer to the form's question:
a question (answered, then the form asks again), leaving the request, or another request.

data/rules.yml sends every form's digressions here, so each is handled once for all forms.
"""

import re
from typing import Any, Dict, List, Optional, Text, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.catalogue import ActionAnswerProductInquiry, ActionListPromotions, ActionRecommendProducts
from actions.conversation import (
    ORDER_FORM,
    ORDER_REQUEST_SLOT,
    apologise_for_failure,
    current_order_request,
    latest_intent,
    latest_text,
)
from actions.order_changes import CHANGE_SLOTS, change_half_done
from actions.second_request import mentioned_order_requests, same_kind
from actions.support import ActionHandOffToHuman, ActionOpenComplaintTicket

# Questions answered by an action rather than by the response `utter_<intent>`.
ANSWERING_ACTIONS: Dict[Text, Type[Action]] = {
    "complaint": ActionOpenComplaintTicket,
    "product_recommendation": ActionRecommendProducts,
    "ask_promotions": ActionListPromotions,
}
# Questions whose response is not named after the intent.
ANSWERING_RESPONSES = {
    "greet": "utter_greet_again",
    "thank": "utter_you_are_welcome",
    "bot_challenge": "utter_iamabot",
}
# Retrieval intents: the response selector chose the answer.
RETRIEVAL_INTENTS = ("faq", "chitchat")
# What the customer asked for, as the switch to it is announced.
REQUEST_TEXT = {
    "track_order": "find out where your order is",
    "cancel_order": "cancel the order",
    "change_order": "change the items in your order",
    "change_shipping_address": "change the delivery address",
    "get_refund": "sort out your refund",
    "return_item": "return your order",
    "track_refund": "check on your refund",
    "check_invoice": "get your invoice",
    "get_invoice": "get your invoice",
    "warranty_claim": "open a warranty claim",
}


def retrieval_response(tracker: Tracker, intent: Text) -> Optional[Text]:
    """The answer the response selector chose for a retrieval intent (`utter_faq/gift_cards`)."""
    selector = tracker.latest_message.get("response_selector") if isinstance(tracker.latest_message, dict) else None
    # A selector trained for all retrieval intents reports under "default", as Rasa's own
    # retrieval action reads it.
    chosen = (selector.get(intent) or selector.get("default")) if isinstance(selector, dict) else None
    response = chosen.get("response") if isinstance(chosen, dict) else None
    name = response.get("utter_action") if isinstance(response, dict) else None
    return name if isinstance(name, str) else None


def answering_response(tracker: Tracker, intent: Text, domain: Dict[Text, Any]) -> Optional[Text]:
    """The response that answers `intent` outside a form, if the domain has it."""
    if intent in RETRIEVAL_INTENTS:
        name = retrieval_response(tracker, intent)
    else:
        name = ANSWERING_RESPONSES.get(intent, f"utter_{intent}")
    return name if name in (domain.get("responses") or {}) else None


class ActionAnswerDigression(Action):
    """Answers a question asked inside a form as it is answered outside one; the rule then
    runs the form again, which asks its question again."""

    def name(self) -> Text:
        return "action_answer_digression"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return await self._answer(dispatcher, tracker, domain)
        except Exception as error:  # noqa: BLE001 - the turn is answered whatever failed
            apologise_for_failure(dispatcher, self.name(), error)
            return []

    @staticmethod
    async def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker) or ""
        current = current_order_request(tracker) if tracker.active_loop_name == ORDER_FORM else None
        if intent == "deny" and changed_to(latest_text(tracker), current):
            # "wait no, I just want to know where it is": a changed mind, not a "no". The form
            # stays active, as the rule runs it next: it serves the new request from here.
            switched = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
            return [event for event in switched if event != ActiveLoop(None)]
        if intent == "deny":
            # "no" / "dunno" to the form's question: the number's whereabouts, or why it is needed.
            asked = tracker.get_slot(REQUESTED_SLOT)
            dispatcher.utter_message(response="utter_missing_order_number" if asked == "order_id" else "utter_answer_needed")
            return []
        if intent in ANSWERING_ACTIONS:
            return await ANSWERING_ACTIONS[intent]().run(dispatcher, tracker, domain)
        if intent == "product_inquiry":
            # A named product is answered now; otherwise asking which one would start a second form.
            if tracker.get_slot("product_query"):
                return await ActionAnswerProductInquiry().run(dispatcher, tracker, domain)
            dispatcher.utter_message(response="utter_product_question_later")
            return []
        response = answering_response(tracker, intent, domain)
        dispatcher.utter_message(response=response or "utter_out_of_scope")
        return []


# Words of a changed mind ("actually, forget the address, I'd rather know where it is").
CHANGE_OF_MIND = re.compile(r"\b(actually|instead|rather|forget|wait|no)\b", re.IGNORECASE)


# "don't cancel it", "do not want it returned": the change named is not wanted ("yes, I do not
# need it any more" is still a yes).
NEGATION = re.compile(r"\b(don'?t|do not|not|never)\s+(\w+\s+){0,2}?(cancel|return|change|refund)", re.IGNORECASE)


def changed_to(text: Text, current: Optional[Text]) -> Optional[Text]:
    """The other order request a changed mind names, when NLU read the message as the request
    in hand; None otherwise. Each comma-separated phrase is read on its own: "no wait, don't
    cancel it, just change the address instead" names the cancellation and the address."""
    if current is None or not CHANGE_OF_MIND.search(text):
        return None
    named = [request for phrase in text.split(",") for request in mentioned_order_requests(phrase)]
    return next((request for request in reversed(named) if not same_kind(request, current)), None)


# The request the customer asked for while a change was half-done, until they confirm the switch.
SWITCH_SLOT = "switch_to"


def switch_request(tracker: Tracker) -> Optional[Text]:
    """The request waiting for the answer to "shall I drop the change?", if the slot names one."""
    value = tracker.get_slot(SWITCH_SLOT)
    return value if isinstance(value, str) and value in REQUEST_TEXT else None


def request_left_behind(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The form left: the change details and its question forgotten (the customer told if a
    change they had started is not made); the order and its proof stay, so a next request
    about the same order needs no new proof while it is valid."""
    order_id = tracker.get_slot("order_id")
    if change_half_done(tracker) and order_id:
        dispatcher.utter_message(response="utter_change_left_unchanged", order_id=order_id)
    return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + [SlotSet(slot, None) for slot in CHANGE_SLOTS]


class ActionLeaveRequest(Action):
    """"stop", "bye" or "a human, please" inside a form: the request is left cleanly."""

    def name(self) -> Text:
        return "action_leave_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        left = request_left_behind(dispatcher, tracker)
        intent = latest_intent(tracker)
        if intent == "contact_human_agent":
            try:
                return left + await ActionHandOffToHuman().run(dispatcher, tracker, domain)
            except Exception as error:  # noqa: BLE001 - the turn is answered whatever failed
                apologise_for_failure(dispatcher, self.name(), error)
                return left
        dispatcher.utter_message(response="utter_goodbye" if intent == "goodbye" else "utter_stopped")
        return left


class ActionSwitchOrderRequest(Action):
    """Another order request inside a form: the form is left, and the rule starts it again
    for the new request (the order number and its proof are kept). If a change was half-done
    and the message does not say it is given up ("actually", "forget"), the form starts again
    for the old request and first asks whether to drop the change (`switch_confirmed`). The
    same request again at the order-number question means the customer does not have the
    number, and at the confirmation it is a yes."""

    def name(self) -> Text:
        return "action_switch_order_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        current = current_order_request(tracker) if tracker.active_loop_name == ORDER_FORM else None
        new_request = changed_to(latest_text(tracker), current) or latest_intent(tracker)
        if new_request == current:
            asked = tracker.get_slot(REQUESTED_SLOT)
            if asked == "order_id":
                dispatcher.utter_message(response="utter_missing_order_number")
            # "Yes, cancel it" to "Shall I cancel it?" confirms; "please don't cancel it" does not.
            confirmed = [SlotSet("change_confirmed", True)] if asked == "change_confirmed" and not NEGATION.search(
                latest_text(tracker)) else []
            return [ActiveLoop(None)] + confirmed
        if change_half_done(tracker) and new_request in REQUEST_TEXT and not CHANGE_OF_MIND.search(latest_text(tracker)):
            # The details given so far stay until the customer answers.
            return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), SlotSet(SWITCH_SLOT, new_request),
                    SlotSet(ORDER_REQUEST_SLOT, current)]
        left = request_left_behind(dispatcher, tracker)
        if new_request in REQUEST_TEXT:
            dispatcher.utter_message(response="utter_switched_request", request_text=REQUEST_TEXT[new_request])
        # Named for the form's next start: NLU may have read the message as the old request.
        return left + [SlotSet(ORDER_REQUEST_SLOT, new_request)]


class ActionAskSwitchConfirmed(Action):
    """Asks whether to drop the half-done change for the request the customer asked for."""

    def name(self) -> Text:
        return "action_ask_switch_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        current = current_order_request(tracker)
        new_request = switch_request(tracker)
        dispatcher.utter_message(
            response="utter_confirm_switch", order_id=tracker.get_slot("order_id"),
            current_text=REQUEST_TEXT.get(current or "", "finish your request"),
            request_text=REQUEST_TEXT.get(new_request or "", "help with your new request"),
        )
        return []


def switch_answered(dispatcher: CollectingDispatcher, tracker: Tracker, confirmed: Any) -> Dict[Text, Any]:
    """The slots after the customer's answer to `switch_confirmed`: on yes the change is
    forgotten and the form serves the new request; on no it goes on with the change."""
    new_request = switch_request(tracker)
    answered = {SWITCH_SLOT: None, "switch_confirmed": None}
    if confirmed is True and new_request is not None:
        dispatcher.utter_message(response="utter_change_left_unchanged", order_id=tracker.get_slot("order_id"))
        dispatcher.utter_message(response="utter_switched_request", request_text=REQUEST_TEXT[new_request])
        return {**answered, ORDER_REQUEST_SLOT: new_request, **{slot: None for slot in CHANGE_SLOTS}}
    dispatcher.utter_message(response="utter_change_continued")
    return answered
