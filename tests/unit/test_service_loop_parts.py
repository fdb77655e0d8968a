"""The small parts of the service loop: passwords, agent sessions, skill queues, the agent's
view of a conversation, wait and rating wording, the team's figures."""

import datetime as dt

import pytest

from actions.db.service_desk import HandoffInfo, RatingInfo
from actions.satisfaction import rating_in
from actions.skill_queues import INTENT_QUEUES, QUEUES, queue_for
from actions.support import wait_text
from agent_console import sessions
from agent_console.history import conversation_messages
from agent_console.passwords import hash_password, password_matches
from service_quality.conversations import conversations_from_events
from service_quality.team import team_figures
from tests.conftest import make_tracker, user_event

SECRET = "s" * 40


def test_a_password_matches_its_hash_only():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert password_matches("correct horse battery staple", stored)
    assert not password_matches("correct horse battery stapl", stored)
    assert hash_password("same") != hash_password("same")  # salted


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2$3$zz$00", "bcrypt$16384$8$1$00$00", "scrypt$x$8$1$00$00"])
def test_a_malformed_stored_hash_matches_nothing(stored):
    assert not password_matches("anything", stored)


def test_a_session_names_its_agent_until_it_expires():
    cookie = sessions.issue(SECRET, "anna", minutes=10, now=1000)
    assert sessions.username_in(SECRET, cookie, now=1000 + 599) == "anna"
    assert sessions.username_in(SECRET, cookie, now=1000 + 600) is None


@pytest.mark.parametrize("cookie", [None, "", "nodot", "abc.def", "!!!.###"])
def test_garbage_sessions_name_nobody(cookie):
    assert sessions.username_in(SECRET, cookie) is None


def test_a_session_signed_with_another_secret_or_changed_names_nobody():
    cookie = sessions.issue(SECRET, "anna", minutes=10)
    assert sessions.username_in("t" * 40, cookie) is None
    forged = sessions.issue("t" * 40, "ben", minutes=10).split(".")[0] + "." + cookie.split(".")[1]
    assert sessions.username_in(SECRET, forged) is None


def test_every_task_intent_has_a_known_queue(domain):
    assert set(INTENT_QUEUES.values()) <= set(QUEUES)
    assert set(INTENT_QUEUES) <= set(domain["intents"])


@pytest.mark.parametrize("intents, queue", [
    (["contact_human_agent", "inform", "get_refund"], "returns"),
    (["contact_human_agent", "greet"], "orders"),
    (["contact_human_agent", "complaint", "track_order"], "complaints"),
    ([None, "get_invoice"], "payments"),
])
def test_the_latest_request_names_the_queue(intents, queue):
    assert queue_for(intents) == queue


def test_the_agent_reads_who_wrote_what_masked():
    events = [
        {"event": "user", "text": "I'm lea.hoffmann@example.com", "timestamp": 1_800_000_000},
        {"event": "bot", "text": "Thanks", "timestamp": 1_800_000_001},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "Anna: Hi", "metadata": {"agent": "Anna"}},
        {"event": "user", "text": None},
        "not an event",
    ]
    messages = conversation_messages(events)
    assert [(m["from"], m["text"]) for m in messages] == [
        ("customer", "I'm l***@example.com"), ("assistant", "Thanks"), ("agent", "Anna: Hi")]
    assert messages[0]["at"] == dt.datetime.fromtimestamp(1_800_000_000).isoformat(timespec="seconds")
    assert messages[2]["at"] is None


@pytest.mark.parametrize("seconds, text", [(None, "not known yet"), (20, "under a minute"), (60, "about 1 minute"),
                                           (330, "about 6 minutes")])
def test_the_wait_is_said_in_minutes(seconds, text):
    assert wait_text(None if seconds is None else dt.timedelta(seconds=seconds)) == text


@pytest.mark.parametrize("text, entities, rating", [
    ("/rate_conversation", [{"entity": "rating", "value": "4"}], 4),
    ("5/5", [], 5), ("two stars", [], 2), ("great", [], None), ("9 stars", [], 9),
])
def test_the_rating_of_a_message(text, entities, rating):
    assert rating_in(make_tracker([user_event(text, "rate_conversation", entities)])) == rating


def test_team_figures_by_hand():
    start = dt.datetime(2026, 12, 1, 9)

    def handoff(reason, status, reply_after=None):
        reply = start + dt.timedelta(seconds=reply_after) if reply_after is not None else None
        claimed = start if reply_after is not None else None
        return HandoffInfo("TCK-100000", "c", "orders", reason, status, "", None, None, start, claimed, reply, None, None)

    handoffs = [handoff("asked", "resolved", 40), handoff("fallback", "cancelled"), handoff("complaint", "waiting")]
    ratings = [
        RatingInfo("a", 4, ["track_order"], [], False, start, "quick"),
        RatingInfo("b", 2, ["track_order"], ["handoff"], True, start + dt.timedelta(minutes=5), "slow"),
        RatingInfo("c", 3, [], [], False, start + dt.timedelta(minutes=9)),
    ]
    team = team_figures(handoffs, ratings)
    assert (team.handoffs, team.claimed, team.abandoned, team.first_reply_p50_seconds) == (2, 1, 1, 40)
    assert (team.ratings, team.csat_average, team.csat_with_human, team.csat_assistant_only) == (3, 3, 2, 3.5)
    assert team.csat_distribution == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 0)]
    assert team.csat_by_intent == [("track_order", 3.0, 2)] and team.csat_by_flow == [("handoff", 2.0, 1)]
    assert team.comments == [("2026-12-01 09:05", 2, "slow"), ("2026-12-01 09:00", 4, "quick")]


def test_a_rating_comment_nlu_did_not_understand_is_no_fallback():
    events = [
        {"event": "user", "text": "asdf", "timestamp": 1.0, "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_handle_nlu_fallback", "timestamp": 1.1},
        {"event": "user", "text": "the bot was slow", "timestamp": 2.0, "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_record_rating_comment", "timestamp": 2.1},
    ]
    [conversation] = conversations_from_events(("c", event) for event in events)
    assert [turn.fell_back for turn in conversation.turns] == [True, False]
