"""The shop data the actions use: one repository per process, called off the event loop."""

import asyncio
import functools
import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from actions import config
from actions.db.repository import ShopRepository, SqlShopRepository
from actions.db.service_desk import ServiceDesk

logger = logging.getLogger(__name__)
Result = TypeVar("Result")


class ShopUnavailable(Exception):
    """The commerce database did not answer in time or failed; the customer gets an apology."""


@functools.lru_cache(maxsize=None)
def shop_repository() -> ShopRepository:
    """The repository of this process; its engine connects on the first query, not here."""
    return SqlShopRepository()


@functools.lru_cache(maxsize=None)
def service_desk() -> ServiceDesk:
    """Handoffs, agents and ratings of this process, on the same engine as the repository."""
    return ServiceDesk()


async def ask_shop(query: Callable[..., Result], *args: Any) -> Result:
    """Runs a repository read in a worker thread, bounded by DB_TIMEOUT_SECONDS.

    A read that runs late is only abandoned: its answer is dropped, and it changes nothing.

    Raises:
        ShopUnavailable: the database failed or was too slow. Only the query name and
            error type are logged: driver messages can quote customer data.
    """
    loop = asyncio.get_running_loop()
    with _failures_reported(query):
        return await asyncio.wait_for(
            loop.run_in_executor(None, functools.partial(query, *args)), config.db_timeout_seconds()
        )


async def change_shop(change: Callable[..., Result], *args: Any) -> Result:
    """Runs a repository change in a worker thread and waits for its real outcome.

    No timer abandons it: a change left running could still commit after the customer heard
    that it failed. The database bounds its waits instead (actions.db.engine.make_engine), so it
    ends committed, and this returns, or rolled back, and this raises.

    Raises:
        ShopUnavailable: the change failed and was rolled back. Logged as in ask_shop.
    """
    loop = asyncio.get_running_loop()
    with _failures_reported(change):
        return await loop.run_in_executor(None, functools.partial(change, *args))


@contextmanager
def _failures_reported(call: Callable[..., Any]) -> Iterator[None]:
    try:
        yield
    except (SQLAlchemyError, OSError, asyncio.TimeoutError) as error:
        logger.error("shop database call %s failed: %s", getattr(call, "__name__", call), type(error).__name__)
        raise ShopUnavailable from error
