"""What proving an order is the customer's needs from the database: a check of the email or
phone that costs the same for an unknown order as for someone else's, and the failed attempts,
counted per order number and per contact across every conversation and action server.

Contacts are stored only as keyed hashes (the caller hashes them); rows older than the
counting window are deleted as new failures come in.
"""

import abc
import datetime as dt
import functools
from types import SimpleNamespace
from typing import Optional

from sqlalchemy import delete, inspect, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions.db.engine import default_engine, session_scope
from actions.db.failure_limits import FailureLimit, blocked_until, oldest_failure_that_counts
from actions.db.models import Customer, FailedVerification, Order
from actions.db.repository import is_customer_contact


# Stands in for the customer of an order that does not exist; no contact matches it.
_NOBODY = SimpleNamespace(id=None, email="", phone="")


class VerificationRepository(abc.ABC):
    """The verification's own questions and records; actions call only these."""

    @abc.abstractmethod
    def order_customer_with_contact(self, order_id: int, contact: str) -> Optional[int]:
        """The id of the order's customer if `contact` is their email or phone, else None:
        one query, whether the order is someone else's or does not exist."""

    @abc.abstractmethod
    def verification_blocked_until(
        self, order_id: int, contact_key: str, now: dt.datetime, limit: FailureLimit
    ) -> Optional[dt.datetime]:
        """Until when the order number or the contact is blocked, or None if neither is."""

    @abc.abstractmethod
    def record_failed_verification(
        self, order_id: int, contact_key: str, now: dt.datetime, limit: FailureLimit
    ) -> None:
        """Counts a failed attempt against the order number and the contact."""


class SqlVerificationRepository(VerificationRepository):
    """The verification repository on the commerce database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Optional[Engine] = None):
        self._engine = engine

    def _session(self):
        engine = self._engine or default_engine()
        _ensure_failure_table(engine)
        return session_scope(engine)

    def order_customer_with_contact(self, order_id: int, contact: str) -> Optional[int]:
        with self._session() as session:
            customer = session.execute(
                select(Customer.id, Customer.email, Customer.phone)
                .join(Order, Order.customer_id == Customer.id)
                .where(Order.id == order_id)
            ).one_or_none()
        # An unknown order is compared too, so it costs what someone else's order does.
        owner = customer or _NOBODY
        return owner.id if is_customer_contact(owner, contact) else None

    def verification_blocked_until(
        self, order_id: int, contact_key: str, now: dt.datetime, limit: FailureLimit
    ) -> Optional[dt.datetime]:
        with self._session() as session:
            rows = session.execute(
                select(FailedVerification.order_id, FailedVerification.contact_key, FailedVerification.failed_at)
                .where(FailedVerification.failed_at > oldest_failure_that_counts(now, limit))
                .where(or_(FailedVerification.order_id == order_id, FailedVerification.contact_key == contact_key))
            ).all()
        by_order = sorted(failed_at for row_order, _, failed_at in rows if row_order == order_id)
        by_contact = sorted(failed_at for _, row_key, failed_at in rows if row_key == contact_key)
        return blocked_until([by_order, by_contact], limit, now)

    def record_failed_verification(
        self, order_id: int, contact_key: str, now: dt.datetime, limit: FailureLimit
    ) -> None:
        with self._session() as session:
            too_old = FailedVerification.failed_at <= oldest_failure_that_counts(now, limit)
            session.execute(delete(FailedVerification).where(too_old))
            session.add(FailedVerification(order_id=order_id, contact_key=contact_key, failed_at=now))


@functools.lru_cache(maxsize=None)
def _ensure_failure_table(engine: Engine) -> None:
    """Creates the table once per engine on a database seeded before it existed."""
    table = FailedVerification.__table__
    try:
        table.create(engine, checkfirst=True)
    except SQLAlchemyError:
        # Another process or thread created it between the check and the create.
        if not inspect(engine).has_table(table.name):
            raise
