"""Intention-named queries and changes on the commerce database; actions call only these.

Results are plain frozen dataclasses, so no session or ORM object leaves this module.
Every change runs in one transaction: it commits fully or not at all. Changes to one order run
one after another, and confirming the same change again changes nothing more: concurrent
confirmations make it once, and the others are told it is already made.
"""

import abc
import datetime as dt
import difflib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Protocol, Tuple

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from actions import config
from actions.db.engine import change_scope, session_scope
from actions.db.models import (
    CUSTOMER_TIERS,
    Customer,
    Order,
    OrderItem,
    Product,
    Promotion,
    Refund,
    Shipment,
    SupportTicket,
)

RETURN_WINDOW_DAYS = 30
NOT_YET_SHIPPED_STATUSES = ("pending", "paid", "packed")
# An order can be cancelled or re-addressed until it leaves the warehouse.
CANCELLABLE_STATUSES = NOT_YET_SHIPPED_STATUSES
ADDRESS_CHANGEABLE_STATUSES = CANCELLABLE_STATUSES
# Items and quantities can change until the order is packed.
ITEM_CHANGEABLE_STATUSES = ("pending", "paid")
REFUNDABLE_STATUSES = ("delivered",)
# The changes a customer can ask for; change_refusal tells whether one is possible now.
ORDER_CHANGES = ("cancel", "refund", "return", "address", "items")


@dataclass(frozen=True)
class OrderSummary:
    order_id: int
    customer_id: int
    customer_name: str
    customer_tier: str
    customer_email: str
    status: str
    placed_at: dt.datetime
    delivered_at: Optional[dt.datetime]
    total: Decimal
    currency: str
    items: Tuple[Tuple[str, int], ...]
    ship_street: str
    ship_postcode: str
    ship_city: str
    ship_country: str


@dataclass(frozen=True)
class TrackingCheckpoint:
    occurred_at: dt.datetime
    location: str
    description: str


@dataclass(frozen=True)
class TrackingInfo:
    carrier: str
    tracking_number: str
    status: str
    estimated_delivery: dt.date
    checkpoints: Tuple[TrackingCheckpoint, ...]


@dataclass(frozen=True)
class RefundInfo:
    reference: str
    order_id: int
    kind: str
    amount: Decimal
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class InvoiceInfo:
    number: str
    order_id: int
    issued_at: dt.datetime
    net: Decimal
    vat: Decimal
    total: Decimal


@dataclass(frozen=True)
class ProductInfo:
    sku: str
    name: str
    category: str
    price: Decimal
    stock: int
    description: str
    warranty_months: int


@dataclass(frozen=True)
class PromotionInfo:
    code: str
    description: str
    percent_off: int
    category: Optional[str]
    valid_until: dt.date


@dataclass(frozen=True)
class ChangeOutcome:
    """What happened to a requested change: `done`, or why not (`status` is the order's).

    A change found already made is `done` with the reason saying so (`already_cancelled`,
    `already_changed`); a refund or return already open is not done (`already_requested`) and
    carries that one's reference.
    """

    done: bool
    status: str
    reason: str = ""
    reference: str = ""
    amount: Optional[Decimal] = None


@dataclass(frozen=True)
class ShippingAddress:
    street: str
    postcode: str
    city: str
    country: str


def normalise_phone(phone: Optional[str]) -> str:
    """The number in E.164 ("+4917660632706"), read in the shop's region when it has no country
    code, so "0176 60632706", "+49 176 6063-2706" and "0049 17660632706" match; digits only
    (a leading 00 read as +) if it cannot be a phone number."""
    try:
        number = phonenumbers.parse(phone or "", config.phone_region())
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", phone or "")
    return digits[2:] if digits.startswith("00") else digits


class ShopRepository(abc.ABC):
    """What the assistant may ask of or change in the shop's data."""

    @abc.abstractmethod
    def find_customer_order(self, order_id: int, customer_id: int) -> Optional[OrderSummary]:
        """The order, only if it belongs to `customer_id` (an identity the channel verified)."""

    @abc.abstractmethod
    def shipment_tracking(self, order_id: int) -> Optional[TrackingInfo]:
        """Carrier, tracking number, estimated delivery and checkpoints, if shipped."""

    @abc.abstractmethod
    def change_refusal(self, order_id: int, change: str, now: dt.datetime) -> Optional[str]:
        """Why `change` (one of ORDER_CHANGES) cannot be made to the order now, or None if it can."""

    @abc.abstractmethod
    def cancel_order(self, order_id: int, now: dt.datetime) -> ChangeOutcome:
        """Cancels the order if it has not shipped; cancelling twice is not an error."""

    @abc.abstractmethod
    def request_refund(self, order_id: int, kind: str, reason: str, now: dt.datetime) -> ChangeOutcome:
        """Opens a refund or return within the return window and returns its reference."""

    @abc.abstractmethod
    def refunds_for_order(self, order_id: int) -> List[RefundInfo]:
        """The order's refunds and returns, newest first."""

    @abc.abstractmethod
    def change_shipping_address(self, order_id: int, address: ShippingAddress) -> ChangeOutcome:
        """Changes where the order goes, if it has not shipped yet."""

    @abc.abstractmethod
    def change_item_quantity(self, order_id: int, product_name: str, quantity: int) -> ChangeOutcome:
        """Sets the quantity of an item already in the order (0 removes it) until it is packed."""

    @abc.abstractmethod
    def invoice_for_order(self, order_id: int) -> Optional[InvoiceInfo]:
        """The order's invoice, if one was issued."""

    @abc.abstractmethod
    def find_products(self, query: str, limit: int = 3) -> List[ProductInfo]:
        """Products whose sku or name best match what the customer typed, best first."""

    @abc.abstractmethod
    def recommend_products(self, customer_id: Optional[int], limit: int = 3) -> List[ProductInfo]:
        """In-stock products from the customer's preferred and past categories, then bestsellers."""

    @abc.abstractmethod
    def promotions_for_customer(self, customer_id: Optional[int], today: dt.date) -> List[PromotionInfo]:
        """Coupons valid today for this customer's tier (all-tier coupons for anonymous ones)."""

    @abc.abstractmethod
    def open_ticket(
        self,
        kind: str,
        summary: str,
        now: dt.datetime,
        customer_id: Optional[int] = None,
        order_id: Optional[int] = None,
        conversation_id: Optional[str] = None,
    ) -> str:
        """Opens a support ticket (complaint, warranty claim, handoff); returns its reference."""


class SqlShopRepository(ShopRepository):
    """The repository on a SQLAlchemy engine (SQLite by default, PostgreSQL in production)."""

    def __init__(self, engine: Optional[Engine] = None):
        self._engine = engine

    def _session(self):
        return session_scope(self._engine)

    def _change(self):
        return change_scope(self._engine)

    # --- orders ---

    def find_customer_order(self, order_id: int, customer_id: int) -> Optional[OrderSummary]:
        with self._session() as session:
            order = _load_order(session, order_id)
            if order is None or order.customer_id != customer_id:
                return None
            return _order_summary(order)

    def shipment_tracking(self, order_id: int) -> Optional[TrackingInfo]:
        with self._session() as session:
            shipment = session.execute(
                select(Shipment).where(Shipment.order_id == order_id).options(selectinload(Shipment.events))
            ).scalar_one_or_none()
            if shipment is None:
                return None
            return TrackingInfo(
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                status=shipment.status,
                estimated_delivery=shipment.estimated_delivery,
                checkpoints=tuple(
                    TrackingCheckpoint(e.occurred_at, e.location, e.description) for e in shipment.events
                ),
            )

    def change_refusal(self, order_id: int, change: str, now: dt.datetime) -> Optional[str]:
        with self._session() as session:
            order = session.execute(
                select(Order).where(Order.id == order_id).options(selectinload(Order.refunds))
            ).scalar_one_or_none()
            if order is None:
                raise OrderNotFound(order_id)
            return _change_refusal(order, change, now)

    def cancel_order(self, order_id: int, now: dt.datetime) -> ChangeOutcome:
        with self._change() as session:
            order = _lock_order(session, order_id)
            refusal = _change_refusal(order, "cancel", now)
            if refusal == "already_cancelled":
                return ChangeOutcome(done=True, status="cancelled", reason=refusal)
            if refusal:
                return ChangeOutcome(done=False, status=order.status, reason=refusal)
            order.status = "cancelled"
            order.cancelled_at = now
            return ChangeOutcome(done=True, status="cancelled")

    def request_refund(self, order_id: int, kind: str, reason: str, now: dt.datetime) -> ChangeOutcome:
        with self._change() as session:
            order = _lock_order(session, order_id)
            refusal = _change_refusal(order, kind, now)
            if refusal:
                open_refund = _open_refund(order)
                return ChangeOutcome(
                    done=False, status=order.status, reason=refusal,
                    reference=open_refund.reference if open_refund else "",
                )
            refund = Refund(
                reference=free_reference(session, Refund, "RF"),
                order_id=order.id,
                kind=kind,
                amount=order.total,
                reason=reason[:200],
                status="requested",
                created_at=now,
                updated_at=now,
            )
            session.add(refund)
            return ChangeOutcome(done=True, status=order.status, reference=refund.reference, amount=order.total)

    def refunds_for_order(self, order_id: int) -> List[RefundInfo]:
        with self._session() as session:
            refunds = session.execute(
                select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at.desc())
            ).scalars()
            return [RefundInfo(r.reference, r.order_id, r.kind, r.amount, r.status, r.created_at) for r in refunds]

    def change_shipping_address(self, order_id: int, address: ShippingAddress) -> ChangeOutcome:
        with self._change() as session:
            order = _lock_order(session, order_id)
            refusal = _change_refusal(order, "address")
            if refusal:
                return ChangeOutcome(done=False, status=order.status, reason=refusal)
            if _shipping_address(order) == address:
                return ChangeOutcome(done=True, status=order.status, reason="already_changed")
            order.ship_street = address.street
            order.ship_postcode = address.postcode
            order.ship_city = address.city
            order.ship_country = address.country
            return ChangeOutcome(done=True, status=order.status)

    def change_item_quantity(self, order_id: int, product_name: str, quantity: int) -> ChangeOutcome:
        if quantity < 0:
            raise ValueError("quantity must not be negative")
        with self._change() as session:
            order = _lock_order(session, order_id)
            refusal = _change_refusal(order, "items")
            item = next((i for i in order.items if i.product.name.lower() == product_name.lower()), None)
            if refusal is None and item is None:
                refusal = "item_not_in_order"
            if refusal is None and quantity == 0 and len(order.items) == 1:
                refusal = "last_item"
            if refusal or item is None:
                return ChangeOutcome(done=False, status=order.status, reason=refusal or "item_not_in_order")
            if item.quantity == quantity:
                return ChangeOutcome(done=True, status=order.status, reason="already_changed", amount=order.total)
            if quantity == 0:
                order.items.remove(item)
            else:
                item.quantity = quantity
            session.flush()
            order.subtotal = sum((i.unit_price * i.quantity for i in order.items), Decimal("0"))
            order.total = order.subtotal + order.shipping_cost
            if order.invoice is not None:
                # The invoice follows the order until it is packed; VAT keeps its share of the total.
                share = order.invoice.vat / order.invoice.total if order.invoice.total else Decimal("0")
                order.invoice.vat = (order.total * share).quantize(Decimal("0.01"))
                order.invoice.net = order.total - order.invoice.vat
                order.invoice.total = order.total
            return ChangeOutcome(done=True, status=order.status, amount=order.total)

    def invoice_for_order(self, order_id: int) -> Optional[InvoiceInfo]:
        with self._session() as session:
            order = session.get(Order, order_id)
            invoice = order.invoice if order else None
            if invoice is None:
                return None
            return InvoiceInfo(invoice.number, order_id, invoice.issued_at, invoice.net, invoice.vat, invoice.total)

    # --- products and promotions ---

    def find_products(self, query: str, limit: int = 3) -> List[ProductInfo]:
        wanted = (query or "").strip().lower()
        if not wanted:
            return []
        with self._session() as session:
            products = session.execute(select(Product)).scalars().all()
            scored = [(_match_score(wanted, p), p) for p in products]
            best = sorted((s for s in scored if s[0] >= 0.6), key=lambda s: (-s[0], s[1].sku))
            return [_product_info(p) for _, p in best[:limit]]

    def recommend_products(self, customer_id: Optional[int], limit: int = 3) -> List[ProductInfo]:
        with self._session() as session:
            liked = _liked_categories(session, customer_id)
            bought = _bought_product_ids(session, customer_id)
            popularity = dict(
                session.execute(
                    select(OrderItem.product_id, func.sum(OrderItem.quantity)).group_by(OrderItem.product_id)
                ).all()
            )
            candidates = [
                p for p in session.execute(select(Product).where(Product.stock > 0)).scalars()
                if p.id not in bought
            ]
            candidates.sort(key=lambda p: (p.category not in liked, -popularity.get(p.id, 0), p.sku))
            return [_product_info(p) for p in candidates[:limit]]

    def promotions_for_customer(self, customer_id: Optional[int], today: dt.date) -> List[PromotionInfo]:
        with self._session() as session:
            customer = session.get(Customer, customer_id) if customer_id is not None else None
            rank = CUSTOMER_TIERS.index(customer.tier) if customer else -1
            promotions = session.execute(
                select(Promotion)
                .where(Promotion.valid_from <= today, Promotion.valid_until >= today)
                .order_by(Promotion.percent_off.desc(), Promotion.code)
            ).scalars()
            return [
                PromotionInfo(p.code, p.description, p.percent_off, p.category, p.valid_until)
                for p in promotions
                if p.min_tier is None or (rank >= 0 and rank >= CUSTOMER_TIERS.index(p.min_tier))
            ]

    # --- support ---

    def open_ticket(
        self,
        kind: str,
        summary: str,
        now: dt.datetime,
        customer_id: Optional[int] = None,
        order_id: Optional[int] = None,
        conversation_id: Optional[str] = None,
    ) -> str:
        with self._change() as session:
            ticket = SupportTicket(
                reference=free_reference(session, SupportTicket, "TCK"),
                kind=kind,
                customer_id=customer_id,
                order_id=order_id,
                conversation_id=conversation_id,
                summary=summary[:2000],
                created_at=now,
            )
            session.add(ticket)
            return ticket.reference


class OrderNotFound(LookupError):
    """A change was asked for an order that does not exist (callers verify first)."""


def free_reference(session: Session, table, prefix: str) -> str:
    """A reference like RF-482913 not yet used in `table` (the unique index is the backstop)."""
    while True:
        reference = f"{prefix}-{secrets.randbelow(900000) + 100000}"
        if session.execute(select(table.id).where(table.reference == reference)).first() is None:
            return reference


def _load_order(session: Session, order_id: int) -> Optional[Order]:
    return session.execute(
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.customer), selectinload(Order.items).selectinload(OrderItem.product))
    ).scalar_one_or_none()


def _lock_order(session: Session, order_id: int) -> Order:
    # FOR UPDATE on PostgreSQL serialises concurrent changes to one order, and the one that
    # waited reads what the other committed; SQLite ignores it: there the change's whole
    # transaction holds the write lock (change_scope).
    order = session.execute(select(Order).where(Order.id == order_id).with_for_update()).scalar_one_or_none()
    if order is None:
        raise OrderNotFound(order_id)
    return order


def _shipping_address(order: Order) -> ShippingAddress:
    return ShippingAddress(order.ship_street, order.ship_postcode, order.ship_city, order.ship_country)


def _open_refund(order: Order) -> Optional[Refund]:
    return next((r for r in order.refunds if r.status != "rejected"), None)


def _cancel_refusal(order: Order, now: Optional[dt.datetime]) -> Optional[str]:
    if order.status == "cancelled":
        return "already_cancelled"
    return None if order.status in CANCELLABLE_STATUSES else "already_shipped"


def _refund_refusal(order: Order, now: Optional[dt.datetime]) -> Optional[str]:
    if _open_refund(order) is not None:
        return "already_requested"
    if order.status not in REFUNDABLE_STATUSES:
        return "not_delivered"
    if now - order.delivered_at > dt.timedelta(days=RETURN_WINDOW_DAYS):
        return "window_closed"
    return None


def _refused_unless(statuses: Tuple[str, ...], reason: str) -> Callable[[Order, Optional[dt.datetime]], Optional[str]]:
    def refusal(order: Order, now: Optional[dt.datetime]) -> Optional[str]:
        return None if order.status in statuses else reason

    return refusal


# When each change (ORDER_CHANGES) may be made to an order, by its state: the one place that
# decides. Each gives the reason a change is refused, or None if it is allowed.
_CHANGE_REFUSALS: Dict[str, Callable[[Order, Optional[dt.datetime]], Optional[str]]] = {
    "cancel": _cancel_refusal,
    "refund": _refund_refusal,
    "return": _refund_refusal,
    "address": _refused_unless(ADDRESS_CHANGEABLE_STATUSES, "already_shipped"),
    "items": _refused_unless(ITEM_CHANGEABLE_STATUSES, "already_packed"),
}
assert tuple(_CHANGE_REFUSALS) == ORDER_CHANGES


def _change_refusal(order: Order, change: str, now: Optional[dt.datetime] = None) -> Optional[str]:
    if change not in _CHANGE_REFUSALS:
        raise ValueError(f"unknown change {change!r}")
    return _CHANGE_REFUSALS[change](order, now)


class ContactDetails(Protocol):
    """What a contact is compared with: a customer, or the stand-in for an unknown order."""

    email: str
    phone: Optional[str]


def is_customer_contact(customer: ContactDetails, contact: str) -> bool:
    contact = (contact or "").strip()
    if "@" in contact:
        return contact.lower() == customer.email.lower()
    digits = normalise_phone(contact)
    return len(digits) >= 6 and digits == normalise_phone(customer.phone)


def _order_summary(order: Order) -> OrderSummary:
    return OrderSummary(
        order_id=order.id,
        customer_id=order.customer_id,
        customer_name=order.customer.name,
        customer_tier=order.customer.tier,
        customer_email=order.customer.email,
        status=order.status,
        placed_at=order.placed_at,
        delivered_at=order.delivered_at,
        total=order.total,
        currency=order.currency,
        items=tuple((item.product.name, item.quantity) for item in order.items),
        ship_street=order.ship_street,
        ship_postcode=order.ship_postcode,
        ship_city=order.ship_city,
        ship_country=order.ship_country,
    )


def _product_info(product: Product) -> ProductInfo:
    return ProductInfo(
        product.sku, product.name, product.category, product.price, product.stock,
        product.description, product.warranty_months,
    )


def _match_score(wanted: str, product: Product) -> float:
    """1.0 for the exact sku; otherwise how well the words typed match the product name."""
    if wanted == product.sku.lower():
        return 1.0
    name = product.name.lower()
    if wanted in name:
        return 0.95
    words = name.split()
    typed = wanted.split()
    # Each typed word is matched to its closest name word, so "airbuds pro" finds
    # "AeroBuds Pro wireless earbuds" despite the typo.
    per_word = [max(difflib.SequenceMatcher(None, t, w).ratio() for w in words) for t in typed]
    return sum(per_word) / len(per_word) * 0.9


def _liked_categories(session: Session, customer_id: Optional[int]) -> set:
    if customer_id is None:
        return set()
    customer = session.get(Customer, customer_id)
    liked = set((customer.preferences or {}).get("categories", [])) if customer else set()
    bought = session.execute(
        select(Product.category)
        .join(OrderItem, OrderItem.product_id == Product.id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.customer_id == customer_id)
    ).scalars()
    return liked | set(bought)


def _bought_product_ids(session: Session, customer_id: Optional[int]) -> set:
    if customer_id is None:
        return set()
    return set(
        session.execute(
            select(OrderItem.product_id)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.customer_id == customer_id)
        ).scalars()
    )
