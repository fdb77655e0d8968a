"""Client messages that start with "/" are Rasa's intent syntax ("/inform{...}", "/restart"),
which skips NLU and can set entities. A client may send one only as the payload of a button the
assistant offered in its latest reply; any other is read as plain text, without its slashes."""

from typing import Any, Awaitable, Callable, Optional, Set

from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint

from rasa_server.channels.user_text import EMPTY_MESSAGE_REPLY

INTENT_PREFIX = "/"


def offered_payloads(tracker: Optional[DialogueStateTracker]) -> Set[str]:
    """The payloads of the buttons in the assistant's replies since the customer's last message."""
    payloads: Set[str] = set()
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons = [button for button in (event.data or {}).get("buttons") or [] if isinstance(button, dict)]
            payloads.update(button["payload"] for button in buttons if isinstance(button.get("payload"), str))
    return payloads


class ServerTrackerStore:
    """The tracker store of the Rasa server a channel's blueprint runs in, known once it starts."""

    def __init__(self) -> None:
        self._app: Any = None

    def listen_on(self, blueprint: Blueprint) -> None:
        blueprint.listener("before_server_start")(self._remember_server)

    async def _remember_server(self, app: Any, _loop: Any) -> None:
        self._app = app

    def __call__(self) -> TrackerStore:
        return self._app.ctx.agent.tracker_store


def with_offered_payloads_only(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], tracker_store: Callable[[], TrackerStore]
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps a channel's message handler (behind the text cleaning) so that only offered
    button payloads keep their intent syntax."""

    async def handle(message: UserMessage) -> Any:
        if message.text.startswith(INTENT_PREFIX):
            tracker = await tracker_store().retrieve(message.sender_id)
            if message.text not in offered_payloads(tracker):
                message.text = message.text.lstrip(INTENT_PREFIX).strip()
                if not message.text:
                    await message.output_channel.send_text_message(message.sender_id, EMPTY_MESSAGE_REPLY)
                    return None
        return await on_new_message(message)

    return handle
