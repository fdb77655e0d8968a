"""REST channel that rejects malformed requests with a clear 400 instead of a 500."""

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from channels.user_text import with_clean_text

MAX_SENDER_CHARS = 255


def _json_body(request: Request) -> Dict[Text, Any]:
    # Sanic itself answers 400 for a body that is not JSON at all.
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('Body must be a JSON object like {"sender": "id", "message": "text"}.')
    return body


class RestInput(RasaRestInput):
    """Rasa's REST channel (same URL, /webhooks/rest/webhook) with request validation."""

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
        metadata = _json_body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata" must be a JSON object.')
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(with_clean_text(on_new_message))
