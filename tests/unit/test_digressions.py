"""Digressions inside a form: questions answered, requests left or switched, the same for every form."""

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.digressions import (
    ActionAnswerDigression,
    ActionAskSwitchConfirmed,
    ActionLeaveRequest,
    ActionSwitchOrderRequest,
    switch_answered,
)
from tests.conftest import bot_event, user_event

ORDER_FORM = "order_request_form"


def asked_inside_form(text, intent, request="track_order", **parse_data):
    """A request, the form's question, then `text` as `intent`."""
    events = [user_event("where is my parcel", request), {"event": "active_loop", "name": ORDER_FORM},
              bot_event("What's your order number?"), user_event(text, intent)]
    events[-1]["parse_data"].update(parse_data)
    return events


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize("intent, response", [
    ("check_refund_policy", "utter_check_refund_policy"),
    ("check_payment_methods", "utter_check_payment_methods"),
    ("missing_order_number", "utter_missing_order_number"),
    ("thank", "utter_you_are_welcome"),
    ("greet", "utter_greet_again"),
    ("bot_challenge", "utter_iamabot"),
    ("out_of_scope", "utter_out_of_scope"),
])
async def test_a_question_gets_the_answer_it_gets_outside_a_form(intent, response, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("...", intent), active_loop=ORDER_FORM)
    assert await ActionAnswerDigression().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == [response]


@pytest.mark.parametrize("selector_key", ["default", "faq"])
async def test_an_faq_gets_the_answer_the_response_selector_chose(selector_key, dispatcher, tracker_factory, domain):
    # "default": the key of a selector trained for all retrieval intents, as config.yml's is.
    selected = {selector_key: {"response": {"utter_action": "utter_faq/gift_cards"}}}
    tracker = tracker_factory(asked_inside_form("gift cards?", "faq", response_selector=selected), active_loop=ORDER_FORM)
    await ActionAnswerDigression().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_faq/gift_cards"]


async def test_an_intent_without_an_answer_is_declined_not_silent(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("...", "no_such_intent"), active_loop=ORDER_FORM)
    await ActionAnswerDigression().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_out_of_scope"]


async def test_a_product_question_without_a_product_is_put_off_not_a_second_form(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("how much is it", "product_inquiry"), active_loop=ORDER_FORM)
    assert await ActionAnswerDigression().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_product_question_later"]


@pytest.mark.parametrize("intent, response", [("stop", "utter_stopped"), ("deny", "utter_stopped"), ("goodbye", "utter_goodbye")])
async def test_leaving_clears_the_change_and_keeps_the_verified_order(intent, response, dispatcher, tracker_factory, domain):
    slots = {"order_id": "100409", "order_contact": "c@example.org", "refund_reason": "too small"}
    tracker = tracker_factory(asked_inside_form("never mind", intent, "return_item"), slots, active_loop=ORDER_FORM)
    events = await ActionLeaveRequest().run(dispatcher, tracker, domain)
    assert ActiveLoop(None) in events and SlotSet("refund_reason", None) in events
    assert not any(e.get("name") in ("order_id", "order_contact") for e in events if e["event"] == "slot")
    # The reason was given but nothing was confirmed: the customer hears that nothing changed.
    assert responses(dispatcher) == ["utter_change_left_unchanged", response]


async def test_a_different_request_switches_and_forgets_the_unconfirmed_change(dispatcher, tracker_factory, domain):
    slots = {"order_id": "100032", "shipping_street": "Birkenstraße 12", "requested_slot": "shipping_postcode"}
    tracker = tracker_factory(asked_inside_form("actually just cancel it", "cancel_order", "change_shipping_address"),
                              slots, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert ActiveLoop(None) in events and SlotSet("shipping_street", None) in events
    assert responses(dispatcher) == ["utter_change_left_unchanged", "utter_switched_request"]
    assert dispatcher.messages[1]["request_text"] == "cancel the order"


async def test_the_same_request_at_the_number_question_explains_where_the_number_is(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("just tell me where my parcel is!!", "track_order"),
                              {"requested_slot": "order_id"}, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert events == [ActiveLoop(None)]
    assert responses(dispatcher) == ["utter_missing_order_number"]


@pytest.mark.parametrize("asked, response", [("order_id", "utter_missing_order_number"), ("order_contact", "utter_answer_needed")])
async def test_no_to_the_forms_question_says_what_it_needs(asked, response, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("dunno", "deny"), {"requested_slot": asked}, active_loop=ORDER_FORM)
    assert await ActionAnswerDigression().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == [response]


async def test_the_same_request_at_the_confirmation_is_a_yes(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("yes please cancel it", "cancel_order", "cancel_order"),
                              {"order_id": "100032", "requested_slot": "change_confirmed"}, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("change_confirmed", True)]
    assert responses(dispatcher) == []


async def test_a_changed_mind_read_as_the_old_request_switches_to_the_one_it_names(dispatcher, tracker_factory, domain):
    text = "Actually forget the address, I'd rather just know where the parcel is right now."
    tracker = tracker_factory(asked_inside_form(text, "change_shipping_address", "change_shipping_address"),
                              {"order_id": "100001", "requested_slot": "shipping_street"}, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert SlotSet("order_request", "track_order") in events and ActiveLoop(None) in events
    assert dispatcher.messages[-1]["request_text"] == "find out where your order is"


HALF_DONE_ADDRESS = {"order_id": "100032", "shipping_street": "Birkenstraße 12", "requested_slot": "shipping_postcode"}


async def test_another_request_during_a_half_done_change_is_asked_about_first(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("where is my parcel right now", "track_order", "change_shipping_address"),
                              HALF_DONE_ADDRESS, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    # The form starts again for the address change, keeps the street, and asks about the switch.
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("switch_to", "track_order"),
                      SlotSet("order_request", "change_shipping_address")]
    assert responses(dispatcher) == []


async def test_the_switch_question_names_both_requests(dispatcher, tracker_factory, domain):
    events = asked_inside_form("where is it", "track_order", "change_shipping_address")
    tracker = tracker_factory(events, {**HALF_DONE_ADDRESS, "switch_to": "track_order"}, active_loop=ORDER_FORM)
    await ActionAskSwitchConfirmed().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_confirm_switch"]
    assert dispatcher.messages[0]["current_text"] == "change the delivery address"
    assert dispatcher.messages[0]["request_text"] == "find out where your order is"
    assert dispatcher.messages[0]["order_id"] == "100032"


async def test_yes_to_the_switch_forgets_the_change_and_serves_the_new_request(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("yes", "affirm", "change_shipping_address"),
                              {**HALF_DONE_ADDRESS, "switch_to": "track_order"}, active_loop=ORDER_FORM)
    slots = switch_answered(dispatcher, tracker, True)
    assert slots["order_request"] == "track_order" and slots["shipping_street"] is None
    assert slots["switch_to"] is None and slots["switch_confirmed"] is None
    assert responses(dispatcher) == ["utter_change_left_unchanged", "utter_switched_request"]


@pytest.mark.parametrize("answer", [False, None])
async def test_no_to_the_switch_goes_on_with_the_change(answer, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("no", "deny", "change_shipping_address"),
                              {**HALF_DONE_ADDRESS, "switch_to": "track_order"}, active_loop=ORDER_FORM)
    assert switch_answered(dispatcher, tracker, answer) == {"switch_to": None, "switch_confirmed": None}
    assert responses(dispatcher) == ["utter_change_continued"]


async def test_a_no_that_names_another_request_switches_to_it(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form("wait no, i just want to know where it is", "deny", "cancel_order"),
                              {"requested_slot": "order_id"}, active_loop=ORDER_FORM)
    events = await ActionAnswerDigression().run(dispatcher, tracker, domain)
    # The rule runs the form next, which serves the new request.
    assert SlotSet("order_request", "track_order") in events and ActiveLoop(None) not in events
    assert responses(dispatcher) == ["utter_switched_request"]


@pytest.mark.parametrize("text, confirmed", [
    ("no, please don't cancel it", False), ("i dont want it cancelled", False),
    ("yes cancel it, I do not need it anymore", True), ("cancel it", True),
])
async def test_dont_cancel_at_the_cancellation_question_is_no_yes(text, confirmed, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(asked_inside_form(text, "cancel_order", "cancel_order"),
                              {"order_id": "100032", "requested_slot": "change_confirmed"}, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert (SlotSet("change_confirmed", True) in events) == confirmed


async def test_dont_cancel_but_change_the_address_switches_to_the_address(dispatcher, tracker_factory, domain):
    text = "No wait, please don't cancel it, could you just change the delivery address instead?"
    tracker = tracker_factory(asked_inside_form(text, "cancel_order", "cancel_order"),
                              {"order_id": "100032", "requested_slot": "change_confirmed"}, active_loop=ORDER_FORM)
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert SlotSet("change_confirmed", True) not in events
    assert SlotSet("order_request", "change_shipping_address") in events
