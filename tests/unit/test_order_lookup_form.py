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
