"""Fixtures shared by the unit and integration suites."""

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The real domain.yml, as the action server receives it."""
    return yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def user_event(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """A user event as it appears in a tracker sent to the action server."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
    }


def bot_event(text: str) -> Dict[str, Any]:
    return {"event": "bot", "text": text}


@pytest.fixture
def tracker_factory() -> Callable[..., Tracker]:
    """Builds a Tracker from events and slots; the latest user event becomes latest_message."""

    def make(events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None) -> Tracker:
        user_events = [e for e in events if e["event"] == "user"]
        latest = user_events[-1]["parse_data"] if user_events else {}
        return Tracker(
            sender_id="test-customer",
            slots=slots or {},
            latest_message=latest,
            events=events,
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name=None,
        )

    return make
