"""The one place the assistant reads its environment: the action server, and the channels
of the Rasa server (this module stays light enough for both to import)."""

import os
import urllib.parse
from pathlib import Path
from typing import List, Optional

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


# --- servers and their secrets (make run generates the secrets into .env) ---
DEFAULT_ACTIONS_HOST = "127.0.0.1"
DEFAULT_WEB_PORT = "8080"


def actions_host() -> str:
    """The address the action server listens on (ACTIONS_HOST): loopback unless a deployment
    puts the Rasa server on another host."""
    return os.environ.get("ACTIONS_HOST") or DEFAULT_ACTIONS_HOST


def action_server_token() -> Optional[str]:
    """The shared secret every request to the action server carries (ACTION_SERVER_TOKEN);
    None when unset, and then the action server refuses to start."""
    return os.environ.get("ACTION_SERVER_TOKEN") or None


def conversation_id_secret() -> Optional[str]:
    """The key the Rasa server signs the conversation ids it issues with (CONVERSATION_ID_SECRET);
    every Rasa process of one assistant needs the same one."""
    return os.environ.get("CONVERSATION_ID_SECRET") or None


def allowed_origins() -> List[str]:
    """The web origins whose pages may talk to the Rasa server (ALLOWED_ORIGINS, separated by
    spaces or commas); default: the chat page of `make run` (WEB_PORT, 8080)."""
    configured = os.environ.get("ALLOWED_ORIGINS")
    if configured:
        return [origin.rstrip("/") for origin in configured.replace(",", " ").split()]
    port = os.environ.get("WEB_PORT") or DEFAULT_WEB_PORT
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


# --- order verification: brute-force limits and expiry ---
def verification_max_failures() -> int:
    """Failed verifications of one order number, or with one email or phone, within
    VERIFICATION_BLOCK_MINUTES that block it for everyone (VERIFICATION_MAX_FAILURES, default 5)."""
    return int(os.environ.get("VERIFICATION_MAX_FAILURES") or 5)


def verification_block_minutes() -> float:
    """The window failures are counted in, and how long a block lasts after the failure that
    caused it (VERIFICATION_BLOCK_MINUTES, default 15)."""
    return float(os.environ.get("VERIFICATION_BLOCK_MINUTES") or 15)


def verification_ttl_minutes() -> float:
    """How long a proof (order number + email or phone) lets the customer see the order before
    they are asked again (VERIFICATION_TTL_MINUTES, default 15)."""
    return float(os.environ.get("VERIFICATION_TTL_MINUTES") or 15)


DEFAULT_PHONE_REGION = "DE"


def phone_region() -> str:
    """The region of phone numbers typed without a country code (SHOP_PHONE_REGION, ISO 3166
    code, default DE): "0176 60632706" is +49 176 60632706 for a German shop."""
    return (os.environ.get("SHOP_PHONE_REGION") or DEFAULT_PHONE_REGION).strip().upper()


# --- conversations at rest: the tracker store's encryption (rasa_server/stores/tracker_store.py) ---
MIN_TRACKER_ENCRYPTION_KEY_LENGTH = 32


def tracker_encryption_key() -> Optional[str]:
    """The secret the tracker store derives its encryption key from (TRACKER_ENCRYPTION_KEY): a
    random string of at least 32 characters, the same for every Rasa process of one assistant
    (make run generates it into .env). None when unset, and then the Rasa server does not start."""
    return os.environ.get("TRACKER_ENCRYPTION_KEY") or None


# --- human handoff and the agent console (agent_console/) ---
def handoff_timeout_minutes() -> float:
    """Minutes a handoff may wait for an agent before the customer is offered a callback or an
    email reply instead (HANDOFF_TIMEOUT_MINUTES, default 10)."""
    return float(os.environ.get("HANDOFF_TIMEOUT_MINUTES") or 10)


def rasa_api_jwt_secret() -> Optional[str]:
    """The secret the agent console signs its calls to the Rasa server's HTTP API with
    (RASA_JWT_SECRET; `rasa run --enable-api` asks for it: rasa_server/http_api_auth.py). make generates it into .env."""
    return os.environ.get("RASA_JWT_SECRET") or None


def agent_session_secret() -> Optional[str]:
    """The secret that signs agents' session cookies (AGENT_SESSION_SECRET, generated by make)."""
    return os.environ.get("AGENT_SESSION_SECRET") or None


def agent_session_minutes() -> float:
    """How long an agent stays signed in (AGENT_SESSION_MINUTES, default 480: a working day)."""
    return float(os.environ.get("AGENT_SESSION_MINUTES") or 480)


def agent_away_minutes() -> float:
    """How long an agent's console may stay silent (closed, or the computer asleep) before the
    conversations they hold go back to their queues (AGENT_AWAY_MINUTES, default 5; the open
    console asks every few seconds)."""
    return float(os.environ.get("AGENT_AWAY_MINUTES") or 5)


def agent_sign_in_max_failures() -> int:
    """Failed sign-ins as one username within AGENT_SIGN_IN_BLOCK_MINUTES that refuse every
    sign-in as it for that long (AGENT_SIGN_IN_MAX_FAILURES, default 5)."""
    return int(os.environ.get("AGENT_SIGN_IN_MAX_FAILURES") or 5)


def agent_sign_in_block_minutes() -> float:
    """The window failed sign-ins are counted in, and how long the block lasts
    (AGENT_SIGN_IN_BLOCK_MINUTES, default 15)."""
    return float(os.environ.get("AGENT_SIGN_IN_BLOCK_MINUTES") or 15)


def socketio_redis_url() -> Optional[str]:
    """Where several Rasa processes share socket.io's rooms, so a message for a conversation
    (an agent's) reaches the customer whichever process holds the connection: the Redis of the
    lock store when LOCK_STORE_TYPE=redis (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD); None for one process."""
    if (os.environ.get("LOCK_STORE_TYPE") or "").strip() != "redis":
        return None
    password = os.environ.get("REDIS_PASSWORD") or ""
    credentials = f":{urllib.parse.quote(password, safe='')}@" if password else ""
    host, port = os.environ.get("REDIS_HOST") or "localhost", os.environ.get("REDIS_PORT") or "6379"
    # db 2: the lock store uses db 1.
    return f"redis://{credentials}{host}:{port}/2"
