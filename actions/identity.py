"""Who the customer is, as far as this conversation has proven it."""

import re
from typing import Optional

from rasa_sdk import Tracker

from actions.conversation import customer_mood
from actions.db.repository import OrderSummary
from actions.generation.formulation import Profile
from actions.shop import ShopUnavailable, ask_shop, shop_repository

# ASCII digits only, and few enough for an integer column: "²" passes str.isdigit()
# but not int(), and a 20-digit number overflows SQLite; either would crash the action.
_ORDER_NUMBER = re.compile(r"[0-9]{1,18}")


def signed_in_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer the shop signed in for the latest message, or None when anonymous.

    Only the channels set `customer_id` in message metadata, from a valid shop token,
    after dropping whatever the client sent; earlier messages prove nothing now.
    """
    metadata = (tracker.latest_message or {}).get("metadata")
    customer_id = metadata.get("customer_id") if isinstance(metadata, dict) else None
    # bool is an int subclass; anything but the channel's int is not an identity.
    return customer_id if type(customer_id) is int else None


def has_identity_proof(tracker: Tracker) -> bool:
    """True if the customer gave an email or phone for the order or is signed in with the
    shop: what verified_order needs besides the order number."""
    return tracker.get_slot("order_contact") is not None or signed_in_customer_id(tracker) is not None


async def proven_order(tracker: Tracker, order_id: int, contact: Optional[str]) -> Optional[OrderSummary]:
    """The order if it belongs to the signed-in customer, or if `contact` is the email or
    phone on it; else None (also for someone else's order without its contact).

    Raises:
        ShopUnavailable: the database failed or was too slow.
    """
    customer_id = signed_in_customer_id(tracker)
    if customer_id is not None:
        order = await ask_shop(shop_repository().find_customer_order, order_id, customer_id)
        if order is not None:
            return order
    if not contact:
        return None
    return await ask_shop(shop_repository().find_verified_order, order_id, contact)


async def verified_order(tracker: Tracker) -> Optional[OrderSummary]:
    """The order in the form that the customer proved is theirs (signed in with the shop as
    its customer, or order number + email or phone), else None.

    Checked against the database on every call: slots alone are never trusted.

    Raises:
        ShopUnavailable: the database failed or was too slow.
    """
    order_id = tracker.get_slot("order_id")
    if not order_id or not _ORDER_NUMBER.fullmatch(str(order_id)):
        return None
    return await proven_order(tracker, int(order_id), tracker.get_slot("order_contact"))


async def known_customer(tracker: Tracker) -> Optional[OrderSummary]:
    """Like verified_order, but None when the database is down: for answers that only
    use the customer to personalise, and work without them."""
    try:
        return await verified_order(tracker)
    except ShopUnavailable:
        return None


def customer_profile(tracker: Tracker, order: Optional[OrderSummary]) -> Profile:
    """What replies adapt to: the verified customer's tier and first name, and their mood.
    Anonymous customers are addressed as standard customers, without a name."""
    if order is None:
        return Profile(tier="standard", mood=customer_mood(tracker))
    return Profile(tier=order.customer_tier, mood=customer_mood(tracker), name=order.customer_name.split()[0])
