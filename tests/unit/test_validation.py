import pytest

from actions.orders import ActionAskWhatAboutOrder
from actions.validation import (
    corrected_order_id,
    normalise_contact,
    normalise_order_id,
    normalise_reason,
    order_id_in_text,
    reason_in_text,
    whole_contact,
)
from tests.conftest import make_tracker, responses, user_event


@pytest.mark.parametrize(
    "text",
    ["482913", "#482913", "ORD-482913", "ord482913", "ord-482913", "order 482913",
     "order no. 482913", "Order Number: 482913", "  482913 ", "nr 482913", "# 482913"],
)
def test_order_numbers_in_common_spellings_are_normalised(text):
    assert normalise_order_id(text) == "482913"


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "48291", "4829130", "48291a", "ORD-48291", "INV-482913",
     "482913; DROP TABLE orders", "' OR 1=1 --", "٤٨٢٩١٣", 482913, ["482913"]],
)
def test_anything_else_is_not_an_order_number(text):
    assert normalise_order_id(text) is None


@pytest.mark.parametrize(
    "text, contact",
    [
        ("anna.berg@example.com", "anna.berg@example.com"),
        ("Anna.Berg@Example.COM", "anna.berg@example.com"),
        ("my email is jan_hartmann@example.org thanks", "jan_hartmann@example.org"),
        ("<lea+shop@mail.example.net>", "lea+shop@mail.example.net"),
        ("+49 151 2345678", "+49 151 2345678"),
        ("call me on 0171-5550123 pls", "0171-5550123"),
        ("order 482913, phone (030) 901820", "(030) 901820"),
    ],
)
def test_contacts_are_found_in_what_customers_type(text, contact):
    assert normalise_contact(text) == contact


@pytest.mark.parametrize("text", [None, "", "i dont know", "482913", "' OR '1'='1", "anna@", "@example.com", 12])
def test_no_contact_in_other_text(text):
    assert normalise_contact(text) is None


@pytest.mark.parametrize(
    "text",
    ["#100001", "ORD-100001", "no. 100001", "No.100001", "(100001)", "[100001]", "( 100001 )", "100 001",
     "100\u200b001", "\u2060100001\u200d", "\ufeff#100001", "100\u00ad001", "order\u00a0100001", "100001.",
     "order #100001?"],
)
def test_order_numbers_with_brackets_spaces_and_invisible_characters_are_normalised(text):
    assert normalise_order_id(text) == "100001"


@pytest.mark.parametrize(
    "text",
    ["((100001))", "(100001", "100001)", "１００００１", "¹⁰⁰⁰⁰¹", "100--001", "#100001#",
     "100001 and 100002", "1" * 100000, "#" * 1000 + "100001"],
)
def test_other_spellings_and_huge_text_are_rejected(text):
    assert normalise_order_id(text) is None


@pytest.mark.parametrize("text, order_id", [
    ("100001, f.schaefer@example.com", "100001"), ("order #100409, email x@example.org", "100409"),
    ("0176 60632706", None), ("+49 176 60632706", None), ("jan@example.org", None), (None, None),
])
def test_an_order_number_is_found_among_the_words_of_a_message(text, order_id):
    assert order_id_in_text(text) == order_id


@pytest.mark.parametrize("text, reason", [
    ("order #100409, the shoes are too small i want to return them", "too small"),
    ("claramaier84@example.org, they don't fit", "don't fit"),
    ("my blender arrived damaged", "damaged"),
    ("I want to return it", None), ("where is my parcel", None), (None, None),
])
def test_a_return_reason_given_with_the_request_is_found(text, reason):
    assert reason_in_text(text) == reason


def test_a_phone_number_nlu_tagged_in_part_is_read_whole_from_the_message():
    message = "My phone number is (0176) 606-327-06."
    assert whole_contact("606-327-06", message) == "(0176) 606-327-06"
    assert whole_contact("lea@example.com", "lea@example.com") == "lea@example.com"
    # Only the country code or the last digits tagged: still the whole number.
    assert whole_contact("+49", "+49 160 1050 6733") == "+49 160 1050 6733"
    assert whole_contact("6733", "+49 160 1050 6733") == "+49 160 1050 6733"
    # An email beside a phone stays the email; a word that is no contact finds none.
    assert whole_contact("lea@example.com", "lea@example.com, 0176 60632706") == "lea@example.com"
    assert whole_contact("hello", "hello 0176 60632706") is None


@pytest.mark.parametrize("text", ["yes", "Yes!", "ok", "nope"])
def test_a_yes_or_no_is_no_return_reason(text):
    assert normalise_reason(text) is None


@pytest.mark.parametrize("text, order_id", [
    ("oh no sorry, it is 100021 not 100012", "100021"), ("not 100012 but #100021", "100021"),
    ("it's 100021, isn't order 100012", "100021"),
    # Nothing denied, or nothing left: no correction to read.
    ("100021 and 100012", None), ("100021", None), ("not 100012", None), (None, None),
])
def test_a_correction_names_the_right_order_number(text, order_id):
    assert corrected_order_id(text) == order_id


@pytest.mark.parametrize("found, kept, response", [
    ("#100016", "100016", "utter_ask_what_about_order"),
    ("100 016", "100016", "utter_ask_what_about_order"),
    ("24105", None, "utter_invalid_order_id"),  # a postcode DIET took for an order number
    ("4999.00", None, "utter_invalid_order_id"),
    (None, None, "utter_invalid_order_id"),
])
async def test_an_order_number_out_of_the_blue_is_kept_only_if_it_is_one(dispatcher, domain, found, kept, response):
    tracker = make_tracker([user_event(found or "", "inform")], {"order_id": found})
    events = await ActionAskWhatAboutOrder().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == [response]
    assert events == [{"event": "slot", "timestamp": None, "name": "order_id", "value": kept}]
    if kept:
        assert dispatcher.messages[0]["order_id"] == kept
