"""End to end with the shop's signed-in customer: the real servers on loopback, tokens
signed as the shop signs them, over REST and socket.io."""

import sqlite3
import time
import uuid

import jwt
import pytest

from rasa_server.channels.shop_identity import SIGN_IN_AGAIN_REPLY
from tests.integration.live import assistant_on_test_shop, socket_turns
from tests.shop_factory import add_customer, add_order

SECRET = "e2e-secret-of-the-shop-" + "0123456789abcdef" * 2
LENAS_ORDER, LENAS_PAID_ORDER, PAULS_ORDER = 482913, 610001, 573108


def fill_shop(session):
    lena = add_customer(session, name="Lena Vogt", email="lena.vogt@example.com")
    paul = add_customer(session, name="Paul Wolf", email="paul.wolf@example.net")
    add_order(session, lena, "in_transit", order_id=LENAS_ORDER)
    add_order(session, lena, "paid", order_id=LENAS_PAID_ORDER)
    add_order(session, paul, "in_transit", order_id=PAULS_ORDER)
    return {"lena": lena.id, "paul": paul.id}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("signed-in-assistant")
    with assistant_on_test_shop(work_dir, fill_shop, rasa_env={"SHOP_JWT_SECRET": SECRET}) as (running, customers):
        running.customers = customers
        yield running


def shop_token(customer_id, secret=SECRET, expires_in=300):
    """A token as the shop signs it for its logged-in customer."""
    claims = {"sub": str(customer_id), "aud": "brightcart-assistant", "exp": int(time.time()) + expires_in}
    return jwt.encode(claims, secret, algorithm="HS256")


def post(assistant, text, sender, token=None, metadata=None):
    """One REST message in the test's conversation `sender`, with the token in the Authorization header if given."""
    return assistant.send(text, sender, metadata, {"Authorization": f"Bearer {token}"} if token else None)


def say(assistant, text, sender, token=None, metadata=None):
    response = post(assistant, text, sender, token, metadata)
    assert response.status_code == 200, response.text
    return " ".join(message.get("text", "") for message in response.json())


def user_messages_stored(assistant, sender):
    with sqlite3.connect(assistant.tracker_db) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            (assistant.conversation_ids[sender],),
        ).fetchone()
    return count


# --- REST ---

def test_signed_in_customer_gets_the_status_after_the_order_number_only(assistant):
    sender, token = uuid.uuid4().hex, shop_token(assistant.customers["lena"])
    assert "order number" in say(assistant, "where is my package", sender, token)
    answer = say(assistant, str(LENAS_ORDER), sender, token)
    assert "on its way with DHL" in answer and "Expected delivery" in answer
    assert "email address or phone number" not in answer


def test_token_in_the_body_metadata_works_too(assistant):
    metadata = {"shop_token": shop_token(assistant.customers["lena"])}
    answer = say(assistant, f"track order {LENAS_ORDER}", uuid.uuid4().hex, metadata=metadata)
    assert "on its way with DHL" in answer


def test_someone_elses_order_still_needs_its_email(assistant):
    sender, token = uuid.uuid4().hex, shop_token(assistant.customers["lena"])
    answer = say(assistant, f"track order {PAULS_ORDER}", sender, token)
    assert "email address or phone number" in answer and "DHL" not in answer
    refused = say(assistant, "lena.vogt@example.com", sender, token)
    assert "couldn't find an order" in refused and "DHL" not in refused


def test_a_claimed_customer_id_without_a_token_still_has_to_verify(assistant):
    sender, claim = uuid.uuid4().hex, {"customer_id": assistant.customers["lena"]}
    say(assistant, "where is my package", sender, metadata=claim)
    answer = say(assistant, str(LENAS_ORDER), sender, metadata=claim)
    assert "email address or phone number" in answer and "DHL" not in answer


@pytest.mark.parametrize(
    "make_token",
    [lambda customer: shop_token(customer, expires_in=-3600),
     lambda customer: shop_token(customer, secret="forged-" + SECRET),
     lambda customer: "garbage"],
    ids=["expired", "wrong-signature", "garbage"],
)
def test_an_invalid_token_gets_401_and_is_not_processed(assistant, make_token):
    sender = uuid.uuid4().hex
    say(assistant, "hi", sender)
    response = post(assistant, f"track order {LENAS_ORDER}", sender, make_token(assistant.customers["lena"]))
    assert response.status_code == 401
    assert response.json()["message"] == SIGN_IN_AGAIN_REPLY
    assert user_messages_stored(assistant, sender) == 1


# --- socket.io (rasa-webchat sends customData) ---


async def test_socketio_signed_in_customer_and_a_stale_token(assistant):
    valid = {"customData": {"shop_token": shop_token(assistant.customers["lena"])}}
    expired = {"customData": {"shop_token": shop_token(assistant.customers["lena"], expires_in=-3600)}}
    stale, question, status = await socket_turns(
        assistant.url,
        [(f"track order {LENAS_ORDER}", 1, expired), ("where is my package", 1, valid),
         (str(LENAS_PAID_ORDER), 2, valid)],
    )
    assert stale == SIGN_IN_AGAIN_REPLY
    assert "order number" in question
    assert f"matches order {LENAS_PAID_ORDER}" in status and "hasn't shipped yet" in status
