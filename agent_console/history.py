"""A conversation as the agent reads it: who wrote what and when, personal data masked."""

import datetime as dt
from typing import Any, Dict, List

from personal_data.masking import mask_personal_data


def conversation_messages(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The customer's, the assistant's and agents' messages of Rasa tracker events, oldest first."""
    messages = []
    for event in events:
        if not isinstance(event, dict) or event.get("event") not in ("user", "bot"):
            continue
        text = event.get("text")
        if not isinstance(text, str) or not text:
            continue
        metadata = event.get("metadata")
        if event["event"] == "user":
            author = "customer"
        else:
            author = "agent" if isinstance(metadata, dict) and metadata.get("agent") else "assistant"
        timestamp = event.get("timestamp")
        messages.append({
            "from": author,
            "text": mask_personal_data(text),
            "at": dt.datetime.fromtimestamp(timestamp).isoformat(timespec="seconds") if isinstance(timestamp, (int, float)) else None,
        })
    return messages
