"""Fixtures shared by every suite: domain, trackers, and the real commerce databases (SQLite and
PostgreSQL) the data-layer, action and security tests use."""

import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import shop
from actions.config import PROJECT_DIR
from actions.db import engine as db_engine
from actions.db.engine import make_engine
from actions.db.models import Base
from actions.db.repository import SqlShopRepository
from harness.local_servers import free_port
from harness.postgres import PostgresServer


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

@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_store_url(request, tmp_path):
    """The URL of a new, empty tracker store database on each real database engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    return request.getfixturevalue("postgres").create_database(f"conversations_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def shop_engine(request, tmp_path):
    """An empty commerce schema on each real database engine the project supports."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres").url)
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def repository(shop_engine):
    return SqlShopRepository(shop_engine)


def forget_shop_database():
    """Drops the action server's cached engine and repository, so the next call reads COMMERCE_DB_URL.

    The engine is disposed first: its pooled connections would otherwise stay open until the
    session ends, and PostgreSQL refuses clients beyond max_connections."""
    if db_engine.default_engine.cache_info().currsize:
        db_engine.default_engine().dispose()
    db_engine.default_engine.cache_clear()
    shop.shop_repository.cache_clear()
    shop.service_desk.cache_clear()


def use_shop_database(monkeypatch, url):
    """Points the action server's lazily created engine at `url`, as COMMERCE_DB_URL does."""
    monkeypatch.setenv("COMMERCE_DB_URL", url)
    forget_shop_database()


@pytest.fixture
def actions_database(shop_engine, monkeypatch):
    """The actions' repository on the test database; the caches are cleared afterwards."""
    use_shop_database(monkeypatch, shop_engine.url.render_as_string(hide_password=False))
    yield shop_engine
    forget_shop_database()


def responses(dispatcher):
    """The names of the responses an action sent, in order."""
    return [m["response"] for m in dispatcher.messages]


@pytest.fixture
def unreachable_shop_database(monkeypatch):
    """The actions' database URL points at a loopback port nobody listens on."""
    use_shop_database(monkeypatch, f"postgresql://nobody@127.0.0.1:{free_port()}/shop")
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "10")
    yield
    forget_shop_database()
