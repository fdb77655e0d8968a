"""Format checks for values customers type, applied before anything is looked up."""

import re
import unicodedata
from typing import Optional, Set, Tuple

# Brightcart order numbers are 6 digits; customers also write "#482913", "ORD-482913",
# "ord482913", "order no. 482913", "(482913)" or "482 913". ASCII digits only: "²" or "٤"
# pass str.isdigit() but are no order number.
_ORDER_ID = re.compile(
    r"(?:(?:ord(?:er)?|no|nr|number)[ .:#-]*)*#? ?(\d(?: ?\d){5})[.,;:!?]?", re.IGNORECASE | re.ASCII
)
_BRACKETS: Tuple[Tuple[str, str], ...] = (("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"))
# Longer text is a sentence or garbage, never just an order number; checked before any regex.
_MAX_ORDER_ID_TEXT = 40


def _without_invisible_characters(text: str) -> str:
    """`text` without format characters (zero-width spaces and joiners, soft hyphens, BOM,
    bidi marks), with every kind of space as one plain space, trimmed."""
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def normalise_order_id(text: Optional[str]) -> Optional[str]:
    """Returns the 6-digit order number written in `text`, or None if it is not one.

    The one place that reads order numbers: callers convert only its result to int.

    Args:
        text: what the customer wrote or what the entity extractor found (anything else,
            such as a number or a list, is not an order number).
    """
    if not isinstance(text, str) or len(text) > _MAX_ORDER_ID_TEXT:
        return None
    text = _without_invisible_characters(text)
    for opening, closing in _BRACKETS:
        if text.startswith(opening) and text.endswith(closing):
            text = text[1:-1].strip()
    match = _ORDER_ID.fullmatch(text)
    return match.group(1).replace(" ", "") if match else None


def order_id_in_text(text: Optional[str]) -> Optional[str]:
    """The first 6-digit order number among the words of a longer message ("100016,
    jan@example.org"), or None."""
    if not isinstance(text, str):
        return None
    words = re.split(r"[\s,;]+", text[:2000])
    return next((order_id for order_id in map(normalise_order_id, words) if order_id), None)


# "it is 100021 not 100012": a number right after "not" is the wrong one.
_DENIED_BEFORE = re.compile(r"\b(?:not|isn'?t)\s+(?:order\s+)?(?:no\.?\s*)?$", re.IGNORECASE)


def corrected_order_id(text: Optional[str]) -> Optional[str]:
    """The order number a correction names as the right one ("sorry, it is 100021 not
    100012"): the only one the message does not deny, when it denies another; else None."""
    if not isinstance(text, str):
        return None
    kept: Set[str] = set()
    denied: Set[str] = set()
    for word in re.finditer(r"[^\s,;]+", text[:2000]):
        order_id = normalise_order_id(word.group())
        if order_id:
            (denied if _DENIED_BEFORE.search(text[:word.start()]) else kept).add(order_id)
    return next(iter(kept)) if denied and len(kept) == 1 and not kept & denied else None


_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"\+?\(?\d[\d\s()/.-]{5,22}\d")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


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
        if 7 <= len(_digits(phone.group())) <= 15:
            return phone.group()
    return None


def email_in_text(text: Optional[str]) -> Optional[str]:
    """The first email address in `text` (lower-cased), or None."""
    email = _EMAIL.search(text) if isinstance(text, str) else None
    return email.group().lower() if email else None


def whole_contact(value: Optional[str], message: str) -> Optional[str]:
    """The contact in `value` (what NLU tagged), or the longer phone number in the whole message
    that contains it: NLU may tag part of "(0176) 606-327-06", or only "+49" of "+49 160 1050 6733"."""
    contact = normalise_contact(value)
    in_message = normalise_contact(message)
    tagged_digits = _digits(contact or (value if isinstance(value, str) and "@" not in value else ""))
    if in_message and "@" not in in_message and (contact is None or "@" not in contact) \
            and tagged_digits and tagged_digits in _digits(in_message):
        return in_message
    return contact


# Countries Brightcart delivers to, by the names and codes customers type. Codes that are
# also English words ("no", "us", "it", "be", "at") are left out: an answer "no" is not Norway.
SHIPPING_COUNTRIES = {
    "Germany": ("germany", "deutschland", "de"),
    "Austria": ("austria", "österreich", "oesterreich"),
    "Switzerland": ("switzerland", "schweiz", "suisse", "ch"),
    "France": ("france", "fr"),
    "Italy": ("italy", "italia"),
    "Spain": ("spain", "españa", "espana", "es"),
    "Portugal": ("portugal", "pt"),
    "Netherlands": ("netherlands", "the netherlands", "holland", "nederland", "nl"),
    "Belgium": ("belgium", "belgique", "belgië"),
    "Luxembourg": ("luxembourg", "lu"),
    "Ireland": ("ireland", "ie"),
    "Denmark": ("denmark", "danmark", "dk"),
    "Sweden": ("sweden", "sverige", "se"),
    "Finland": ("finland", "suomi", "fi"),
    "Poland": ("poland", "polska", "pl"),
    "Czechia": ("czechia", "czech republic", "cz"),
    "Slovakia": ("slovakia", "sk"),
    "Hungary": ("hungary", "hu"),
    "Slovenia": ("slovenia", "si"),
    "Croatia": ("croatia", "hr"),
    "Romania": ("romania", "ro"),
    "Bulgaria": ("bulgaria", "bg"),
    "Greece": ("greece", "gr"),
    "Cyprus": ("cyprus", "cy"),
    "Malta": ("malta", "mt"),
    "Estonia": ("estonia", "ee"),
    "Latvia": ("latvia", "lv"),
    "Lithuania": ("lithuania", "lt"),
    "United Kingdom": ("united kingdom", "uk", "great britain", "britain", "england", "scotland", "wales", "gb"),
    "Norway": ("norway", "norge"),
    "United States": ("united states", "united states of america", "usa", "america"),
    "Canada": ("canada", "ca"),
}
_COUNTRY_BY_NAME = {alias: country for country, aliases in SHIPPING_COUNTRIES.items() for alias in aliases}

# Postcode formats where the country has one fixed shape (others get the general check).
POSTCODE_RULES = {
    "Germany": (r"\d{5}", "5 digits, like 10115"),
    "France": (r"\d{5}", "5 digits, like 75001"),
    "Italy": (r"\d{5}", "5 digits, like 00184"),
    "Spain": (r"\d{5}", "5 digits, like 28013"),
    "Austria": (r"\d{4}", "4 digits, like 1010"),
    "Switzerland": (r"\d{4}", "4 digits, like 8001"),
    "Belgium": (r"\d{4}", "4 digits, like 1000"),
    "Denmark": (r"\d{4}", "4 digits, like 1050"),
    "Norway": (r"\d{4}", "4 digits, like 0150"),
    "Netherlands": (r"\d{4} ?[A-Z]{2}", "4 digits and 2 letters, like 1012 AB"),
    "Poland": (r"\d{2}-\d{3}", "2 digits, a dash and 3 digits, like 00-950"),
    "Sweden": (r"\d{3} ?\d{2}", "5 digits, like 111 22"),
    "United Kingdom": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "like SW1A 1AA"),
    "United States": (r"\d{5}(-\d{4})?", "5 digits, like 10001"),
    "Canada": (r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "like K1A 0B1"),
}
_POSTCODE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]$")
_LETTER = re.compile(r"[^\W\d_]")


def _plain(text: Optional[str]) -> Optional[str]:
    if not isinstance(text, str):
        return None
    # Composed letters ("Zu\u0308rich" -> "Zürich") and phone keyboards' curly apostrophe.
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    text = re.sub(r"\s+", " ", text).strip(" .,;")
    return text or None


def normalise_street(text: Optional[str]) -> Optional[str]:
    """Street and house number ("Lindenstr. 12", "221B Baker Street"), or None."""
    text = _plain(text)
    if text is None or not 3 <= len(text) <= 100 or not _LETTER.search(text) or not re.search(r"\d", text):
        return None
    return text


def normalise_postcode(text: Optional[str]) -> Optional[str]:
    """A postcode in upper case ("10115", "SW1A 1AA", "00-950"), or None."""
    text = _plain(text)
    if text is None:
        return None
    text = text.upper()
    return text if _POSTCODE.match(text) else None


def normalise_city(text: Optional[str]) -> Optional[str]:
    """A town name of letters, spaces, dots, dashes and apostrophes, or None."""
    text = _plain(text)
    if text is None or not 2 <= len(text) <= 60 or not re.fullmatch(r"[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?", text):
        return None
    return text[0].upper() + text[1:]


def normalise_country(text: Optional[str]) -> Optional[str]:
    """The country's English name if Brightcart delivers there, else None."""
    text = _plain(text)
    return _COUNTRY_BY_NAME.get(text.lower()) if text else None


def postcode_rule(country: str, postcode: str) -> Optional[str]:
    """None if `postcode` fits `country`, else how postcodes there look."""
    rule = POSTCODE_RULES.get(country)
    if rule is None or not postcode or re.fullmatch(rule[0], postcode):
        return None
    return rule[1]


_NUMBER_WORDS = {
    # Not "no", "a" or "an": "no, make it two" and "a total of three" mean 2 and 3.
    "zero": 0, "none": 0, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_REMOVE_WORDS = ("remove", "delete", "drop", "take out", "take it out", "don't want", "dont want", "cancel")
MAX_ITEM_QUANTITY = 20


def parse_quantity(text: Optional[str]) -> Optional[int]:
    """The quantity asked for ("3", "make it two", "remove it" -> 0), or None if unclear or over 20."""
    if not isinstance(text, str):
        return None
    lowered = text.lower().replace("\u2019", "'")
    numbers = re.findall(r"\d+", lowered)
    value: Optional[int]
    if numbers:
        value = int(numbers[0])
    elif any(word in lowered for word in _REMOVE_WORDS):
        value = 0
    else:
        value = next((_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", lowered) if w in _NUMBER_WORDS), None)
    return value if value is not None and 0 <= value <= MAX_ITEM_QUANTITY else None


# Answers that are no reason ("yes" to "what's the reason?").
_NOT_A_REASON = {"yes", "yep", "yeah", "no", "nope", "ok", "okay", "sure", "fine", "why", "idk", "dunno"}


def normalise_reason(text: Optional[str]) -> Optional[str]:
    """A return reason of a few words (kept to 200 characters), or None if there is none."""
    text = _plain(text)
    if text is None or len(text) < 3 or not _LETTER.search(text) or text.strip(" .!?").lower() in _NOT_A_REASON:
        return None
    return text[:200]


# Return reasons customers give in the same breath as the request ("order 100409, the shoes
# are too small, I want to return them"): found so the reason is not asked again.
_REASON = re.compile(
    r"\b(too (?:small|big|large|tight|short|long)|(?:do(?:es)? ?n[o']?t|did ?n[o']?t|won'?t) (?:fit|work)|wrong (?:size|colou?r|item|model)"
    r"|broken|damaged|defective|faulty|stopped working|not working|not as described|changed my mind"
    r"|(?:do ?n[o']?t|no longer) (?:like|need|want) (?:it|them)|arrived late)\b",
    re.IGNORECASE,
)


def reason_in_text(text: Optional[str]) -> Optional[str]:
    """A return reason named in `text` (the matched words, e.g. "too small"), or None."""
    match = _REASON.search(text) if isinstance(text, str) else None
    return match.group(1).lower() if match else None
