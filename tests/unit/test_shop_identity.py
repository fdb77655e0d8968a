"""The shop's signed customer token: what it proves, what it never proves, and how the
channels hand the result to Rasa."""

import json
import logging
import time
from types import SimpleNamespace

import jwt
import pytest
from rasa_sdk import Tracker

from actions.identity import signed_in_customer_id
from rasa_server.channels.rest import RestInput
from rasa_server.channels.shop_identity import (
    SIGN_IN_AGAIN_REPLY,
    InvalidShopToken,
    signed_in_metadata,
    verified_customer_id,
)
from rasa_server.channels.socket_io import SocketIOInput

SECRET = "test-secret-of-the-shop-" + "0123456789abcdef" * 3  # 64+ bytes, enough for HS512 too
AUDIENCE = "brightcart-assistant"


@pytest.fixture(autouse=True)
def shop_secret(monkeypatch):
    monkeypatch.setenv("SHOP_JWT_SECRET", SECRET)
    monkeypatch.delenv("SHOP_JWT_AUDIENCE", raising=False)


def shop_token(secret=SECRET, algorithm="HS256", expires_in=300, **claims):
    """A token as the shop signs it: customer 42, our audience, expiring in `expires_in` s."""
    payload = {"sub": "42", "aud": AUDIENCE, "exp": int(time.time()) + expires_in, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm=algorithm)


# --- the token ---

def test_a_valid_token_names_its_customer():
    assert verified_customer_id(shop_token()) == 42


def test_the_audience_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHOP_JWT_AUDIENCE", "other-shop-assistant")
    assert verified_customer_id(shop_token(aud="other-shop-assistant")) == 42
    with pytest.raises(InvalidShopToken):
        verified_customer_id(shop_token())


def test_a_few_seconds_of_clock_difference_are_forgiven():
    assert verified_customer_id(shop_token(expires_in=-5)) == 42


def unsigned_token():
    return jwt.encode({"sub": "42", "aud": AUDIENCE, "exp": int(time.time()) + 300}, None, algorithm="none")


# Tokens are made when a test runs, not when it is collected, so none expires while
# other tests run first.
@pytest.mark.parametrize(
    "make_token",
    [
        lambda: shop_token(expires_in=-3600),
        lambda: shop_token(secret="someone-elses-secret-0123456789abcdef"),
        lambda: shop_token(aud="another-assistant"),
        lambda: shop_token(aud=None),
        lambda: shop_token(exp=None),
        lambda: shop_token(sub=None),
        lambda: shop_token(algorithm="HS512"),
        unsigned_token,
    ],
    ids=["expired", "wrong-signature", "wrong-audience", "no-audience", "no-expiry", "no-subject",
         "other-algorithm", "unsigned"],
)
def test_untrustworthy_tokens_are_refused(make_token):
    with pytest.raises(InvalidShopToken):
        verified_customer_id(make_token())


@pytest.mark.parametrize("sub", ["anna", "42.0", "-42", " 42", "٤٢", "1_000", "", "9" * 19, 42])
def test_a_subject_that_is_not_a_customer_id_is_refused(sub):
    with pytest.raises(InvalidShopToken):
        verified_customer_id(shop_token(sub=sub))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "Bearer x", "eyJ.eyJ.sig", "é" * 10, 42, {"sub": "42"}])
def test_garbage_is_refused(token):
    with pytest.raises(InvalidShopToken):
        verified_customer_id(token)


def test_without_a_secret_every_token_is_refused(monkeypatch):
    monkeypatch.delenv("SHOP_JWT_SECRET")
    for token in (shop_token(), unsigned_token()):
        with pytest.raises(InvalidShopToken):
            verified_customer_id(token)


def test_refusals_log_the_reason_but_never_the_token(caplog):
    token = shop_token(expires_in=-3600)
    with caplog.at_level(logging.DEBUG), pytest.raises(InvalidShopToken):
        verified_customer_id(token)
    assert "ExpiredSignatureError" in caplog.text
    assert token not in caplog.text and token.split(".")[1] not in caplog.text


# --- the metadata Rasa sees ---

def test_a_valid_token_replaces_whatever_the_client_claimed():
    metadata = {"customer_id": 7, "shop_token": "x", "language": "de"}
    assert signed_in_metadata(metadata, shop_token()) == {"customer_id": 42, "language": "de"}


@pytest.mark.parametrize("token", [None, ""])
def test_a_claimed_customer_id_without_a_token_is_dropped(token):
    assert signed_in_metadata({"customer_id": 42, "language": "de"}, token) == {"language": "de"}
    assert signed_in_metadata(None, token) == {}


def test_a_claimed_customer_id_with_an_invalid_token_is_refused():
    with pytest.raises(InvalidShopToken):
        signed_in_metadata({"customer_id": 42}, shop_token(secret="forged-by-the-client-0123456789abcdef"))


def latest_message_tracker(metadata):
    return Tracker("c", {}, {"intent": {"name": "inform"}, "metadata": metadata}, [], False, None, {}, None)


@pytest.mark.parametrize(
    "metadata, customer_id",
    [({"customer_id": 42}, 42), ({"customer_id": "42"}, None), ({"customer_id": True}, None),
     ({"customer_id": 4.2}, None), ({}, None), (None, None), ("customer_id=42", None)],
)
def test_actions_accept_only_the_channels_integer(metadata, customer_id):
    assert signed_in_customer_id(latest_message_tracker(metadata)) == customer_id


# --- REST: header or body ---

def rest_request(metadata=None, authorization=None):
    body = {"sender": "c", "message": "hi", **({"metadata": metadata} if metadata is not None else {})}
    return SimpleNamespace(json=body, headers={"Authorization": authorization} if authorization else {})


@pytest.mark.parametrize(
    "make_request, expected",
    [
        (lambda: rest_request(authorization=f"Bearer {shop_token()}"), {"customer_id": 42}),
        (lambda: rest_request({"shop_token": shop_token(), "page": "cart"}), {"customer_id": 42, "page": "cart"}),
        (lambda: rest_request({"customer_id": 42}), {}),
        (lambda: rest_request({"customer_id": 42}, authorization="Basic dXNlcjpwYXNz"), {}),
        (lambda: rest_request(), {}),
    ],
    ids=["header", "body", "claimed-id-only", "other-auth-scheme", "anonymous"],
)
def test_rest_metadata(make_request, expected):
    assert RestInput().get_metadata(make_request()) == expected


def test_rest_refuses_a_bad_header_even_beside_a_good_body_token():
    request = rest_request({"shop_token": shop_token()}, authorization="Bearer garbage")
    with pytest.raises(InvalidShopToken):
        RestInput().get_metadata(request)


# --- socket.io: metadata or rasa-webchat's customData, in front of Rasa's own handler ---

@pytest.fixture
async def socket_channel(monkeypatch):
    """Our socket.io handlers on a connection with a confirmed session; what reaches NLU and
    what is emitted afterwards is recorded."""
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "unit-test-secret-" + "z" * 32)
    channel, received, emitted = SocketIOInput(), [], []

    async def on_new_message(message):
        received.append(message.metadata)

    async def emit(event, data, room=None, **kwargs):
        emitted.append((event, data, room))

    channel.blueprint(on_new_message)
    channel.sio.emit = emit
    channel.sio.enter_room = lambda *args, **kwargs: None
    await channel.sio.handlers["/"]["session_request"]("sid-1", {})
    emitted.clear()
    handler = channel.sio.handlers["/"]["user_uttered"]
    return SimpleNamespace(handle=handler, received=received, emitted=emitted)


@pytest.mark.parametrize(
    "make_payload, metadata",
    [
        (lambda: {"metadata": {"shop_token": shop_token(), "customer_id": 7}}, {"customer_id": 42}),
        (lambda: {"metadata": json.dumps({"shop_token": shop_token()})}, {"customer_id": 42}),
        (lambda: {"customData": {"shop_token": shop_token(), "language": "en"}}, {"customer_id": 42}),
        (lambda: {"metadata": {"customer_id": 42, "page": "faq"}}, {"page": "faq"}),
        (lambda: {}, {}),
    ],
    ids=["metadata", "metadata-as-json", "webchat-customData", "claimed-id-only", "anonymous"],
)
async def test_socketio_metadata(socket_channel, make_payload, metadata):
    await socket_channel.handle("sid-1", {"message": "where is my order", **make_payload()})
    assert socket_channel.received == [metadata]
    assert socket_channel.emitted == []


@pytest.mark.parametrize(
    "make_token", [lambda: shop_token(expires_in=-3600), lambda: "garbage"], ids=["expired", "garbage"]
)
async def test_socketio_asks_to_sign_in_again_and_drops_the_message(socket_channel, make_token):
    payload = {"message": "where is my order", "customData": {"shop_token": make_token()}}
    await socket_channel.handle("sid-1", payload)
    assert socket_channel.received == []
    assert socket_channel.emitted == [("bot_uttered", {"text": SIGN_IN_AGAIN_REPLY}, "sid-1")]
