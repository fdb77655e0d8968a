"""Who the customer is to a reply: their tier, their mood and whether their first name is known.
Every reply adapts to this profile; the generator writes it into its prompt (generation/)."""

from dataclasses import dataclass
from typing import Optional

from rasa_sdk import Tracker

from actions.conversation import customer_mood
from actions.db.repository import OrderSummary
from actions.formatting import echo_customer_text

MOODS = ("neutral", "upset")


@dataclass(frozen=True)
class Profile:
    """What the reply may adapt to: the customer's tier (CUSTOMER_TIERS of db/models.py) and
    mood (MOODS), and their first name if known."""

    tier: str = "standard"
    mood: str = "neutral"
    name: Optional[str] = None


def customer_profile(tracker: Tracker, order: Optional[OrderSummary]) -> Profile:
    """The verified customer's tier and first name, and their mood. Anonymous customers are
    addressed as standard customers, without a name."""
    if order is None:
        return Profile(tier="standard", mood=customer_mood(tracker))
    return Profile(tier=order.customer_tier, mood=customer_mood(tracker), name=echo_customer_text(order.customer_name.split()[0]))
