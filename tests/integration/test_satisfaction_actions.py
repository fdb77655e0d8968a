"""The rating question and the ratings (actions/satisfaction.py), on real SQLite and PostgreSQL."""

import pytest

from actions import clock
from actions.db.service_desk import ServiceDesk
from actions.satisfaction import ActionAskSatisfaction, ActionRecordRating, ActionRecordRatingComment, ActionSayGoodbye
from tests.conftest import make_tracker, responses, user_event
from tests.shop_factory import NOW

ASKED = {"event": "slot", "timestamp": None, "name": "satisfaction_asked", "value": True}
TRACKING = [
    user_event("where is my parcel", "track_order"),
    {"event": "active_loop", "name": "order_request_form"},
    {"event": "action", "name": "action_submit_order_request_form"},
    {"event": "active_loop", "name": None},
]


@pytest.fixture
def desk(actions_database, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return ServiceDesk(actions_database)


async def goodbye(dispatcher, domain, events, slots=None):
    tracker = make_tracker(events + [user_event("bye", "goodbye")], slots)
    return await ActionSayGoodbye().run(dispatcher, tracker, domain)


async def test_goodbye_after_a_request_asks_for_a_rating(dispatcher, domain):
    assert await goodbye(dispatcher, domain, TRACKING) == [ASKED]
    assert responses(dispatcher) == ["utter_goodbye", "utter_ask_satisfaction"]
    buttons = domain["responses"]["utter_ask_satisfaction"][0]["buttons"]
    assert [b["payload"] for b in buttons] == [f'/rate_conversation{{{{"rating": "{n}"}}}}' for n in range(1, 6)]


async def test_goodbye_after_small_talk_only_asks_nothing(dispatcher, domain):
    assert await goodbye(dispatcher, domain, [user_event("hi", "greet")]) == []
    assert responses(dispatcher) == ["utter_goodbye"]


async def test_the_question_is_asked_once_per_conversation(dispatcher, domain):
    assert await goodbye(dispatcher, domain, TRACKING, {"satisfaction_asked": True}) == [ASKED]
    tracker = make_tracker(TRACKING, {"satisfaction_asked": True})
    assert await ActionAskSatisfaction().run(dispatcher, tracker, domain) == [ASKED]
    assert responses(dispatcher) == ["utter_goodbye"]


async def rate(dispatcher, domain, text, entities=None, asked=True, events=TRACKING, sender_id="test-customer"):
    tracker = make_tracker(events + [user_event(text, "rate_conversation", entities)], {"satisfaction_asked": asked}, sender_id)
    return await ActionRecordRating().run(dispatcher, tracker, domain)


async def test_a_rating_is_kept_with_the_conversations_intents_and_flows(desk, dispatcher, domain):
    assert await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "4"}]) == [ASKED]
    assert responses(dispatcher) == ["utter_rating_thanks"]
    [rating] = desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))
    assert (rating.conversation_id, rating.rating, rating.human_involved) == ("test-customer", 4, False)
    assert rating.intents == ["track_order"]
    assert rating.flows == ["order_request_form"]


@pytest.mark.parametrize("text, value", [("5 stars", 5), ("I'd say three", 3), ("1/5", 1)])
async def test_a_typed_rating_counts(desk, dispatcher, domain, text, value):
    await rate(dispatcher, domain, text)
    assert [r.rating for r in desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))] == [value]


@pytest.mark.parametrize("entities, text", [([{"entity": "rating", "value": "9"}], "/rate_conversation"), ([], "0 stars"), ([], "great")])
async def test_ratings_outside_one_to_five_are_refused_politely(desk, dispatcher, domain, entities, text):
    assert await rate(dispatcher, domain, text, entities) == []
    assert responses(dispatcher) == ["utter_rating_out_of_range"]
    assert desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1)) == []


async def test_a_second_rating_is_refused_and_the_first_stays(desk, dispatcher, domain):
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "5"}])
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "1"}])
    assert responses(dispatcher) == ["utter_rating_thanks", "utter_rating_already_given"]
    assert [r.rating for r in desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))] == [5]


async def test_a_rating_after_an_agent_took_over_says_so(desk, dispatcher, domain):
    place = desk.queue_handoff("test-customer", "help", "orders", "asked", NOW)
    desk.create_agent("anna", "Anna", "scrypt$x", [], NOW)
    desk.claim_handoff(place.reference, desk.agent("anna").agent_id, NOW)
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "2"}])
    assert desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))[0].human_involved


async def test_a_rating_word_before_the_question_is_not_a_rating(desk, dispatcher, domain):
    assert await rate(dispatcher, domain, "rate you", asked=False) == []
    assert responses(dispatcher) == ["utter_rating_not_asked"]


RATED = TRACKING + [
    user_event("/rate_conversation", "rate_conversation", [{"entity": "rating", "value": "3"}]),
    {"event": "action", "name": "action_record_rating"},
]


async def comment(dispatcher, domain, text, intent, events=RATED):
    tracker = make_tracker(events + [user_event(text, intent)], {"satisfaction_asked": True})
    return await ActionRecordRatingComment().run(dispatcher, tracker, domain)


async def test_what_follows_the_rating_is_kept_masked_as_its_comment(desk, dispatcher, domain):
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "3"}])
    await comment(dispatcher, domain, "slow answers, write to mia.lang@example.com", "complaint")
    assert responses(dispatcher) == ["utter_rating_thanks", "utter_rating_comment_thanks"]
    [rating] = desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))
    assert rating.comment == "slow answers, write to m***@example.com"


async def test_no_to_the_comment_keeps_none(desk, dispatcher, domain):
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "5"}])
    await comment(dispatcher, domain, "no thanks", "deny")
    assert responses(dispatcher) == ["utter_rating_thanks", "utter_rating_comment_skipped"]
    assert desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))[0].comment is None


async def test_without_a_rating_the_message_is_answered_as_anywhere_else(desk, dispatcher, domain):
    await comment(dispatcher, domain, "you are a nice bot", "thank")
    assert responses(dispatcher) == ["utter_you_are_welcome"]
    assert desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1)) == []


async def test_a_second_comment_is_answered_not_kept(desk, dispatcher, domain):
    await rate(dispatcher, domain, "/rate_conversation", [{"entity": "rating", "value": "4"}])
    await comment(dispatcher, domain, "quick and friendly", "chitchat")
    await comment(dispatcher, domain, "what's the weather", "out_of_scope")
    assert responses(dispatcher)[-1] == "utter_out_of_scope"
    assert desk.ratings_between(NOW, NOW.replace(year=NOW.year + 1))[0].comment == "quick and friendly"


async def test_a_comment_when_the_shop_database_is_down_gets_an_apology(unreachable_shop_database, dispatcher, domain):
    assert await comment(dispatcher, domain, "fine overall", "chitchat") == []
    assert responses(dispatcher) == ["utter_shop_unavailable"]
