"""The details customers type when changing an order: a new address, an item and its quantity,
a return reason; and how addresses, emails and amounts read back to them."""

from decimal import Decimal

import pytest

from actions.db.repository import ProductInfo
from actions.formatting import format_money, format_product_line
from actions.forms.order_request_form import closest_item
from actions.privacy import mask_address, mask_email
from actions.validation import (
    MAX_ITEM_QUANTITY,
    POSTCODE_RULES,
    SHIPPING_COUNTRIES,
    normalise_city,
    normalise_country,
    normalise_postcode,
    normalise_reason,
    normalise_street,
    parse_quantity,
    postcode_rule,
)

# --- street ---


@pytest.mark.parametrize(
    "text, street",
    [
        ("Lindenstrasse 12", "Lindenstrasse 12"),
        ("221B Baker Street", "221B Baker Street"),
        ("Müllerstraße 5a", "Müllerstraße 5a"),
        ("Müllerstraße 5", "Müllerstraße 5"),
        ("Lindenstr. 12", "Lindenstr. 12"),
        ("  Lindenstrasse   12  ", "Lindenstrasse 12"),
        ("Lindenstrasse 12.", "Lindenstrasse 12"),
        ("Lindenstrasse 12,", "Lindenstrasse 12"),
        ("Rue de la Paix 3", "Rue de la Paix 3"),
        ("ul. Marszałkowska 10/12", "ul. Marszałkowska 10/12"),
        ("Mu\u0308llerstraße 5", "Müllerstraße 5"),  # decomposed umlaut, as some keyboards send it
    ],
)
def test_streets_with_a_house_number_are_accepted_tidied(text, street):
    assert normalise_street(text) == street


@pytest.mark.parametrize(
    "text",
    ["Baker Street", "Lindenstrasse", "12", "12 / 3", "", "   ", " . ", None, 12, ["Lindenstrasse 12"]],
)
def test_streets_without_both_letters_and_a_number_are_rejected(text):
    assert normalise_street(text) is None


def test_street_length_is_capped_at_100_characters():
    longest = "a" * 98 + " 1"
    assert normalise_street(longest) == longest
    assert normalise_street("a" * 99 + " 1") is None
    # Surrounding spaces do not count against the limit.
    assert normalise_street(f"  {longest}  ") == longest


# --- postcode ---


@pytest.mark.parametrize(
    "text, postcode",
    [
        ("10115", "10115"),
        ("sw1a 1aa", "SW1A 1AA"),
        ("SW1A  1AA", "SW1A 1AA"),
        ("00-950", "00-950"),
        ("1012 ab", "1012 AB"),
        ("1012ab", "1012AB"),
        ("k1a 0b1", "K1A 0B1"),
        ("D02 X285", "D02 X285"),
        ("10001-1234", "10001-1234"),
        ("  10115 ", "10115"),
        ("10115.", "10115"),
    ],
)
def test_postcodes_are_accepted_in_upper_case(text, postcode):
    assert normalise_postcode(text) == postcode


@pytest.mark.parametrize(
    "text",
    ["hello", "SW", "", "   ", "1", "10115 Berlin", "12345678901", "1234567890123", "10115!", "-10115",
     "my postcode is 10115", None, 10115],
)
def test_other_text_is_not_a_postcode(text):
    assert normalise_postcode(text) is None


# --- city ---


@pytest.mark.parametrize(
    "text, city",
    [
        ("Berlin", "Berlin"),
        ("berlin", "Berlin"),
        ("frankfurt am main", "Frankfurt am main"),
        ("St. Gallen", "St. Gallen"),
        ("Saint-Étienne", "Saint-Étienne"),
        ("Zürich", "Zürich"),
        ("zürich.", "Zürich"),
        ("Zu\u0308rich", "Zürich"),  # decomposed umlaut
        ("  Sankt   Gallen ", "Sankt Gallen"),
        ("L'Aquila", "L'Aquila"),
        ("L\u2019Aquila", "L'Aquila"),  # curly apostrophe from a phone keyboard
        ("Stratford-upon-Avon", "Stratford-upon-Avon"),
        ("Łódź", "Łódź"),
        ("Αθήνα", "Αθήνα"),
    ],
)
def test_town_names_are_accepted_with_a_capital_first_letter(text, city):
    assert normalise_city(text) == city


@pytest.mark.parametrize(
    "text",
    ["123", "Berlin 10115", "10115 Berlin", "Zürich!", "B", "", "   ", None, 42, "x" * 61],
)
def test_anything_but_a_town_name_is_rejected(text):
    assert normalise_city(text) is None


# --- country ---


@pytest.mark.parametrize(
    "text, country",
    [
        ("Germany", "Germany"),
        ("Deutschland", "Germany"),
        ("DE", "Germany"),
        (" germany. ", "Germany"),
        ("GERMANY", "Germany"),
        ("uk", "United Kingdom"),
        ("Great Britain", "United Kingdom"),
        ("England", "United Kingdom"),
        ("USA", "United States"),
        ("the netherlands", "Netherlands"),
        ("Holland", "Netherlands"),
        ("Österreich", "Austria"),
        ("O\u0308sterreich", "Austria"),  # decomposed umlaut
        ("Schweiz", "Switzerland"),
        ("España", "Spain"),
        ("czech republic", "Czechia"),
        ("Canada", "Canada"),
    ],
)
def test_country_names_and_codes_map_to_the_english_name(text, country):
    assert normalise_country(text) == country


@pytest.mark.parametrize("text", ["Brazil", "Mars", "Russia", "Germany 10115", "", "   ", None, 49])
def test_countries_not_delivered_to_are_rejected(text):
    assert normalise_country(text) is None


def test_every_country_is_reachable_by_its_own_name_and_every_rule_is_for_a_shipping_country():
    for country in SHIPPING_COUNTRIES:
        assert normalise_country(country) == country
    assert set(POSTCODE_RULES) <= set(SHIPPING_COUNTRIES)


# --- postcode fits country ---


@pytest.mark.parametrize(
    "country, postcode",
    [
        ("Germany", "10115"),
        ("Austria", "1010"),
        ("United Kingdom", "SW1A 1AA"),
        ("United Kingdom", "M1 1AE"),
        ("Netherlands", "1012 AB"),
        ("Netherlands", "1012AB"),
        ("Poland", "00-950"),
        ("Sweden", "111 22"),
        ("Canada", "K1A 0B1"),
        ("United States", "10001-1234"),
        ("Ireland", "D02 X285"),  # no fixed rule
    ],
)
def test_postcodes_that_fit_the_country_pass(country, postcode):
    assert postcode_rule(country, postcode) is None


def test_no_postcode_yet_is_not_a_mismatch():
    # The form asks the postcode again anyway; only a given postcode can contradict the country.
    assert postcode_rule("Germany", "") is None


@pytest.mark.parametrize(
    "country, postcode, rule",
    [
        ("Germany", "1011", "5 digits, like 10115"),
        ("Germany", "101155", "5 digits, like 10115"),
        ("Austria", "10115", "4 digits, like 1010"),
        ("United Kingdom", "10115", "like SW1A 1AA"),
        ("Netherlands", "1012", "4 digits and 2 letters, like 1012 AB"),
        ("Canada", "10115", "like K1A 0B1"),
    ],
)
def test_postcodes_that_do_not_fit_get_the_countrys_rule(country, postcode, rule):
    assert postcode_rule(country, postcode) == rule


def test_normalised_postcodes_fit_their_country():
    # The form checks what normalise_postcode stored, so lower-case input must still fit.
    for country, typed in [("United Kingdom", "sw1a 1aa"), ("Netherlands", "1012 ab"), ("Canada", "k1a 0b1")]:
        assert postcode_rule(country, normalise_postcode(typed)) is None


# --- quantity ---


@pytest.mark.parametrize(
    "text, quantity",
    [
        ("3", 3),
        (" 3 ", 3),
        ("3 please", 3),
        ("I'd like 3", 3),
        ("make it two", 2),
        ("Make it TWO.", 2),
        ("just one", 1),
        ("ten", 10),
        ("0", 0),
        ("zero", 0),
        ("none", 0),
        ("remove it", 0),
        ("Remove it please", 0),
        ("please delete it", 0),
        ("take it out", 0),
        ("I don't want it any more", 0),
        ("I don\u2019t want it any more", 0),  # curly apostrophe from a phone keyboard
        ("dont want it", 0),
        (str(MAX_ITEM_QUANTITY), MAX_ITEM_QUANTITY),
        ("no, make it two", 2),
        ("I'd like a total of three", 3),
    ],
)
def test_quantities_customers_ask_for(text, quantity):
    assert parse_quantity(text) == quantity


@pytest.mark.parametrize(
    "text",
    [str(MAX_ITEM_QUANTITY + 1), "25", "100", "twenty", "lots", "a few", "no", "no thanks", "", "   ", None, 3, ["3"]],
)
def test_unclear_or_too_large_quantities_are_rejected(text):
    assert parse_quantity(text) is None


# --- return reason ---


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Too small", "Too small"),
        ("  too   small  ", "too small"),
        ("It arrived broken.", "It arrived broken"),
        ("Wrong colour, I ordered blue!", "Wrong colour, I ordered blue!"),
        ("Zu groß", "Zu groß"),
        ("abc", "abc"),
    ],
)
def test_short_reasons_are_kept_trimmed(text, reason):
    assert normalise_reason(text) == reason


def test_long_reasons_are_cut_to_200_characters():
    text = "The blender is much louder than described and the lid does not close properly. " * 5
    reason = normalise_reason(text)
    assert len(reason) == 200
    assert reason == text[:200]


@pytest.mark.parametrize("text", ["", "   ", "??", "1", "ok", "123", "!!!", None, 5])
def test_empty_or_meaningless_reasons_are_rejected(text):
    assert normalise_reason(text) is None


# --- masking ---


def test_address_is_masked_as_documented():
    assert mask_address("Lindenstrasse 12", "10115", "Berlin", "Germany") == "Li***, 10*** Berlin, Germany"


@pytest.mark.parametrize(
    "street, postcode, city, country",
    [
        ("Lindenstrasse 12", "10115", "Berlin", "Germany"),
        ("Müllerstraße 5a", "8001", "Zürich", "Switzerland"),
        ("221B Baker Street", "NW1 6XE", "London", "United Kingdom"),
        ("Damrak 1", "1012 LG", "Amsterdam", "Netherlands"),
    ],
)
def test_masked_address_never_shows_the_full_street_or_postcode(street, postcode, city, country):
    masked = mask_address(street, postcode, city, country)
    assert street not in masked
    assert postcode not in masked
    assert masked.startswith(street[:2] + "***, " + postcode[:2] + "***")
    assert masked.endswith(f" {city}, {country}")


@pytest.mark.parametrize(
    "email, masked",
    [
        ("anna.berg@example.com", "a***@example.com"),
        ("lea+shop@mail.example.net", "l***@mail.example.net"),
        ("anna", "***"),
        ("", "***"),
        (None, "***"),
    ],
)
def test_email_is_masked_to_its_first_letter_and_domain(email, masked):
    assert mask_email(email) == masked
    if email and "@" in email:
        assert email.split("@")[0] not in mask_email(email)


# --- money ---


@pytest.mark.parametrize(
    "amount, currency, text",
    [
        (Decimal("1249"), "EUR", "€1,249.00"),
        (Decimal("89"), "EUR", "€89.00"),
        (Decimal("0.5"), "EUR", "€0.50"),
        (Decimal("19.999"), "EUR", "€20.00"),
        (Decimal("1234567.8"), "EUR", "€1,234,567.80"),
        (Decimal("12.5"), "GBP", "£12.50"),
        (Decimal("1000"), "USD", "$1,000.00"),
        (Decimal("12"), "CHF", "CHF 12.00"),
        (Decimal("1500"), "SEK", "SEK 1,500.00"),
    ],
)
def test_money_is_written_with_sign_or_code(amount, currency, text):
    assert format_money(amount, currency) == text


def test_money_defaults_to_euro():
    assert format_money(Decimal("1249")) == "€1,249.00"


def test_product_line_shows_name_sku_and_price():
    product = ProductInfo(
        sku="BC-AU-0003", name="AeroBuds Pro wireless earbuds", category="audio", price=Decimal("89"),
        stock=5, description="", warranty_months=24,
    )
    assert format_product_line(product) == "- AeroBuds Pro wireless earbuds (BC-AU-0003), €89.00"


# --- which item ---

ITEMS = ["Coffee grinder", "Yoga mat", "Water bottle"]


@pytest.mark.parametrize(
    "typed, item",
    [
        ("the grinder", "Coffee grinder"),
        ("grinder", "Coffee grinder"),
        ("COFFEE grinder please", "Coffee grinder"),
        ("the coffe grindr", "Coffee grinder"),
        ("yoga matt", "Yoga mat"),
        ("  Yoga Mat. ", "Yoga mat"),
        ("mat", "Yoga mat"),
        ("the water bottel", "Water bottle"),
        ("bottle of water", "Water bottle"),
        # Most shared words wins.
        ("the mat, no wait, the coffee grinder", "Coffee grinder"),
    ],
)
def test_the_item_sharing_words_with_what_was_typed_is_picked(typed, item):
    assert closest_item(typed, ITEMS) == item


@pytest.mark.parametrize("typed", ["socks", "the other one", "it", "", "   ", "??", None, 3, ["Yoga mat"]])
def test_no_item_when_nothing_matches(typed):
    assert closest_item(typed, ITEMS) is None


@pytest.mark.parametrize("typed", ["Yoga mat", "the grinder", None])
def test_no_item_when_the_order_has_none(typed):
    assert closest_item(typed, []) is None
