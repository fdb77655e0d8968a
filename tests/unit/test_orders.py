import pytest
import yaml

from actions.orders import ORDER_REQUEST_INTENTS, ActionAnswerOrderRequest
from tests.conftest import PROJECT_DIR, bot_event, user_event


@pytest.mark.parametrize("intent", ORDER_REQUEST_INTENTS)
async def test_answers_the_request_that_started_the_form(intent, dispatcher, tracker_factory, domain):
    tracker = tracker_factory(
        [user_event("help with my order", intent), bot_event("What's your order number?"),
         user_event("482913", "inform")],
        slots={"order_id": "482913"},
    )
    events = await ActionAnswerOrderRequest().run(dispatcher, tracker, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == [f"utter_order_noted_{intent}"]


async def test_latest_request_wins(dispatcher, tracker_factory, domain):
    tracker = tracker_factory(
        [user_event("where is it", "track_order"), user_event("actually cancel it", "cancel_order"),
         user_event("482913", "inform")],
        slots={"order_id": "482913"},
    )
    await ActionAnswerOrderRequest().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_order_noted_cancel_order"


async def test_without_a_request_it_asks_what_to_do(dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event("482913", "inform")], slots={"order_id": "482913"})
    await ActionAnswerOrderRequest().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_ask_what_about_order"


def test_every_order_request_has_a_response_and_starts_the_form(domain):
    rules = yaml.safe_load((PROJECT_DIR / "data" / "rules.yml").read_text())["rules"]
    activation = next(r for r in rules if r["rule"] == "Activate order_lookup_form")
    activating_intents = {step["intent"] for step in activation["steps"][0]["or"]}
    assert activating_intents == set(ORDER_REQUEST_INTENTS)
    for intent in ORDER_REQUEST_INTENTS:
        assert f"utter_order_noted_{intent}" in domain["responses"]
