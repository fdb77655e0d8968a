"""Who the customer is, as far as this conversation has proven it.

A proof by email or phone counts for VERIFICATION_TTL_MINUTES, in this conversation only (it
lives in its slots). Failed proofs are counted per order number and per contact across all
conversations; too many block that order number or contact for everyone for a while.
"""

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from typing import Any, Optional

from rasa_sdk import Tracker

from actions import clock, config
from actions.db.repository import OrderSummary, normalise_phone
from actions.db.failure_limits import FailureLimit
from actions.db.verification import SqlVerificationRepository, VerificationRepository
from actions.shop import ShopUnavailable, ask_shop, change_shop, shop_repository
from actions.validation import normalise_order_id

# Set by the form's validator only when an email or phone proved the order (ISO time).
VERIFIED_AT_SLOT = "order_verified_at"


class VerificationBlocked(Exception):
    """Too many failed proofs for this order number or with this email or phone: nobody can
    prove it here for now."""


@functools.lru_cache(maxsize=None)
def verification_repository() -> VerificationRepository:
    """The verification repository of this process; it connects on first use, not here."""
    return SqlVerificationRepository()


@functools.lru_cache(maxsize=None)
def _contact_hash_key() -> bytes:
    # Derived from the secret every action server shares, so all of them hash a contact alike.
    # Failures count for minutes only: a new token merely starts the count afresh.
    token = config.action_server_token()
    if token is None:
        # Actions run in-process without a server (tests): a key of this process alone.
        return secrets.token_bytes(32)
    return hmac.new(token.encode(), b"brightcart failed verification contact", hashlib.sha256).digest()


def contact_key(contact: str) -> str:
    """A keyed hash of the email or phone, the same however it was written (case, spaces,
    +49 or 0049): what failed proofs are counted under instead of the contact itself."""
    canonical = contact.strip().lower() if "@" in contact else normalise_phone(contact)
    return hmac.new(_contact_hash_key(), canonical.encode(), hashlib.sha256).hexdigest()


def failure_limit() -> FailureLimit:
    """VERIFICATION_MAX_FAILURES within VERIFICATION_BLOCK_MINUTES, as configured now."""
    return FailureLimit(config.verification_max_failures(), dt.timedelta(minutes=config.verification_block_minutes()))


def proof_given_now() -> str:
    """The value of the order_verified_at slot for a proof given now."""
    return clock.now().isoformat()


def _proof_time(tracker: Tracker) -> Optional[dt.datetime]:
    value = tracker.get_slot(VERIFIED_AT_SLOT)
    try:
        given = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    # clock.now() is naive; a time with a zone did not come from the validator.
    return given if given is not None and given.tzinfo is None else None


def proof_is_fresh(tracker: Tracker) -> bool:
    """True if an email or phone proved the order within VERIFICATION_TTL_MINUTES."""
    given = _proof_time(tracker)
    # Either way: action servers' clocks may differ a little, never by a whole TTL.
    return given is not None and abs(clock.now() - given) <= dt.timedelta(minutes=config.verification_ttl_minutes())


def proof_expired(tracker: Tracker) -> bool:
    """True if an email or phone proved the order once, but longer ago than VERIFICATION_TTL_MINUTES."""
    return _proof_time(tracker) is not None and not proof_is_fresh(tracker)


def signed_in_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer the shop signed in for the latest message, or None when anonymous.

    Only the channels set `customer_id` in message metadata, from a valid shop token,
    after dropping whatever the client sent; earlier messages prove nothing now.
    """
    latest = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
    metadata = latest.get("metadata")
    customer_id = metadata.get("customer_id") if isinstance(metadata, dict) else None
    # bool is an int subclass; anything but the channel's int is not an identity.
    return customer_id if type(customer_id) is int else None


def has_identity_proof(tracker: Tracker) -> bool:
    """True if the customer gave an email or phone for the order or is signed in with the
    shop: what verified_order needs besides the order number."""
    return tracker.get_slot("order_contact") is not None or signed_in_customer_id(tracker) is not None


async def proven_order(tracker: Tracker, order_id: int, contact: Any) -> Optional[OrderSummary]:
    """The order if it belongs to the signed-in customer, or if `contact` (text from a slot) is
    the email or phone on it; else None (also for someone else's order without its contact).

    A wrong contact counts as a failed proof of the order number and of the contact, the
    same whether the order is someone else's or does not exist.

    Raises:
        VerificationBlocked: the order number or the contact is blocked after too many failures.
        ShopUnavailable: the database failed or was too slow.
    """
    customer_id = signed_in_customer_id(tracker)
    if customer_id is not None:
        order = await ask_shop(shop_repository().find_customer_order, order_id, customer_id)
        if order is not None:
            return order
    if not isinstance(contact, str) or not contact:
        return None
    return await _order_proven_by_contact(order_id, contact)


async def _order_proven_by_contact(order_id: int, contact: str) -> Optional[OrderSummary]:
    repository = verification_repository()
    key, limit, now = contact_key(contact), failure_limit(), clock.now()
    if await ask_shop(repository.verification_blocked_until, order_id, key, now, limit) is not None:
        raise VerificationBlocked()
    customer_id = await ask_shop(repository.order_customer_with_contact, order_id, contact)
    if customer_id is None:
        await change_shop(repository.record_failed_verification, order_id, key, now, limit)
        return None
    return await ask_shop(shop_repository().find_customer_order, order_id, customer_id)


async def verified_order(tracker: Tracker) -> Optional[OrderSummary]:
    """The order in the form that the customer proved is theirs (signed in with the shop as
    its customer, or order number + email or phone given within VERIFICATION_TTL_MINUTES),
    else None.

    Checked against the database on every call: slots alone are never trusted.

    Raises:
        VerificationBlocked: the order number or the contact is blocked after too many failures.
        ShopUnavailable: the database failed or was too slow.
    """
    order_id = normalise_order_id(tracker.get_slot("order_id"))
    if order_id is None:
        return None
    contact = tracker.get_slot("order_contact") if proof_is_fresh(tracker) else None
    return await proven_order(tracker, int(order_id), contact)


async def known_customer(tracker: Tracker) -> Optional[OrderSummary]:
    """Like verified_order, but None when the database is down or the order is blocked: for
    answers that only use the customer to personalise, and work without them."""
    try:
        return await verified_order(tracker)
    except (ShopUnavailable, VerificationBlocked):
        return None
