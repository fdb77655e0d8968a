"""A second request in the message that made an order request ("where is 100016 and can you
also send me the invoice"): NLU gives a message one intent, so the second is found by its
words in the clauses after the first. A policy question is answered after the first request;
another order request is offered ("shall I?") and answered on "yes".
"""

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ORDER_FORM, ORDER_REQUEST_SLOT, latest_intent

# Clauses: a second request follows "and", "also", "plus", "then" or the end of a sentence.
CLAUSE_BREAK = re.compile(r"\b(?:and|also|plus|then|as well)\b|[?.;!]", re.IGNORECASE)
# Checked in this order within a clause; each pattern names its request unambiguously.
QUESTION_WORDS = {
    "check_refund_policy": r"\b(refund|return)s? polic",
    "check_payment_methods": r"\bpayment (methods?|options?)\b|\bpay (with|by|via)\b",
    "check_cancellation_fee": r"\bcancel\w* (fee|cost|charge)",
    "delivery_period": r"\bhow long\b.*\b(deliver|shipping|take)",
}
ORDER_REQUEST_WORDS = {
    "get_invoice": r"\b(invoice|receipt)\b",
    "track_refund": r"\b(where|status|when)\b.*\b(refund|money)\b|\brefund status\b",
    "cancel_order": r"\bcancel",
    "return_item": r"\breturn(ing)?\b",
    "change_shipping_address": r"\b(change|update|new)\b.*\baddress\b",
    "track_order": r"\bwhere\b.*\b(parcel|package|order|delivery|it)\b|\b(where's|track\w*|when will)\b",
}
REQUEST_WORDS = {**QUESTION_WORDS, **ORDER_REQUEST_WORDS}
# Order requests that only read the order: answered in the order they were asked.
READ_REQUESTS = {"track_order", "get_invoice", "check_invoice", "track_refund"}
# Requests that are one request for this purpose: a second one of the same kind is not new.
SAME_KIND = [{"check_invoice", "get_invoice"}, {"get_refund", "return_item"}, {"track_refund", "get_refund"}]


def same_kind(one: Text, other: Text) -> bool:
    return one == other or any({one, other} <= kind for kind in SAME_KIND)


def _clauses(text: Text) -> List[Text]:
    return CLAUSE_BREAK.split(text or "")


def _named_in(clauses: List[Text]) -> List[Text]:
    """The requests the clauses name, each clause's first."""
    named = (next((intent for intent, pattern in REQUEST_WORDS.items() if re.search(pattern, clause, re.IGNORECASE)), None)
             for clause in clauses)
    return [intent for intent in named if intent is not None]


def _mentioned(text: Text) -> List[Text]:
    """The requests `text` names, clause by clause."""
    return _named_in(_clauses(text))


def mentioned_order_requests(text: Text) -> List[Text]:
    """The order requests `text` names, clause by clause."""
    return [intent for intent in _mentioned(text) if intent in ORDER_REQUEST_WORDS]


def split_requests(
    text: Text, nlu_request: Optional[Text], change_begun: bool = False
) -> Tuple[Optional[Text], Optional[Text]]:
    """The request to answer now and the second one of the message (or None).

    NLU gives the message one intent, often the request named last. A question that only
    reads the order, named first, is answered first, and the request NLU chose is offered
    after it, unless that is a change the customer has begun (given a detail or confirmed)."""
    mentioned = _mentioned(text)
    can_wait = nlu_request in READ_REQUESTS or (nlu_request in OFFER_TEXT and not change_begun)
    if (can_wait and mentioned and mentioned[0] in READ_REQUESTS
            and not same_kind(mentioned[0], nlu_request or "") and any(same_kind(m, nlu_request or "") for m in mentioned[1:])):
        return mentioned[0], nlu_request
    second = next((m for m in _named_in(_clauses(text)[1:]) if not same_kind(m, nlu_request or "")), None)
    return nlu_request, second


# How the offer names each order request: "I can also {text} for order 100016. Shall I?"
OFFER_TEXT = {
    "get_invoice": "send you the invoice",
    "check_invoice": "send you the invoice",
    "track_refund": "check on the refund",
    "cancel_order": "cancel it",
    "return_item": "start a return",
    "change_shipping_address": "change its delivery address",
    "track_order": "tell you where it is",
}
OFFERED_REQUEST_SLOT = "offered_request"


def follow_up_second_request(dispatcher: CollectingDispatcher, second: Optional[Text], order_id: int) -> List[EventType]:
    """After the first request's answer: a policy question of the same message is answered, an
    order request is offered."""
    if second is None:
        return []
    if second in QUESTION_WORDS:
        dispatcher.utter_message(response=f"utter_{second}")
        return []
    dispatcher.utter_message(response="utter_offer_second_request", offer_text=OFFER_TEXT[second], order_id=order_id)
    return [SlotSet(OFFERED_REQUEST_SLOT, second)]


class ActionTakeOfferedRequest(Action):
    """"yes" or "no" right after an order answer: a yes to an offered request starts it for the
    same order (the form has its number and proof); otherwise the customer is asked what next."""

    def name(self) -> Text:
        return "action_take_offered_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        offered = tracker.get_slot(OFFERED_REQUEST_SLOT)
        forget_offer = [SlotSet(OFFERED_REQUEST_SLOT, None)]
        if not isinstance(offered, str) or offered not in OFFER_TEXT or latest_intent(tracker) != "affirm":
            dispatcher.utter_message(response="utter_anything_else")
            return forget_offer
        return forget_offer + [SlotSet(ORDER_REQUEST_SLOT, offered), FollowupAction(ORDER_FORM)]
