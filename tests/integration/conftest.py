"""Real databases for the data-layer and action suites: SQLite and PostgreSQL."""

import pytest

from actions import shop
from actions.db import engine as db_engine
from actions.db.engine import make_engine
from actions.db.models import Base
from actions.db.repository import SqlShopRepository
from harness.postgres import PostgresServer
from harness.local_servers import free_port


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


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


def use_shop_database(monkeypatch, url):
    """Points the action server's lazily created engine at `url`, as COMMERCE_DB_URL does."""
    monkeypatch.setenv("COMMERCE_DB_URL", url)
    db_engine.default_engine.cache_clear()
    shop.shop_repository.cache_clear()


@pytest.fixture
def actions_database(shop_engine, monkeypatch):
    """The actions' repository on the test database; the caches are cleared afterwards."""
    use_shop_database(monkeypatch, shop_engine.url.render_as_string(hide_password=False))
    yield shop_engine
    db_engine.default_engine.cache_clear()
    shop.shop_repository.cache_clear()


def responses(dispatcher):
    """The names of the responses an action sent, in order."""
    return [m["response"] for m in dispatcher.messages]


@pytest.fixture
def unreachable_shop_database(monkeypatch):
    """The actions' database URL points at a loopback port nobody listens on."""
    use_shop_database(monkeypatch, f"postgresql://nobody@127.0.0.1:{free_port()}/shop")
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "10")
    yield
    db_engine.default_engine.cache_clear()
    shop.shop_repository.cache_clear()
