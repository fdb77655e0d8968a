"""The demo shop: idempotent, complete, consistent, and true to the README's table."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, inspect, select

from actions.db.engine import session_scope
from actions.db.models import ORDER_STATUSES, Base, Customer, Order
from actions.db.repository import SqlShopRepository
from scripts.seed_db import outdated_tables, seed
from actions.config import PROJECT_DIR


def readme_demo_orders():
    rows = re.findall(r"^\| (\d{6}) \| (\w+) \| (\S+@\S+) \|", (PROJECT_DIR / "README.md").read_text(), re.M)
    assert len(rows) >= 8
    return [(int(order_id), status, email) for order_id, status, email in rows]


def row_counts(engine):
    with session_scope(engine) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}


@pytest.mark.parametrize("today", [dt.date(2026, 11, 23), dt.date(2027, 6, 6)])
def test_seeding_twice_gives_the_same_complete_shop(shop_engine, today):
    url = shop_engine.url.render_as_string(hide_password=False)
    assert seed(url, today=today)
    first = row_counts(shop_engine)
    assert seed(url, today=today)
    assert row_counts(shop_engine) == first
    assert first["customers"] >= 30 and first["orders"] >= 200 and first["tracking_events"] > first["shipments"]
    with session_scope(shop_engine) as session:
        statuses = set(session.execute(select(Order.status)).scalars())
        assert statuses == set(ORDER_STATUSES)
        for order in session.execute(select(Order)).scalars():
            assert order.total == order.subtotal + order.shipping_cost
            if order.invoice:
                assert order.invoice.net + order.invoice.vat == order.invoice.total == order.total
        for order_id, status, email in readme_demo_orders():
            order = session.get(Order, order_id)
            assert (order.status, order.customer.email) == (status, email)


def test_if_missing_keeps_existing_data(shop_engine):
    url = shop_engine.url.render_as_string(hide_password=False)
    seed(url, today=dt.date(2026, 11, 23))
    with session_scope(shop_engine) as session:
        session.get(Customer, 1).name = "Changed by the shop"
    assert seed(url, if_missing=True) is False
    with session_scope(shop_engine) as session:
        assert session.get(Customer, 1).name == "Changed by the shop"


def drop_column(engine, table, column):
    """A database an older version wrote: the table without a column added since."""
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_seeding_rebuilds_tables_an_older_version_wrote(shop_engine):
    url = shop_engine.url.render_as_string(hide_password=False)
    drop_column(shop_engine, "satisfaction_ratings", "comment")
    drop_column(shop_engine, "customers", "tier")  # orders and much else refer to customers
    assert outdated_tables(shop_engine)[-1] == "customers" and "orders" in outdated_tables(shop_engine)
    assert seed(url, today=dt.date(2026, 11, 23))
    assert outdated_tables(shop_engine) == []
    assert {c["name"] for c in inspect(shop_engine).get_columns("satisfaction_ratings")} >= {"comment"}
    assert row_counts(shop_engine)["orders"] >= 200


def test_if_missing_leaves_an_older_database_alone_and_says_so(shop_engine, capsys):
    url = shop_engine.url.render_as_string(hide_password=False)
    seed(url, today=dt.date(2026, 11, 23))
    drop_column(shop_engine, "satisfaction_ratings", "comment")
    assert seed(url, if_missing=True) is False
    assert "satisfaction_ratings" in capsys.readouterr().err
    assert outdated_tables(shop_engine) == ["satisfaction_ratings"]
    assert row_counts(shop_engine)["orders"] >= 200


@pytest.mark.parametrize("today", [dt.date(2026, 11, 23), dt.date(2027, 6, 6)])
@pytest.mark.parametrize(
    "order_id, change, refusal",
    [(100032, "cancel", None), (100073, "cancel", "already_shipped"), (100001, "address", None),
     (100003, "items", None), (100409, "return", None), (100868, "refund", "already_requested"),
     (100996, "refund", "window_closed"), (100021, "refund", "not_delivered")],
)
def test_the_readme_tries_work_on_any_seed_day(shop_engine, today, order_id, change, refusal):
    seed(shop_engine.url.render_as_string(hide_password=False), today=today)
    now = dt.datetime.combine(today, dt.time(12))
    assert SqlShopRepository(shop_engine).change_refusal(order_id, change, now) == refusal
