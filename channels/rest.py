"""REST channel that rejects malformed requests with a clear 400 instead of a 500, refuses
an invalid shop token with a 401 before the message is processed, and answers 503 when the
message could not be handled (Rasa's own answers 200 with no replies, and the message is lost
without the client knowing)."""

from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.shop_identity import SIGN_IN_AGAIN_REPLY, InvalidShopToken, signed_in_metadata, token_in
from channels.user_text import with_clean_text

MAX_SENDER_CHARS = 255
NOT_HANDLED_REPLY = "Sorry, I couldn't take in your message just now. Please send it again."
# Whether handling the current request's message failed; Sanic handles a request's
# middleware and handler in one task, so each request sees its own value.
_message_failed: ContextVar[bool] = ContextVar("message_failed", default=False)


def _json_body(request: Request) -> Dict[Text, Any]:
    # Sanic itself answers 400 for a body that is not JSON at all.
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('Body must be a JSON object like {"sender": "id", "message": "text"}.')
    return body


def _bearer_token(request: Request) -> Optional[Text]:
    """The token of an `Authorization: Bearer <token>` header; other schemes are not ours."""
    scheme, _, token = (request.headers.get("Authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _token_refused(request: Request, exception: InvalidShopToken) -> HTTPResponse:
    # Shaped like Sanic's own JSON errors (the 400s above), with a message a page can show.
    return response.json(
        {"description": "Unauthorized", "status": 401, "message": SIGN_IN_AGAIN_REPLY},
        status=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _reporting_failures(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        try:
            return await on_new_message(message)
        except BaseException:  # also the cancellation of a request that waited too long
            _message_failed.set(True)
            raise

    return handle


async def _start_request(request: Request) -> None:
    # Keep-alive requests on one connection share a task, so the flag starts afresh.
    _message_failed.set(False)


async def _not_handled(request: Request, handled: HTTPResponse) -> Optional[HTTPResponse]:
    if not _message_failed.get():
        return None
    # Nothing of the message was answered: the client may send it again.
    return response.json(
        {"description": "Service Unavailable", "status": 503, "message": NOT_HANDLED_REPLY},
        status=503,
        headers={"Retry-After": "5"},
    )


class RestInput(RasaRestInput):
    """Rasa's REST channel (same URL, /webhooks/rest/webhook) with request validation and
    the shop's signed-in customer."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _json_body(req).get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _json_body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage('"message" must be a string.')
        return message

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The body's metadata with the identity of the shop token (header first, else
        `metadata.shop_token`) in place of anything the client claimed.

        Raises:
            InvalidShopToken: answered with 401 by the blueprint; the message is not processed.
        """
        metadata = _json_body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata" must be a JSON object.')
        return signed_in_metadata(metadata, _bearer_token(request) or token_in(metadata))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(with_clean_text(_reporting_failures(on_new_message)))
        blueprint.exception(InvalidShopToken)(_token_refused)
        blueprint.middleware("request")(_start_request)
        blueprint.middleware("response")(_not_handled)
        return blueprint
