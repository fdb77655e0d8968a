"""Order changes end to end through the form validator and the answer action, on real databases:
what is asked, the confirmation, the change in the database, refusals and their alternatives."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from actions.identity import VERIFIED_AT_SLOT, proof_given_now
from actions import clock
from actions.db.engine import session_scope
from actions.db.models import Order, Refund, SupportTicket
from actions.forms.order_request_form import VERIFICATION_SLOTS, ValidateOrderRequestForm
from actions.order_changes import CHANGE_SLOTS, ActionAskChangeConfirmed
from actions.orders import ActionSubmitOrderRequestForm
from tests.conftest import user_event
from tests.conftest import responses
from tests.shop_factory import NOW, add_customer, add_order, add_product

MIA = "mia.lang@example.com"


@pytest.fixture
def shop(actions_database, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with session_scope(actions_database) as session:
        mia = add_customer(session, name="Mia Lang", email=MIA, tier="gold")
        noah = add_customer(session, email="noah@example.org")
        grinder = add_product(session, name="Barista coffee grinder", price=Decimal("89.00"))
        mat = add_product(session, name="Yoga mat", price=Decimal("25.50"))
        ids = {status: add_order(session, mia, status, products=[grinder, mat]).id
               for status in ("pending", "paid", "packed", "in_transit", "delivered", "cancelled", "returned")}
        ids["single"] = add_order(session, mia, "paid", products=[mat]).id
        ids["old_delivery"] = add_order(session, mia, "delivered", products=[mat], delivered_days_ago=45).id
        ids["noah"] = add_order(session, noah, "paid", products=[mat]).id
    return ids


def order_tracker(tracker_factory, intent, order_id, contact=MIA, **slots):
    return tracker_factory(
        [user_event("I need help with my order", intent), user_event(str(order_id), "inform")],
        slots={"order_id": str(order_id), "order_contact": contact, VERIFIED_AT_SLOT: proof_given_now(), **slots},
    )


async def answer(tracker_factory, dispatcher, domain, intent, order_id, **slots):
    tracker = order_tracker(tracker_factory, intent, order_id, **slots)
    return await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)


def stored_order(engine, order_id):
    with session_scope(engine) as session:
        order = session.get(Order, order_id)
        return order.status, order.total, order.ship_street, [(i.product.name, i.quantity) for i in order.items]


def assert_responses_in_domain(dispatcher, domain):
    assert set(responses(dispatcher)) <= set(domain["responses"])


# --- what the form asks ---

@pytest.mark.parametrize(
    "intent, status, details",
    [
        ("cancel_order", "paid", ["change_confirmed"]),
        ("cancel_order", "packed", ["change_confirmed"]),
        ("get_refund", "delivered", ["refund_reason", "change_confirmed"]),
        ("return_item", "delivered", ["refund_reason", "change_confirmed"]),
        ("change_shipping_address", "pending",
         ["shipping_street", "shipping_postcode", "shipping_city", "shipping_country", "change_confirmed"]),
        ("change_order", "paid", ["change_item", "change_quantity", "change_confirmed"]),
    ],
)
async def test_a_possible_change_asks_its_details_then_confirmation(
    shop, tracker_factory, dispatcher, domain, intent, status, details
):
    tracker = order_tracker(tracker_factory, intent, shop[status])
    slots = await ValidateOrderRequestForm().required_slots(VERIFICATION_SLOTS, dispatcher, tracker, domain)
    assert slots == VERIFICATION_SLOTS + details


@pytest.mark.parametrize(
    "intent, status",
    [("cancel_order", "in_transit"), ("get_refund", "paid"), ("change_shipping_address", "delivered"),
     ("change_order", "packed"), ("track_order", "paid"), ("check_invoice", "delivered")],
)
async def test_questions_and_impossible_changes_ask_nothing_more(
    shop, tracker_factory, dispatcher, domain, intent, status
):
    tracker = order_tracker(tracker_factory, intent, shop[status])
    slots = await ValidateOrderRequestForm().required_slots(VERIFICATION_SLOTS, dispatcher, tracker, domain)
    assert slots == VERIFICATION_SLOTS


async def test_another_request_during_a_half_done_change_asks_about_the_switch_first(
    shop, tracker_factory, dispatcher, domain
):
    tracker = order_tracker(tracker_factory, "change_shipping_address", shop["pending"],
                            shipping_street="Birkenstraße 12", switch_to="track_order")
    assert await ValidateOrderRequestForm().required_slots(VERIFICATION_SLOTS, dispatcher, tracker, domain) == [
        "switch_confirmed"]


async def test_a_change_nlu_was_unsure_of_offers_the_other_request_with_its_first_question(
    shop, tracker_factory, dispatcher, domain
):
    tracker = order_tracker(tracker_factory, "cancel_order", shop["paid"])
    tracker.events[0]["parse_data"]["intent_ranking"] = [{"name": "cancel_order", "confidence": 0.45},
                                                         {"name": "change_order", "confidence": 0.4}]
    # The whole validation run, as the action server calls it (rasa-sdk calls next_requested_slot).
    events = await ValidateOrderRequestForm().run(dispatcher, tracker, domain)
    assert {"event": "slot", "name": "requested_slot", "value": "change_confirmed", "timestamp": None} in events
    assert responses(dispatcher) == ["utter_offer_other_request"]
    assert dispatcher.messages[0]["request_intent"] == "change_order"


async def test_nothing_beyond_verification_is_asked_before_it(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "cancel_order", shop["paid"], contact=None)
    slots = await ValidateOrderRequestForm().required_slots(VERIFICATION_SLOTS, dispatcher, tracker, domain)
    assert slots == VERIFICATION_SLOTS


async def test_verification_clears_details_left_from_an_earlier_request(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "cancel_order", shop["paid"], change_confirmed=True)
    result = await ValidateOrderRequestForm().validate_order_contact(MIA, dispatcher, tracker, domain)
    assert result["order_contact"] == MIA
    assert all(result[slot] is None for slot in CHANGE_SLOTS)


# --- confirmation questions ---

async def test_cancel_confirmation_states_items_total_and_status(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "cancel_order", shop["paid"])
    await ActionAskChangeConfirmed().run(dispatcher, tracker, domain)
    [question] = dispatcher.messages
    assert question["response"] == "utter_confirm_cancel"
    assert question["total"] == "€114.50" and "1 x Yoga mat" in question["items"]


async def test_address_confirmation_masks_the_new_address(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(
        tracker_factory, "change_shipping_address", shop["paid"], shipping_street="Lindenstrasse 12",
        shipping_postcode="20095", shipping_city="Hamburg", shipping_country="Germany",
    )
    await ActionAskChangeConfirmed().run(dispatcher, tracker, domain)
    [question] = dispatcher.messages
    assert question["masked_address"] == "Li***, 20*** Hamburg, Germany"
    assert "Lindenstrasse" not in str(question) and "20095" not in str(question)


# --- cancel ---

async def test_confirmed_cancel_cancels_once(shop, actions_database, tracker_factory, dispatcher, domain):
    events = await answer(tracker_factory, dispatcher, domain, "cancel_order", shop["paid"], change_confirmed=True)
    assert responses(dispatcher) == ["utter_order_cancelled"]
    assert stored_order(actions_database, shop["paid"])[0] == "cancelled"
    assert {e["name"] for e in events} == set(CHANGE_SLOTS) and all(e["value"] is None for e in events)
    dispatcher.messages.clear()
    await answer(tracker_factory, dispatcher, domain, "cancel_order", shop["paid"], change_confirmed=True)
    assert responses(dispatcher) == ["utter_order_already_cancelled"]


async def test_declined_cancel_keeps_the_order(shop, actions_database, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "cancel_order", shop["paid"], change_confirmed=False)
    assert responses(dispatcher) == ["utter_change_kept"]
    assert stored_order(actions_database, shop["paid"])[0] == "paid"


@pytest.mark.parametrize(
    "status, response",
    [("in_transit", "utter_cancel_refused_on_the_way"), ("delivered", "utter_cancel_refused_delivered"),
     ("returned", "utter_cancel_refused_returned"), ("cancelled", "utter_order_already_cancelled")],
)
async def test_cancel_refusal_says_why_and_offers_the_alternative(
    shop, tracker_factory, dispatcher, domain, status, response
):
    await answer(tracker_factory, dispatcher, domain, "cancel_order", shop[status])
    assert responses(dispatcher) == ["utter_order_verified", response]
    assert_responses_in_domain(dispatcher, domain)


async def test_a_change_confirmed_for_someone_elses_order_changes_nothing(
    shop, actions_database, tracker_factory, dispatcher, domain
):
    await answer(tracker_factory, dispatcher, domain, "cancel_order", shop["noah"], change_confirmed=True)
    assert responses(dispatcher) == ["utter_order_not_verified"]
    assert stored_order(actions_database, shop["noah"])[0] == "paid"


async def test_a_change_that_became_impossible_is_refused_at_confirmation(
    shop, actions_database, tracker_factory, dispatcher, domain
):
    with session_scope(actions_database) as session:
        session.get(Order, shop["packed"]).status = "shipped"
    await answer(tracker_factory, dispatcher, domain, "cancel_order", shop["packed"], change_confirmed=True)
    assert responses(dispatcher) == ["utter_cancel_refused_on_the_way"]


# --- refunds and returns ---

async def test_confirmed_return_opens_one_with_reason_and_reference(
    shop, actions_database, tracker_factory, dispatcher, domain
):
    await answer(tracker_factory, dispatcher, domain, "return_item", shop["delivered"],
                 refund_reason="arrived broken", change_confirmed=True)
    [reply] = dispatcher.messages
    assert reply["response"] == "utter_refund_requested" and reply["amount"] == "€114.50"
    with session_scope(actions_database) as session:
        refund = session.execute(select(Refund).where(Refund.order_id == shop["delivered"])).scalar_one()
        assert (refund.reference, refund.kind, refund.reason) == (reply["reference"], "return", "arrived broken")
    dispatcher.messages.clear()
    await answer(tracker_factory, dispatcher, domain, "track_refund", shop["delivered"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_refund_status"]
    assert dispatcher.messages[1]["reference"] == reply["reference"]
    dispatcher.messages.clear()
    await answer(tracker_factory, dispatcher, domain, "get_refund", shop["delivered"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_refund_already_requested"]


@pytest.mark.parametrize(
    "status, response",
    [("paid", "utter_refund_refused_not_shipped"), ("in_transit", "utter_refund_refused_on_the_way"),
     ("cancelled", "utter_refund_refused_cancelled"), ("old_delivery", "utter_refund_window_closed")],
)
async def test_refund_refusal_says_why(shop, tracker_factory, dispatcher, domain, status, response):
    await answer(tracker_factory, dispatcher, domain, "get_refund", shop[status])
    assert responses(dispatcher) == ["utter_order_verified", response]
    assert_responses_in_domain(dispatcher, domain)


async def test_track_refund_without_one_says_so(shop, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "track_refund", shop["paid"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_no_refund_found"]


# --- address ---

async def test_confirmed_address_change_is_stored(shop, actions_database, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "change_shipping_address", shop["paid"],
                 shipping_street="Lindenstrasse 12", shipping_postcode="20095", shipping_city="Hamburg",
                 shipping_country="Germany", change_confirmed=True)
    [reply] = dispatcher.messages
    assert reply["response"] == "utter_address_changed" and reply["masked_address"].startswith("Li***")
    assert stored_order(actions_database, shop["paid"])[2] == "Lindenstrasse 12"


async def test_address_postcode_must_fit_the_country(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "change_shipping_address", shop["paid"], shipping_postcode="1010")
    result = await ValidateOrderRequestForm().validate_shipping_country("deutschland", dispatcher, tracker, domain)
    assert result == {"shipping_country": "Germany", "shipping_postcode": None}
    assert responses(dispatcher) == ["utter_postcode_does_not_fit_country"]


# --- items ---

async def test_item_quantity_change_updates_the_total(shop, actions_database, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "change_order", shop["paid"],
                 change_item="Yoga mat", change_quantity="3", change_confirmed=True)
    [reply] = dispatcher.messages
    assert reply["response"] == "utter_item_changed" and reply["total"] == "€165.50"
    assert ("Yoga mat", 3) in stored_order(actions_database, shop["paid"])[3]


async def test_removing_the_only_item_points_to_cancelling(shop, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "change_order", shop["single"],
                 change_item="Yoga mat", change_quantity="0", change_confirmed=True)
    assert responses(dispatcher) == ["utter_item_change_refused_last_item"]


async def test_item_is_matched_to_the_orders_items(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "change_order", shop["paid"])
    form = ValidateOrderRequestForm()
    assert await form.validate_change_item("the grinder", dispatcher, tracker, domain) == {
        "change_item": "Barista coffee grinder"
    }
    assert await form.validate_change_item("socks", dispatcher, tracker, domain) == {"change_item": None}
    assert responses(dispatcher) == ["utter_invalid_change_item"]
    assert "Yoga mat" in dispatcher.messages[0]["items"]


# --- invoices and warranty ---

async def test_invoice_summary_comes_from_the_invoice(shop, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "get_invoice", shop["delivered"])
    reply = dispatcher.messages[1]
    assert reply["response"] == "utter_invoice_summary"
    assert reply["invoice_number"] == f"INV-{shop['delivered']}" and reply["total"] == "€114.50"
    assert Decimal(reply["net"][1:]) + Decimal(reply["vat"][1:]) == Decimal("114.50")


async def test_unpaid_order_has_no_invoice_yet(shop, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "check_invoice", shop["pending"])
    assert responses(dispatcher) == ["utter_order_verified", "utter_no_invoice_yet"]


async def test_warranty_claim_opens_a_ticket_for_the_order(shop, actions_database, tracker_factory, dispatcher, domain):
    await answer(tracker_factory, dispatcher, domain, "warranty_claim", shop["delivered"])
    reply = dispatcher.messages[1]
    assert reply["response"] == "utter_warranty_claim_opened"
    with session_scope(actions_database) as session:
        ticket = session.execute(select(SupportTicket)).scalar_one()
        assert (ticket.reference, ticket.kind, ticket.order_id) == (reply["reference"], "warranty_claim", shop["delivered"])
        assert ticket.conversation_id == "test-customer"


# --- SQL-looking input is stored and matched as plain text ---

INJECTION = "x'); DROP TABLE orders; -- 5"


async def test_sql_looking_reason_and_street_are_stored_verbatim(
    shop, actions_database, tracker_factory, dispatcher, domain
):
    form = ValidateOrderRequestForm()
    tracker = order_tracker(tracker_factory, "return_item", shop["delivered"])
    reason = (await form.validate_refund_reason(INJECTION, dispatcher, tracker, domain))["refund_reason"]
    street = (await form.validate_shipping_street(INJECTION, dispatcher, tracker, domain))["shipping_street"]
    await answer(tracker_factory, dispatcher, domain, "return_item", shop["delivered"],
                 refund_reason=reason, change_confirmed=True)
    await answer(tracker_factory, dispatcher, domain, "change_shipping_address", shop["paid"],
                 shipping_street=street, shipping_postcode="20095", shipping_city="Hamburg",
                 shipping_country="Germany", change_confirmed=True)
    assert responses(dispatcher) == ["utter_refund_requested", "utter_address_changed"]
    with session_scope(actions_database) as session:
        assert session.execute(select(Refund.reason)).scalar_one() == INJECTION
        assert session.get(Order, shop["paid"]).ship_street == INJECTION
        assert len(session.execute(select(Order)).all()) == len(shop)


async def test_sql_looking_item_matches_nothing(shop, tracker_factory, dispatcher, domain):
    tracker = order_tracker(tracker_factory, "change_order", shop["paid"])
    result = await ValidateOrderRequestForm().validate_change_item("' OR '1'='1", dispatcher, tracker, domain)
    assert result == {"change_item": None}
