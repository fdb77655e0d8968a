"""Who the shop says the customer is: its signed token, checked before Rasa sees a message.

The shop signs a short-lived HS256 JWT for its logged-in customer (`sub`: the customer id
in the commerce database, `exp`, `aud`). The channels pass the token here and hand Rasa
metadata whose `customer_id` can only have come from a valid token; the actions read
nothing else to know who is signed in. Neither the token nor its claims are logged.
"""

import logging
import re
from typing import Any, Dict, Optional, Text

import jwt

from actions import config

logger = logging.getLogger(__name__)

# Keys of the message metadata: the token clients send, and the identity the channel sets.
TOKEN_KEY = "shop_token"
CUSTOMER_ID_KEY = "customer_id"

ALGORITHM = "HS256"
# The shop's clock and ours may differ by a few seconds: a token that is valid by the
# shop's clock should not look expired here.
CLOCK_LEEWAY_SECONDS = 30
# ASCII digits that fit the customers.id column (int() would also take "١٢", " 7" or "1_0").
_CUSTOMER_ID = re.compile(r"[0-9]{1,18}")

SIGN_IN_AGAIN_REPLY = (
    "I couldn't confirm that you're signed in: your session with the shop may have expired. "
    "Please reload the page or sign in again, then send your message once more."
)


class InvalidShopToken(Exception):
    """A shop token came with the message but cannot be trusted; the message is not processed."""


def verified_customer_id(token: Any) -> int:
    """The customer id the shop signed into `token`.

    Args:
        token: the compact JWT as the client sent it.

    Raises:
        InvalidShopToken: no secret is configured, or the token is not a string, is
            malformed, has a wrong signature, is expired, is for another audience,
            or its `sub` is not a customer id.
    """
    try:
        return _customer_id(token)
    except InvalidShopToken as refusal:
        logger.warning("shop token refused: %s", refusal)
        raise


def _customer_id(token: Any) -> int:
    secret = config.shop_jwt_secret()
    if secret is None:
        raise InvalidShopToken("SHOP_JWT_SECRET is not set")
    if not isinstance(token, str):
        raise InvalidShopToken("not a string")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
            audience=config.shop_jwt_audience(),
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["exp", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        # The error type only: PyJWT messages can quote parts of the token.
        raise InvalidShopToken(type(error).__name__) from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not _CUSTOMER_ID.fullmatch(subject):
        raise InvalidShopToken("sub is not a customer id")
    return int(subject)


def signed_in_metadata(metadata: Optional[Dict[Text, Any]], token: Any) -> Dict[Text, Any]:
    """The metadata Rasa may see: the client's, without any token or customer id it sent,
    plus the customer id of a valid token.

    Args:
        metadata: what the client sent as message metadata (None for none).
        token: the shop token sent with the message; None or "" means anonymous.

    Raises:
        InvalidShopToken: a token was sent and it is not valid.
    """
    # A client-sent customer_id is dropped even next to a valid token: only the token says who.
    cleaned = {key: value for key, value in (metadata or {}).items() if key not in (TOKEN_KEY, CUSTOMER_ID_KEY)}
    if token is None or token == "":
        return cleaned
    cleaned[CUSTOMER_ID_KEY] = verified_customer_id(token)
    return cleaned


def token_in(container: Any) -> Any:
    """The shop token a client put into a metadata object (`{"shop_token": ...}`), if any."""
    return container.get(TOKEN_KEY) if isinstance(container, dict) else None

