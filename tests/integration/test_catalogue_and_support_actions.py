"""Product, recommendation, coupon, complaint and handoff actions, on real SQLite and PostgreSQL."""

import datetime as dt
import re
import string
from decimal import Decimal

import pytest
from sqlalchemy import select

from actions.identity import VERIFIED_AT_SLOT, proof_given_now
from actions import clock
from actions.catalogue import ActionAnswerProductInquiry, ActionListPromotions, ActionRecommendProducts
from actions.db.engine import session_scope
from actions.db.models import Promotion, SupportTicket
from actions.db.service_desk import ServiceDesk
from actions.support import (
    ActionAcknowledgeStop,
    ActionCheckTicketStatus,
    ActionHandOffToHuman,
    ActionHandoffTimeout,
    ActionOpenComplaintTicket,
    ActionRecordFollowUp,
)
from tests.conftest import make_tracker, user_event
from tests.shop_factory import NOW, add_customer, add_order, add_product

TODAY = NOW.date()
TICKET_REFERENCE = re.compile(r"^TCK-\d{6}$")
PRODUCT_RESET = {"event": "slot", "timestamp": None, "name": "product_query", "value": None}


@pytest.fixture
def store(actions_database, monkeypatch):
    """A small shop: Mia (gold) bought a grinder, Noah (standard) has a paid order."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with session_scope(actions_database) as session:
        mia = add_customer(session, name="Mia Lang", email="mia.lang@example.com", phone="+4915199887766",
                           tier="gold", preferences={"categories": ["kitchen"]})
        noah = add_customer(session, name="Noah Weber", email="noah@example.org", tier="standard")
        grinder = add_product(session, sku="BC-KI-0101", name="Barista coffee grinder", category="kitchen",
                              price=Decimal("89.00"), stock=3)
        kettle = add_product(session, sku="BC-KI-0102", name="Gooseneck kettle", category="kitchen",
                             price=Decimal("19.99"), stock=12)
        add_product(session, sku="BC-KI-0103", name="Crispo air fryer XL", category="kitchen",
                    price=Decimal("129.00"), stock=0)
        add_product(session, sku="BC-KI-0104", name="Espresso coffee cups", category="kitchen",
                    price=Decimal("1249.00"), stock=7)
        shoes = add_product(session, sku="BC-SP-0105", name="Trail running shoes", category="sports",
                            price=Decimal("74.50"), stock=20)
        ids = {
            "mia": mia.id,
            "noah": noah.id,
            "mia_order": add_order(session, mia, "delivered", products=[grinder]).id,
            "noah_order": add_order(session, noah, "paid", products=[shoes, kettle]).id,
        }
    return ids


def add_promotions(engine, *promotions):
    with session_scope(engine) as session:
        session.add_all(promotions)


def promotion(code, days_left=9, min_tier=None, starts_in=-1):
    return Promotion(code=code, description=f"{code} off", percent_off=int(code[-2:]), min_tier=min_tier,
                     valid_from=TODAY + dt.timedelta(days=starts_in), valid_until=TODAY + dt.timedelta(days=days_left))



def verified_as(store, who, contact):
    return {"order_id": str(store[f"{who}_order"]), "order_contact": contact, VERIFIED_AT_SLOT: proof_given_now()}


MIA = ("mia", "mia.lang@example.com")
NOAH = ("noah", "noah@example.org")


def sent(dispatcher, domain):
    """The responses the action sent; each must exist and get every placeholder it uses."""
    slots = set(domain.get("slots", {}))
    for message in dispatcher.messages:
        name = message["response"]
        assert name in domain["responses"], name
        for variant in domain["responses"][name]:
            wanted = {field for _, field, _, _ in string.Formatter().parse(variant.get("text", "")) if field}
            assert wanted <= set(message) | slots, (name, wanted - set(message))
    return [m["response"] for m in dispatcher.messages]


def tickets(engine):
    with session_scope(engine) as session:
        rows = session.execute(select(SupportTicket).order_by(SupportTicket.id)).scalars()
        return [{"reference": t.reference, "kind": t.kind, "status": t.status, "customer_id": t.customer_id,
                 "order_id": t.order_id, "conversation_id": t.conversation_id, "summary": t.summary,
                 "created_at": t.created_at} for t in rows]


# --- product questions ---

async def ask_product(dispatcher, domain, query):
    tracker = make_tracker([user_event(f"tell me about {query}", "product_inquiry")], slots={"product_query": query})
    return await ActionAnswerProductInquiry().run(dispatcher, tracker, domain)


async def test_product_found_by_exact_sku(store, dispatcher, domain):
    events = await ask_product(dispatcher, domain, "BC-KI-0102")
    assert sent(dispatcher, domain) == ["utter_product_details"]
    [details] = dispatcher.messages
    assert (details["name"], details["sku"], details["price"]) == ("Gooseneck kettle", "BC-KI-0102", "€19.99")
    assert details["availability"] == "in stock"
    assert details["warranty_months"] == 24 and details["description"] == "A product for tests."
    assert events == [PRODUCT_RESET]


async def test_product_found_despite_typos_with_low_stock(store, dispatcher, domain):
    events = await ask_product(dispatcher, domain, "barista cofee grindr")
    assert sent(dispatcher, domain)[0] == "utter_product_details"
    details = dispatcher.messages[0]
    assert (details["name"], details["price"], details["availability"]) == (
        "Barista coffee grinder", "€89.00", "only 3 left in stock")
    assert events == [PRODUCT_RESET]


async def test_out_of_stock_product_says_so(store, dispatcher, domain):
    await ask_product(dispatcher, domain, "air fryer")
    details = dispatcher.messages[0]
    assert (details["name"], details["availability"]) == ("Crispo air fryer XL", "currently out of stock")


async def test_thousands_are_grouped_in_prices(store, dispatcher, domain):
    await ask_product(dispatcher, domain, "BC-KI-0104")
    assert dispatcher.messages[0]["price"] == "€1,249.00"


async def test_other_matches_are_offered_as_alternatives(store, dispatcher, domain):
    events = await ask_product(dispatcher, domain, "coffee")
    assert sent(dispatcher, domain) == ["utter_product_details", "utter_product_alternatives"]
    details, alternatives = dispatcher.messages
    assert details["name"] == "Barista coffee grinder"  # equal scores: lowest sku first
    assert alternatives["alternatives"] == "Espresso coffee cups (BC-KI-0104), €1,249.00"
    assert events == [PRODUCT_RESET]


@pytest.mark.parametrize("query", ["helicopter", "zzzz qqqq"])
async def test_unknown_product_gets_not_found(store, dispatcher, domain, query):
    events = await ask_product(dispatcher, domain, query)
    assert sent(dispatcher, domain) == ["utter_product_not_found"]
    assert dispatcher.messages[0]["product_query"] == query
    assert events == [PRODUCT_RESET]


async def test_empty_product_query_gets_not_found(store, dispatcher, domain):
    events = await ask_product(dispatcher, domain, "   ")
    assert sent(dispatcher, domain) == ["utter_product_not_found"]
    assert events == [PRODUCT_RESET]


# --- recommendations ---

def product_names(message):
    return re.findall(r"^- (.+) \(BC-", message["products"], flags=re.MULTILINE)


async def recommend(dispatcher, domain, slots=None):
    tracker = make_tracker([user_event("what do you recommend?", "ask_recommendation")], slots=slots)
    return await ActionRecommendProducts().run(dispatcher, tracker, domain)


async def test_verified_customer_gets_personal_recommendations(store, dispatcher, domain):
    assert await recommend(dispatcher, domain, verified_as(store, *MIA)) == []
    assert sent(dispatcher, domain) == ["utter_recommendations_personal"]
    [message] = dispatcher.messages
    assert message["name"] == "Mia"
    names = product_names(message)
    assert names == ["Gooseneck kettle", "Espresso coffee cups", "Trail running shoes"]  # kitchen first
    assert "Barista coffee grinder" not in names  # already bought
    assert "- Gooseneck kettle (BC-KI-0102), €19.99" in message["products"].splitlines()


async def test_anonymous_customer_gets_popular_in_stock_products(store, dispatcher, domain):
    await recommend(dispatcher, domain)
    assert sent(dispatcher, domain) == ["utter_recommendations_popular"]
    [message] = dispatcher.messages
    assert "first_name" not in message
    names = product_names(message)
    assert len(names) == 3 and "Crispo air fryer XL" not in names  # out of stock
    assert "Barista coffee grinder" in names  # bestseller, nobody's purchase to exclude


@pytest.mark.parametrize(
    "slots",
    [{"order_id": "ORDER", "order_contact": "noah@example.org"},  # someone else's contact
     {"order_id": "ORDER", "order_contact": "mia@example.com"},
     {"order_id": "ORDER"},
     {"order_contact": "mia.lang@example.com"},
     {"order_id": "999999", "order_contact": "mia.lang@example.com"}],
)
async def test_unverified_slots_do_not_personalise(store, dispatcher, domain, slots):
    slots = {k: (str(store["mia_order"]) if v == "ORDER" else v) for k, v in slots.items()}
    await recommend(dispatcher, domain, slots)
    assert sent(dispatcher, domain) == ["utter_recommendations_popular"]
    assert "first_name" not in dispatcher.messages[0]
    assert "Barista coffee grinder" in product_names(dispatcher.messages[0])  # Mia's purchase not excluded


@pytest.mark.parametrize("order_id", ["²", "99999999999999999999", "123456789012345678", "١٠٠٠٠١", "-1"])
async def test_odd_order_numbers_in_slots_neither_crash_nor_personalise(store, dispatcher, domain, order_id):
    await recommend(dispatcher, domain, {"order_id": order_id, "order_contact": "mia.lang@example.com",
                                         VERIFIED_AT_SLOT: proof_given_now()})
    assert sent(dispatcher, domain) == ["utter_recommendations_popular"]


async def test_recommendations_never_repeat_a_purchase(store, dispatcher, domain):
    await recommend(dispatcher, domain, verified_as(store, *NOAH))
    assert sent(dispatcher, domain) == ["utter_recommendations_personal"]
    assert dispatcher.messages[0]["name"] == "Noah"
    names = product_names(dispatcher.messages[0])
    assert not {"Trail running shoes", "Gooseneck kettle"} & set(names)
    assert "Crispo air fryer XL" not in names


# --- promotions ---

async def list_promotions(dispatcher, domain, slots=None):
    tracker = make_tracker([user_event("any coupons?", "ask_promotions")], slots=slots)
    return await ActionListPromotions().run(dispatcher, tracker, domain)


def promotion_codes(message):
    return re.findall(r"^- ([A-Z0-9]+):", message["promotions"], flags=re.MULTILINE)


@pytest.fixture
def coupons(store, shop_engine):
    add_promotions(
        shop_engine,
        promotion("WELCOME10"),
        promotion("GOLD15", min_tier="gold"),
        promotion("SILVER12", min_tier="silver"),
        promotion("OLD20", days_left=-1, starts_in=-30),  # expired yesterday
        promotion("SOON25", starts_in=1),  # not started yet
    )
    return store


async def test_gold_customer_sees_gold_only_coupons(coupons, dispatcher, domain):
    assert await list_promotions(dispatcher, domain, verified_as(coupons, *MIA)) == []
    assert sent(dispatcher, domain) == ["utter_promotions"]
    assert promotion_codes(dispatcher.messages[0]) == ["GOLD15", "SILVER12", "WELCOME10"]
    assert "GOLD15 off (until " in dispatcher.messages[0]["promotions"]


async def test_standard_customer_sees_only_coupons_for_everyone(coupons, dispatcher, domain):
    await list_promotions(dispatcher, domain, verified_as(coupons, *NOAH))
    assert promotion_codes(dispatcher.messages[0]) == ["WELCOME10"]


@pytest.mark.parametrize("contact", [None, "noah@example.org"])
async def test_anonymous_or_unverified_customer_sees_no_tier_coupons(coupons, dispatcher, domain, contact):
    slots = ({"order_id": str(coupons["mia_order"]), "order_contact": contact, VERIFIED_AT_SLOT: proof_given_now()}
             if contact else None)
    await list_promotions(dispatcher, domain, slots)
    assert sent(dispatcher, domain) == ["utter_promotions"]
    assert promotion_codes(dispatcher.messages[0]) == ["WELCOME10"]


async def test_only_expired_or_future_coupons_means_none(store, shop_engine, dispatcher, domain):
    add_promotions(shop_engine, promotion("OLD20", days_left=-1, starts_in=-30), promotion("SOON25", starts_in=1))
    await list_promotions(dispatcher, domain, verified_as(store, *MIA))
    assert sent(dispatcher, domain) == ["utter_no_promotions"]


async def test_tier_coupons_alone_mean_none_for_anonymous_customers(store, shop_engine, dispatcher, domain):
    add_promotions(shop_engine, promotion("GOLD15", min_tier="gold"))
    await list_promotions(dispatcher, domain)
    assert sent(dispatcher, domain) == ["utter_no_promotions"]


# --- complaints ---

COMPLAINT = "The grinder arrived broken and nobody answered my email!"


async def complain(dispatcher, domain, slots=None, sender_id="test-customer"):
    events = [user_event("I want to complain", "complain"), user_event(COMPLAINT, "inform")]
    return await ActionOpenComplaintTicket().run(dispatcher, make_tracker(events, slots, sender_id), domain)


async def test_complaint_of_verified_customer_is_linked_to_customer_and_order(store, shop_engine, dispatcher, domain):
    assert await complain(dispatcher, domain, verified_as(store, *MIA)) == []
    assert sent(dispatcher, domain) == ["utter_complaint_ticket"]
    [ticket] = tickets(shop_engine)
    assert ticket == {
        "reference": dispatcher.messages[0]["reference"], "kind": "complaint", "status": "open",
        "customer_id": store["mia"], "order_id": store["mia_order"], "conversation_id": "test-customer",
        "summary": COMPLAINT, "created_at": NOW,
    }
    assert TICKET_REFERENCE.match(ticket["reference"])


@pytest.mark.parametrize("slots", [None, {"order_id": "MIA", "order_contact": "noah@example.org"}])
async def test_complaint_without_verification_is_linked_only_to_the_conversation(
    store, shop_engine, dispatcher, domain, slots
):
    slots = {k: (str(store["mia_order"]) if v == "MIA" else v) for k, v in (slots or {}).items()}
    await complain(dispatcher, domain, slots, sender_id="web-4711")
    [ticket] = tickets(shop_engine)
    assert (ticket["customer_id"], ticket["order_id"], ticket["conversation_id"]) == (None, None, "web-4711")
    assert ticket["summary"] == COMPLAINT
    assert dispatcher.messages[0]["reference"] == ticket["reference"]


async def test_each_complaint_gets_its_own_ticket(store, shop_engine, dispatcher, domain):
    await complain(dispatcher, domain)
    await complain(dispatcher, domain)
    first, second = [m["reference"] for m in dispatcher.messages]
    assert first != second and len(tickets(shop_engine)) == 2


# --- handoff ---

async def hand_off(dispatcher, domain, slots=None, sender_id="test-customer", messages=("a person please",), intents=None):
    intents = intents or ["contact_human_agent"] * len(messages)
    events = [user_event(text, intent) for text, intent in zip(messages, intents)]
    return await ActionHandOffToHuman().run(dispatcher, make_tracker(events, slots, sender_id), domain)


def handoff_of(engine, reference):
    return ServiceDesk(engine).handoff(reference)


async def test_handoff_is_queued_with_reference_position_and_wait(store, shop_engine, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_TIMEOUT_MINUTES", "7")
    events = await hand_off(dispatcher, domain, verified_as(store, *MIA))
    assert sent(dispatcher, domain) == ["utter_handoff_queued", "utter_handoff_wait"]
    reply, wait = dispatcher.messages
    assert TICKET_REFERENCE.match(reply["reference"]) and reply["position"] == "1"
    assert (wait["queue"], wait["wait"]) == ("orders and delivery", "not known yet")
    [ticket] = tickets(shop_engine)
    assert (ticket["reference"], ticket["kind"], ticket["status"]) == (reply["reference"], "handoff", "open")
    assert (ticket["customer_id"], ticket["order_id"], ticket["conversation_id"], ticket["created_at"]) == (
        store["mia"], store["mia_order"], "test-customer", NOW)
    assert events[0] == {"event": "slot", "timestamp": None, "name": "handoff_ticket", "value": reply["reference"]}
    reminder = events[1]
    assert (reminder["event"], reminder["intent"], reminder["kill_on_user_msg"]) == ("reminder", "EXTERNAL_handoff_timeout", False)
    assert reminder["date_time"] == (NOW + dt.timedelta(minutes=7)).isoformat()


@pytest.mark.parametrize("intents, queue", [
    (["return_item", "inform", "contact_human_agent"], "returns"),
    (["payment_issue", "contact_human_agent"], "payments"),
    (["recover_password", "contact_human_agent"], "account"),
    (["greet", "contact_human_agent"], "orders"),
])
async def test_handoff_goes_to_the_queue_of_the_latest_request(store, shop_engine, dispatcher, domain, intents, queue):
    await hand_off(dispatcher, domain, messages=[f"message {n}" for n in range(len(intents))], intents=intents)
    handoff = handoff_of(shop_engine, dispatcher.messages[0]["reference"])
    assert (handoff.queue, handoff.reason) == (queue, "asked")


async def test_handoff_after_the_assistant_did_not_understand_says_so(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain, messages=["blorp", "zzz", "human"], intents=["nlu_fallback", "nlu_fallback", "contact_human_agent"])
    assert handoff_of(shop_engine, dispatcher.messages[0]["reference"]).reason == "fallback"


async def test_handoff_wait_comes_from_recent_claims(store, shop_engine, dispatcher, domain):
    desk = ServiceDesk(shop_engine)
    desk.create_agent("anna", "Anna", "scrypt$x", [], NOW)
    earlier = desk.queue_handoff("other-chat", "waiting", "orders", "asked", NOW - dt.timedelta(minutes=30))
    desk.claim_handoff(earlier.reference, desk.agent("anna").agent_id, NOW - dt.timedelta(minutes=24))
    await hand_off(dispatcher, domain)
    assert dispatcher.messages[1]["wait"] == "about 6 minutes"


async def test_asking_twice_queues_the_conversation_once(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    await hand_off(dispatcher, domain, messages=("a person please", "hello??"))
    first, second = dispatcher.messages[0], dispatcher.messages[2]
    assert (first["reference"], first["position"]) == (second["reference"], second["position"])
    assert len(tickets(shop_engine)) == 1


async def test_handoff_queues_behind_earlier_conversations(store, shop_engine, dispatcher, domain):
    ServiceDesk(shop_engine).queue_handoff("other-chat", "waiting", "orders", "asked", NOW - dt.timedelta(minutes=5))
    await hand_off(dispatcher, domain, sender_id="web-4711")
    assert dispatcher.messages[0]["position"] == "2"
    assert [t["conversation_id"] for t in tickets(shop_engine)] == ["other-chat", "web-4711"]


async def test_handoff_ticket_carries_the_latest_customer_messages_masked(store, shop_engine, dispatcher, domain):
    messages = [f"message {n}" for n in range(1, 7)] + ["write to mia.lang@example.com"]
    await hand_off(dispatcher, domain, messages=messages)
    assert tickets(shop_engine)[0]["summary"] == "\n".join(messages[-5:-1] + ["write to m***@example.com"])
    assert tickets(shop_engine)[0]["customer_id"] is None


# --- after the handoff: never mind, the timeout, the follow-up choice, the ticket's status ---

async def stop(dispatcher, domain, slots, sender_id="test-customer"):
    tracker = make_tracker([user_event("never mind", "stop")], slots, sender_id)
    return await ActionAcknowledgeStop().run(dispatcher, tracker, domain)


async def test_never_mind_takes_the_conversation_out_of_the_queue(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    reference = dispatcher.messages[0]["reference"]
    events = await stop(dispatcher, domain, {"handoff_ticket": reference})
    assert sent(dispatcher, domain)[-1] == "utter_handoff_cancelled"
    assert events == [{"event": "slot", "timestamp": None, "name": "handoff_ticket", "value": None}]
    assert handoff_of(shop_engine, reference).status == "cancelled"
    assert tickets(shop_engine)[0]["status"] == "closed"


async def test_never_mind_without_a_handoff_just_stops(store, shop_engine, dispatcher, domain):
    assert await stop(dispatcher, domain, {}) == []
    assert sent(dispatcher, domain) == ["utter_stopped"]


async def test_never_mind_leaves_a_conversation_an_agent_took(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    reference = dispatcher.messages[0]["reference"]
    desk = ServiceDesk(shop_engine)
    desk.create_agent("anna", "Anna", "scrypt$x", [], NOW)
    desk.claim_handoff(reference, desk.agent("anna").agent_id, NOW)
    assert await stop(dispatcher, domain, {"handoff_ticket": reference}) == []
    assert sent(dispatcher, domain)[-1] == "utter_handoff_already_taken"
    assert handoff_of(shop_engine, reference).status == "with_agent"


async def timeout(dispatcher, domain, sender_id="test-customer"):
    tracker = make_tracker([user_event("", "EXTERNAL_handoff_timeout")], {}, sender_id)
    return await ActionHandoffTimeout().run(dispatcher, tracker, domain)


async def test_timeout_offers_a_callback_or_email_while_still_waiting(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    await timeout(dispatcher, domain)
    assert sent(dispatcher, domain)[-1] == "utter_handoff_timeout"
    assert dispatcher.messages[-1]["reference"] == dispatcher.messages[0]["reference"]


async def test_timeout_offers_once_when_the_reminder_and_the_sweep_both_come(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    await timeout(dispatcher, domain)
    # The console's sweep after a lost reminder, or a second reminder from asking twice.
    reference = dispatcher.messages[0]["reference"]
    assert await timeout(dispatcher, domain) == [{"event": "slot", "timestamp": None, "name": "handoff_ticket", "value": reference}]
    assert sent(dispatcher, domain) == ["utter_handoff_queued", "utter_handoff_wait", "utter_handoff_timeout"]


async def test_timeout_says_nothing_once_the_handoff_ended(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    ServiceDesk(shop_engine).cancel_handoff("test-customer", NOW)
    assert await timeout(dispatcher, domain) == [{"event": "slot", "timestamp": None, "name": "handoff_ticket", "value": None}]
    assert sent(dispatcher, domain) == ["utter_handoff_queued", "utter_handoff_wait"]


@pytest.mark.parametrize("entities, text, choice", [
    ([{"entity": "follow_up", "value": "callback"}], "/choose_follow_up", "callback"),
    ([], "email me instead", "email"),
    ([], "a callback instead please", "callback"),
    ([{"entity": "follow_up", "value": "carrier pigeon"}], "by email is fine", "email"),
])
async def test_follow_up_choice_is_kept_on_the_ticket(store, shop_engine, dispatcher, domain, entities, text, choice):
    await hand_off(dispatcher, domain)
    tracker = make_tracker([user_event(text, "choose_follow_up", entities)])
    await ActionRecordFollowUp().run(dispatcher, tracker, domain)
    assert sent(dispatcher, domain)[-1] == "utter_follow_up_recorded"
    assert handoff_of(shop_engine, dispatcher.messages[0]["reference"]).follow_up == choice


async def test_follow_up_without_a_ticket_offers_a_person(store, shop_engine, dispatcher, domain):
    await ActionRecordFollowUp().run(dispatcher, make_tracker([user_event("email me", "choose_follow_up")]), domain)
    assert sent(dispatcher, domain) == ["utter_follow_up_without_ticket"]


async def ticket_status(dispatcher, domain, text, slots=None, sender_id="test-customer"):
    tracker = make_tracker([user_event(text, "check_ticket_status")], slots, sender_id)
    return await ActionCheckTicketStatus().run(dispatcher, tracker, domain)


async def test_ticket_status_in_the_conversation_that_opened_it(store, shop_engine, dispatcher, domain):
    await hand_off(dispatcher, domain)
    reference = dispatcher.messages[0]["reference"]
    await ticket_status(dispatcher, domain, "what's happening with my request?")
    await ticket_status(dispatcher, domain, f"any news on {reference.lower().replace('-', ' ')}")
    for message in dispatcher.messages[2:]:
        assert message["response"] == "utter_ticket_status"
        assert (message["reference"], message["status"], message["queue"]) == (reference, "waiting for our team", "orders and delivery")


async def test_ticket_status_for_the_verified_customer_from_another_conversation(store, shop_engine, dispatcher, domain):
    reference = ServiceDesk(shop_engine).file_complaint("rude", NOW, "yesterday", store["mia"])
    await ticket_status(dispatcher, domain, f"news on {reference}?", verified_as(store, *MIA), sender_id="today")
    assert sent(dispatcher, domain) == ["utter_ticket_status"]
    assert (dispatcher.messages[0]["kind"], dispatcher.messages[0]["queue"]) == ("complaint", "complaints")


@pytest.mark.parametrize("who", [None, NOAH])
async def test_someone_elses_ticket_gets_the_same_answer_as_a_missing_one(store, shop_engine, dispatcher, domain, who):
    reference = ServiceDesk(shop_engine).file_complaint("rude", NOW, "mias-chat", store["mia"])
    slots = verified_as(store, *who) if who else None
    await ticket_status(dispatcher, domain, f"status of {reference}", slots, sender_id="attacker")
    await ticket_status(dispatcher, domain, "status of TCK-000001", slots, sender_id="attacker")
    assert sent(dispatcher, domain) == ["utter_ticket_not_yours", "utter_ticket_not_yours"]


async def test_ticket_status_without_any_ticket_asks_for_the_reference(store, shop_engine, dispatcher, domain):
    await ticket_status(dispatcher, domain, "any news on my complaint?")
    assert sent(dispatcher, domain) == ["utter_ask_ticket_reference"]


# --- database down ---

DOWN_CASES = [
    (ActionAnswerProductInquiry, "utter_shop_unavailable", [PRODUCT_RESET]),
    (ActionRecommendProducts, "utter_shop_unavailable", []),
    (ActionListPromotions, "utter_shop_unavailable", []),
    (ActionOpenComplaintTicket, "utter_shop_unavailable", []),
    (ActionHandOffToHuman, "utter_handoff", []),
    (ActionCheckTicketStatus, "utter_shop_unavailable", []),
]


@pytest.mark.parametrize("action, response, events", DOWN_CASES, ids=[c[0].__name__ for c in DOWN_CASES])
@pytest.mark.parametrize("verified", [False, True], ids=["anonymous", "with-slots"])
async def test_database_down_gets_an_apology(
    unreachable_shop_database, dispatcher, domain, action, response, events, verified
):
    slots = {"product_query": "grinder"}
    if verified:
        slots.update(order_id="100001", order_contact="mia.lang@example.com", **{VERIFIED_AT_SLOT: proof_given_now()})
    tracker = make_tracker([user_event("help me with grinder", "inform")], slots)
    result = await action().run(dispatcher, tracker, domain)
    assert sent(dispatcher, domain) == [response]
    assert result == events
