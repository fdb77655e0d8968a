"""socket.io channel (same path, /socket.io, same events as Rasa's) whose conversations are
the server's: a page asks for a session (`session_request`), the server confirms an id it issued
(`session_confirm`: the one the page asked to resume if the server issued it, else a new one),
and every message of that connection belongs to that conversation, whatever the message says.
Pages from other origins than ALLOWED_ORIGINS cannot connect. Messages are cleaned like every
other channel's and carry the shop's signed-in customer only when its token is valid."""

import json
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput as RasaSocketIOInput, SocketIOOutput
from sanic import response
from sanic.request import Request
from socketio import AsyncRedisManager, AsyncServer

from actions import config
from rasa_server.channels.button_payloads import ServerTrackerStore, with_offered_payloads_only
from rasa_server.channels.conversation_ids import check_configured, is_issued, issue_conversation_id
from rasa_server.channels.shop_identity import SIGN_IN_AGAIN_REPLY, InvalidShopToken, signed_in_metadata, token_in
from rasa_server.channels.user_text import with_clean_text


# rasa-webchat sends its `customData` beside the message; Rasa reads only `metadata_key`.
WEBCHAT_METADATA_KEY = "customData"
# The acknowledgement of a message whose replies were all sent.
TURN_DONE = True
NO_SESSION_REPLY = "Your chat session has not started yet. Please reload the page and try again."


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel with server-issued conversations bound to their connection."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        check_configured()
        allowed_origins = set(config.allowed_origins())
        # CORS headers come from the Rasa server (`--cors`), as in Rasa's own channel; the
        # origin check is in `connect` below, as browsers do not hold websockets to CORS.
        redis_url = config.socketio_redis_url()
        # Several processes: rooms are shared through Redis, so an emit reaches every process.
        manager = AsyncRedisManager(redis_url) if redis_url else None
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)
        self.sio = sio
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        trackers = ServerTrackerStore()
        trackers.listen_on(blueprint)
        handle = with_clean_text(with_offered_payloads_only(on_new_message, trackers))
        # The conversation of each connection (socket.io sid); a process knows its own connections.
        conversations: Dict[Text, Text] = {}

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict[Text, Any], auth: Any = None) -> bool:
            # Clients that are not browsers send no Origin; a page from elsewhere is refused.
            origin = environ.get("HTTP_ORIGIN")
            return origin is None or origin.rstrip("/") in allowed_origins

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            conversations.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = requested if is_issued(requested) else issue_conversation_id()
            previous = conversations.get(sid)
            if previous is not None and previous != conversation_id:
                sio.leave_room(sid, previous, namespace=self.namespace)
            conversations[sid] = conversation_id
            # Replies go to the room, so every connection of this conversation (a reloaded page) gets them.
            sio.enter_room(sid, conversation_id, namespace=self.namespace)
            await sio.emit("session_confirm", conversation_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> bool:
            """Returns once every reply to the message was sent: a client that emits with a
            callback (`call`) gets this acknowledgement after the turn's last `bot_uttered`."""
            output_channel = SocketIOOutput(sio, self.bot_message_evt)
            conversation_id = conversations.get(sid)
            if conversation_id is None:
                await output_channel.send_text_message(sid, NO_SESSION_REPLY)
                return TURN_DONE
            data = data if isinstance(data, dict) else {}
            metadata = _metadata_object(data.get(self.metadata_key))
            token = token_in(metadata) or token_in(data.get(WEBCHAT_METADATA_KEY))
            try:
                metadata = signed_in_metadata(metadata, token)
            except InvalidShopToken:
                # To the connection that sent it: the message never reaches the conversation.
                await output_channel.send_text_message(sid, SIGN_IN_AGAIN_REPLY)
                return TURN_DONE
            await handle(
                UserMessage(data.get("message"), output_channel, conversation_id, input_channel=self.name(), metadata=metadata)
            )
            return TURN_DONE

        return blueprint


def _metadata_object(metadata: Any) -> Dict[Text, Any]:
    """The client's metadata as a dict: Rasa also accepts it as a JSON string; anything
    that is not an object carries nothing a message needs."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}
