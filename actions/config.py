"""The one place the action server reads its environment."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# SQLAlchemy URL of the shop's commerce database. Default: the embedded SQLite
# demo shop that `make seed` builds; PostgreSQL: postgresql://USER:PASSWORD@HOST/DB
DEFAULT_COMMERCE_DB_URL = f"sqlite:///{PROJECT_DIR / 'shop.db'}"


def commerce_db_url() -> str:
    """The commerce database URL (COMMERCE_DB_URL), read when the engine is first needed."""
    return os.environ.get("COMMERCE_DB_URL") or DEFAULT_COMMERCE_DB_URL


def db_timeout_seconds() -> float:
    """How long a database call may take before the customer gets an apology (DB_TIMEOUT_SECONDS)."""
    return float(os.environ.get("DB_TIMEOUT_SECONDS") or 5)
