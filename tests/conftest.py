"""Fixtures shared by the unit and integration suites."""

from typing import Any, Callable, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.config import PROJECT_DIR


@pytest.fixture(autouse=True)
def template_replies(monkeypatch):
    """Replies come from the domain's templates unless a test chooses the generator, so
    response names can be asserted whether or not a generator model has been built."""
    monkeypatch.setenv("GENERATOR_BACKEND", "template")


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
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
    }


def bot_event(text: str) -> Dict[str, Any]:
    return {"event": "bot", "text": text}


def make_tracker(
    events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None, sender_id: str = "test-customer",
    active_loop: Optional[str] = None,
) -> Tracker:
    """A Tracker from events and slots; the latest user event becomes latest_message."""
    user_events = [e for e in events if e["event"] == "user"]
    latest = user_events[-1]["parse_data"] if user_events else {}
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=None,
    )


@pytest.fixture
def tracker_factory() -> Callable[..., Tracker]:
    return make_tracker
