"""Masking of personal data before it appears in a reply."""


def mask_email(email: str) -> str:
    """"anna.berg@example.com" -> "a***@example.com"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
