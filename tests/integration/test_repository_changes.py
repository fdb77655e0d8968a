"""Which order changes are allowed, item quantity changes, a change confirmed again, the database's
bounds on a change, and the handoff queue, on real SQLite and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from actions.db.engine import make_engine, session_scope
from actions.db.models import Invoice, Order, Refund
from actions.db.repository import ORDER_CHANGES, RETURN_WINDOW_DAYS, OrderNotFound, ShippingAddress
from tests.shop_factory import NOW, add_customer, add_order, add_product

NOT_SHIPPED = ("pending", "paid", "packed")
SHIPPED = ("shipped", "in_transit", "out_for_delivery", "delivered", "returned")
ALL_STATUSES = NOT_SHIPPED + ("cancelled",) + SHIPPED


def arrange(engine, build):
    with session_scope(engine) as session:
        return build(session)


def order_in(engine, status, **fields):
    return arrange(engine, lambda s: add_order(s, add_customer(s), status, **fields).id)


def status_of(engine, order_id):
    with session_scope(engine) as session:
        return session.get(Order, order_id).status


def count_rows(engine, table):
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


# --- change_refusal ---

def expected_refusal(change, status):
    """The rules as the customer is told them, written out independently of the code."""
    if change == "cancel":
        if status == "cancelled":
            return "already_cancelled"
        return None if status in NOT_SHIPPED else "already_shipped"
    if change in ("refund", "return"):
        return None if status == "delivered" else "not_delivered"  # delivered 3 days ago by default
    if change == "address":
        return None if status in NOT_SHIPPED else "already_shipped"
    if change == "items":
        return None if status in ("pending", "paid") else "already_packed"
    raise AssertionError(change)


def test_every_change_has_a_rule():
    assert set(ORDER_CHANGES) == {"cancel", "refund", "return", "address", "items"}


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != "cancelled"])
@pytest.mark.parametrize("change", ORDER_CHANGES)
def test_change_refusal_follows_the_order_status(repository, shop_engine, change, status):
    order_id = order_in(shop_engine, status)
    assert repository.change_refusal(order_id, change, NOW) == expected_refusal(change, status)


@pytest.mark.parametrize(
    "change, reason",
    [("cancel", "already_cancelled"), ("refund", "not_delivered"), ("return", "not_delivered"),
     ("items", "already_packed")],
)
def test_a_cancelled_order_cannot_change(repository, shop_engine, change, reason):
    assert repository.change_refusal(order_in(shop_engine, "cancelled"), change, NOW) == reason


def test_a_cancelled_order_cannot_be_readdressed(repository, shop_engine):
    assert repository.change_refusal(order_in(shop_engine, "cancelled"), "address", NOW) is not None


@pytest.mark.parametrize("kind", ["refund", "return"])
@pytest.mark.parametrize(
    "days_ago, reason",
    [(0, None), (10, None), (RETURN_WINDOW_DAYS, None), (RETURN_WINDOW_DAYS + 1, "window_closed"), (90, "window_closed")],
)
def test_refunds_and_returns_only_within_the_return_window(repository, shop_engine, kind, days_ago, reason):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=days_ago)
    assert repository.change_refusal(order_id, kind, NOW) == reason


def test_the_window_is_counted_from_delivery_to_now(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=10)
    later = NOW + dt.timedelta(days=RETURN_WINDOW_DAYS - 10, seconds=1)
    assert repository.change_refusal(order_id, "refund", later) == "window_closed"
    assert repository.change_refusal(order_id, "refund", later - dt.timedelta(seconds=1)) is None


@pytest.mark.parametrize("requested, asked", [("refund", "refund"), ("refund", "return"), ("return", "refund")])
def test_a_second_refund_or_return_is_already_requested(repository, shop_engine, requested, asked):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=5)
    assert repository.request_refund(order_id, requested, "broken", NOW).done
    assert repository.change_refusal(order_id, asked, NOW) == "already_requested"


def test_a_rejected_refund_does_not_block_a_new_one(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=5)
    reference = repository.request_refund(order_id, "refund", "broken", NOW).reference
    with session_scope(shop_engine) as session:
        session.execute(select(Refund).where(Refund.reference == reference)).scalar_one().status = "rejected"
    assert repository.change_refusal(order_id, "return", NOW) is None


def test_unknown_order_is_not_found(repository, shop_engine):
    order_in(shop_engine, "paid")
    with pytest.raises(OrderNotFound):
        repository.change_refusal(999999, "cancel", NOW)


@pytest.mark.parametrize("change", ["delete", "CANCEL", ""])
def test_unknown_change_is_a_programming_error(repository, shop_engine, change):
    with pytest.raises(ValueError):
        repository.change_refusal(order_in(shop_engine, "paid"), change, NOW)


@pytest.mark.parametrize("change", ORDER_CHANGES)
def test_asking_whether_a_change_is_possible_changes_nothing(repository, shop_engine, change):
    paid = order_in(shop_engine, "paid")
    delivered = order_in(shop_engine, "delivered", delivered_days_ago=5)
    assert repository.change_refusal(paid, change, NOW) in (None, "not_delivered")
    assert repository.change_refusal(delivered, change, NOW) in (None, "already_shipped", "already_packed")
    assert (status_of(shop_engine, paid), status_of(shop_engine, delivered)) == ("paid", "delivered")
    assert repository.refunds_for_order(delivered) == []
    with session_scope(shop_engine) as session:
        assert session.get(Order, paid).cancelled_at is None


# --- change_item_quantity ---

def with_invoice_for_total(session, order):
    """Makes the order's invoice (if any) match its total, with 19% VAT, as issued."""
    invoice = session.execute(select(Invoice).where(Invoice.order_id == order.id)).scalar_one_or_none()
    if invoice is not None:
        invoice.total = order.total
        invoice.net = (order.total / Decimal("1.19")).quantize(Decimal("0.01"))
        invoice.vat = order.total - invoice.net
    return order


@pytest.fixture
def basket(shop_engine):
    """Order factory: a grinder (€24.50) and a mug (€7.25), plus €4.90 shipping."""
    def make(status, with_mug=True):
        def build(session):
            grinder = add_product(session, name="Barista Coffee Grinder", price=Decimal("24.50"))
            mug = add_product(session, name="Enamel mug", price=Decimal("7.25"))
            add_product(session, name="Gooseneck kettle", price=Decimal("39.00"))
            products = [grinder, mug] if with_mug else [grinder]
            subtotal = sum(p.price for p in products)
            order = add_order(session, add_customer(session), status, products=products,
                              subtotal=subtotal, shipping_cost=Decimal("4.90"), total=subtotal + Decimal("4.90"))
            return with_invoice_for_total(session, order).id
        return arrange(shop_engine, build)
    return make


def order_state(engine, order_id):
    """The order as a fresh session reads it back from the database."""
    with session_scope(engine) as session:
        order = session.get(Order, order_id)
        invoice = order.invoice
        return {
            "items": sorted((item.product.name, item.quantity) for item in order.items),
            "subtotal": order.subtotal,
            "total": order.total,
            "invoice": (invoice.net, invoice.vat, invoice.total) if invoice else None,
        }


def assert_invoice_follows(state):
    net, vat, total = state["invoice"]
    assert total == state["total"]
    assert net + vat == total
    assert abs(vat - total * Decimal("19") / Decimal("119")) <= Decimal("0.01")


def test_quantity_change_recomputes_subtotal_total_and_invoice(repository, shop_engine, basket):
    order_id = basket("paid")
    outcome = repository.change_item_quantity(order_id, "Barista Coffee Grinder", 3)
    assert (outcome.done, outcome.reason, outcome.status) == (True, "", "paid")
    state = order_state(shop_engine, order_id)
    assert state["items"] == [("Barista Coffee Grinder", 3), ("Enamel mug", 1)]
    assert state["subtotal"] == Decimal("80.75")  # 3 x 24.50 + 7.25
    assert state["total"] == Decimal("85.65")  # + 4.90 shipping
    assert outcome.amount == Decimal("85.65")
    assert_invoice_follows(state)


def test_item_name_is_matched_case_insensitively(repository, shop_engine, basket):
    order_id = basket("paid")
    assert repository.change_item_quantity(order_id, "barista COFFEE grinder", 2).done
    assert ("Barista Coffee Grinder", 2) in order_state(shop_engine, order_id)["items"]


def test_quantity_can_go_down_as_well_as_up(repository, shop_engine, basket):
    order_id = basket("paid")
    repository.change_item_quantity(order_id, "Enamel mug", 4)
    repository.change_item_quantity(order_id, "Enamel mug", 2)
    state = order_state(shop_engine, order_id)
    assert state["items"] == [("Barista Coffee Grinder", 1), ("Enamel mug", 2)]
    assert (state["subtotal"], state["total"]) == (Decimal("39.00"), Decimal("43.90"))
    assert_invoice_follows(state)


def test_quantity_zero_removes_the_item(repository, shop_engine, basket):
    order_id = basket("paid")
    outcome = repository.change_item_quantity(order_id, "Enamel mug", 0)
    assert outcome.done and outcome.amount == Decimal("29.40")
    state = order_state(shop_engine, order_id)
    assert state["items"] == [("Barista Coffee Grinder", 1)]
    assert (state["subtotal"], state["total"]) == (Decimal("24.50"), Decimal("29.40"))
    assert_invoice_follows(state)


def test_a_pending_order_without_invoice_still_gets_new_totals(repository, shop_engine, basket):
    order_id = basket("pending")
    assert order_state(shop_engine, order_id)["invoice"] is None
    assert repository.change_item_quantity(order_id, "Enamel mug", 2).done
    state = order_state(shop_engine, order_id)
    assert (state["subtotal"], state["total"], state["invoice"]) == (Decimal("39.00"), Decimal("43.90"), None)


@pytest.mark.parametrize(
    "with_mug, product_name, quantity, reason",
    [(False, "Barista Coffee Grinder", 0, "last_item"),
     (True, "Gooseneck kettle", 2, "item_not_in_order"),  # in the catalogue, not in the order
     (True, "Barista", 2, "item_not_in_order"),
     (True, "", 1, "item_not_in_order")],
)
def test_refused_item_changes_leave_the_order_as_it_was(
    repository, shop_engine, basket, with_mug, product_name, quantity, reason
):
    order_id = basket("paid", with_mug=with_mug)
    before = order_state(shop_engine, order_id)
    outcome = repository.change_item_quantity(order_id, product_name, quantity)
    assert (outcome.done, outcome.reason, outcome.status) == (False, reason, "paid")
    assert order_state(shop_engine, order_id) == before


@pytest.mark.parametrize("status", ["packed", "shipped", "delivered", "cancelled"])
def test_items_cannot_change_once_packed(repository, shop_engine, basket, status):
    order_id = basket(status)
    before = order_state(shop_engine, order_id)
    outcome = repository.change_item_quantity(order_id, "Enamel mug", 3)
    assert (outcome.done, outcome.reason, outcome.status) == (False, "already_packed", status)
    assert order_state(shop_engine, order_id) == before


def test_negative_quantity_is_rejected_and_changes_nothing(repository, shop_engine, basket):
    order_id = basket("paid")
    before = order_state(shop_engine, order_id)
    with pytest.raises(ValueError):
        repository.change_item_quantity(order_id, "Enamel mug", -1)
    assert order_state(shop_engine, order_id) == before


def test_quantity_change_of_unknown_order_is_not_found(repository, basket):
    basket("paid")
    with pytest.raises(OrderNotFound):
        repository.change_item_quantity(999999, "Enamel mug", 2)


# --- a change confirmed again ---

HAMBURG = ShippingAddress("Lindenstrasse 12", "20095", "Hamburg", "Germany")


def test_cancelling_again_is_harmless_and_reports_cancelled(repository, shop_engine):
    order_id = order_in(shop_engine, "paid")
    first = repository.cancel_order(order_id, NOW)
    again = repository.cancel_order(order_id, NOW + dt.timedelta(minutes=5))
    assert (first.done, first.reason, first.status) == (True, "", "cancelled")
    assert (again.done, again.reason, again.status) == (True, "already_cancelled", "cancelled")
    with session_scope(shop_engine) as session:
        assert session.get(Order, order_id).cancelled_at == NOW


def test_the_same_address_again_is_already_changed(repository, shop_engine):
    order_id = order_in(shop_engine, "paid")
    first = repository.change_shipping_address(order_id, HAMBURG)
    again = repository.change_shipping_address(order_id, HAMBURG)
    assert (first.done, first.reason) == (True, "")
    assert (again.done, again.reason) == (True, "already_changed")
    moved = ShippingAddress("Lindenstrasse 14", "20095", "Hamburg", "Germany")
    assert repository.change_shipping_address(order_id, moved).reason == ""
    with session_scope(shop_engine) as session:
        assert session.get(Order, order_id).ship_street == "Lindenstrasse 14"


def test_the_same_quantity_again_is_already_changed_and_totals_stay(repository, shop_engine, basket):
    order_id = basket("paid")
    first = repository.change_item_quantity(order_id, "Enamel mug", 3)
    after_first = order_state(shop_engine, order_id)
    again = repository.change_item_quantity(order_id, "enamel MUG", 3)
    assert (first.done, first.reason) == (True, "")
    assert (again.done, again.reason, again.amount) == (True, "already_changed", first.amount)
    assert order_state(shop_engine, order_id) == after_first


def test_removing_an_item_again_finds_it_gone(repository, shop_engine, basket):
    order_id = basket("paid")
    assert repository.change_item_quantity(order_id, "Enamel mug", 0).done
    after_first = order_state(shop_engine, order_id)
    again = repository.change_item_quantity(order_id, "Enamel mug", 0)
    assert (again.done, again.reason) == (False, "item_not_in_order")
    assert order_state(shop_engine, order_id) == after_first


def test_the_database_refuses_a_second_open_refund_for_one_order(repository, shop_engine):
    order_id = order_in(shop_engine, "delivered", delivered_days_ago=5)
    reference = repository.request_refund(order_id, "refund", "broken", NOW).reference
    with pytest.raises(IntegrityError):
        with session_scope(shop_engine) as session:
            session.add(Refund(
                reference="RF-999999", order_id=order_id, kind="return", amount=Decimal("1.00"), reason="twice",
                status="requested", created_at=NOW, updated_at=NOW,
            ))
    assert [r.reference for r in repository.refunds_for_order(order_id)] == [reference]


# --- the database bounds every wait of a change ---

def test_every_database_wait_is_bounded_by_db_timeout_seconds(shop_engine, monkeypatch):
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "2.5")
    engine = make_engine(shop_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 2500
            else:
                assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == "2500ms"
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "2500ms"
    finally:
        engine.dispose()
