"""Masking of personal data before it appears in a reply."""

# Replies mask emails as the logs do (personal_data/masking.py).
from personal_data.masking import mask_email, mask_street

__all__ = ["mask_address", "mask_email"]


def mask_address(street: str, postcode: str, city: str, country: str) -> str:
    """"Lindenstrasse 12", "10115", "Berlin", "Germany" -> "Li***, 10*** Berlin, Germany"."""
    return f"{mask_street(street)}, {postcode[:2]}*** {city}, {country}"
