"""The fixed conversation mix `make bench` sends, on the demo shop (scripts.seed_db)."""

from dataclasses import dataclass
from typing import List, Tuple


@dataclass(frozen=True)
class Turn:
    text: str
    # Whether the reply is phrased by the GPT-2 generator (the speed targets are for the others).
    generated: bool = False


@dataclass(frozen=True)
class Conversation:
    kind: str
    turns: Tuple[Turn, ...]


FAQ = Conversation("faq", (
    Turn("hi"),
    Turn("which payment methods do you accept?"),
    Turn("how long does shipping take"),
    Turn("do you sell gift cards?"),
))
ORDER_STATUS = Conversation("order_status", (
    Turn("where is my parcel?"),
    Turn("its 100016"),
    Turn("jan_hartmann@example.org", generated=True),
))
# Declined at the confirmation, so every run finds the order as seeded.
CANCELLATION = Conversation("cancellation", (
    Turn("i want to cancel my order"),
    Turn("100032"),
    Turn("lea.hoffmann@example.com"),
    Turn("no, keep it"),
))
RECOMMENDATION = Conversation("recommendation", (
    Turn("can you recommend something?", generated=True),
))

# Roughly what a shop's chat sees: questions first, then order status, then the rest.
MIX: List[Conversation] = [FAQ, ORDER_STATUS, FAQ, CANCELLATION, ORDER_STATUS, RECOMMENDATION]
