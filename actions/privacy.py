"""Masking of personal data before it appears in a reply."""


def mask_email(email: str) -> str:
    """"anna.berg@example.com" -> "a***@example.com"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_address(street: str, postcode: str, city: str, country: str) -> str:
    """"Lindenstrasse 12", "10115", "Berlin", "Germany" -> "Li***, 10*** Berlin, Germany"."""
    return f"{street[:2]}***, {postcode[:2]}*** {city}, {country}"
