"""Format checks for values customers type, applied before anything is looked up."""

import re
from typing import Optional

# Brightcart order numbers are 6 digits; customers also write "#482913",
# "ORD-482913", "ord482913" or "order no. 482913".
_ORDER_ID = re.compile(r"^(?:(?:ord(?:er)?|no|nr|number)[\s.:#-]*)*#?\s*(\d{6})$", re.IGNORECASE | re.ASCII)


def normalise_order_id(text: Optional[str]) -> Optional[str]:
    """Returns the 6-digit order number written in `text`, or None if it is not one.

    Args:
        text: what the customer wrote or what the entity extractor found.
    """
    if not isinstance(text, str):
        return None
    match = _ORDER_ID.match(text.strip())
    return match.group(1) if match else None


_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"\+?\(?\d[\d\s()/.-]{5,22}\d")


def normalise_contact(text: Optional[str]) -> Optional[str]:
    """Returns the email (lower-cased) or phone number (as typed) found in `text`, or None.

    The text may be a bare value or a sentence ("my email is anna@example.com").

    Args:
        text: what the customer gave to prove the order is theirs.
    """
    if not isinstance(text, str):
        return None
    email = _EMAIL.search(text)
    if email:
        return email.group().lower()
    for phone in _PHONE.finditer(text):
        if 7 <= len(re.sub(r"\D", "", phone.group())) <= 15:
            return phone.group()
    return None
