import pytest

from rasa_sdk.events import FollowupAction, UserUtteranceReverted

from actions.fallback import CHOICES, ActionHandleCoreFallback, ActionHandleNluFallback, close_call, consecutive_fallbacks
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
    tracker = tracker_factory([user_event("lol ok", "affirm")], active_loop="order_lookup_form")
    assert await ActionHandleCoreFallback().run(dispatcher, tracker, domain) == [FollowupAction("order_lookup_form")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_did_not_get_that"]


async def test_unsure_policies_outside_a_form_give_a_human_contact(dispatcher, tracker_factory, domain):
    events = await ActionHandleCoreFallback().run(dispatcher, tracker_factory([user_event("hm", "affirm")]), domain)
    assert events == [UserUtteranceReverted()]
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


def unsure_message(ranking, entities=None):
    """A message the request guard marked nlu_fallback, its ranking kept."""
    event = user_event("i want to cancel the jeans from 100032", "nlu_fallback", entities)
    event["parse_data"]["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.45}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking]
    return event


async def test_a_close_call_between_order_changes_is_asked_with_buttons(dispatcher, tracker_factory, domain):
    order_id = [{"entity": "order_id", "value": "100032", "start": 33, "end": 39}]
    tracker = tracker_factory([unsure_message([("cancel_order", 0.45), ("change_order", 0.4)], order_id)])
    assert close_call(tracker) == ["cancel_order", "change_order"]
    await ActionHandleNluFallback().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_which_request"
    assert message["buttons"] == [
        {"title": "Cancel the whole order", "payload": '/cancel_order{"order_id": "100032"}'},
        {"title": "Change or remove an item", "payload": '/change_order{"order_id": "100032"}'},
    ]


@pytest.mark.parametrize("ranking", [
    [("faq", 0.3), ("chitchat", 0.2)],  # no order change among them: nothing to choose between
    [("cancel_order", 0.3), ("out_of_scope", 0.25)],  # no button for the runner-up
    [("cancel_order", 0.3)],
])
async def test_other_unsure_messages_are_asked_to_rephrase(ranking, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([unsure_message(ranking)])
    assert close_call(tracker) == []
    await ActionHandleNluFallback().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_every_choice_is_an_intent_of_the_domain(domain):
    assert set(CHOICES) <= set(domain["intents"])
