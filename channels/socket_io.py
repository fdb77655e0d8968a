"""socket.io channel whose messages are cleaned like every other channel's and carry the
shop's signed-in customer only when its token is valid."""

import json
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput as RasaSocketIOInput, SocketIOOutput

from channels.shop_identity import SIGN_IN_AGAIN_REPLY, InvalidShopToken, signed_in_metadata, token_in
from channels.user_text import with_clean_text

# rasa-webchat sends its `customData` beside the message; Rasa reads only `metadata_key`.
WEBCHAT_METADATA_KEY = "customData"

SocketHandler = Callable[[Text, Any], Awaitable[Any]]


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel (same path, /socket.io) with cleaned user text and the
    shop's signed-in customer."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        blueprint = super().blueprint(with_clean_text(on_new_message))
        # Rasa's handler builds the UserMessage from the raw payload, so the token is
        # checked, and the metadata cleaned, in front of it.
        handlers = self.sio.handlers[self.namespace or "/"]
        handlers[self.user_message_evt] = self._with_shop_identity(handlers[self.user_message_evt])
        return blueprint

    def _with_shop_identity(self, handle_message: SocketHandler) -> SocketHandler:
        """Rasa's message handler behind the token check: a message with an invalid token
        is answered here and never passed on."""

        async def handle(sid: Text, data: Any) -> Any:
            if not isinstance(data, dict):
                # No metadata, so no identity: Rasa's handler treats it as before.
                return await handle_message(sid, data)
            metadata = _metadata_object(data.get(self.metadata_key))
            token = token_in(metadata) or token_in(data.get(WEBCHAT_METADATA_KEY))
            try:
                data[self.metadata_key] = signed_in_metadata(metadata, token)
            except InvalidShopToken:
                # To the connection that sent it: the message never reaches the conversation.
                await SocketIOOutput(self.sio, self.bot_message_evt).send_text_message(sid, SIGN_IN_AGAIN_REPLY)
                return None
            return await handle_message(sid, data)

        return handle


def _metadata_object(metadata: Any) -> Dict[Text, Any]:
    """The client's metadata as a dict: Rasa also accepts it as a JSON string; anything
    that is not an object carries nothing a message needs."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}
