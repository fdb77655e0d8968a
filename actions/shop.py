"""The shop data the actions use: one repository per process, called off the event loop."""

import asyncio
import functools
import logging
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from actions import config
from actions.db.repository import ShopRepository, SqlShopRepository

logger = logging.getLogger(__name__)
Result = TypeVar("Result")


class ShopUnavailable(Exception):
    """The commerce database did not answer in time or failed; the customer gets an apology."""


@functools.lru_cache(maxsize=None)
def shop_repository() -> ShopRepository:
    """The repository of this process; its engine connects on the first query, not here."""
    return SqlShopRepository()


async def ask_shop(query: Callable[..., Result], *args: Any) -> Result:
    """Runs a repository call in a worker thread, bounded by DB_TIMEOUT_SECONDS.

    Raises:
        ShopUnavailable: the database failed or was too slow. Only the query name and
            error type are logged: driver messages can quote customer data.
    """
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(
            loop.run_in_executor(None, functools.partial(query, *args)), config.db_timeout_seconds()
        )
    except (SQLAlchemyError, OSError, asyncio.TimeoutError) as error:
        logger.error("shop database call %s failed: %s", getattr(query, "__name__", query), type(error).__name__)
        raise ShopUnavailable from error
