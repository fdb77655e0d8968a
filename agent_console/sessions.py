"""Agents' session cookies: the username and an expiry, signed with AGENT_SESSION_SECRET."""

import base64
import hashlib
import hmac
import json
import time
from typing import Optional

COOKIE_NAME = "agent_session"


def _signature(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def issue(secret: str, username: str, minutes: float, now: Optional[float] = None) -> str:
    payload = base64.urlsafe_b64encode(
        json.dumps({"user": username, "exp": int((time.time() if now is None else now) + minutes * 60)}).encode()
    )
    return f"{payload.decode()}.{_signature(secret, payload)}"


def username_in(secret: str, cookie_value: Optional[str], now: Optional[float] = None) -> Optional[str]:
    """The signed-in agent's username, or None for a missing, forged or expired session."""
    if not cookie_value or "." not in cookie_value:
        return None
    payload, signature = cookie_value.rsplit(".", 1)
    if not hmac.compare_digest(_signature(secret, payload.encode()), signature):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("user"), str) or not isinstance(claims.get("exp"), int):
        return None
    return claims["user"] if claims["exp"] > (time.time() if now is None else now) else None
