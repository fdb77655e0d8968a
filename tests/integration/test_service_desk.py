"""Handoffs, their queues and claims, agents and ratings (actions/db/service_desk.py), on real
SQLite and PostgreSQL."""

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select

from actions.db.engine import session_scope
from actions.db.models import Handoff, SatisfactionRating, SupportTicket
from actions.db.failure_limits import FailureLimit
from actions.db.service_desk import MAX_COMMENT_CHARACTERS, ServiceDesk
from tests.shop_factory import NOW, add_customer

TICKET_REFERENCE = re.compile(r"^TCK-\d{6}$")
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def desk(shop_engine):
    return ServiceDesk(shop_engine)


def queue(desk, conversation, when=NOW, queue_name="orders", summary="a person please", **kwargs):
    return desk.queue_handoff(conversation, summary, queue_name, "asked", when, **kwargs)


def add_agent(desk, username, queues=()):
    desk.create_agent(username, username.title(), "scrypt$not-a-real-hash", queues, NOW)
    return desk.agent(username)


def ticket_rows(engine):
    with session_scope(engine) as session:
        rows = session.execute(select(SupportTicket).order_by(SupportTicket.id)).scalars()
        return [(t.reference, t.kind, t.status, t.conversation_id, t.customer_id, t.summary) for t in rows]


# --- queueing ---

def test_first_handoff_is_first_in_its_queue(desk, shop_engine):
    with session_scope(shop_engine) as session:
        customer_id = add_customer(session).id
    place = queue(desk, "conv-a", customer_id=customer_id, summary="where is my parcel?")
    assert TICKET_REFERENCE.match(place.reference)
    assert (place.queue, place.position, place.estimated_wait) == ("orders", 1, None)
    assert ticket_rows(shop_engine) == [(place.reference, "handoff", "open", "conv-a", customer_id, "where is my parcel?")]


def test_asking_twice_keeps_one_ticket_and_its_place(desk, shop_engine):
    first = queue(desk, "conv-a")
    again = queue(desk, "conv-a", NOW + 3 * MINUTE, summary="hello? anyone?")
    assert again == first
    assert [row[5] for row in ticket_rows(shop_engine)] == ["a person please"]


def test_each_queue_has_its_own_order(desk):
    first = queue(desk, "conv-a")
    second = queue(desk, "conv-b", NOW + MINUTE)
    other = queue(desk, "conv-c", NOW + 2 * MINUTE, queue_name="payments")
    assert (first.position, second.position, other.position) == (1, 2, 1)


def test_handoffs_in_the_same_second_keep_distinct_places(desk):
    assert [queue(desk, c).position for c in ("conv-a", "conv-b")] == [1, 2]
    assert [queue(desk, c).position for c in ("conv-a", "conv-b")] == [1, 2]


def test_cancelled_handoff_leaves_the_queue_and_a_later_one_is_new(desk, shop_engine):
    first = queue(desk, "conv-a")
    queue(desk, "conv-b", NOW + MINUTE)
    state = desk.cancel_handoff("conv-a", NOW + 2 * MINUTE)
    assert (state.reference, state.status) == (first.reference, "cancelled")
    assert queue(desk, "conv-b").position == 1
    assert desk.cancel_handoff("conv-a", NOW + 3 * MINUTE) is None
    again = queue(desk, "conv-a", NOW + 4 * MINUTE)
    assert again.reference != first.reference and again.position == 2
    assert [row[2] for row in ticket_rows(shop_engine)] == ["closed", "open", "open"]


def test_cancelling_leaves_a_claimed_handoff_with_its_agent(desk):
    place = queue(desk, "conv-a")
    anna = add_agent(desk, "anna")
    assert desk.claim_handoff(place.reference, anna.agent_id, NOW + MINUTE)
    state = desk.cancel_handoff("conv-a", NOW + 2 * MINUTE)
    assert (state.reference, state.status) == (place.reference, "with_agent")
    assert desk.handoff(place.reference).status == "with_agent"


def test_complaints_go_to_the_complaints_queue_apart_from_the_live_handoff(desk, shop_engine):
    reference = desk.file_complaint("the courier was rude", NOW, "conv-a")
    place = queue(desk, "conv-a", NOW + MINUTE)
    assert place.reference != reference and place.position == 1
    complaint = desk.handoff(reference)
    assert (complaint.queue, complaint.reason, complaint.status) == ("complaints", "complaint", "waiting")
    assert desk.cancel_handoff("conv-a", NOW + 2 * MINUTE).reference == place.reference
    assert desk.handoff(reference).status == "waiting"


def test_estimated_wait_is_the_median_time_to_a_claim_in_the_queue(desk):
    anna = add_agent(desk, "anna")
    for minutes, conversation in ((2, "old-1"), (4, "old-2"), (9, "old-3")):
        requested = NOW - dt.timedelta(hours=1)
        place = queue(desk, conversation, requested)
        assert desk.claim_handoff(place.reference, anna.agent_id, requested + minutes * MINUTE)
    queue(desk, "elsewhere", NOW - dt.timedelta(hours=2), queue_name="payments")
    assert queue(desk, "conv-a").estimated_wait == 4 * MINUTE
    assert queue(desk, "conv-b", queue_name="payments").estimated_wait is None


def test_follow_up_choice_is_kept_on_the_open_handoff(desk):
    place = queue(desk, "conv-a")
    assert desk.waiting_handoff("conv-a", NOW).reference == place.reference
    assert desk.record_follow_up("conv-a", "callback", NOW + MINUTE) == place.reference
    assert desk.handoff(place.reference).follow_up == "callback"
    assert desk.record_follow_up("conv-b", "email", NOW) is None


def test_a_handoff_is_offered_a_follow_up_once_and_only_while_it_waits(desk):
    place = queue(desk, "conv-a")
    offered = desk.offer_follow_up("conv-a", NOW + 10 * MINUTE)
    assert (offered.reference, offered.queue) == (place.reference, "orders")
    assert desk.offer_follow_up("conv-a", NOW + 11 * MINUTE) is None
    assert desk.waiting_handoff("conv-a", NOW + 11 * MINUTE).reference == place.reference
    anna = add_agent(desk, "anna")
    queue(desk, "conv-b")
    assert desk.claim_handoff(desk.waiting_handoff("conv-b", NOW).reference, anna.agent_id, NOW + MINUTE)
    assert desk.offer_follow_up("conv-b", NOW + 10 * MINUTE) is None
    assert desk.offer_follow_up("conv-nobody", NOW) is None


def test_overdue_handoffs_are_the_waiting_ones_never_offered_a_follow_up(desk):
    queue(desk, "late", NOW - 20 * MINUTE)
    queue(desk, "later", NOW - 15 * MINUTE)
    queue(desk, "offered", NOW - 30 * MINUTE)
    desk.offer_follow_up("offered", NOW - 19 * MINUTE)
    queue(desk, "cancelled", NOW - 30 * MINUTE)
    desk.cancel_handoff("cancelled", NOW - 25 * MINUTE)
    desk.file_complaint("a complaint", NOW - 30 * MINUTE, "complaining", None, None)
    queue(desk, "recent", NOW - 5 * MINUTE)
    assert desk.handoffs_overdue(NOW - 10 * MINUTE) == ["late", "later"]


def test_claims_of_an_agent_away_go_back_to_their_queue_keeping_their_place(desk):
    anna, ben, cara = add_agent(desk, "anna"), add_agent(desk, "ben"), add_agent(desk, "cara")
    annas, bens, caras = (queue(desk, name, NOW - (3 - n) * MINUTE) for n, name in enumerate(("annas", "bens", "caras")))
    assert desk.claim_handoff(annas.reference, anna.agent_id, NOW)
    assert desk.claim_handoff(bens.reference, ben.agent_id, NOW)
    assert desk.claim_handoff(caras.reference, cara.agent_id, NOW + 8 * MINUTE)  # never seen: counted from the claim
    desk.note_agent_seen(anna.agent_id, NOW + MINUTE)
    desk.note_agent_seen(ben.agent_id, NOW + MINUTE)
    desk.note_agent_seen(ben.agent_id, NOW + 6 * MINUTE)
    returned = desk.return_claims_of_absent_agents(NOW + 5 * MINUTE, NOW + 10 * MINUTE)
    assert [(h.reference, h.conversation_id, h.queue, h.agent_name) for h in returned] == [
        (annas.reference, "annas", "orders", "Anna")
    ]
    assert (desk.handoff(annas.reference).status, desk.handoff(annas.reference).agent_username) == ("waiting", None)
    assert desk.waiting_handoff("annas", NOW + 10 * MINUTE).position == 1
    assert desk.handoff(bens.reference).agent_username == "ben"
    assert desk.handoff(caras.reference).agent_username == "cara"
    assert desk.return_claims_of_absent_agents(NOW + 5 * MINUTE, NOW + 11 * MINUTE) == []


def test_presence_is_written_at_most_twice_a_minute(desk):
    anna = add_agent(desk, "anna")
    place = queue(desk, "annas")
    assert desk.claim_handoff(place.reference, anna.agent_id, NOW)
    desk.note_agent_seen(anna.agent_id, NOW)
    desk.note_agent_seen(anna.agent_id, NOW + dt.timedelta(seconds=20))
    assert [h.reference for h in desk.return_claims_of_absent_agents(NOW + dt.timedelta(seconds=10), NOW)] == [place.reference]


def test_signing_out_returns_only_that_agents_claims(desk):
    anna, ben = add_agent(desk, "anna"), add_agent(desk, "ben")
    annas, bens = queue(desk, "annas"), queue(desk, "bens")
    assert desk.claim_handoff(annas.reference, anna.agent_id, NOW)
    assert desk.claim_handoff(bens.reference, ben.agent_id, NOW)
    assert [h.reference for h in desk.return_claims_of(anna.agent_id, NOW + MINUTE)] == [annas.reference]
    assert desk.return_claims_of(anna.agent_id, NOW + MINUTE) == []
    assert desk.handoff(bens.reference).status == "with_agent"
    assert desk.claim_handoff(annas.reference, ben.agent_id, NOW + 2 * MINUTE)


# --- agents' claims, replies and closing ---

def test_only_one_of_two_agents_claims_a_conversation(desk):
    place = queue(desk, "conv-a")
    anna, ben = add_agent(desk, "anna"), add_agent(desk, "ben")
    assert desk.claim_handoff(place.reference, anna.agent_id, NOW + MINUTE)
    assert not desk.claim_handoff(place.reference, ben.agent_id, NOW + MINUTE)
    assert desk.handoff(place.reference).agent_username == "anna"


def test_simultaneous_claims_give_the_conversation_to_exactly_one_agent(desk):
    place = queue(desk, "conv-a")
    agents = [add_agent(desk, f"agent{n}") for n in range(6)]
    start, results = threading.Barrier(len(agents)), []

    def claim(agent):
        start.wait()
        results.append((agent.username, desk.claim_handoff(place.reference, agent.agent_id, NOW + MINUTE)))

    threads = [threading.Thread(target=claim, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, won in results if won]
    assert len(results) == len(agents) and len(winners) == 1
    assert desk.handoff(place.reference).agent_username == winners[0]


def test_a_cancelled_handoff_cannot_be_claimed(desk):
    place = queue(desk, "conv-a")
    desk.cancel_handoff("conv-a", NOW + MINUTE)
    assert not desk.claim_handoff(place.reference, add_agent(desk, "anna").agent_id, NOW + 2 * MINUTE)


def test_only_the_holder_replies_and_the_first_reply_time_stays(desk):
    place = queue(desk, "conv-a")
    anna, ben = add_agent(desk, "anna"), add_agent(desk, "ben")
    assert not desk.record_agent_reply(place.reference, anna.agent_id, NOW)
    desk.claim_handoff(place.reference, anna.agent_id, NOW + MINUTE)
    assert not desk.record_agent_reply(place.reference, ben.agent_id, NOW + 2 * MINUTE)
    assert desk.record_agent_reply(place.reference, anna.agent_id, NOW + 2 * MINUTE)
    assert desk.record_agent_reply(place.reference, anna.agent_id, NOW + 5 * MINUTE)
    assert desk.handoff(place.reference).first_agent_reply_at == NOW + 2 * MINUTE


@pytest.mark.parametrize("outcome", ["resolved", "returned"])
def test_closing_ends_the_handoff_and_its_ticket(desk, shop_engine, outcome):
    place = queue(desk, "conv-a")
    anna, ben = add_agent(desk, "anna"), add_agent(desk, "ben")
    desk.claim_handoff(place.reference, anna.agent_id, NOW + MINUTE)
    assert not desk.close_handoff(place.reference, ben.agent_id, outcome, NOW + 2 * MINUTE)
    assert desk.close_handoff(place.reference, anna.agent_id, outcome, NOW + 3 * MINUTE)
    handoff = desk.handoff(place.reference)
    assert (handoff.status, handoff.closed_at) == (outcome, NOW + 3 * MINUTE)
    assert ticket_rows(shop_engine)[0][2] == "closed"
    assert not desk.close_handoff(place.reference, anna.agent_id, outcome, NOW + 4 * MINUTE)


def test_a_released_claim_waits_again_in_its_place(desk):
    place = queue(desk, "conv-a")
    anna = add_agent(desk, "anna")
    desk.claim_handoff(place.reference, anna.agent_id, NOW + MINUTE)
    desk.release_claim(place.reference, anna.agent_id, NOW + 2 * MINUTE)
    assert queue(desk, "conv-a") == place


def test_agents_see_their_queues_waiting_handoffs_and_their_own(desk):
    orders = queue(desk, "conv-a")
    payments = queue(desk, "conv-b", queue_name="payments")
    complaint = desk.file_complaint("rude courier", NOW, "conv-c")
    anna, ben = add_agent(desk, "anna", ["orders"]), add_agent(desk, "ben")
    assert [h.reference for h in desk.handoffs_for_agent(anna)] == [orders.reference]
    assert {h.reference for h in desk.handoffs_for_agent(ben)} == {orders.reference, payments.reference, complaint}
    desk.claim_handoff(payments.reference, ben.agent_id, NOW + MINUTE)
    assert {h.reference for h in desk.handoffs_for_agent(ben)} == {orders.reference, payments.reference, complaint}
    assert payments.reference not in {h.reference for h in desk.handoffs_for_agent(add_agent(desk, "cara"))}


def test_an_agent_gets_a_new_password_and_queues(desk):
    add_agent(desk, "anna", ["orders"])
    desk.create_agent("anna", "Anna Berg", "scrypt$other", ["returns"], NOW)
    anna = desk.agent("anna")
    assert (anna.display_name, anna.password_hash, anna.queues) == ("Anna Berg", "scrypt$other", ["returns"])
    assert desk.agent("nobody") is None


# --- ticket status ---

def test_ticket_status_follows_the_handoff(desk):
    place = queue(desk, "conv-a")
    assert desk.ticket_status(place.reference.lower()).status == "waiting for our team"
    desk.claim_handoff(place.reference, add_agent(desk, "anna").agent_id, NOW + MINUTE)
    status = desk.ticket_status(place.reference)
    assert (status.status, status.queue, status.updated_at, status.conversation_id) == (
        "being handled by our team", "orders", NOW + MINUTE, "conv-a")
    assert desk.ticket_status("TCK-000000") is None


def test_latest_ticket_is_the_conversations_or_the_customers(desk, shop_engine):
    with session_scope(shop_engine) as session:
        customer_id = add_customer(session).id
    older = desk.file_complaint("late", NOW - dt.timedelta(days=2), "yesterday", customer_id)
    newer = queue(desk, "conv-a", NOW).reference
    assert desk.latest_ticket_of("conv-a", None).reference == newer
    assert desk.latest_ticket_of("today", customer_id).reference == older
    assert desk.latest_ticket_of("today", None) is None


# --- ratings ---

def test_a_conversation_is_rated_once(desk, shop_engine):
    assert desk.record_rating("conv-a", 4, ["track_order"], ["order_request_form"], False, NOW)
    assert not desk.record_rating("conv-a", 1, ["track_order"], [], False, NOW + MINUTE)
    [rating] = desk.ratings_between(NOW - MINUTE, NOW + MINUTE)
    assert (rating.rating, rating.intents, rating.flows, rating.human_involved) == (4, ["track_order"], ["order_request_form"], False)
    with session_scope(shop_engine) as session:
        assert session.scalar(select(func.count()).select_from(SatisfactionRating)) == 1


def test_failed_sign_ins_block_a_name_for_the_window_after_the_last(desk):
    limit = FailureLimit(3, dt.timedelta(minutes=15))
    for minute in (0, 5, 10):
        assert desk.sign_in_blocked_until("anna", NOW + minute * MINUTE, limit) is None
        desk.record_failed_sign_in("anna", NOW + minute * MINUTE, limit)
    assert desk.sign_in_blocked_until("anna", NOW + 11 * MINUTE, limit) == NOW + 25 * MINUTE
    assert desk.sign_in_blocked_until("ben", NOW + 11 * MINUTE, limit) is None
    assert desk.sign_in_blocked_until("anna", NOW + 25 * MINUTE, limit) is None


def test_failed_sign_ins_spread_wider_than_the_window_do_not_block(desk):
    limit = FailureLimit(3, dt.timedelta(minutes=15))
    for minute in (0, 10, 20, 30):
        desk.record_failed_sign_in("anna", NOW + minute * MINUTE, limit)
    assert desk.sign_in_blocked_until("anna", NOW + 31 * MINUTE, limit) is None


def test_a_rating_takes_one_comment_and_only_after_the_rating(desk):
    assert not desk.record_rating_comment("conv-a", "no rating yet")
    desk.record_rating("conv-a", 2, [], [], False, NOW)
    assert desk.record_rating_comment("conv-a", "x" * 5000)
    assert not desk.record_rating_comment("conv-a", "a second thought")
    [rating] = desk.ratings_between(NOW - MINUTE, NOW + MINUTE)
    assert rating.comment == "x" * MAX_COMMENT_CHARACTERS


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_ratings_outside_one_to_five_are_refused(desk, rating):
    with pytest.raises(ValueError):
        desk.record_rating("conv-a", rating, [], [], False, NOW)


def test_human_involved_once_an_agent_claimed(desk):
    place = queue(desk, "conv-a")
    assert not desk.human_involved("conv-a")
    desk.claim_handoff(place.reference, add_agent(desk, "anna").agent_id, NOW + MINUTE)
    assert desk.human_involved("conv-a")


def test_handoffs_between_dates(desk, shop_engine):
    queue(desk, "conv-a", NOW - dt.timedelta(days=3))
    recent = queue(desk, "conv-b", NOW)
    assert [h.reference for h in desk.handoffs_between(NOW - dt.timedelta(days=1), NOW + MINUTE)] == [recent.reference]
    with session_scope(shop_engine) as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 2
