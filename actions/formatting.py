"""How dates, statuses, tracking timelines and quoted customer text read in replies."""

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any, Iterable, Tuple, Union

from actions.db.repository import ProductInfo, TrackingCheckpoint

STATUS_TEXT = {
    "pending": "waiting for payment",
    "paid": "paid and being prepared in our warehouse",
    "packed": "packed and waiting for the carrier",
    "shipped": "shipped",
    "in_transit": "on its way",
    "out_for_delivery": "out for delivery today",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned",
}
TIMELINE_LENGTH = 3


def format_day(value: Union[dt.date, dt.datetime]) -> str:
    """"Tue 24 Nov" (the year only when it is not this year)."""
    text = value.strftime("%a %d %b")
    return text if value.year == dt.date.today().year else f"{text} {value.year}"


def format_checkpoint(checkpoint: TrackingCheckpoint) -> str:
    return f"{format_day(checkpoint.occurred_at)} {checkpoint.occurred_at:%H:%M}, {checkpoint.location}: {checkpoint.description}"


def format_timeline(checkpoints: Iterable[TrackingCheckpoint]) -> str:
    """The latest checkpoints, oldest first, one per line."""
    return "\n".join(f"- {format_checkpoint(c)}" for c in list(checkpoints)[-TIMELINE_LENGTH:])


def format_items(items: Iterable[Tuple[str, int]]) -> str:
    """"2 x Yoga mat, 1 x Water bottle"."""
    return ", ".join(f"{quantity} x {name}" for name, quantity in items)


CURRENCY_SIGNS = {"EUR": "€", "GBP": "£", "USD": "$"}


def format_money(amount: Decimal, currency: str = "EUR") -> str:
    """"€1,249.00"; unknown currencies are written as their code, "CHF 12.00"."""
    sign = CURRENCY_SIGNS.get(currency)
    number = f"{Decimal(amount):,.2f}"
    return f"{sign}{number}" if sign else f"{currency} {number}"


def format_product_line(product: ProductInfo) -> str:
    """"- AeroBuds Pro wireless earbuds (BC-AU-0003), €89.00"."""
    return f"- {product.name} ({product.sku}), {format_money(product.price)}"


# Characters that start markup in a client that renders bot text as HTML (<, >, &, ") or as
# Markdown, as rasa-webchat does (links and images [..](..), emphasis, code, escapes). A
# customer's words need none of them in a quote; they are left out rather than escaped,
# because "&lt;" would show as such in every client that renders plain text.
ECHO_MARKUP_CHARACTERS = frozenset('<>&"`[]*_~\\')
# Enough for a product name or an address line; a pasted essay is not repeated back.
ECHO_MAX_CHARS = 80


def echo_customer_text(text: Any) -> str:
    """What a reply may quote of text the customer typed: one line without markup characters
    or invisible ones (controls, bidi overrides), at most ECHO_MAX_CHARS long.

    Every reply that repeats customer input passes it through here first.

    Args:
        text: what the customer typed (a slot value or message text); anything but a
            string quotes as empty.
    """
    if not isinstance(text, str):
        return ""
    visible = "".join(
        " " if unicodedata.category(character).startswith("C") else character
        for character in text
        if character not in ECHO_MARKUP_CHARACTERS
    )
    line = " ".join(visible.split())
    if len(line) <= ECHO_MAX_CHARS:
        return line
    return line[: ECHO_MAX_CHARS - 1].rstrip() + "\u2026"
