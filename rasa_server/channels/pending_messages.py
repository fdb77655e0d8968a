"""Messages that reached a conversation between the customer's turns: an agent's, the rating
question after an agent resolved it, the handoff's timeout offer. The socket.io widget gets them
as they come; a REST client fetches them (GET /webhooks/rest/messages, rasa_server/channels/rest.py)."""

from typing import Any, Dict, List

from rasa.shared.core.constants import ACTION_LISTEN_NAME, IS_EXTERNAL
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, ConversationResumed, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def messages_between_turns(tracker: DialogueStateTracker, since: float = 0.0) -> List[Dict[str, Any]]:
    """The bot messages after the customer's latest turn ended, newer than `since` (a Unix
    time), oldest first, as the REST channel sends messages. A turn ends with the assistant's
    listen; a message written while an agent had the conversation got no turn at all."""
    events = list(tracker.events)
    latest, paused_then, paused = -1, False, False
    for index, event in enumerate(events):
        if isinstance(event, (ConversationPaused, ConversationResumed)):
            paused = isinstance(event, ConversationPaused)
        elif isinstance(event, UserUttered) and not (event.metadata or {}).get(IS_EXTERNAL):
            latest, paused_then = index, paused
    turn_end = latest
    if latest >= 0 and not paused_then:
        turn_end = next(
            (i for i in range(latest + 1, len(events))
             if isinstance(events[i], ActionExecuted) and events[i].action_name == ACTION_LISTEN_NAME),
            latest,
        )
    messages = []
    for event in events[turn_end + 1:]:
        if isinstance(event, BotUttered) and event.timestamp > since:
            message: Dict[str, Any] = {"recipient_id": tracker.sender_id, "text": event.text, "timestamp": event.timestamp}
            if (event.data or {}).get("buttons"):
                message["buttons"] = event.data["buttons"]
            messages.append(message)
    return messages
