"""The commerce database engine, created on first use and once per process."""

import math
import warnings
from contextlib import contextmanager
from functools import lru_cache
from typing import ContextManager, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from actions import config

# Execution option of the sessions that change data: on SQLite they take the write lock at BEGIN.
_TAKES_WRITE_LOCK = "brightcart_takes_write_lock"


def make_engine(url: str) -> Engine:
    """Creates an engine for `url` (SQLite or PostgreSQL) with the settings this project relies on.

    Every wait inside the database is bounded by DB_TIMEOUT_SECONDS on the database's side, so a
    change that cannot finish in time fails and is rolled back there, and its caller learns the
    true outcome: SQLite's busy timeout; PostgreSQL's lock and statement timeouts, the connect
    timeout and the wait for a pooled connection.
    """
    timeout = config.db_timeout_seconds()
    if url.startswith("sqlite"):
        return _sqlite_engine(url, timeout)
    milliseconds = max(1, round(timeout * 1000))
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=timeout,
        connect_args={
            "connect_timeout": max(1, math.ceil(timeout)),
            "options": f"-c lock_timeout={milliseconds} -c statement_timeout={milliseconds}",
        },
        future=True,
    )


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    """SQLite usable from the action server's worker threads, with foreign keys enforced and
    transactions that begin when SQLAlchemy begins them.

    pysqlite on its own starts a transaction only at the first INSERT/UPDATE/DELETE, so two
    changes could both read "no refund yet" before either writes. SQLAlchemy's documented
    pysqlite recipe hands BEGIN to the "begin" event instead, where a change's session asks for
    BEGIN IMMEDIATE: it waits for the write lock before its first read, and changes to the
    shop run one after another.
    """
    # SQLite keeps Numeric as a float; Numeric(10, 2) rounds it back to cents on
    # read, which is exact for shop amounts, so the generic warning is noise.
    warnings.filterwarnings("ignore", message="Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, future=True)

    @event.listens_for(engine, "connect")
    def _configure(connection, _record):  # noqa: ANN001 - SQLAlchemy hook
        connection.isolation_level = None  # pysqlite emits no BEGIN of its own
        connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):  # noqa: ANN001 - SQLAlchemy hook
        takes_write_lock = connection.get_execution_options().get(_TAKES_WRITE_LOCK, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if takes_write_lock else "BEGIN")

    return engine


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


def change_scope(engine: Optional[Engine] = None) -> ContextManager[Session]:
    """A session_scope for a change to the shop's data, serialised with every other change.

    SQLite: its transaction takes the database's write lock at BEGIN, waiting up to the busy
    timeout. PostgreSQL: the change itself locks the rows it depends on (SELECT ... FOR UPDATE).
    """
    return session_scope((engine or default_engine()).execution_options(**{_TAKES_WRITE_LOCK: True}))
