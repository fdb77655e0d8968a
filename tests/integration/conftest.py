"""Real databases for the data-layer and action suites: SQLite and PostgreSQL."""

import pytest

from actions.db.engine import make_engine
from actions.db.models import Base
from actions.db.repository import SqlShopRepository
from tests.integration.postgres import PostgresServer


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
