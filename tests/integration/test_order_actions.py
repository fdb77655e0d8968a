"""order_request_form's validator and the order answer, on real SQLite and PostgreSQL."""

import pytest
from rasa_sdk.events import FollowupAction

from actions.identity import VERIFIED_AT_SLOT, proof_given_now
from actions.forms.order_request_form import ValidateOrderRequestForm
from actions.orders import ActionSubmitOrderRequestForm
from actions.db.engine import session_scope
from actions.db.repository import SqlShopRepository
from tests.conftest import user_event
from tests.conftest import responses
from tests.shop_factory import NOW, add_customer, add_order, add_product


@pytest.fixture
def orders(actions_database):
    with session_scope(actions_database) as session:
        mia = add_customer(session, name="Mia Lang", email="mia.lang@example.com", phone="+4915199887766", tier="gold")
        noah = add_customer(session, email="noah@example.org")
        grinder = add_product(session, name="Barista coffee grinder")
        ids = {status: add_order(session, mia, status, products=[grinder]).id
               for status in ("paid", "in_transit", "delivered", "cancelled")}
        ids["noah"] = add_order(session, noah, "paid").id
    return ids


def slot_events(**slots):
    return [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]


async def validate_contact(tracker_factory, dispatcher, domain, order_id, contact, failures=0):
    events = [user_event(contact, "inform")] + slot_events(order_contact=contact)
    tracker = tracker_factory(events, slots={"order_id": str(order_id), "order_contact": contact,
                                             "verification_failures": failures})
    return await ValidateOrderRequestForm().validate_order_contact(contact, dispatcher, tracker, domain)


# --- verification ---

@pytest.mark.parametrize("contact", ["mia.lang@example.com", "MIA.LANG@example.com", "+49 151 99887766"])
async def test_the_customers_email_or_phone_verifies(orders, tracker_factory, dispatcher, domain, contact):
    result = await validate_contact(tracker_factory, dispatcher, domain, orders["paid"], contact)
    assert result["order_id"] == str(orders["paid"]) and result["order_contact"]
    assert responses(dispatcher) == []


@pytest.mark.parametrize("contact", ["noah@example.org", "mia@example.com", "mia.lang'--@example.com"])
async def test_a_wrong_or_foreign_contact_fails_without_details(orders, tracker_factory, dispatcher, domain, contact):
    result = await validate_contact(tracker_factory, dispatcher, domain, orders["paid"], contact)
    # The number stays for the next try; the counters count it whatever the customer types next.
    assert result == {"order_id": str(orders["paid"]), "order_contact": None, "order_verified_at": None,
                      "verification_failures": 1}
    assert responses(dispatcher) == ["utter_order_not_verified"]


async def test_unknown_and_foreign_orders_get_the_same_reply(orders, tracker_factory, dispatcher, domain):
    unknown = await validate_contact(tracker_factory, dispatcher, domain, 999999, "mia.lang@example.com")
    foreign = await validate_contact(tracker_factory, dispatcher, domain, orders["noah"], "mia.lang@example.com")
    # Each keeps the number the customer typed; nothing else tells them apart.
    assert (unknown.pop("order_id"), foreign.pop("order_id")) == ("999999", str(orders["noah"]))
    assert unknown == foreign
    assert responses(dispatcher) == ["utter_order_not_verified", "utter_order_not_verified"]


@pytest.mark.parametrize("contact", ["' OR '1'='1", "nope", "12345"])
async def test_malformed_contacts_are_rejected_before_any_lookup(orders, tracker_factory, dispatcher, domain, contact):
    result = await validate_contact(tracker_factory, dispatcher, domain, orders["paid"], contact)
    assert result == {"order_contact": None}
    assert responses(dispatcher) == ["utter_invalid_order_contact"]


async def test_third_failure_locks_verification(orders, tracker_factory, dispatcher, domain):
    result = await validate_contact(tracker_factory, dispatcher, domain, orders["paid"], "x@example.com", failures=2)
    assert result["verification_failures"] == 3
    assert responses(dispatcher) == []  # the answer action offers a human instead
    locked = tracker_factory([], slots={"verification_failures": 3})
    form = ValidateOrderRequestForm()
    assert await form.required_slots(["order_id", "order_contact"], dispatcher, locked, domain) == []
    await ActionSubmitOrderRequestForm().run(dispatcher, locked, domain)
    assert responses(dispatcher) == ["utter_verification_locked"]


async def test_a_stored_contact_must_match_a_new_order_number(orders, tracker_factory, dispatcher, domain):
    events = [user_event(str(orders["noah"]), "inform")] + slot_events(order_id=str(orders["noah"]))
    tracker = tracker_factory(events, slots={"order_id": str(orders["noah"]), "order_contact": "mia.lang@example.com"})
    result = await ValidateOrderRequestForm().validate_order_id(str(orders["noah"]), dispatcher, tracker, domain)
    assert result["order_contact"] is None and result["verification_failures"] == 1
    assert "order_verified_at" in result and result["order_verified_at"] is None


async def test_database_down_gets_an_apology(unreachable_shop_database, tracker_factory, dispatcher, domain):
    result = await validate_contact(tracker_factory, dispatcher, domain, 100001, "mia.lang@example.com")
    assert result == {"order_id": "100001", "order_contact": None}
    assert responses(dispatcher) == ["utter_shop_unavailable"]


# --- answers ---

async def answer(tracker_factory, dispatcher, domain, intent, order_id, contact="mia.lang@example.com"):
    tracker = tracker_factory([user_event("help", intent), user_event(str(order_id), "inform")],
                              slots={"order_id": str(order_id), "order_contact": contact,
                                     VERIFIED_AT_SLOT: proof_given_now()})
    return await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)


@pytest.mark.parametrize(
    "status, response",
    [("paid", "utter_order_not_shipped_yet"), ("in_transit", "utter_order_on_the_way"),
     ("delivered", "utter_order_delivered"), ("cancelled", "utter_order_status")],
)
async def test_track_order_answers_from_the_database(orders, tracker_factory, dispatcher, domain, status, response):
    await answer(tracker_factory, dispatcher, domain, "track_order", orders[status])
    verified, reply = dispatcher.messages
    assert verified["response"] == "utter_order_verified" and verified["masked_email"] == "m***@example.com"
    assert reply["response"] == response and reply["order_id"] == str(orders[status])
    assert response in domain["responses"]


async def test_shipment_reply_carries_carrier_eta_and_timeline(orders, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "track_order", orders["in_transit"])
    reply = dispatcher.messages[1]
    assert reply["carrier"] == "DHL" and reply["tracking_number"].startswith("JJD")
    assert "Berlin" in reply["latest_checkpoint"]
    assert reply["timeline"].count("\n") == 1  # two checkpoints


async def test_tampered_slots_disclose_nothing(orders, tracker_factory, dispatcher, domain):
    events = await answer(tracker_factory, dispatcher, domain, "track_order", orders["noah"])
    assert responses(dispatcher) == ["utter_order_not_verified"]
    assert events == [{"event": "slot", "timestamp": None, "name": "order_contact", "value": None}]


async def test_a_refund_question_on_a_cancelled_order_says_it_is_refunded_automatically(
    orders, tracker_factory, dispatcher, domain
):
    await answer(tracker_factory, dispatcher, domain, "track_refund", orders["cancelled"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_refund_refused_cancelled"]


async def test_a_status_question_on_a_returned_order_also_tells_where_the_return_stands(
    orders, actions_database, tracker_factory, dispatcher, domain
):
    SqlShopRepository(actions_database).request_refund(orders["delivered"], "return", "too small", NOW)
    await answer(tracker_factory, dispatcher, domain, "track_order", orders["delivered"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_order_delivered", "utter_refund_status"]
    assert dispatcher.messages[-1]["reference"].startswith("RF-")


async def test_predicted_while_the_form_still_asks_the_form_asks_again(orders, tracker_factory, dispatcher, domain):
    """The loop that once hit Rasa's action limit: this action predicted during an open form."""
    tracker = tracker_factory([user_event("i dont have the number", "track_order")], active_loop="order_request_form")
    assert await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain) == [FollowupAction("order_request_form")]
    assert responses(dispatcher) == []


async def test_a_corrected_order_number_at_the_contact_question_is_no_bad_contact(
    orders, tracker_factory, dispatcher, domain
):
    text = f"sorry wrong number, its actually {orders['paid']}"
    events = [user_event(text, "inform")] + slot_events(order_id=str(orders["paid"]), order_contact=text)
    tracker = tracker_factory(events, slots={"order_id": str(orders["paid"]), "order_contact": text,
                                             "requested_slot": "order_contact"})
    result = await ValidateOrderRequestForm().validate_order_contact(text, dispatcher, tracker, domain)
    assert result == {"order_contact": None}
    assert responses(dispatcher) == []


async def test_an_order_number_beside_the_contact_in_one_message_is_verified_with_it(
    orders, tracker_factory, dispatcher, domain
):
    text = f"{orders['paid']}, mia.lang@example.com"
    tracker = tracker_factory([user_event(text, "inform")] + slot_events(order_contact="mia.lang@example.com"),
                              slots={"order_contact": "mia.lang@example.com", "requested_slot": "order_id"})
    result = await ValidateOrderRequestForm().validate_order_contact("mia.lang@example.com", dispatcher, tracker, domain)
    assert result["order_id"] == str(orders["paid"]) and result["order_contact"] == "mia.lang@example.com"
    assert responses(dispatcher) == []


# --- an email NLU did not tag ---

@pytest.mark.parametrize("text, intent, slots, extracted", [
    ("I want to return the shoes from order 100409, my email is Clara.M@Example.org", "return_item", {}, "clara.m@example.org"),
    ("it's clara@example.org", "inform", {}, "clara@example.org"),
    ("my email is clara@example.org", "inform", {"order_contact": "other@example.org"}, None),
    ("change my account email to clara@example.org", "edit_account", {}, None),
    ("forget it, bye clara@example.org", "stop", {}, None),
    ("I want to return order 100409", "return_item", {}, None),
])
async def test_an_untagged_email_in_a_message_about_the_request_is_taken(
    tracker_factory, dispatcher, domain, text, intent, slots, extracted
):
    tracker = tracker_factory([user_event(text, intent)], slots=slots)
    result = await ValidateOrderRequestForm().extract_order_contact(dispatcher, tracker, domain)
    assert result == ({"order_contact": extracted} if extracted else {})
