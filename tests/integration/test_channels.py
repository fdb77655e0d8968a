"""End to end: the real servers on loopback, over REST and socket.io, with a restart."""

import importlib.util
import re
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from rasa_server.channels.user_text import EMPTY_MESSAGE_REPLY
from harness.local_servers import REPLY_LIMIT_SECONDS
from tests.integration.live import assistant_on_test_shop, socket_turns
from tests.shop_factory import add_customer, add_order, add_product

CUSTOMER_EMAIL = "lena.vogt@example.com"


def fill_shop(session):
    lena = add_customer(session, name="Lena Vogt", email=CUSTOMER_EMAIL)
    kettle = add_product(session, name="Gooseneck kettle", sku="BC-KI-0777", price=Decimal("39.90"), stock=4)
    for order_id, status in ((482913, "in_transit"), (573108, "paid"), (300124, "delivered")):
        add_order(session, lena, status, order_id=order_id)
    # One order per change test, so each starts from a known state.
    for order_id, status in ((610001, "paid"), (610002, "delivered"), (610003, "paid")):
        add_order(session, lena, status, order_id=order_id, products=[kettle])


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    with assistant_on_test_shop(tmp_path_factory.mktemp("assistant"), fill_shop) as (running, _):
        yield running


def say(assistant, text, sender=None):
    return " ".join(assistant.say(text, sender))


# --- REST ---

def test_greeting(assistant):
    assert "Brightcart" in say(assistant, "hello")


def test_no_server_loads_pytorch_and_the_action_server_no_tensorflow(assistant):
    """No PyTorch in the venv (BERT and GPT-2 train in TensorFlow, serve in ONNX Runtime and
    numpy); the action server needs only transformers' tokenizers, not TensorFlow (about 500 MB)."""
    assert importlib.util.find_spec("torch") is None
    assert "Brightcart" in say(assistant, "hello")
    rasa_libraries = Path(f"/proc/{assistant.rasa.process.pid}/maps").read_text()
    action_libraries = Path(f"/proc/{assistant.actions.process.pid}/maps").read_text()
    assert "libtensorflow" in rasa_libraries
    assert "libtensorflow" not in action_libraries


def process_environment(pid: int) -> dict:
    entries = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


def test_rasa_server_runs_with_the_project_settings(assistant):
    """One TensorFlow thread per op and no oneDNN: scripts/rasa_server.env."""
    environment = process_environment(assistant.rasa.process.pid)
    assert environment["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert environment["TF_INTER_OP_PARALLELISM_THREADS"] == "1"
    assert environment["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_policy_question(assistant):
    assert "PayPal" in say(assistant, "which payment methods do you accept?")


def test_order_status_after_verification(assistant):
    customer = uuid.uuid4().hex
    assert "order number" in say(assistant, "where is my package", customer)
    assert "email address or phone number" in say(assistant, "its 482913", customer)
    answer = say(assistant, CUSTOMER_EMAIL, customer)
    assert "matches order 482913 (l***@example.com)" in answer
    assert "on its way with DHL" in answer and "Expected delivery" in answer
    assert CUSTOMER_EMAIL not in answer


def test_someone_elses_contact_reveals_nothing(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "track order 482913", customer)
    answer = say(assistant, "q.zimmermann77@example.org", customer)
    assert "couldn't find an order" in answer
    assert "DHL" not in answer and "on its way" not in answer and "matches order" not in answer


def test_invalid_order_number_is_explained(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "i want to cancel my order", customer)
    assert "6 digits" in say(assistant, "order ORD-12", customer)


def test_cancel_asks_for_confirmation_then_cancels(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "please cancel order 610001", customer)
    question = say(assistant, CUSTOMER_EMAIL, customer)
    assert "1 x Gooseneck kettle" in question and "€39.90" in question and "Shall I cancel it" in question
    assert "order 610001 is cancelled" in say(assistant, "yes", customer)
    # Still verified in this conversation: the answer comes at once.
    assert "already cancelled" in say(assistant, "cancel order 610001", customer)


def test_return_with_faq_digression_gives_a_reference(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "I want to return order 610002", customer)
    assert "reason" in say(assistant, CUSTOMER_EMAIL, customer)
    digression = say(assistant, "do you sell gift cards?", customer)
    assert "gift cards" in digression and "reason" in digression
    assert "Shall I go ahead" in say(assistant, "it arrived broken", customer)
    assert re.search(r"return RF-\d{6} for order 610002", say(assistant, "yes", customer))


def test_address_change_checks_each_field_and_masks_it(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "i need to change the delivery address of order 610003", customer)
    assert "street and house number" in say(assistant, CUSTOMER_EMAIL, customer)
    assert "house number" in say(assistant, "Lindenstrasse", customer)
    assert "postcode" in say(assistant, "Lindenstrasse 12", customer)
    assert "town or city" in say(assistant, "20095", customer)
    assert "which country" in say(assistant, "Hamburg", customer).lower()
    confirmation = say(assistant, "Germany", customer)
    assert "Li***, 20*** Hamburg, Germany" in confirmation and "Lindenstrasse" not in confirmation
    assert "now goes to Li***" in say(assistant, "yes", customer)


def test_another_request_during_a_half_done_change_is_confirmed_first(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "i need to change the delivery address of order 610003", customer)
    say(assistant, CUSTOMER_EMAIL, customer)
    assert "postcode" in say(assistant, "Lindenstrasse 12", customer)
    question = say(assistant, "where is my parcel right now?", customer)
    assert "Shall I drop that and find out where your order is instead?" in question
    # "No": the change goes on where it was.
    assert "postcode" in say(assistant, "no", customer)
    assert "Shall I drop that" in say(assistant, "where is my parcel right now?", customer)
    switched = say(assistant, "yes", customer)
    assert "nothing was changed" in switched and "find out where your order is instead" in switched
    assert "postcode" not in switched


def test_stop_abandons_a_change_cleanly(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "cancel order 573108", customer)
    say(assistant, CUSTOMER_EMAIL, customer)
    assert "stopped" in say(assistant, "stop", customer)
    assert "Brightcart" in say(assistant, "hello", customer)


def test_product_question_is_answered_from_the_catalogue(assistant):
    answer = say(assistant, "how much is the gooseneck kettle?")
    assert "Gooseneck kettle (BC-KI-0777): €39.90, only 4 left in stock" in answer


def test_handoff_queues_the_conversation(assistant):
    answer = say(assistant, "I want to talk to a human", uuid.uuid4().hex)
    assert re.search(r"reference TCK-\d{6}\); you're number \d+ in the queue", answer)


def test_two_stage_fallback_rephrase_then_human(assistant):
    customer = uuid.uuid4().hex
    assert "other words" in say(assistant, "asdkjh qwezx", customer)
    assert "customer service team" in say(assistant, "blorp flibber quaxx", customer)


def test_conversation_is_stored_in_the_tracker_store(assistant):
    customer = uuid.uuid4().hex
    say(assistant, "hello", customer)
    with sqlite3.connect(assistant.tracker_db) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            (assistant.conversation_ids[customer],),
        ).fetchone()
    assert count == 1


@pytest.mark.parametrize(
    "text",
    [
        "refund " * 1500,  # 10,500 characters
        "📦📦📦 ??? 😡",
        "我的订单在哪里",
        "где мой заказ",
        "\x00\x01where is\x1b my order\x7f",
        "' OR 1=1; DROP TABLE events; --",
    ],
    ids=["10k-chars", "emoji", "chinese", "russian", "control-chars", "sql-like"],
)
def test_unusual_messages_get_a_reply(assistant, text):
    assert say(assistant, text).strip()


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x00"])
def test_empty_messages_get_a_friendly_reply(assistant, text):
    assert say(assistant, text) == EMPTY_MESSAGE_REPLY


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b'["sender", "message"]',
        b'"just a string"',
        b'{}',
        b'{"message": 42}',
        b'{"message": null}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": ["x"], "message": "hi"}',
        b'{"message": "hi", "metadata": "not an object"}',
    ],
)
def test_malformed_requests_get_a_clear_400(assistant, body):
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=REPLY_LIMIT_SECONDS,
    )
    assert response.status_code == 400


def test_server_is_healthy_after_bad_input(assistant):
    assert requests.get(f"{assistant.url}/", timeout=10).status_code == 200
    assert "Brightcart" in say(assistant, "hi")


# --- socket.io ---


async def test_socketio_conversation(assistant):
    greeting, policy, empty, order, status = await socket_turns(
        assistant.url,
        [("hi there", 1, {}), ("is there a fee to cancel an order", 1, {}), ("   ", 1, {}),
         ("track order #573108", 1, {}), (CUSTOMER_EMAIL, 2, {})],
    )
    assert "Brightcart" in greeting
    assert "no cancellation fee" in policy
    assert empty == EMPTY_MESSAGE_REPLY
    assert "email address or phone number" in order
    assert "matches order 573108" in status and "hasn't shipped yet" in status


# --- persistence (last: it restarts the Rasa server) ---

def test_an_open_form_survives_a_restart(assistant):
    customer = uuid.uuid4().hex
    assert "order number" in say(assistant, "i want to return my shoes", customer)

    assistant.rasa.stop()
    assistant.rasa.start()

    assert "email address or phone number" in say(assistant, "300124", customer)
    assert "reason" in say(assistant, CUSTOMER_EMAIL, customer)
