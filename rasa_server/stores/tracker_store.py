"""The tracker store of endpoints.yml: Rasa's SQL tracker store (SQLite or PostgreSQL) that
keeps every event's data encrypted at rest, and deletes silent conversations daily.

Customers type emails, phone numbers and addresses; Rasa keeps every event as JSON (user
text, entities, slots) in the `data` column of its `events` table. Here that column holds a
Fernet token (AES-128-CBC with HMAC-SHA256) of the JSON instead, with a key derived from
TRACKER_ENCRYPTION_KEY. The columns Rasa queries (sender_id, type_name, timestamp,
intent_name, action_name) stay as they are, so Rasa's own queries, replay and the retention
job work unchanged.

How: Rasa's SQLTrackerStore reads and writes events only through its class attributes `Base`
and `SQLEvent`; this subclass maps the same table with the `data` column typed as encrypted
text, which encrypts on write and decrypts on read. tests/integration/test_tracker_store.py
fails if Rasa stops going through them.
"""

import base64
import functools
import json
import logging
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import make_url
from sqlalchemy.orm import declarative_base

from actions.config import MIN_TRACKER_ENCRYPTION_KEY_LENGTH, conversation_retention_days, tracker_encryption_key
from rasa_server.stores.conversation_retention import DailyRetention

logger = logging.getLogger(__name__)

# Names this use of the secret, so the same string used elsewhere gives another key.
_KEY_PURPOSE = b"brightcart tracker store events v1"
# Rows written before the store encrypted: Rasa's plain JSON objects.
_CLEAR_ROW_START = "{"
_MIGRATION_BATCH = 500


class TrackerEncryptionKeyError(RasaException):
    """TRACKER_ENCRYPTION_KEY is missing, too short, or not the key the stored events were
    written with. (Not an ImportError or AttributeError: for those Rasa would quietly fall
    back to its in-memory tracker store.)"""


class EventCipher:
    """Encrypts and decrypts the events' JSON with a key derived from a secret string."""

    def __init__(self, secret: str):
        if len(secret) < MIN_TRACKER_ENCRYPTION_KEY_LENGTH:
            raise TrackerEncryptionKeyError(
                f"TRACKER_ENCRYPTION_KEY has {len(secret)} characters; it needs at least "
                f"{MIN_TRACKER_ENCRYPTION_KEY_LENGTH} random ones (make run generates one into .env)."
            )
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, data: str) -> str:
        return self._fernet.encrypt(data.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The data of `token`; TrackerEncryptionKeyError if this key did not encrypt it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            raise TrackerEncryptionKeyError(
                "TRACKER_ENCRYPTION_KEY does not decrypt the stored conversations: it must be the key "
                "they were written with, the same for every Rasa process of the assistant."
            ) from None


@functools.lru_cache(maxsize=4)
def _cipher_for(secret: str) -> EventCipher:
    return EventCipher(secret)


def configured_cipher() -> EventCipher:
    """The cipher of TRACKER_ENCRYPTION_KEY (created once per key); fails clearly if it is unset."""
    secret = tracker_encryption_key()
    if secret is None:
        raise TrackerEncryptionKeyError(
            "TRACKER_ENCRYPTION_KEY is not set. The tracker store encrypts conversations with a key "
            f"derived from it: set it to a random string of at least {MIN_TRACKER_ENCRYPTION_KEY_LENGTH} "
            "characters, the same for every Rasa process (make run generates one into .env)."
        )
    return _cipher_for(secret)


def is_clear_row(data: str) -> bool:
    """True for event data written before the store encrypted (plain JSON)."""
    return data.startswith(_CLEAR_ROW_START)


class EncryptedEventData(sa.types.TypeDecorator):
    """Text stored encrypted with TRACKER_ENCRYPTION_KEY's cipher; rows written before the
    store encrypted are read as they are (the store encrypts them when it starts)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Optional[str], dialect: Any) -> Optional[str]:
        return None if value is None else configured_cipher().encrypt(value)

    def process_result_value(self, value: Optional[str], dialect: Any) -> Optional[str]:
        if value is None or is_clear_row(value):
            return value
        return configured_cipher().decrypt(value)


# Rasa's events table, with the data column encrypted.
_PLAIN_EVENTS = SQLTrackerStore.SQLEvent.__table__
_ENCRYPTED_EVENTS = _PLAIN_EVENTS.to_metadata(sa.MetaData())
_ENCRYPTED_EVENTS.c.data.type = EncryptedEventData()


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with the events' data encrypted at rest.

    On start it checks TRACKER_ENCRYPTION_KEY against the stored events, encrypts events
    stored in clear by an earlier version, makes an SQLite file readable by its owner only,
    and with `daily_retention` (endpoints.yml) deletes conversations silent for more than
    CONVERSATION_RETENTION_DAYS once at start and then daily.
    """

    Base: Any = declarative_base(metadata=_ENCRYPTED_EVENTS.metadata)  # built at run time

    class SQLEvent(Base):
        __table__ = _ENCRYPTED_EVENTS

    def __init__(self, *args: Any, daily_retention: bool = False, **kwargs: Any) -> None:
        cipher = configured_cipher()  # before anything is stored
        super().__init__(*args, **kwargs)
        # Before the first event is stored: a new file holds only the empty tables yet.
        _restrict_sqlite_file(self.engine.url)
        self._check_key(cipher)
        self._encrypt_clear_rows(cipher)
        self.retention = DailyRetention(self.engine, conversation_retention_days()).start() if daily_retention else None

    def _check_key(self, cipher: EventCipher) -> None:
        """Fails now, not at a customer's next message, if the key cannot read what is stored."""
        with self.engine.connect() as connection:
            newest = connection.execute(
                sa.select(_PLAIN_EVENTS.c.data)
                .where(sa.not_(_PLAIN_EVENTS.c.data.startswith(_CLEAR_ROW_START)))
                .order_by(_PLAIN_EVENTS.c.id.desc())
                .limit(1)
            ).scalar()
        if newest is not None:
            try:
                cipher.decrypt(newest)
            except TrackerEncryptionKeyError as error:
                raise TrackerEncryptionKeyError(f"{error} (tracker store: {_printable(self.engine.url)})") from None

    def _encrypt_clear_rows(self, cipher: EventCipher) -> None:
        """Encrypts events an earlier version stored in clear. Each row is replaced only if it
        is still in clear, so several processes starting at once do no harm."""
        clear = _PLAIN_EVENTS.c.data.startswith(_CLEAR_ROW_START)
        encrypted = 0
        while True:
            with self.engine.begin() as connection:
                rows = connection.execute(
                    sa.select(_PLAIN_EVENTS.c.id, _PLAIN_EVENTS.c.data).where(clear).limit(_MIGRATION_BATCH)
                ).all()
                for row_id, data in rows:
                    connection.execute(
                        sa.update(_PLAIN_EVENTS)
                        .where(_PLAIN_EVENTS.c.id == row_id, _PLAIN_EVENTS.c.data == data)
                        .values(data=cipher.encrypt(data))
                    )
            encrypted += len(rows)
            if len(rows) < _MIGRATION_BATCH:
                break
        if encrypted:
            logger.info("Encrypted %d event(s) stored in clear by an earlier version.", encrypted)


def _restrict_sqlite_file(url: Any) -> None:
    """Makes an SQLite database file readable and writable by its owner only (SQLite gives its
    journal files the same permissions)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).chmod(0o600)


def _printable(url: Any) -> str:
    return make_url(url).render_as_string(hide_password=True)


def events_of_conversations_started(
    engine: sa.engine.Engine, since: float, until: float
) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(sender id, Rasa's event as a dict) for every stored event of the conversations whose
    first event falls in [since, until) (Unix times), decrypted, in order, one conversation
    after the other."""
    started = (
        sa.select(_ENCRYPTED_EVENTS.c.sender_id)
        .group_by(_ENCRYPTED_EVENTS.c.sender_id)
        .having(sa.func.min(_ENCRYPTED_EVENTS.c.timestamp) >= since)
        .having(sa.func.min(_ENCRYPTED_EVENTS.c.timestamp) < until)
    )
    query = (
        sa.select(_ENCRYPTED_EVENTS.c.sender_id, _ENCRYPTED_EVENTS.c.data)
        .where(_ENCRYPTED_EVENTS.c.sender_id.in_(started))
        .order_by(_ENCRYPTED_EVENTS.c.sender_id, _ENCRYPTED_EVENTS.c.id)
    )
    with engine.connect() as connection:
        for sender_id, data in connection.execute(query):
            yield sender_id, json.loads(data)
