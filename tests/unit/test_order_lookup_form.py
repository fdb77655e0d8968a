import pytest

from actions.forms.order_lookup_form import ValidateOrderLookupForm
from tests.conftest import user_event


@pytest.mark.parametrize(
    "value, stored",
    [("#482913", "482913"), ("ORD-100257", "100257"), (["482913", "100257"], "482913")],
)
async def test_valid_numbers_are_stored_as_six_digits(value, stored, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event(str(value), "inform")])
    result = await ValidateOrderLookupForm().validate_order_id(value, dispatcher, tracker, domain)
    assert result == {"order_id": stored}
    assert dispatcher.messages == []


@pytest.mark.parametrize("value", ["12345", "INV-204518", "482913' OR '1'='1", [], None])
async def test_invalid_numbers_are_rejected_with_a_hint(value, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event(str(value), "inform")])
    result = await ValidateOrderLookupForm().validate_order_id(value, dispatcher, tracker, domain)
    assert result == {"order_id": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_order_id"]


async def test_a_number_in_another_answer_keeps_the_order_in_hand(dispatcher, tracker_factory, domain):
    """NLU may read the 12 of "Lindenstrasse 12" as an order number while the street is asked."""
    events = [
        user_event("change the address of order 610003", "change_shipping_address"),
        {"event": "slot", "name": "order_id", "value": "610003"},
        {"event": "slot", "name": "requested_slot", "value": "shipping_street"},
        user_event("Lindenstrasse 12", "inform"),
        {"event": "slot", "name": "order_id", "value": "12"},
    ]
    tracker = tracker_factory(events, slots={"order_id": "12", "requested_slot": "shipping_street"})
    result = await ValidateOrderLookupForm().validate_order_id("12", dispatcher, tracker, domain)
    assert result == {"order_id": "610003"}
    assert dispatcher.messages == []


async def test_the_asked_order_number_read_as_a_phone_number_is_the_order_number(dispatcher, tracker_factory, domain):
    """NLU may tag a bare "700000" as phone_number, which fills order_contact instead."""
    events = [
        user_event("where is my package", "track_order"),
        {"event": "slot", "name": "requested_slot", "value": "order_id"},
        user_event("700000", "inform", [{"entity": "phone_number", "value": "700000"}]),
        {"event": "slot", "name": "order_contact", "value": "700000"},
    ]
    tracker = tracker_factory(events, slots={"order_contact": "700000", "requested_slot": "order_id"})
    result = await ValidateOrderLookupForm().validate_order_contact("700000", dispatcher, tracker, domain)
    assert result == {"order_id": "700000", "order_contact": None}
    assert dispatcher.messages == []


async def test_a_short_number_for_the_contact_is_still_explained(dispatcher, tracker_factory, domain):
    events = [{"event": "slot", "name": "requested_slot", "value": "order_contact"}, user_event("700000", "inform")]
    tracker = tracker_factory(events, slots={"order_contact": "700000", "requested_slot": "order_contact", "order_id": "482913"})
    result = await ValidateOrderLookupForm().validate_order_contact("700000", dispatcher, tracker, domain)
    assert result == {"order_contact": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_order_contact"]
