"""The commerce data layer against real SQLite and PostgreSQL databases."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from actions.db.engine import session_scope
from actions.db.models import Order, Promotion, Refund, SupportTicket
from actions.db.repository import ShippingAddress
from actions.db.verification import SqlVerificationRepository
from actions.logistics import DatabaseTrackingProvider
from tests.shop_factory import NOW, add_customer, add_order, add_product


def arrange(engine, build):
    with session_scope(engine) as session:
        return build(session)


# --- verification ---

@pytest.fixture
def anna_order(shop_engine):
    def build(session):
        anna = add_customer(session, name="Anna Berg", email="Anna.Berg@example.com", phone="+49 151 2345678")
        other = add_customer(session, email="ben@example.com")
        order = add_order(session, anna, "shipped", products=[add_product(session, name="Air fryer XL")])
        other_order = add_order(session, other, "paid")
        return order.id, other_order.id
    return arrange(shop_engine, build)


@pytest.mark.parametrize("contact", [
    "anna.berg@example.com", " ANNA.BERG@example.com ", "+491512345678", "0049 151 234 5678",
    # National formats, read in the shop's region (SHOP_PHONE_REGION, DE by default).
    "0151 2345678", "(0151) 234-5678", "+49 (0)151 2345678",
])
def test_order_is_disclosed_with_the_customers_email_or_phone(repository, anna_order, shop_engine, contact):
    customer_id = SqlVerificationRepository(shop_engine).order_customer_with_contact(anna_order[0], contact)
    summary = repository.find_customer_order(anna_order[0], customer_id)
    assert summary.order_id == anna_order[0]
    assert summary.customer_name == "Anna Berg"
    assert summary.items == (("Air fryer XL", 1),)


@pytest.mark.parametrize("contact", ["ben@example.com", "anna@example.com", "", "5678", "' OR '1'='1", "anna.berg@example.com' --"])
def test_wrong_contact_and_other_customers_get_nothing(anna_order, shop_engine, contact):
    assert SqlVerificationRepository(shop_engine).order_customer_with_contact(anna_order[0], contact) is None


def test_a_national_number_is_read_in_the_shops_region(anna_order, shop_engine, monkeypatch):
    monkeypatch.setenv("SHOP_PHONE_REGION", "AT")
    verification = SqlVerificationRepository(shop_engine)
    # In Austria 0151 2345678 is another number than Anna's German +49 151 2345678.
    assert verification.order_customer_with_contact(anna_order[0], "0151 2345678") is None
    assert verification.order_customer_with_contact(anna_order[0], "+49 151 2345678") is not None


def test_unknown_order_and_foreign_order_look_the_same(anna_order, shop_engine):
    verification = SqlVerificationRepository(shop_engine)
    assert verification.order_customer_with_contact(999999, "anna.berg@example.com") is None
    assert verification.order_customer_with_contact(anna_order[1], "anna.berg@example.com") is None


def test_channel_verified_customer_sees_only_own_orders(repository, anna_order, shop_engine):
    anna = SqlVerificationRepository(shop_engine).order_customer_with_contact(anna_order[0], "anna.berg@example.com")
    assert repository.find_customer_order(anna_order[0], anna).order_id == anna_order[0]
    assert repository.find_customer_order(anna_order[1], anna) is None


def test_tracking_lists_checkpoints_in_order(repository, anna_order):
    tracking = repository.shipment_tracking(anna_order[0])
    assert tracking.carrier == "DHL"
    assert [c.location for c in tracking.checkpoints] == ["Leipzig", "Berlin"]
    assert repository.shipment_tracking(anna_order[1]) is None


def test_database_is_the_default_tracking_provider(repository, anna_order):
    provider = DatabaseTrackingProvider(repository)
    assert provider.track(anna_order[0]) == repository.shipment_tracking(anna_order[0])
    assert provider.track(anna_order[1]) is None


# --- cancellation ---

def order_in(engine, status, **fields):
    return arrange(engine, lambda s: add_order(s, add_customer(s), status, **fields).id)


def status_of(engine, order_id):
    with session_scope(engine) as session:
        return session.get(Order, order_id).status


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
def test_cancel_before_shipment(repository, shop_engine, status):
    order_id = order_in(shop_engine, status)
    outcome = repository.cancel_order(order_id, NOW)
    assert (outcome.done, outcome.reason) == (True, "")
    assert status_of(shop_engine, order_id) == "cancelled"
    again = repository.cancel_order(order_id, NOW)
    assert (again.done, again.reason) == (True, "already_cancelled")


@pytest.mark.parametrize("status", ["shipped", "in_transit", "out_for_delivery", "delivered", "returned"])
def test_cancel_is_refused_after_shipment(repository, shop_engine, status):
    order_id = order_in(shop_engine, status)
    outcome = repository.cancel_order(order_id, NOW)
    assert (outcome.done, outcome.reason, outcome.status) == (False, "already_shipped", status)
    assert status_of(shop_engine, order_id) == status


def test_a_failed_commit_leaves_nothing_half_written(repository, shop_engine):
    order_id = order_in(shop_engine, "paid")

    def fail(_session):
        raise RuntimeError("connection lost")

    event.listen(Session, "before_commit", fail)
    try:
        with pytest.raises(RuntimeError):
            repository.cancel_order(order_id, NOW)
    finally:
        event.remove(Session, "before_commit", fail)
    assert status_of(shop_engine, order_id) == "paid"


# --- refunds and returns ---

def test_refund_within_the_window_creates_a_reference(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=10)
    outcome = repository.request_refund(order_id, "refund", "arrived scratched", NOW)
    assert outcome.done and outcome.reference.startswith("RF-") and outcome.amount == Decimal("59.90")
    [refund] = repository.refunds_for_order(order_id)
    assert (refund.reference, refund.status, refund.kind) == (outcome.reference, "requested", "refund")
    again = repository.request_refund(order_id, "return", "changed my mind", NOW)
    assert (again.done, again.reason, again.reference) == (False, "already_requested", outcome.reference)


def test_refund_outside_the_window_is_refused(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=31)
    outcome = repository.request_refund(order_id, "return", "too small", NOW)
    assert (outcome.done, outcome.reason) == (False, "window_closed")
    assert repository.refunds_for_order(order_id) == []


@pytest.mark.parametrize("status", ["paid", "shipped", "cancelled"])
def test_refund_before_delivery_is_refused(repository, shop_engine, status):
    outcome = repository.request_refund(order_in(shop_engine, status), "refund", "late", NOW)
    assert (outcome.done, outcome.reason) == (False, "not_delivered")


# --- address and invoice ---

def test_address_changes_only_before_shipment(repository, shop_engine):
    new_address = ShippingAddress("Lindenweg 7", "80331", "Munich", "Germany")
    paid = order_in(shop_engine, "paid")
    assert repository.change_shipping_address(paid, new_address).done
    with session_scope(shop_engine) as session:
        assert session.get(Order, paid).ship_city == "Munich"
    shipped = order_in(shop_engine, "shipped")
    assert repository.change_shipping_address(shipped, new_address).reason == "already_shipped"


def test_invoice_summary(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered")
    invoice = repository.invoice_for_order(order_id)
    assert invoice.net + invoice.vat == invoice.total == Decimal("59.90")
    assert repository.invoice_for_order(order_in(shop_engine, "pending")) is None


# --- products, recommendations, promotions, tickets ---

@pytest.fixture
def catalogue(shop_engine):
    def build(session):
        buds = add_product(session, sku="BC-EL-0001", name="AeroBuds Pro wireless earbuds", category="electronics")
        add_product(session, sku="BC-KI-0002", name="Crispo air fryer XL", category="kitchen", stock=0)
        add_product(session, sku="BC-KI-0003", name="Barista coffee grinder", category="kitchen")
        add_product(session, sku="BC-SP-0004", name="Trail running shoes", category="sports")
        cook = add_customer(session, preferences={"categories": ["kitchen"]}, tier="gold")
        add_order(session, cook, "delivered", products=[buds])
        return cook.id
    return arrange(shop_engine, build)


@pytest.mark.parametrize(
    "query, first",
    [("BC-KI-0003", "Barista coffee grinder"), ("air fryer", "Crispo air fryer XL"),
     ("aerobuds pro", "AeroBuds Pro wireless earbuds"), ("cofee grindr", "Barista coffee grinder")],
)
def test_products_are_found_by_sku_name_or_typo(repository, catalogue, query, first):
    assert repository.find_products(query)[0].name == first


def test_unrelated_words_find_no_product(repository, catalogue):
    assert repository.find_products("helicopter") == []
    assert repository.find_products("   ") == []


def test_recommendations_follow_preferences_and_skip_what_was_bought(repository, catalogue):
    names = [p.name for p in repository.recommend_products(catalogue)]
    assert names[0] == "Barista coffee grinder"  # kitchen preference, in stock
    assert "AeroBuds Pro wireless earbuds" not in names  # already bought
    assert "Crispo air fryer XL" not in names  # out of stock


def test_promotions_respect_tier_and_dates(repository, shop_engine, catalogue):
    today = NOW.date()
    arrange(shop_engine, lambda s: s.add_all([
        Promotion(code="WELCOME10", description="10% off", percent_off=10, valid_from=today, valid_until=today),
        Promotion(code="GOLD15", description="15% off", percent_off=15, min_tier="gold",
                  valid_from=today - dt.timedelta(days=1), valid_until=today + dt.timedelta(days=9)),
        Promotion(code="OLD20", description="expired", percent_off=20,
                  valid_from=today - dt.timedelta(days=30), valid_until=today - dt.timedelta(days=1)),
    ]))
    assert [p.code for p in repository.promotions_for_customer(catalogue, today)] == ["GOLD15", "WELCOME10"]
    assert [p.code for p in repository.promotions_for_customer(None, today)] == ["WELCOME10"]


def test_tickets_get_unique_references(repository, shop_engine):
    references = {repository.open_ticket("complaint", f"late parcel {n}", NOW) for n in range(5)}
    assert len(references) == 5 and all(r.startswith("TCK-") for r in references)
    with session_scope(shop_engine) as session:
        assert session.execute(select(func.count()).select_from(SupportTicket)).scalar() == 5
        assert session.execute(select(func.count()).select_from(Refund)).scalar() == 0
