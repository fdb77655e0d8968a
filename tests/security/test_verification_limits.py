"""Brute-forcing the order verification: guesses spread over many fresh conversations, unknown
against foreign orders, order numbers written oddly, and a proof left standing too long.

Each attempt runs the real form validator (and answer action) in-process against a real
SQLite and PostgreSQL shop, as the action server would for a new conversation.
"""

import datetime as dt
import re
from typing import Any, Dict, List, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import event, inspect, select, text

from actions import clock
from actions.db import engine as db_engine
from actions.db.engine import make_engine, session_scope
from actions.db.models import Base, FailedVerification
from actions.forms.order_request_form import ValidateOrderRequestForm
from actions.identity import VERIFIED_AT_SLOT, contact_key, verified_order
from actions.orders import ActionSubmitOrderRequestForm
from tests.conftest import make_tracker, user_event
from tests.conftest import use_shop_database
from tests.shop_factory import NOW, add_customer, add_order, add_product

MIA = "mia.lang@example.com"
NOAH = "noah.wendt@example.org"
UNKNOWN_ORDERS = [999990, 999991, 999992, 999993, 999994, 999995]


@pytest.fixture
def shop(actions_database, monkeypatch) -> Dict[str, Any]:
    """Mia's and Noah's orders, at a fixed time, with the default limits (5 failures / 15 minutes)."""
    for name in ("VERIFICATION_MAX_FAILURES", "VERIFICATION_BLOCK_MINUTES", "VERIFICATION_TTL_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    set_time(monkeypatch, NOW)
    with session_scope(actions_database) as session:
        mia = add_customer(session, name="Mia Lang", email=MIA, phone="+4915199887766")
        noah = add_customer(session, name="Noah Wendt", email=NOAH)
        grinder = add_product(session, name="Barista coffee grinder")
        return {
            "mia": add_order(session, mia, "packed", products=[grinder], order_id=100001).id,
            "noah": add_order(session, noah, "paid", products=[grinder]).id,
        }


def set_time(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


def slot_events(**slots) -> List[Dict[str, Any]]:
    return [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]


async def attempt(domain, order_id, contact, sender: str) -> Tuple[Dict[str, Any], List[str]]:
    """A new conversation whose first message gives the order number and the email.

    Returns the slots the validator set and the names of its responses.
    """
    message = f"where is order {order_id}? my email is {contact}"
    events = [user_event(message, "track_order")] + slot_events(order_id=str(order_id), order_contact=contact)
    tracker = make_tracker(events, slots={"order_id": str(order_id), "order_contact": contact}, sender_id=sender)
    dispatcher = CollectingDispatcher()
    returned = await ValidateOrderRequestForm().run(dispatcher, tracker, domain)
    return slots_of(returned), [m["response"] for m in dispatcher.messages]


def slots_of(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def failure_rows(engine) -> List[Tuple[int, str]]:
    with session_scope(engine) as session:
        return session.execute(select(FailedVerification.order_id, FailedVerification.contact_key)).all()


async def guess_wrong(domain, order_id, contacts, prefix: str) -> None:
    for n, contact in enumerate(contacts):
        slots, replies = await attempt(domain, order_id, contact, sender=f"{prefix}-{n}")
        assert replies == ["utter_order_not_verified"] and slots["order_contact"] is None


# --- per order number ---

async def test_guessing_one_order_from_fresh_conversations_blocks_it_for_everyone(shop, domain):
    await guess_wrong(domain, shop["mia"], [f"guess{n}@example.com" for n in range(5)], "attacker")

    slots, replies = await attempt(domain, shop["mia"], MIA, sender="mia-herself")
    assert replies == ["utter_verification_blocked"]
    assert slots["order_id"] is None and slots["order_contact"] is None and slots[VERIFIED_AT_SLOT] is None
    # Another order and contact are not affected.
    slots, replies = await attempt(domain, shop["noah"], NOAH, sender="noah")
    assert replies == [] and slots["order_id"] == str(shop["noah"])


async def test_a_conversation_verified_before_the_block_is_refused_too(shop, domain):
    slots, _ = await attempt(domain, shop["mia"], MIA, sender="mia-earlier")
    await guess_wrong(domain, shop["mia"], [f"guess{n}@example.com" for n in range(5)], "attacker")

    events = [user_event("where is my order", "track_order"), {"event": "active_loop", "name": "order_request_form"}]
    tracker = make_tracker(events, slots=slots, sender_id="mia-earlier")
    dispatcher = CollectingDispatcher()
    returned = await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_verification_blocked"]
    assert slots_of(returned) == {"order_contact": None, VERIFIED_AT_SLOT: None}


async def test_the_block_ends_after_the_window(shop, domain, monkeypatch):
    await guess_wrong(domain, shop["mia"], [f"guess{n}@example.com" for n in range(5)], "attacker")
    set_time(monkeypatch, NOW + dt.timedelta(minutes=14))
    assert (await attempt(domain, shop["mia"], MIA, sender="mia-1"))[1] == ["utter_verification_blocked"]

    set_time(monkeypatch, NOW + dt.timedelta(minutes=15, seconds=1))
    slots, replies = await attempt(domain, shop["mia"], MIA, sender="mia-2")
    assert replies == [] and slots["order_contact"] == MIA


async def test_failures_spread_wider_than_the_window_do_not_block(shop, domain, monkeypatch):
    for n in range(8):
        set_time(monkeypatch, NOW + dt.timedelta(minutes=4 * n))
        await guess_wrong(domain, shop["mia"], [f"slow{n}@example.com"], "patient")
    slots, replies = await attempt(domain, shop["mia"], MIA, sender="mia")
    assert replies == [] and slots["order_contact"] == MIA


async def test_limits_come_from_the_configuration(shop, domain, monkeypatch):
    monkeypatch.setenv("VERIFICATION_MAX_FAILURES", "2")
    await guess_wrong(domain, shop["mia"], ["a@example.com", "b@example.com"], "attacker")
    assert (await attempt(domain, shop["mia"], MIA, sender="mia"))[1] == ["utter_verification_blocked"]


# --- per contact ---

async def test_one_contact_guessing_order_numbers_is_blocked_even_for_its_own_order(shop, domain):
    for n, order_id in enumerate(UNKNOWN_ORDERS[:5]):
        # Written differently each time: still the same contact.
        contact = NOAH.upper() if n % 2 else NOAH
        slots, replies = await attempt(domain, order_id, contact, sender=f"noah-guess-{n}")
        assert replies == ["utter_order_not_verified"]

    slots, replies = await attempt(domain, shop["noah"], NOAH, sender="noah-own")
    assert replies == ["utter_verification_blocked"] and slots["order_id"] is None
    # Mia, on her own order, is not affected.
    assert (await attempt(domain, shop["mia"], MIA, sender="mia"))[1] == []


async def test_contacts_are_stored_only_as_keyed_hashes(shop, domain, actions_database):
    await attempt(domain, shop["noah"], "Mia.Lang@Example.com", sender="a")
    await attempt(domain, shop["noah"], MIA, sender="b")
    rows = failure_rows(actions_database)
    assert len(rows) == 2 and rows[0].contact_key == rows[1].contact_key
    assert len(rows[0].contact_key) == 64 and "mia" not in rows[0].contact_key.lower()
    with session_scope(actions_database) as session:
        dumped = " ".join(str(row) for row in session.execute(text("SELECT * FROM failed_verifications")).all())
    assert "mia" not in dumped.lower() and "example" not in dumped.lower()


@pytest.mark.parametrize("same, other", [
    (("mia.lang@example.com", " MIA.LANG@Example.com "), "mia.lang@example.org"),
    (("+49 151 99887766", "0049 151-998 877 66", "+49 (151) 99887766"), "+49 151 99887767"),
])
def test_a_contact_counts_as_one_however_it_is_written(same, other):
    keys = {contact_key(contact) for contact in same}
    assert len(keys) == 1 and contact_key(other) not in keys
    # A SHA-256 in hex: nothing of the contact is readable in it.
    assert re.fullmatch(r"[0-9a-f]{64}", keys.pop())


# --- unknown and foreign orders look alike ---

async def test_unknown_and_foreign_orders_get_the_same_reply_and_the_same_database_work(shop, domain, actions_database):
    await attempt(domain, shop["mia"], "warm.up@example.com", sender="warm-up")  # table check, connections
    statements: List[str] = []
    engine = db_engine.default_engine()

    def remember(_conn, _cursor, statement, *_args):  # noqa: ANN001 - SQLAlchemy hook
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        unknown = await attempt(domain, UNKNOWN_ORDERS[0], MIA, sender="probe-unknown")
        unknown_statements, statements[:] = list(statements), []
        foreign = await attempt(domain, shop["noah"], MIA, sender="probe-foreign")
        foreign_statements = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    # Each keeps the number the customer typed (asked for the contact again); nothing else differs.
    (unknown_slots, unknown_replies), (foreign_slots, foreign_replies) = unknown, foreign
    assert (unknown_slots.pop("order_id"), foreign_slots.pop("order_id")) == (str(UNKNOWN_ORDERS[0]), str(shop["noah"]))
    assert (unknown_slots, unknown_replies) == (foreign_slots, foreign_replies)
    assert unknown_replies == ["utter_order_not_verified"]
    assert unknown_statements == foreign_statements and any("INSERT" in s for s in unknown_statements)
    recorded = [order for order, _ in failure_rows(actions_database)]
    assert recorded.count(UNKNOWN_ORDERS[0]) == 1 and recorded.count(shop["noah"]) == 1


async def test_unknown_and_foreign_order_numbers_are_blocked_alike(shop, domain):
    for order_id in (UNKNOWN_ORDERS[0], shop["noah"]):
        await guess_wrong(domain, order_id, [f"guess{n}@example.com" for n in range(5)], f"attacker-{order_id}")
    unknown = await attempt(domain, UNKNOWN_ORDERS[0], "another@example.com", sender="probe-1")
    foreign = await attempt(domain, shop["noah"], "another@example.com", sender="probe-2")
    assert unknown == foreign and unknown[1] == ["utter_verification_blocked"]


# --- order numbers as customers write them ---

@pytest.mark.parametrize("written", ["#100001", "ORD-100001", "no. 100001", "(100001)", "[100001]", "100 001",
                                     "100\u200b001"])
async def test_an_oddly_written_order_number_with_the_right_email_verifies(shop, domain, written):
    """The reviewer's message: an address change for "#100001" with the right email in one message."""
    message = f"I need to change the delivery address of order {written}, my email is {MIA}"
    events = [user_event(message, "change_shipping_address")] + slot_events(order_id=written, order_contact=MIA)
    tracker = make_tracker(events, slots={"order_id": written, "order_contact": MIA})
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ValidateOrderRequestForm().run(dispatcher, tracker, domain))
    assert dispatcher.messages == []
    assert slots["order_id"] == "100001" and slots["order_contact"] == MIA and slots[VERIFIED_AT_SLOT]
    assert slots["requested_slot"] == "shipping_street"

    # The form goes on: the next answer is validated like any other.
    street_events = events + [{"event": "slot", "name": n, "value": v} for n, v in slots.items()] + [
        {"event": "action", "name": "action_listen"}, user_event("Lindenstrasse 12", "inform"),
        {"event": "slot", "name": "shipping_street", "value": "Lindenstrasse 12"}]
    tracker = make_tracker(street_events, slots={**slots, "shipping_street": "Lindenstrasse 12"})
    dispatcher = CollectingDispatcher()
    next_slots = slots_of(await ValidateOrderRequestForm().run(dispatcher, tracker, domain))
    assert next_slots["shipping_street"] == "Lindenstrasse 12" and next_slots["requested_slot"] == "shipping_postcode"
    assert dispatcher.messages == []


# --- a proof expires ---

def verified_conversation(shop, verified_at: dt.datetime, text: str = "where is my refund") -> Any:
    """A conversation that proved Mia's order at `verified_at` and now asks again (form activation)."""
    slots = {"order_id": str(shop["mia"]), "order_contact": MIA, VERIFIED_AT_SLOT: verified_at.isoformat()}
    events = slot_events(**slots) + [user_event(text, "track_refund")] + slot_events(
        order_id=str(shop["mia"]), order_contact=MIA)
    return make_tracker(events, slots=slots, sender_id="mia")


async def test_an_expired_proof_is_forgotten_and_asked_again(shop, domain):
    tracker = verified_conversation(shop, NOW - dt.timedelta(minutes=16))
    assert await verified_order(tracker) is None
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ValidateOrderRequestForm().run(dispatcher, tracker, domain))
    assert [m["response"] for m in dispatcher.messages] == ["utter_verification_expired"]
    assert slots["order_contact"] is None and slots[VERIFIED_AT_SLOT] is None
    assert slots["requested_slot"] == "order_contact"


async def test_a_fresh_proof_still_shows_the_order(shop, domain):
    tracker = verified_conversation(shop, NOW - dt.timedelta(minutes=14))
    assert (await verified_order(tracker)).order_id == shop["mia"]


async def test_the_same_email_given_again_renews_the_proof(shop, domain):
    tracker = verified_conversation(shop, NOW - dt.timedelta(minutes=40), text=f"refund status please, {MIA}")
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ValidateOrderRequestForm().run(dispatcher, tracker, domain))
    assert dispatcher.messages == []
    assert slots["order_contact"] == MIA and slots[VERIFIED_AT_SLOT] == NOW.isoformat()


async def test_the_answer_action_asks_again_instead_of_showing_an_expired_order(shop, domain):
    tracker = verified_conversation(shop, NOW - dt.timedelta(hours=1))
    dispatcher = CollectingDispatcher()
    returned = await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_verification_expired"]
    assert slots_of(returned) == {"order_contact": None, VERIFIED_AT_SLOT: None}
    assert {"event": "followup", "name": "order_request_form", "timestamp": None} in returned


async def test_a_proof_never_reaches_another_conversation(shop, domain):
    slots, _ = await attempt(domain, shop["mia"], MIA, sender="mia")
    assert slots[VERIFIED_AT_SLOT]
    # Another conversation naming the same order (its slots are its own) is not verified.
    other = make_tracker([user_event(f"where is {shop['mia']}", "track_order")],
                         slots={"order_id": str(shop["mia"])}, sender_id="someone-else")
    assert await verified_order(other) is None
    # Nor with the contact but without the proof's time, as when NLU filled it outside the form.
    other = make_tracker([user_event(MIA, "inform")], slots={"order_id": str(shop["mia"]), "order_contact": MIA},
                         sender_id="someone-else")
    assert await verified_order(other) is None


# --- an existing shop database gets the table ---

async def test_a_shop_database_from_before_the_limits_gets_its_table(tmp_path, monkeypatch, domain):
    url = f"sqlite:///{tmp_path / 'old-shop.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t is not FailedVerification.__table__])
    engine.dispose()
    use_shop_database(monkeypatch, url)
    try:
        slots, replies = await attempt(domain, UNKNOWN_ORDERS[0], MIA, sender="first")
        assert replies == ["utter_order_not_verified"]
        assert inspect(db_engine.default_engine()).has_table("failed_verifications")
        assert len(failure_rows(db_engine.default_engine())) == 1
    finally:
        db_engine.default_engine.cache_clear()
