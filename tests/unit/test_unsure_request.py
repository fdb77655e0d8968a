"""Ask, don't guess: the first question for an order change NLU is not sure of offers the
request NLU nearly chose, once."""

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.digressions import ActionSwitchOrderRequest
from actions.conversation import ORDER_REQUEST_INTENTS
from actions.unsure_request import (
    REQUEST_BUTTON_TITLES,
    SURE_CONFIDENCE,
    UNSURE_MARGIN,
    close_alternative,
    offer_other_request,
    unsure_request_alternative,
)
from tests.conftest import user_event

ORDER_FORM = "order_request_form"


def ranked(*pairs):
    return {"intent": {"name": pairs[0][0], "confidence": pairs[0][1]},
            "intent_ranking": [{"name": name, "confidence": confidence} for name, confidence in pairs]}


@pytest.mark.parametrize("parse_data, alternative", [
    # Two changes close together: asked.
    (ranked(("cancel_order", 0.5), ("change_order", 0.4)), "change_order"),
    # A change not sure of itself with an order question second: asked.
    (ranked(("return_item", SURE_CONFIDENCE - 0.01), ("track_order", 0.05)), "track_order"),
    # Sure enough, far enough ahead: not asked.
    (ranked(("cancel_order", 0.8), ("change_order", 0.8 - UNSURE_MARGIN - 0.01)), None),
    # A question first is answered, not a change: nothing to ask.
    (ranked(("track_order", 0.4), ("cancel_order", 0.35)), None),
    # A non-order intent second: the policy question is not a request to choose.
    (ranked(("cancel_order", 0.4), ("check_cancellation_fee", 0.35)), None),
    # A button's payload has one intent only.
    (ranked(("change_order", 1.0)), None),
    ({}, None), (None, None), ({"intent_ranking": ["junk", 3]}, None),
])
def test_only_unsure_changes_next_to_another_order_request_are_asked_about(parse_data, alternative):
    assert close_alternative(parse_data) == alternative


def request_tracker(tracker_factory, parse_data, *later_events):
    request = user_event("cancel my order", parse_data["intent"]["name"])
    request["parse_data"].update(parse_data)
    return tracker_factory([request, {"event": "active_loop", "name": ORDER_FORM}, *later_events], active_loop=ORDER_FORM)


UNSURE_CANCEL = ranked(("cancel_order", 0.5), ("change_order", 0.4))


async def test_the_first_question_offers_the_other_request_as_a_button(dispatcher, tracker_factory, domain):
    offer_other_request(dispatcher, request_tracker(tracker_factory, UNSURE_CANCEL), "order_id")
    [message] = dispatcher.messages
    assert message["response"] == "utter_offer_other_request"
    assert (message["request_intent"], message["request_title"]) == ("change_order", "Change an item")
    assert message["request_text"] == "change the items in your order"
    [button] = domain["responses"]["utter_offer_other_request"][0]["buttons"]
    assert button["payload"] == "/{request_intent}"


@pytest.mark.parametrize("later_events, next_slot", [
    # Offered with the first question already: not again.
    ([{"event": "slot", "name": "requested_slot", "value": "order_id"}], "order_contact"),
    # The form ends: nothing to offer it with.
    ([], None),
])
async def test_the_offer_is_made_once_and_only_with_a_question(later_events, next_slot, dispatcher, tracker_factory):
    offer_other_request(dispatcher, request_tracker(tracker_factory, UNSURE_CANCEL, *later_events), next_slot)
    assert dispatcher.messages == []


async def test_tapping_the_other_request_switches_to_it_and_offers_nothing_more(dispatcher, tracker_factory, domain):
    tracker = request_tracker(tracker_factory, UNSURE_CANCEL, {"event": "slot", "name": "requested_slot", "value": "order_id"},
                              user_event("/change_order", "change_order"))
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert ActiveLoop(None) in events and SlotSet("order_request", "change_order") in events
    # The form starts again for a request the customer chose: nothing to offer.
    restarted = tracker_factory(tracker.events + events + [{"event": "active_loop", "name": ORDER_FORM}], active_loop=ORDER_FORM)
    assert unsure_request_alternative(restarted) is None


def test_every_order_request_can_be_offered():
    assert set(ORDER_REQUEST_INTENTS) == set(REQUEST_BUTTON_TITLES)
