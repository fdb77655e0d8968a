"""Masking of personal data before it appears in a reply or a log line."""

import re

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def mask_email(email: str) -> str:
    """"anna.berg@example.com" -> "a***@example.com"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """"+49 151 2345678" -> "***678": only the last three digits stay."""
    digits = re.sub(r"\D", "", phone or "")
    return f"***{digits[-3:]}" if len(digits) > 3 else "***"


def mask_address(street: str, postcode: str, city: str) -> str:
    """"Hauptstrasse 12", "10115", "Berlin" -> "Hau*** 12, 10*** Berlin" (enough to recognise)."""
    number = street.split()[-1] if street and street.split()[-1][:1].isdigit() else ""
    return f"{street[:3]}***{' ' + number if number else ''}, {postcode[:2]}*** {city}"


def redact(text: str) -> str:
    """Masks every email and phone number in free text, for log lines."""
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text or "")
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)
