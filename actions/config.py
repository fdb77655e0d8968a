"""The one place the assistant reads its environment: the action server, and the channels
of the Rasa server (this module stays light enough for both to import)."""

import os
from pathlib import Path
from typing import Optional

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


# --- reply generation ---
DEFAULT_GENERATOR_MODEL_DIR = PROJECT_DIR / "models" / "generator"


def generator_model_dir() -> Path:
    """Where `make train-generator` saves the GPT-2 and its tokenizer (GENERATOR_MODEL_DIR)."""
    return Path(os.environ.get("GENERATOR_MODEL_DIR") or DEFAULT_GENERATOR_MODEL_DIR)


def generator_backend() -> str:
    """`gpt2` or `template` (GENERATOR_BACKEND); by default gpt2 once a model is built."""
    chosen = (os.environ.get("GENERATOR_BACKEND") or "").strip().lower()
    if chosen in ("gpt2", "template"):
        return chosen
    return "gpt2" if (generator_model_dir() / "config.json").exists() else "template"


def generator_max_tokens() -> int:
    """The longest reply the generator may write, in tokens (GENERATOR_MAX_TOKENS)."""
    return int(os.environ.get("GENERATOR_MAX_TOKENS") or 60)


def generator_timeout_seconds() -> float:
    """How long a reply may take before the template is sent instead (GENERATOR_TIMEOUT_SECONDS)."""
    return float(os.environ.get("GENERATOR_TIMEOUT_SECONDS") or 2)


def generator_seed_or_none() -> Optional[int]:
    """GENERATOR_SEED as an int to sample with that seed; unset means greedy decoding."""
    seed = os.environ.get("GENERATOR_SEED")
    return int(seed) if seed else None


# --- signed-in customers (read by the channels in the Rasa server) ---
DEFAULT_SHOP_JWT_AUDIENCE = "brightcart-assistant"


def shop_jwt_secret() -> Optional[str]:
    """The HS256 secret the shop signs its customer tokens with (SHOP_JWT_SECRET).

    None when unset: every token is then refused and only anonymous chat works.
    """
    return os.environ.get("SHOP_JWT_SECRET") or None


def shop_jwt_audience() -> str:
    """The `aud` claim a shop token must carry (SHOP_JWT_AUDIENCE)."""
    return os.environ.get("SHOP_JWT_AUDIENCE") or DEFAULT_SHOP_JWT_AUDIENCE


# --- logs (both servers) ---
def log_format() -> str:
    """`json` for one JSON object per line (LOG_FORMAT=json), else `text` (Rasa's format)."""
    return "json" if (os.environ.get("LOG_FORMAT") or "").strip().lower() == "json" else "text"


# --- conversation retention (scripts/forget_conversations.py) ---
def tracker_store_url() -> str:
    """The tracker store's SQLAlchemy URL (TRACKER_STORE_URL), as endpoints.yml reads it;
    default: the embedded conversations.db that `make run` uses."""
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{PROJECT_DIR / 'conversations.db'}"


def conversation_retention_days() -> float:
    """Conversations silent for longer than this are deleted (CONVERSATION_RETENTION_DAYS, default 90)."""
    return float(os.environ.get("CONVERSATION_RETENTION_DAYS") or 90)
