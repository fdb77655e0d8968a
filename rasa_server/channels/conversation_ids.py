"""Conversation ids that only the Rasa server issues.

An id is a random nonce and its HMAC under CONVERSATION_ID_SECRET (`<nonce>.<signature>`): a
client cannot pick one, guess another customer's, or make one up; it can only keep using the
one it was given. Every Rasa process of one assistant shares the secret, so any of them
accepts the ids the others issued.
"""

import base64
import hashlib
import hmac
import secrets
from typing import Any, TypeGuard

from actions import config

NONCE_BYTES = 16
SIGNATURE_BYTES = 16


class ConversationIdsNotConfigured(RuntimeError):
    """The Rasa server has no CONVERSATION_ID_SECRET to sign ids with."""


def _signature(nonce: str) -> str:
    secret = config.conversation_id_secret()
    if secret is None:
        raise ConversationIdsNotConfigured(
            "CONVERSATION_ID_SECRET is not set: the channels cannot issue conversation ids. "
            "`make run` writes one into .env; every Rasa process needs the same one."
        )
    digest = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_conversation_id() -> str:
    """A new conversation id, signed by this assistant."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    return f"{nonce}.{_signature(nonce)}"


def is_issued(conversation_id: Any) -> TypeGuard[str]:
    """True if `conversation_id` is an id this assistant issued (signature compared in constant time)."""
    if not isinstance(conversation_id, str) or len(conversation_id) > 100:
        return False
    nonce, dot, signature = conversation_id.partition(".")
    if not dot or not nonce:
        return False
    return hmac.compare_digest(signature.encode(), _signature(nonce).encode())


def check_configured() -> None:
    """Raises ConversationIdsNotConfigured now rather than at the first message."""
    _signature("check")
