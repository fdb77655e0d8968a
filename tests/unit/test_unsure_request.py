"""Ask, don't guess: an order change NLU is not sure of is asked about before the form starts it."""

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.digressions import ActionSwitchOrderRequest
from actions.unsure_request import (
    SURE_CONFIDENCE,
    UNSURE_MARGIN,
    ActionAskChosenRequest,
    close_alternative,
    unsure_request_alternative,
)
from tests.conftest import user_event

ORDER_FORM = "order_lookup_form"


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
    return tracker_factory([request, {"event": "active_loop", "name": ORDER_FORM}, *later_events],
                           {"requested_slot": "chosen_request"}, active_loop=ORDER_FORM)


async def test_the_question_offers_both_requests_as_buttons(dispatcher, tracker_factory, domain):
    tracker = request_tracker(tracker_factory, ranked(("cancel_order", 0.5), ("change_order", 0.4)))
    await ActionAskChosenRequest().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_chosen_request"
    assert (message["first_intent"], message["second_intent"]) == ("cancel_order", "change_order")
    assert message["first_title"] == "Cancel the whole order" and message["second_title"] == "Change an item"
    buttons = domain["responses"]["utter_ask_chosen_request"][0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/{first_intent}", "/{second_intent}"]


@pytest.mark.parametrize("chosen", ["cancel_order", "change_order"])
async def test_the_chosen_request_restarts_the_form_for_it_and_is_not_asked_again(
    chosen, dispatcher, tracker_factory, domain
):
    tracker = request_tracker(tracker_factory, ranked(("cancel_order", 0.5), ("change_order", 0.4)),
                              user_event(f"/{chosen}", chosen))
    events = await ActionSwitchOrderRequest().run(dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("order_request", chosen)]
    assert dispatcher.messages == []
    # The form starts again for a request the customer chose: nothing to ask.
    restarted = tracker_factory(tracker.events + events + [{"event": "active_loop", "name": ORDER_FORM}], active_loop=ORDER_FORM)
    assert unsure_request_alternative(restarted) is None
