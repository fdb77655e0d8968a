"""Two requests in one message: the second is found, answered or offered, and taken up on yes."""

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.conversation import ORDER_REQUEST_SLOT, current_order_request
from actions.second_request import (
    OFFERED_REQUEST_SLOT,
    ActionTakeOfferedRequest,
    follow_up_second_request,
    split_requests,
)
from tests.conftest import bot_event, user_event


@pytest.mark.parametrize("text, nlu_request, first, second", [
    ("where is my order 100016 and can you also send me the invoice for it", "track_order", "track_order", "get_invoice"),
    # NLU took the request named last: read-only questions are answered in the order asked.
    ("where is my order 100016 and can you also send me the invoice for it", "get_invoice", "track_order", "get_invoice"),
    ("cancel 100032 and tell me your refund policy", "cancel_order", "cancel_order", "check_refund_policy"),
    ("can i get the invoice for 100016? also where is it", "get_invoice", "get_invoice", "track_order"),
    ("invoice for 100016 please, and how can I pay with paypal", "get_invoice", "get_invoice", "check_payment_methods"),
    ("where is my parcel", "track_order", "track_order", None),
    ("I want to return it, its too small", "return_item", "return_item", None),
    ("order #100409, claramaier84@example.org, the shoes are too small i want to return them", "return_item", "return_item", None),
    ("i need the invoice and the receipt", "get_invoice", "get_invoice", None),
])
def test_the_second_request_is_found_by_its_words_after_the_first_clause(text, nlu_request, first, second):
    assert split_requests(text, nlu_request) == (first, second)


def test_a_change_named_after_a_question_waits_for_the_answer_until_it_is_begun():
    text = "Where is my order 100073, and can I still cancel it?"
    assert split_requests(text, "cancel_order") == ("track_order", "cancel_order")
    # A change the customer confirmed or gave details for is answered as begun.
    assert split_requests(text, "cancel_order", change_begun=True) == ("cancel_order", None)


def answered(text, intent):
    return [user_event(text, intent), {"event": "active_loop", "name": "order_request_form"},
            {"event": "active_loop", "name": None}]


def test_an_order_request_is_offered_for_the_same_order(dispatcher):
    events = follow_up_second_request(dispatcher, "get_invoice", 100016)
    assert events == [SlotSet(OFFERED_REQUEST_SLOT, "get_invoice")]
    assert dispatcher.messages[0]["response"] == "utter_offer_second_request"
    assert dispatcher.messages[0]["order_id"] == 100016


def test_a_policy_question_is_answered_after_the_order(dispatcher):
    assert follow_up_second_request(dispatcher, "check_refund_policy", 100032) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_check_refund_policy"]


async def test_yes_starts_the_offered_request_which_the_form_then_serves(dispatcher, tracker_factory, domain):
    events = answered("where is 100016 and send me the invoice", "track_order") + [
        bot_event("I can also send you the invoice for order 100016. Shall I?"), user_event("yes", "affirm")]
    tracker = tracker_factory(events, {OFFERED_REQUEST_SLOT: "get_invoice"})
    taken = await ActionTakeOfferedRequest().run(dispatcher, tracker, domain)
    assert SlotSet(ORDER_REQUEST_SLOT, "get_invoice") in taken and FollowupAction("order_request_form") in taken
    # The form's activation after the slot: the request it serves is the offered one.
    served = tracker_factory(events + [{"event": "slot", "name": ORDER_REQUEST_SLOT, "value": "get_invoice"},
                                       {"event": "active_loop", "name": "order_request_form"}])
    assert current_order_request(served) == "get_invoice"


@pytest.mark.parametrize("offered, intent", [(None, "affirm"), ("get_invoice", "deny")])
async def test_no_offer_or_a_no_asks_what_else(offered, intent, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event("ok", intent)], {OFFERED_REQUEST_SLOT: offered})
    events = await ActionTakeOfferedRequest().run(dispatcher, tracker, domain)
    assert events == [SlotSet(OFFERED_REQUEST_SLOT, None)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_anything_else"]
