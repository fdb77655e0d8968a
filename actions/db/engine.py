"""The commerce database engine, created on first use and once per process."""

import warnings
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from actions import config


def make_engine(url: str) -> Engine:
    """Creates an engine for `url` with the settings this project relies on.

    SQLite: usable from the action server's worker threads, foreign keys enforced,
    and writers wait for each other instead of failing with "database is locked".
    """
    if url.startswith("sqlite"):
        # SQLite keeps Numeric as a float; Numeric(10, 2) rounds it back to cents on
        # read, which is exact for shop amounts, so the generic warning is noise.
        warnings.filterwarnings("ignore", message="Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, future=True)

        @event.listens_for(engine, "connect")
        def _enforce_foreign_keys(connection, _record):  # noqa: ANN001 - SQLAlchemy hook
            connection.execute("PRAGMA foreign_keys=ON")

        return engine
    return create_engine(url, pool_pre_ping=True, future=True)


@lru_cache(maxsize=None)
def default_engine() -> Engine:
    """The engine for COMMERCE_DB_URL; built on first call, never at import."""
    return make_engine(config.commerce_db_url())


@contextmanager
def session_scope(engine: Optional[Engine] = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls everything back otherwise."""
    session = sessionmaker(bind=engine or default_engine(), future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
