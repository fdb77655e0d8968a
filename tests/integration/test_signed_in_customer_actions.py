"""A customer the shop signed in (customer_id in the latest message's metadata, set by the
channel from a valid token): their own orders need no email or phone; anyone else's
order still does. On real SQLite and PostgreSQL."""

import pytest

from actions.db.engine import session_scope
from actions.forms.order_request_form import SIGNED_IN_SLOTS, VERIFICATION_SLOTS, ValidateOrderRequestForm
from actions.order_changes import CHANGE_SLOTS
from actions.orders import ActionSubmitOrderRequestForm
from tests.conftest import user_event
from tests.conftest import responses
from tests.shop_factory import add_customer, add_order

MIA = "mia.lang@example.com"
NOAH = "noah@example.org"
DOMAIN_SLOTS = ["order_id", "order_contact", "change_confirmed"]


@pytest.fixture
def shop(actions_database):
    with session_scope(actions_database) as session:
        mia = add_customer(session, name="Mia Lang", email=MIA, tier="gold")
        noah = add_customer(session, email=NOAH)
        return {
            "mia": mia.id,
            "mias_order": add_order(session, mia, "in_transit").id,
            "mias_paid_order": add_order(session, mia, "paid").id,
            "noahs_order": add_order(session, noah, "in_transit").id,
        }


def signed_in(event, customer_id):
    """The user event as the channel passes it on for a valid shop token."""
    event["metadata"] = event["parse_data"]["metadata"] = {"customer_id": customer_id}
    return event


def order_number_given(tracker_factory, order_id, customer_id=None, intent="track_order", **slots):
    """The tracker after the customer asked (`intent`) and then typed the order number."""
    latest = user_event(str(order_id), "inform")
    if customer_id is not None:
        latest = signed_in(latest, customer_id)
    events = [user_event("I need help with my order", intent), latest,
              {"event": "slot", "name": "order_id", "value": str(order_id)}]
    return tracker_factory(events, slots={"order_id": str(order_id), **slots})


async def validate(tracker, dispatcher, domain, order_id):
    return await ValidateOrderRequestForm().validate_order_id(str(order_id), dispatcher, tracker, domain)


async def required(tracker, dispatcher, domain):
    return await ValidateOrderRequestForm().required_slots(DOMAIN_SLOTS, dispatcher, tracker, domain)


# --- their own order: the number is enough ---

async def test_own_order_is_verified_by_its_number(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["mias_order"], shop["mia"], change_confirmed=True)
    result = await validate(tracker, dispatcher, domain, shop["mias_order"])
    assert result == {"order_id": str(shop["mias_order"]), "order_contact": None, **{s: None for s in CHANGE_SLOTS}}
    assert responses(dispatcher) == []
    assert await required(tracker, dispatcher, domain) == SIGNED_IN_SLOTS


async def test_own_order_is_answered_without_contact(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["mias_order"], shop["mia"])
    assert await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain) == []
    verified, status = dispatcher.messages
    assert verified["response"] == "utter_order_verified" and verified["masked_email"] == "m***@example.com"
    assert status["response"] == "utter_order_on_the_way" and status["carrier"] == "DHL"


async def test_a_change_to_an_own_order_goes_straight_to_the_confirmation(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["mias_paid_order"], shop["mia"], intent="cancel_order")
    assert await required(tracker, dispatcher, domain) == SIGNED_IN_SLOTS + ["change_confirmed"]


# --- anyone else's order, or no sign-in: verified as before ---

async def test_someone_elses_order_still_asks_for_its_contact(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["noahs_order"], shop["mia"])
    result = await validate(tracker, dispatcher, domain, shop["noahs_order"])
    assert result == {"order_id": str(shop["noahs_order"])}
    assert responses(dispatcher) == []  # neither verified nor refused yet: the form asks for the contact
    assert await required(tracker, dispatcher, domain) == VERIFICATION_SLOTS


async def test_someone_elses_order_is_refused_without_its_contact(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["noahs_order"], shop["mia"])
    events = await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_order_not_verified"]
    assert events == [{"event": "slot", "timestamp": None, "name": "order_contact", "value": None}]


@pytest.mark.parametrize("contact, verified", [(NOAH, True), (MIA, False)])
async def test_someone_elses_order_needs_that_orders_contact(
    shop, tracker_factory, dispatcher, domain, contact, verified
):
    latest = signed_in(user_event(contact, "inform"), shop["mia"])
    events = [user_event("track order", "track_order"), latest,
              {"event": "slot", "name": "order_contact", "value": contact}]
    tracker = tracker_factory(events, slots={"order_id": str(shop["noahs_order"]), "order_contact": contact})
    result = await ValidateOrderRequestForm().validate_order_contact(contact, dispatcher, tracker, domain)
    assert (result["order_contact"] == contact) is verified
    assert responses(dispatcher) == ([] if verified else ["utter_order_not_verified"])


async def test_anonymous_customers_still_give_the_contact(shop, tracker_factory, dispatcher, domain):
    tracker = order_number_given(tracker_factory, shop["mias_order"])
    assert await validate(tracker, dispatcher, domain, shop["mias_order"]) == {"order_id": str(shop["mias_order"])}
    assert await required(tracker, dispatcher, domain) == VERIFICATION_SLOTS
    await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_how_can_i_help"]


async def test_only_the_latest_message_counts(shop, tracker_factory, dispatcher, domain):
    # Signed in when the number was given; the next message came without a token.
    order_number = signed_in(user_event(str(shop["mias_order"]), "inform"), shop["mia"])
    tracker = tracker_factory(
        [user_event("track order", "track_order"), order_number, user_event("and where is it now?", "track_order")],
        slots={"order_id": str(shop["mias_order"])},
    )
    await ActionSubmitOrderRequestForm().run(dispatcher, tracker, domain)
    assert "utter_order_on_the_way" not in responses(dispatcher)
    assert await required(tracker, dispatcher, domain) == VERIFICATION_SLOTS
