"""REST channel that rejects malformed requests with a clear 400 instead of a 500, refuses
an invalid shop token with a 401 before the message is processed, and answers 503 when the
message could not be handled (Rasa's own answers 200 with no replies, and the message is lost
without the client knowing).

Conversation ids are the server's: a message without "sender" starts a conversation, and every
answer names its id in the X-Conversation-Id header. `GET /webhooks/rest/messages?sender=ID
[&since=UNIX_TIME]` gives the messages that reached the conversation since the customer's
latest turn (an agent's, the rating question, the handoff's timeout offer). A "sender" the server did not issue is
refused with 403, unless the message carries a valid shop token: a shop's backend may then keep
its own ids, which are kept apart per signed-in customer.
"""

from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_server.channels.button_payloads import ServerTrackerStore, with_offered_payloads_only
from rasa_server.channels.conversation_ids import check_configured, is_issued, issue_conversation_id
from rasa_server.channels.pending_messages import messages_between_turns
from rasa_server.channels.shop_identity import (
    SIGN_IN_AGAIN_REPLY,
    InvalidShopToken,
    signed_in_metadata,
    token_in,
    verified_customer_id,
)
from rasa_server.channels.user_text import with_clean_text

MAX_SENDER_CHARS = 255
NOT_HANDLED_REPLY = "Sorry, I couldn't take in your message just now. Please send it again."
CONVERSATION_ID_HEADER = "X-Conversation-Id"
UNKNOWN_CONVERSATION_REPLY = (
    'This conversation id was not issued by this assistant. Send the message without "sender" to '
    f"start a conversation; the answer's {CONVERSATION_ID_HEADER} header holds its id."
)
# Whether handling the current request's message failed; Sanic handles a request's
# middleware and handler in one task, so each request sees its own value.
_message_failed: ContextVar[bool] = ContextVar("message_failed", default=False)
# The conversation the current request's message belongs to, for the answer's header.
_conversation_id: ContextVar[Optional[Text]] = ContextVar("conversation_id", default=None)


class UnknownConversation(Exception):
    """The client named a conversation id the server never issued; the message is not processed."""


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


def _unknown_conversation(request: Request, exception: UnknownConversation) -> HTTPResponse:
    return response.json({"description": "Forbidden", "status": 403, "message": UNKNOWN_CONVERSATION_REPLY}, status=403)


def _reporting_failures(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        try:
            return await on_new_message(message)
        except BaseException:  # also the cancellation of a request that waited too long
            _message_failed.set(True)
            raise

    return handle


async def _start_request(request: Request) -> None:
    # Keep-alive requests on one connection share a task, so the values start afresh.
    _message_failed.set(False)
    _conversation_id.set(None)


async def _finish_answer(request: Request, handled: HTTPResponse) -> Optional[HTTPResponse]:
    conversation_id = _conversation_id.get()
    if conversation_id is not None:
        handled.headers[CONVERSATION_ID_HEADER] = conversation_id
        # A page on another allowed origin may read it (CORS hides other headers from scripts).
        handled.headers["Access-Control-Expose-Headers"] = CONVERSATION_ID_HEADER
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
        """The conversation id: a new one for a message without "sender", an issued one as is,
        a shop backend's own id (with a valid shop token) kept apart per customer.

        Raises:
            UnknownConversation: answered with 403; the message is not processed.
        """
        body = _json_body(req)
        sender = body.get("sender")
        if sender is None:
            conversation_id = issue_conversation_id()
        else:
            if isinstance(sender, int) and not isinstance(sender, bool):
                sender = str(sender)
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                raise InvalidUsage(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
            conversation_id = sender if is_issued(sender) else self._shop_conversation_id(req, body, sender)
        _conversation_id.set(conversation_id)
        return conversation_id

    @staticmethod
    def _shop_conversation_id(req: Request, body: Dict[Text, Any], sender: Text) -> Text:
        metadata = body.get("metadata")
        token = _bearer_token(req) or token_in(metadata if isinstance(metadata, dict) else None)
        if token is None or token == "":
            raise UnknownConversation()
        # Another customer's token cannot reach this customer's conversations.
        return f"shop-customer-{verified_customer_id(token)}:{sender}"

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
        check_configured()
        trackers = ServerTrackerStore()
        blueprint = super().blueprint(
            with_clean_text(with_offered_payloads_only(_reporting_failures(on_new_message), trackers))
        )
        trackers.listen_on(blueprint)

        @blueprint.route("/messages", methods=["GET"])
        async def pending_messages(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                raise InvalidUsage(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
            try:
                since = float(request.args.get("since") or 0)
            except ValueError:
                raise InvalidUsage('"since" must be a Unix time, like 1733580000.5.') from None
            conversation_id = sender if is_issued(sender) else self._shop_conversation_id(request, {}, sender)
            tracker = await trackers().retrieve(conversation_id)
            return response.json(messages_between_turns(tracker, since) if tracker else [])

        blueprint.exception(InvalidShopToken)(_token_refused)
        blueprint.exception(UnknownConversation)(_unknown_conversation)
        blueprint.middleware("request")(_start_request)
        blueprint.middleware("response")(_finish_answer)
        return blueprint
