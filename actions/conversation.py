"""Reading the conversation history the action server receives with each tracker."""

from typing import Iterator, Optional, Text

from rasa_sdk import Tracker


def user_intents_newest_first(tracker: Tracker) -> Iterator[Optional[Text]]:
    """Yields the intent name of each customer message, the latest message first."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            yield (event.get("parse_data") or {}).get("intent", {}).get("name")
