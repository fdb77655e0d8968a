"""Reading what the customer asked for from the conversation history."""

from actions.conversation import current_order_request, recent_user_messages, slot_before_latest_message
from tests.conftest import bot_event, make_tracker, user_event


def form_activated():
    return {"event": "active_loop", "name": "order_request_form"}


def test_answers_inside_the_form_do_not_change_the_request():
    events = [user_event("I want to return order 610002", "return_item"), form_activated(),
              bot_event("What's the reason?"), user_event("it arrived broken", "track_order")]
    assert current_order_request(make_tracker(events)) == "return_item"


def test_a_new_activation_serves_the_new_request():
    events = [user_event("return it", "return_item"), form_activated(), {"event": "active_loop", "name": None},
              user_event("where is it", "track_order"), form_activated()]
    assert current_order_request(make_tracker(events)) == "track_order"


def test_a_switch_confirmed_inside_the_form_serves_the_new_request():
    events = [user_event("change the address", "change_shipping_address"), form_activated(),
              user_event("where is it", "track_order"), {"event": "active_loop", "name": None},
              {"event": "slot", "name": "order_request", "value": "change_shipping_address"}, form_activated()]
    assert current_order_request(make_tracker(events)) == "change_shipping_address"
    events += [user_event("yes", "affirm"), {"event": "slot", "name": "order_request", "value": "track_order"}]
    assert current_order_request(make_tracker(events)) == "track_order"


def test_without_a_form_the_latest_order_request_counts():
    events = [user_event("cancel it", "cancel_order"), user_event("hi", "greet")]
    assert current_order_request(make_tracker(events)) == "cancel_order"
    assert current_order_request(make_tracker([user_event("hi", "greet")])) is None


def test_recent_user_messages_keeps_the_latest_in_order():
    events = [user_event(f"message {n}", "inform") for n in range(1, 5)] + [bot_event("ok")]
    assert recent_user_messages(make_tracker(events), 2) == "message 3\nmessage 4"


def slot_set(name, value):
    return {"event": "slot", "name": name, "value": value}


def test_slot_before_latest_message_ignores_what_that_message_set():
    events = [user_event("order 610003", "inform"), slot_set("order_id", "610003"),
              user_event("Lindenstrasse 12", "inform"), slot_set("order_id", "12")]
    assert slot_before_latest_message(make_tracker(events), "order_id") == "610003"


def test_slot_before_latest_message_starts_empty_after_a_new_session():
    events = [user_event("order 610003", "inform"), slot_set("order_id", "610003"),
              {"event": "session_started"}, user_event("hi", "greet")]
    assert slot_before_latest_message(make_tracker(events), "order_id") is None
    assert slot_before_latest_message(make_tracker([]), "order_id") is None
