"""Small, explicit shop rows for tests (independent of the demo seed data)."""

import datetime as dt
from decimal import Decimal
from itertools import count

from actions.db.models import Customer, Invoice, Order, OrderItem, Product, Shipment, TrackingEvent

NOW = dt.datetime(2026, 11, 20, 12, 0, 0)
_ids = count(1)


def add_customer(session, **fields) -> Customer:
    n = next(_ids)
    values = dict(
        name=f"Customer {n}", email=f"customer{n}@example.com", phone=f"+49151000{n:05d}",
        tier="standard", preferences={}, created_at=NOW - dt.timedelta(days=400),
    )
    values.update(fields)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def add_product(session, **fields) -> Product:
    n = next(_ids)
    values = dict(
        sku=f"BC-T-{n:04d}", name=f"Test product {n}", category="kitchen", price=Decimal("19.99"),
        stock=10, description="A product for tests.", warranty_months=24,
    )
    values.update(fields)
    product = Product(**values)
    session.add(product)
    session.flush()
    return product


def add_order(session, customer, status, products=(), order_id=None, delivered_days_ago=None, **fields) -> Order:
    """An order in `status`; shipped orders get a shipment with two checkpoints."""
    order_id = order_id or 200000 + next(_ids)
    delivered_at = NOW - dt.timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    if status in ("delivered", "returned") and delivered_at is None:
        delivered_at = NOW - dt.timedelta(days=3)
    total = sum((p.price for p in products), Decimal("0.00")) or Decimal("59.90")
    values = dict(
        id=order_id, customer_id=customer.id, status=status, placed_at=NOW - dt.timedelta(days=40),
        delivered_at=delivered_at, ship_name=customer.name, ship_street="Hauptstrasse 1",
        ship_postcode="10115", ship_city="Berlin", ship_country="Germany",
        subtotal=total, shipping_cost=Decimal("0.00"), total=total, currency="EUR",
    )
    values.update(fields)
    order = Order(**values)
    session.add(order)
    for product in products:
        session.add(OrderItem(order_id=order_id, product_id=product.id, quantity=1, unit_price=product.price))
    if status not in ("pending", "paid", "packed", "cancelled"):
        shipment = Shipment(
            order_id=order_id, carrier="DHL", tracking_number=f"JJD{order_id:018d}", status=status,
            estimated_delivery=(NOW + dt.timedelta(days=2)).date(),
        )
        shipment.events = [
            TrackingEvent(occurred_at=NOW - dt.timedelta(days=2), location="Leipzig", description="Parcel at hub"),
            TrackingEvent(occurred_at=NOW - dt.timedelta(days=1), location="Berlin", description="In delivery depot"),
        ]
        session.add(shipment)
    if status != "pending":
        session.add(Invoice(
            number=f"INV-{order_id}", order_id=order_id, issued_at=NOW - dt.timedelta(days=39),
            net=(total / Decimal("1.19")).quantize(Decimal("0.01")),
            vat=total - (total / Decimal("1.19")).quantize(Decimal("0.01")), total=total,
        ))
    session.flush()
    return order
