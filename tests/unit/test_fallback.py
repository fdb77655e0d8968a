import pytest

from rasa_sdk.events import FollowupAction, UserUtteranceReverted

from actions.fallback import ActionHandleCoreFallback, ActionHandleNluFallback, consecutive_fallbacks
from tests.conftest import bot_event, user_event


def fallback_turns(count):
    events = [user_event("where is my order", "track_order"), bot_event("What's your order number?")]
    for turn in range(count):
        events += [user_event(f"blorp {turn}", "nlu_fallback"), bot_event("...")]
    return events[:-1]


@pytest.mark.parametrize(
    "misses, response",
    [(1, "utter_ask_rephrase"), (2, "utter_offer_human"), (3, "utter_ask_rephrase"), (4, "utter_offer_human")],
)
async def test_rephrase_first_then_offer_a_human(misses, response, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(fallback_turns(misses))
    assert consecutive_fallbacks(tracker) == misses
    events = await ActionHandleNluFallback().run(dispatcher, tracker, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == [response]


async def test_an_understood_message_resets_the_count(dispatcher, tracker_factory, domain):
    events = fallback_turns(1) + [bot_event("rephrase?"), user_event("hi", "greet"),
                                  bot_event("Hi!"), user_event("blorp", "nlu_fallback")]
    await ActionHandleNluFallback().run(dispatcher, tracker_factory(events), domain)
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"


async def test_unsure_policies_inside_a_form_get_its_question_again(dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event("lol ok", "affirm")], active_loop="order_request_form")
    assert await ActionHandleCoreFallback().run(dispatcher, tracker, domain) == [FollowupAction("order_request_form")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_did_not_get_that"]


async def test_unsure_policies_outside_a_form_give_a_human_contact(dispatcher, tracker_factory, domain):
    events = await ActionHandleCoreFallback().run(dispatcher, tracker_factory([user_event("hm", "affirm")]), domain)
    assert events == [UserUtteranceReverted()]
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]
