"""Attack: one change confirmed many times at once, and a change stuck behind another's lock.

Whatever the race, the change is made exactly once and every confirmation is told the truth
(made now, or already made); a change that cannot get its lock in time is rolled back and
reported failed, and is not made later behind the customer's back. On real SQLite and
PostgreSQL.
"""

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from actions import clock
from actions.db.engine import make_engine, session_scope
from actions.db.models import Order, Refund
from actions.db.repository import ShippingAddress, SqlShopRepository
from actions.identity import VERIFIED_AT_SLOT
from actions.orders import ActionSubmitOrderRequestForm
from tests.conftest import make_tracker, user_event
from tests.conftest import responses
from tests.shop_factory import NOW, add_customer, add_order, add_product

CONFIRMATIONS = 8
GRINDER, MUG, SHIPPING = Decimal("24.50"), Decimal("7.25"), Decimal("4.90")
NEW_ADDRESS = ShippingAddress("Lindenstrasse 12", "20095", "Hamburg", "Germany")

# change: (the order's status, the confirmed change, what every confirmation after the first is told)
CHANGES = {
    "cancel": ("paid", lambda shop, order_id: shop.cancel_order(order_id, NOW), (True, "already_cancelled")),
    "refund": ("delivered", lambda shop, order_id: shop.request_refund(order_id, "refund", "late", NOW),
               (False, "already_requested")),
    "return": ("delivered", lambda shop, order_id: shop.request_refund(order_id, "return", "broken", NOW),
               (False, "already_requested")),
    "address": ("paid", lambda shop, order_id: shop.change_shipping_address(order_id, NEW_ADDRESS),
                (True, "already_changed")),
    "quantity": ("paid", lambda shop, order_id: shop.change_item_quantity(order_id, "Enamel mug", 3),
                 (True, "already_changed")),
    "removal": ("paid", lambda shop, order_id: shop.change_item_quantity(order_id, "Enamel mug", 0),
                (False, "item_not_in_order")),
}


def basket_order(engine, status):
    """An order of a grinder and a mug plus shipping; returns its id and its customer's email."""
    with session_scope(engine) as session:
        customer = add_customer(session)
        products = [add_product(session, name="Barista Coffee Grinder", price=GRINDER),
                    add_product(session, name="Enamel mug", price=MUG)]
        order = add_order(
            session, customer, status, products=products, subtotal=GRINDER + MUG, shipping_cost=SHIPPING,
            total=GRINDER + MUG + SHIPPING, delivered_days_ago=5 if status == "delivered" else None,
        )
        return order.id, customer.email


def order_state(engine, order_id):
    """Everything a change can touch, as a fresh session reads it back."""
    with session_scope(engine) as session:
        order = session.get(Order, order_id)
        refunds = session.execute(select(Refund.reference, Refund.kind).where(Refund.order_id == order_id)).all()
        return {
            "status": order.status,
            "address": (order.ship_street, order.ship_postcode, order.ship_city, order.ship_country),
            "items": sorted((item.product.name, item.quantity) for item in order.items),
            "total": order.total,
            "refunds": sorted(tuple(refund) for refund in refunds),
        }


def expected_state(before, change, outcome):
    """`before` with the change made once."""
    after = dict(before)
    if change == "cancel":
        after["status"] = "cancelled"
    elif change in ("refund", "return"):
        after["refunds"] = [(outcome.reference, change)]
    elif change == "address":
        after["address"] = (NEW_ADDRESS.street, NEW_ADDRESS.postcode, NEW_ADDRESS.city, NEW_ADDRESS.country)
    elif change == "quantity":
        after["items"] = [("Barista Coffee Grinder", 1), ("Enamel mug", 3)]
        after["total"] = GRINDER + 3 * MUG + SHIPPING
    else:
        after["items"] = [("Barista Coffee Grinder", 1)]
        after["total"] = GRINDER + SHIPPING
    return after


def all_at_once(call, times=CONFIRMATIONS):
    """Calls `call` from `times` threads released together; their results, or the first error."""
    start = threading.Barrier(times)

    def confirm():
        start.wait()
        return call()

    with ThreadPoolExecutor(times) as pool:
        futures = [pool.submit(confirm) for _ in range(times)]
        return [future.result() for future in futures]


@contextmanager
def write_lock_held_elsewhere(engine, order_id):
    """Another connection holds the lock a change of the order needs until the block ends,
    then rolls back: SQLite's write lock, PostgreSQL's lock on the order's row."""
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
    else:
        with engine.connect() as holder:
            # Should a change ever wait without bound again, the server ends this holder and
            # the test fails instead of hanging.
            holder.exec_driver_sql("SET idle_in_transaction_session_timeout = '60s'")
            holder.execute(select(Order.id).where(Order.id == order_id).with_for_update()).one()
            try:
                yield
            finally:
                holder.rollback()


@pytest.fixture
def short_db_timeout(monkeypatch):
    """DB_TIMEOUT_SECONDS of one second, for engines created from now on."""
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "1")


# --- the same change confirmed many times at once ---

@pytest.mark.parametrize("change", CHANGES)
def test_simultaneous_confirmations_make_the_change_once(repository, shop_engine, change):
    status, confirm, told_again = CHANGES[change]
    order_id, _ = basket_order(shop_engine, status)
    before = order_state(shop_engine, order_id)

    outcomes = all_at_once(lambda: confirm(repository, order_id))

    [made] = [outcome for outcome in outcomes if outcome.done and not outcome.reason]
    again = [outcome for outcome in outcomes if outcome is not made]
    assert [(outcome.done, outcome.reason) for outcome in again] == [told_again] * (CONFIRMATIONS - 1)
    if change in ("refund", "return"):
        assert {outcome.reference for outcome in again} == {made.reference}
    assert order_state(shop_engine, order_id) == expected_state(before, change, made)


# action request, the change it confirms, slots it needs, the reply made once, the reply to the rest
ACTION_CHANGES = [
    pytest.param("cancel_order", "cancel", {}, "utter_order_cancelled", "utter_order_already_cancelled",
                 id="cancel"),
    pytest.param("return_item", "return", {"refund_reason": "arrived broken"}, "utter_refund_requested",
                 "utter_refund_already_requested", id="return"),
    pytest.param("change_shipping_address", "address",
                 {"shipping_street": NEW_ADDRESS.street, "shipping_postcode": NEW_ADDRESS.postcode,
                  "shipping_city": NEW_ADDRESS.city, "shipping_country": NEW_ADDRESS.country},
                 "utter_address_changed", "utter_address_changed", id="address"),
    pytest.param("change_order", "quantity", {"change_item": "Enamel mug", "change_quantity": "3"},
                 "utter_item_changed", "utter_item_changed", id="quantity"),
]


def confirmed_change(intent, order_id, email, **slots):
    """The tracker the answer action gets once the customer confirmed the change."""
    return make_tracker(
        [user_event("I need help with my order", intent), user_event(str(order_id), "inform"),
         user_event("yes", "affirm")],
        slots={"order_id": str(order_id), "order_contact": email, VERIFIED_AT_SLOT: NOW.isoformat(),
               "change_confirmed": True, **slots},
    )


async def confirm_in_action(tracker, domain):
    dispatcher = CollectingDispatcher()
    await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    return dispatcher


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.parametrize("intent, change, slots, made_reply, again_reply", ACTION_CHANGES)
async def test_simultaneous_confirmations_in_the_assistant_are_told_the_truth(
    actions_database, frozen_clock, domain, intent, change, slots, made_reply, again_reply
):
    status = CHANGES[change][0]
    order_id, email = basket_order(actions_database, status)
    before = order_state(actions_database, order_id)
    tracker = confirmed_change(intent, order_id, email, **slots)

    dispatchers = await asyncio.gather(*(confirm_in_action(tracker, domain) for _ in range(CONFIRMATIONS)))

    replies = sorted(responses(dispatcher) for dispatcher in dispatchers)
    assert replies == sorted([[made_reply]] + [[again_reply]] * (CONFIRMATIONS - 1))
    after = order_state(actions_database, order_id)
    if change == "return":
        assert {d.messages[0]["reference"] for d in dispatchers} == {after["refunds"][0][0]}
        assert len(after["refunds"]) == 1
    else:
        assert after == expected_state(before, change, None)


# --- a change that cannot get its lock in time ---

@pytest.mark.parametrize("change", ["cancel", "return", "address", "quantity"])
def test_a_change_that_cannot_get_the_lock_in_time_is_rolled_back(shop_engine, short_db_timeout, change):
    status, confirm, _ = CHANGES[change]
    order_id, _ = basket_order(shop_engine, status)
    before = order_state(shop_engine, order_id)
    # The settings an action server started with DB_TIMEOUT_SECONDS=1 has.
    engine = make_engine(shop_engine.url.render_as_string(hide_password=False))
    try:
        with write_lock_held_elsewhere(shop_engine, order_id):
            with pytest.raises(SQLAlchemyError):
                confirm(SqlShopRepository(engine), order_id)
        assert order_state(shop_engine, order_id) == before
        # The lock was all that stood in the way.
        made = confirm(SqlShopRepository(engine), order_id)
        assert made.done and not made.reason
        assert order_state(shop_engine, order_id) == expected_state(before, change, made)
    finally:
        engine.dispose()


@pytest.mark.parametrize("intent, change, slots, made_reply, _again_reply", ACTION_CHANGES)
async def test_the_assistant_never_says_failed_for_a_change_it_makes(
    actions_database, frozen_clock, short_db_timeout, domain, intent, change, slots, made_reply, _again_reply
):
    status = CHANGES[change][0]
    order_id, email = basket_order(actions_database, status)
    before = order_state(actions_database, order_id)
    tracker = confirmed_change(intent, order_id, email, **slots)
    loop = asyncio.get_running_loop()
    workers = ThreadPoolExecutor()
    loop.set_default_executor(workers)

    with write_lock_held_elsewhere(actions_database, order_id):
        stuck = await confirm_in_action(tracker, domain)
    # Every piece of database work the action started has ended, committed or not.
    workers.shutdown(wait=True)
    loop.set_default_executor(ThreadPoolExecutor())

    assert responses(stuck) == ["utter_shop_unavailable"]
    assert order_state(actions_database, order_id) == before
    made = await confirm_in_action(tracker, domain)
    assert responses(made) == [made_reply]
    assert order_state(actions_database, order_id) != before
