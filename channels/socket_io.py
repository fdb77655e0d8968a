"""socket.io channel whose messages are cleaned like every other channel's."""

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput as RasaSocketIOInput

from channels.user_text import with_clean_text


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel (same path, /socket.io) with cleaned user text."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        return super().blueprint(with_clean_text(on_new_message))
