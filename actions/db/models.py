"""Tables of the shop: customers, catalogue, orders and everything that follows an order."""

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

# Any: SQLAlchemy 1.4 builds the base class at run time, which a type checker cannot follow.
Base: Any = declarative_base()

# Order lifecycle, in the order an order normally moves through it.
ORDER_STATUSES = (
    "pending",
    "paid",
    "packed",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
)
CUSTOMER_TIERS = ("new", "standard", "silver", "gold")
Money = Numeric(10, 2)


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(254), nullable=False, unique=True)
    phone = Column(String(32), nullable=False)
    tier = Column(String(16), nullable=False)
    # e.g. {"categories": ["kitchen", "sports"], "newsletter": true}
    preferences = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime, nullable=False)

    orders = relationship("Order", back_populates="customer", order_by="Order.placed_at")


class Product(Base):
    __tablename__ = "products"

    id = Column(Integer, primary_key=True)
    sku = Column(String(32), nullable=False, unique=True)
    name = Column(String(160), nullable=False)
    category = Column(String(40), nullable=False, index=True)
    price = Column(Money, nullable=False)
    stock = Column(Integer, nullable=False)
    description = Column(Text, nullable=False)
    warranty_months = Column(Integer, nullable=False)


class Order(Base):
    __tablename__ = "orders"

    # The 6-digit order number customers see.
    id = Column(Integer, primary_key=True, autoincrement=False)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(20), nullable=False)
    placed_at = Column(DateTime, nullable=False)
    paid_at = Column(DateTime)
    packed_at = Column(DateTime)
    shipped_at = Column(DateTime)
    delivered_at = Column(DateTime)
    cancelled_at = Column(DateTime)
    returned_at = Column(DateTime)
    ship_name = Column(String(120), nullable=False)
    ship_street = Column(String(160), nullable=False)
    ship_postcode = Column(String(16), nullable=False)
    ship_city = Column(String(80), nullable=False)
    ship_country = Column(String(60), nullable=False)
    subtotal = Column(Money, nullable=False)
    shipping_cost = Column(Money, nullable=False)
    total = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False, default="EUR")

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", cascade="all, delete-orphan")
    shipment = relationship("Shipment", back_populates="order", uselist=False, cascade="all, delete-orphan")
    invoice = relationship("Invoice", back_populates="order", uselist=False, cascade="all, delete-orphan")
    refunds = relationship("Refund", back_populates="order", cascade="all, delete-orphan")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    product_id = Column(ForeignKey("products.id"), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price = Column(Money, nullable=False)

    order = relationship("Order", back_populates="items")
    product = relationship("Product")


class Shipment(Base):
    __tablename__ = "shipments"

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, unique=True)
    carrier = Column(String(40), nullable=False)
    tracking_number = Column(String(40), nullable=False, unique=True)
    status = Column(String(20), nullable=False)
    estimated_delivery = Column(Date, nullable=False)

    order = relationship("Order", back_populates="shipment")
    events = relationship(
        "TrackingEvent", back_populates="shipment", order_by="TrackingEvent.occurred_at",
        cascade="all, delete-orphan",
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id = Column(Integer, primary_key=True)
    shipment_id = Column(ForeignKey("shipments.id"), nullable=False, index=True)
    occurred_at = Column(DateTime, nullable=False)
    location = Column(String(80), nullable=False)
    description = Column(String(200), nullable=False)

    shipment = relationship("Shipment", back_populates="events")


class Refund(Base):
    """A refund request; `kind` says whether goods come back (return) or only money (refund)."""

    __tablename__ = "refunds"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    kind = Column(String(8), nullable=False)
    amount = Column(Money, nullable=False)
    reason = Column(String(200), nullable=False)
    status = Column(String(12), nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)

    order = relationship("Order", back_populates="refunds")

    # At most one refund or return in progress per order (a rejected one no longer counts),
    # whoever writes the table: the database's backstop behind the repository's check.
    __table_args__ = (
        Index(
            "one_open_refund_per_order", order_id, unique=True,
            sqlite_where=status != "rejected", postgresql_where=status != "rejected",
        ),
    )


class Invoice(Base):
    __tablename__ = "invoices"

    id = Column(Integer, primary_key=True)
    number = Column(String(16), nullable=False, unique=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, unique=True)
    issued_at = Column(DateTime, nullable=False)
    net = Column(Money, nullable=False)
    vat = Column(Money, nullable=False)
    total = Column(Money, nullable=False)

    order = relationship("Order", back_populates="invoice")


class SupportTicket(Base):
    __tablename__ = "support_tickets"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(12), nullable=False, default="open")
    customer_id = Column(ForeignKey("customers.id"))
    order_id = Column(ForeignKey("orders.id"))
    conversation_id = Column(String(255))
    summary = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)


# Where a handoff stands; a ticket a person still has to take is "waiting".
HANDOFF_STATUSES = ("waiting", "with_agent", "resolved", "returned", "cancelled")
OPEN_HANDOFF_STATUSES = ("waiting", "with_agent")


class Handoff(Base):
    """A ticket a person from the team takes over: a live conversation or a complaint."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(ForeignKey("support_tickets.id"), nullable=False, unique=True)
    conversation_id = Column(String(255), index=True)
    queue = Column(String(24), nullable=False, index=True)
    # asked (the customer asked for a person), fallback (after the assistant did not understand) or complaint.
    reason = Column(String(16), nullable=False)
    status = Column(String(12), nullable=False, index=True)
    agent_id = Column(ForeignKey("agents.id"))
    requested_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime)
    first_agent_reply_at = Column(DateTime)
    closed_at = Column(DateTime)
    # callback or email, chosen when no agent took the conversation in time.
    follow_up = Column(String(12))
    updated_at = Column(DateTime, nullable=False)


class HandoffTimeoutOffer(Base):
    """The callback-or-email offer made once to a customer whose handoff no agent took in time:
    the row's key makes Rasa's reminder and the agent console's sweep offer it only once."""

    __tablename__ = "handoff_timeout_offers"

    handoff_id = Column(ForeignKey("handoffs.id"), primary_key=True)
    offered_at = Column(DateTime, nullable=False)


class Agent(Base):
    """A person of the shop's team who signs in to the agent console."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    # scrypt, with its parameters and salt (agent_console.passwords).
    password_hash = Column(String(256), nullable=False)
    # The skill queues the agent works; empty: all of them.
    queues = Column(JSON, nullable=False, default=list)
    created_at = Column(DateTime, nullable=False)


class SatisfactionRating(Base):
    """The customer's rating of one conversation, with what the conversation went through."""

    __tablename__ = "satisfaction_ratings"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, unique=True)
    rating = Column(Integer, nullable=False)
    intents = Column(JSON, nullable=False, default=list)
    flows = Column(JSON, nullable=False, default=list)
    human_involved = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)
    # What the customer wrote after rating, masked (actions.satisfaction); None if nothing.
    comment = Column(Text, nullable=True)


class Promotion(Base):
    __tablename__ = "promotions"
    __table_args__ = (UniqueConstraint("code"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False)
    description = Column(String(200), nullable=False)
    percent_off = Column(Integer, nullable=False)
    # None: every tier; otherwise the lowest tier (see CUSTOMER_TIERS) it is for.
    min_tier = Column(String(16))
    category = Column(String(40))
    valid_from = Column(Date, nullable=False)
    valid_until = Column(Date, nullable=False)


class AgentPresence(Base):
    """When an agent's console last asked the server anything: the conversations of an agent
    away longer than AGENT_AWAY_MINUTES go back to their queues."""

    __tablename__ = "agent_presence"

    agent_id = Column(ForeignKey("agents.id"), primary_key=True)
    last_seen_at = Column(DateTime, nullable=False)


class FailedAgentSignIn(Base):
    """One failed sign-in to the agent console, counted against the username tried (known or not)."""

    __tablename__ = "failed_agent_sign_ins"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, index=True)
    failed_at = Column(DateTime, nullable=False, index=True)


class FailedVerification(Base):
    """One failed attempt to prove an order is the customer's, counted against the order number
    and the email or phone tried, whichever conversation it came from."""

    __tablename__ = "failed_verifications"

    id = Column(Integer, primary_key=True)
    # No foreign key: guesses of order numbers that do not exist count the same.
    order_id = Column(Integer, nullable=False, index=True)
    # A keyed hash of the normalised email or phone, never the contact itself.
    contact_key = Column(String(64), nullable=False, index=True)
    failed_at = Column(DateTime, nullable=False, index=True)
