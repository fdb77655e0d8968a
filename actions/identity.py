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


async def verified_order(tracker: Tracker) -> Optional[OrderSummary]:
    """The order the customer proved is theirs (order number + email or phone), else None.

    Checked against the database on every call: slots alone are never trusted.

    Raises:
        ShopUnavailable: the database failed or was too slow.
    """
    order_id, contact = tracker.get_slot("order_id"), tracker.get_slot("order_contact")
    if not order_id or not contact or not _ORDER_NUMBER.fullmatch(str(order_id)):
        return None
    return await ask_shop(shop_repository().find_verified_order, int(order_id), contact)


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
