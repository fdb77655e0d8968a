"""Masks emails, phone numbers and street addresses in free text (log lines, mostly).

What counts as what:
- an email: anything shaped name@domain.tld;
- a phone number: any run of 7 or more digits, bare or with a leading + and single spaces,
  dashes, slashes, dots or brackets between digit groups ("+49 (0)30 901820-44",
  "0151/2345678", "01.23.45.67.89", "2345678"). A phone number typed without spaces cannot be
  told from an all-digit tracking number, so those (DPD and Hermes: 14 digits, GLS: 12) are
  masked too;
- a street address: a street word (Lindenstraße, Rosenweg, Kastanienallee, Baker Street,
  Via Roma, rue ...) with a house number before or after it. Up to two words before it are
  masked with it ("Mariahilfer Straße 12", but also "to Lindenstraße 12"); streets without
  such a word ("Unter den Linden 5") are not recognised. Postcodes and towns stay readable.
What stays readable: order numbers (6 digits), tracking numbers with letters (DHL JJD...,
UPS 1Z...), dates, times, decimals, IP addresses, and numbers inside ids and paths.
"""

import re

_EMAIL = re.compile(r"[^\s@'\"<>(),;:\[\]]+@[^\s@'\"<>(),;:\[\]]+\.[A-Za-z]{2,}")
# Rasa's structured log lines are JSON with non-ASCII text escaped ("Stra\u00dfe"); escaped
# letters are read as letters before looking for a street.
_ESCAPED_LETTER = re.compile(r"\\u([0-9a-fA-F]{4})")

# --- phone numbers (and other long digit runs) ---
_DATE = (
    r"(?:\d{4}[-/.]\d{2}[-/.]\d{2}"  # 2026-11-23
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.]\d{4}"  # 23.11.2026
    r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/\d{4})"  # 11/23/2026
    r"(?!\d)"
)
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d)"
_DIGIT_GROUP = r"(?:\(\d{1,5}\)\ ?)?\d+"
# A dot separates only short groups ("01.23.45"), so decimals and timestamps stay whole.
_SEPARATOR = r"(?:\ ?[-/]\ ?|\ |\.(?=\d{2,4}(?!\d)))"
_NUMBER = re.compile(
    rf"""
    (?P<keep>{_DATE}|{_IPV4})
    |
    # not inside an id, decimal, path or longer number; a "\\n" escape before it is a line break
    (?:(?<=\\[nt])|(?<![\w+./\\-]))
    (?P<number>\+?{_DIGIT_GROUP}(?:{_SEPARATOR}(?!{_DATE}){_DIGIT_GROUP})*)
    (?!\w|[.,:/-]\w)
    """,
    re.VERBOSE,
)
MIN_PHONE_DIGITS = 7

# --- street addresses ---
_COMPOUND_ENDINGS = (  # Lindenstraße, Lindenstr., Rosenweg, Keizersgracht, Stadtpark
    r"stra(?:ss|ß)e|str\.|gasse|weg|allee|platz|damm|ufer|chaussee|steig|pfad|gracht|straat|laan|kade|plein|park"
)
_STREET_NAMES = (  # words of their own: Baker Street, Via Roma, rue Victor Hugo, Calle Mayor
    r"street|st\.|road|rd\.|avenue|ave\.?|lane|drive|way|boulevard|blvd\.?|grove|close|crescent|terrace"
    r"|court|place|square|rue|via|viale|piazza|corso|calle|carrer|avenida|plaza|paseo|rua"
)
_STREET_WORDS = rf"(?:[^\W\d_]*(?:{_COMPOUND_ENDINGS})|{_STREET_NAMES})(?![^\W\d_])"
# The same words, found faster: a quick test before the full pattern.
_STREET_HINT = re.compile(rf"(?:{_COMPOUND_ENDINGS}|(?<![^\W\d_])(?:{_STREET_NAMES}))(?![^\W\d_])", re.IGNORECASE)
_WORD = r"(?:[^\W\d_][\w'.-]*|\d{1,3}(?:st|nd|rd|th))"  # "d'Alcalá", "Jean-Jaurès", "23rd"
_HOUSE_NUMBER = r"\d{1,4}[a-zA-Z]?(?:\ ?[-/]\ ?\d{1,4}[a-zA-Z]?)?(?!\w)"
_STREET = re.compile(
    rf"""
    (?<![^\W\d_])(?:{_WORD}\s+){{0,2}}{_STREET_WORDS}(?:\s+{_WORD}){{0,3}}?\s+{_HOUSE_NUMBER}
    |
    (?<![\w.,:/-]){_HOUSE_NUMBER}\s+(?:{_WORD}\s+){{0,2}}{_STREET_WORDS}(?:\s+{_WORD}){{0,3}}
    """,
    re.VERBOSE | re.IGNORECASE,
)


def mask_email(email: str) -> str:
    """"anna.berg@example.com" -> "a***@example.com"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(number: str) -> str:
    """"+49 151 2345678" -> "+49***": the country or area code stays."""
    return number[:3] + "***"


def mask_street(street: str) -> str:
    """"Lindenstraße 12" -> "Li***"."""
    return street[:2] + "***"


def _letter(match: re.Match) -> str:
    """"\\u00df" -> "ß"; other escapes (quotes, line breaks) stay escaped."""
    char = chr(int(match.group(1), 16))
    return char if char.isalpha() else match.group()


def _mask_number(match: re.Match) -> str:
    number = match.group("number")
    if number is None or sum(char.isdigit() for char in number) < MIN_PHONE_DIGITS:
        return match.group()
    return mask_phone(number)


def mask_personal_data(text: str) -> str:
    """Masks every email, phone number and street address in `text`.

    "write to anna.berg@example.com or +49 151 2345678, new address: Lindenstraße 12" ->
    "write to a***@example.com or +49***, new address: Li***".
    """
    text = _EMAIL.sub(lambda match: mask_email(match.group()), text)
    if "\\u" in text:
        text = _ESCAPED_LETTER.sub(_letter, text)
    if _STREET_HINT.search(text):  # most lines name no street, and this test is cheap
        text = _STREET.sub(lambda match: mask_street(match.group()), text)
    return _NUMBER.sub(_mask_number, text)
