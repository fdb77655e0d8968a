import datetime as dt

import pytest
from rasa_sdk.events import SlotSet

from actions import clock
from actions.forms.order_request_form import ValidateOrderRequestForm, failed_verifications
from actions.identity import VERIFIED_AT_SLOT, proof_expired, proof_is_fresh
from tests.conftest import user_event


@pytest.mark.parametrize(
    "value, stored",
    [("#482913", "482913"), ("ORD-100257", "100257"), (["482913", "100257"], "482913")],
)
async def test_valid_numbers_are_stored_as_six_digits(value, stored, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event(str(value), "inform")])
    result = await ValidateOrderRequestForm().validate_order_id(value, dispatcher, tracker, domain)
    assert result == {"order_id": stored}
    assert dispatcher.messages == []


@pytest.mark.parametrize("value", ["12345", "INV-204518", "482913' OR '1'='1", [], None])
async def test_invalid_numbers_are_rejected_with_a_hint(value, dispatcher, tracker_factory, domain):
    tracker = tracker_factory([user_event(str(value), "inform")])
    result = await ValidateOrderRequestForm().validate_order_id(value, dispatcher, tracker, domain)
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
    result = await ValidateOrderRequestForm().validate_order_id("12", dispatcher, tracker, domain)
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
    result = await ValidateOrderRequestForm().validate_order_contact("700000", dispatcher, tracker, domain)
    assert result == {"order_id": "700000", "order_contact": None}
    assert dispatcher.messages == []


async def test_a_short_number_for_the_contact_is_still_explained(dispatcher, tracker_factory, domain):
    events = [{"event": "slot", "name": "requested_slot", "value": "order_contact"}, user_event("70000", "inform")]
    tracker = tracker_factory(events, slots={"order_contact": "70000", "requested_slot": "order_contact", "order_id": "482913"})
    result = await ValidateOrderRequestForm().validate_order_contact("70000", dispatcher, tracker, domain)
    assert result == {"order_contact": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_order_contact"]


async def test_another_order_number_for_the_contact_corrects_the_order_number(dispatcher, tracker_factory, domain):
    text = "sorry wrong number, its actually 700000"
    events = [{"event": "slot", "name": "requested_slot", "value": "order_contact"}, user_event(text, "inform")]
    tracker = tracker_factory(events, slots={"order_contact": text, "requested_slot": "order_contact", "order_id": "482913"})
    result = await ValidateOrderRequestForm().validate_order_contact(text, dispatcher, tracker, domain)
    assert result == {"order_contact": None, "order_id": "700000"}
    assert dispatcher.messages == []


# --- an expired proof (no database needed: nothing is looked up when the proof is forgotten) ---

def _reasking_tracker(tracker_factory, verified_minutes_ago, text="where is my refund"):
    verified_at = (clock.now() - dt.timedelta(minutes=verified_minutes_ago)).isoformat()
    slots = {"order_id": "482913", "order_contact": "anna@example.com", VERIFIED_AT_SLOT: verified_at}
    events = [user_event(text, "track_refund"), {"event": "slot", "name": "order_id", "value": "482913"},
              {"event": "slot", "name": "order_contact", "value": "anna@example.com"}]
    return tracker_factory(events, slots=slots)


async def test_an_expired_proof_is_forgotten_and_the_contact_asked_again(dispatcher, tracker_factory, domain):
    tracker = _reasking_tracker(tracker_factory, verified_minutes_ago=16)
    events = await ValidateOrderRequestForm().run(dispatcher, tracker, domain)
    slots = {e["name"]: e["value"] for e in events}
    assert [m["response"] for m in dispatcher.messages] == ["utter_verification_expired"]
    assert slots["order_contact"] is None and slots[VERIFIED_AT_SLOT] is None
    assert slots["order_id"] == "482913" and slots["requested_slot"] == "order_contact"


@pytest.mark.parametrize("verified_at", ["yesterday", "2026-13-45T99:00:00", "2026-11-20T12:00:00+05:00", 17, ["x"]])
def test_a_proof_time_that_is_no_time_proves_nothing(tracker_factory, verified_at):
    tracker = tracker_factory([], slots={VERIFIED_AT_SLOT: verified_at})
    assert not proof_is_fresh(tracker) and not proof_expired(tracker)


def test_a_proof_expires_after_the_configured_minutes(tracker_factory, monkeypatch):
    monkeypatch.setenv("VERIFICATION_TTL_MINUTES", "5")
    given = clock.now()
    tracker = tracker_factory([], slots={VERIFIED_AT_SLOT: given.isoformat()})
    monkeypatch.setattr(clock, "now", lambda: given + dt.timedelta(minutes=5))
    assert proof_is_fresh(tracker)
    monkeypatch.setattr(clock, "now", lambda: given + dt.timedelta(minutes=5, seconds=1))
    assert proof_expired(tracker)


# --- a validation that fails is answered, and the form can go on ---

async def test_a_failing_validation_apologises_and_asks_again(
    dispatcher, tracker_factory, domain, monkeypatch, caplog
):
    async def broken(self, slot_value, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_invalid_shipping_street")
        raise ValueError(f"cannot handle {slot_value}")

    monkeypatch.setattr(ValidateOrderRequestForm, "validate_order_contact", broken)
    events = [{"event": "slot", "name": "requested_slot", "value": "order_contact"},
              user_event("it's anna@example.com", "inform"),
              {"event": "slot", "name": "order_contact", "value": "anna@example.com"}]
    tracker = tracker_factory(events, slots={"order_id": "482913", "order_contact": "anna@example.com",
                                             "requested_slot": "order_contact"})
    returned = await ValidateOrderRequestForm().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_something_went_wrong"]
    assert returned == [SlotSet("order_contact", None), SlotSet("requested_slot", "order_contact")]
    assert "ValueError" in caplog.text and "anna" not in caplog.text


@pytest.mark.parametrize("failures", ["3", None, [], {"n": 9}, float("nan"), float("inf")])
def test_a_failure_count_that_is_no_number_counts_as_none(tracker_factory, failures):
    assert failed_verifications(tracker_factory([], slots={"verification_failures": failures})) == 0


async def test_an_email_instead_of_the_order_number_is_kept_without_a_complaint(dispatcher, tracker_factory, domain):
    text = "neumann.emma@example.net"
    events = [{"event": "slot", "name": "requested_slot", "value": "order_id"}, user_event(text, "inform"),
              {"event": "slot", "name": "order_id", "value": text}, {"event": "slot", "name": "order_contact", "value": text}]
    tracker = tracker_factory(events, slots={"order_id": text, "order_contact": text, "requested_slot": "order_id"})
    assert await ValidateOrderRequestForm().validate_order_id(text, dispatcher, tracker, domain) == {"order_id": None}
    assert dispatcher.messages == []
