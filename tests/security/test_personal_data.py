"""Personal data only where it is needed: a customer changes the delivery address of two
orders with the real servers, over REST and socket.io, giving an email, a phone number and
new streets. Afterwards not one of them is in clear in the tracker store's database file or
in either server's log (Rasa logging at DEBUG, so every message was logged), and the Rasa
server refuses to run without the key that encrypts the conversations."""

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from actions.db.engine import make_engine, session_scope
from actions.db.models import Order
from harness.local_servers import MODEL, free_port, rasa_server, server_env
from rasa_server.stores.tracker_store import EncryptedSQLTrackerStore, EventCipher
from tests.integration.live import assistant_on_test_shop, socket_turns
from tests.shop_factory import add_customer, add_order

EMAIL, PHONE = "anna.berg@example.com", "+49 151 2345678"
REST_STREET, SOCKET_STREET = "Kastanienallee 7", "Birkenstraße 12"
PAID_ORDER, PACKED_ORDER = 481516, 481517
# Every form the details could take in a file: as typed, without spaces, JSON-escaped.
IN_CLEAR = [
    EMAIL, "anna.berg", PHONE, "+491512345678", "151 2345678", "1512345678", REST_STREET, "Kastanienallee",
    SOCKET_STREET, "Birkenstrasse", "Birkenstra\\u00dfe",
]


def fill_shop(session) -> None:
    anna = add_customer(session, name="Anna Berg", email=EMAIL, phone=PHONE)
    add_order(session, anna, "paid", order_id=PAID_ORDER)
    add_order(session, anna, "packed", order_id=PACKED_ORDER)


@pytest.fixture(scope="module")
def conversations(tmp_path_factory):
    """Both conversations played; yields (assistant, REST replies, socket.io replies)."""
    work_dir = tmp_path_factory.mktemp("personal-data")
    with assistant_on_test_shop(work_dir, fill_shop, rasa_env={"LOG_LEVEL": "DEBUG"}) as (assistant, _):
        rest = [assistant.say(text, "anna") for text in (
            "hi", "i need to change the delivery address on my order", str(PAID_ORDER), EMAIL,
            REST_STREET, "10437", "Berlin", "Germany", "yes", f"you can also call me on {PHONE}",
        )]
        socket = asyncio.run(socket_turns(assistant.url, [
            (f"I want to change the shipping address of order {PACKED_ORDER}", 1, {}), (PHONE, 1, {}),
            (SOCKET_STREET, 1, {}), ("20095", 1, {}), ("Hamburg", 1, {}), ("Germany", 1, {}), ("yes", 1, {}),
        ]))
        yield assistant, work_dir, rest, socket


def shipping_street(assistant, order_id: int) -> str:
    engine = make_engine(assistant.actions.env["COMMERCE_DB_URL"])
    with session_scope(engine) as session:
        street = session.get(Order, order_id).ship_street
    engine.dispose()
    return street


def files_in_clear(paths) -> list:
    return [(path.name, secret) for path in paths for secret in IN_CLEAR
            if secret.encode() in path.read_bytes()]


def test_both_addresses_were_changed_with_masked_confirmations(conversations):
    assistant, _, rest, socket = conversations
    assert "Ka***, 10*** Berlin, Germany" in " ".join(rest[7]) and "Done" in " ".join(rest[8])
    assert "Bi***, 20*** Hamburg, Germany" in socket[5] and "Done" in socket[6]
    assert rest[9], "the phone number got an answer"
    assert shipping_street(assistant, PAID_ORDER) == REST_STREET
    assert shipping_street(assistant, PACKED_ORDER) == SOCKET_STREET
    every_reply = " ".join(" ".join(replies) for replies in rest) + " ".join(socket)
    assert [secret for secret in IN_CLEAR if secret in every_reply] == []


def test_the_tracker_store_keeps_the_conversations_but_no_contact_detail_in_clear(conversations):
    assistant, work_dir, _, _ = conversations
    database_files = sorted(work_dir.glob("conversations.db*"))
    assert files_in_clear(database_files) == []
    assert oct(database_files[0].stat().st_mode & 0o777) == "0o600"
    # The conversations are there, readable with the key.
    engine = sa.create_engine(f"sqlite:///{assistant.tracker_db}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events WHERE type_name = 'user'")).scalars().all()
    engine.dispose()
    cipher = EventCipher(assistant.rasa.env["TRACKER_ENCRYPTION_KEY"])
    texts = " ".join(cipher.decrypt(data) for data in rows)
    assert EMAIL in texts and REST_STREET in texts and "Birkenstra\\u00dfe 12" in texts


def test_no_log_line_of_either_server_has_a_contact_detail_in_clear(conversations):
    _, work_dir, _, _ = conversations
    logs = sorted(work_dir.glob("*.log"))
    assert {path.name for path in logs} >= {"rasa.log", "actions.log"}
    assert files_in_clear(logs) == []
    # Rasa did log the messages (DEBUG), masked.
    rasa_log = (work_dir / "rasa.log").read_text()
    assert all(masked in rasa_log for masked in ("a***@example.com", "+49***", "Ka***", "Bi***"))


def start_failure(tmp_path: Path, tracker_db: Path, key) -> str:
    """The log of a Rasa server started with TRACKER_ENCRYPTION_KEY=`key` (None: unset), which must not come up."""
    env = server_env(free_port(), f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tracker_db}", "template")
    if key is None:
        env["TRACKER_ENCRYPTION_KEY"] = ""  # not env.pop: every process reads .env at start
    else:
        env["TRACKER_ENCRYPTION_KEY"] = key
    server = rasa_server(free_port(), MODEL, env, tmp_path)
    try:
        with pytest.raises(RuntimeError, match="server exited"):
            server.start()
    finally:
        server.stop()
    return server.log.read_text()


def test_the_rasa_server_does_not_run_without_the_encryption_key(tmp_path):
    log = start_failure(tmp_path, tmp_path / "conversations.db", None)
    assert "TRACKER_ENCRYPTION_KEY is not set" in log
    assert not (tmp_path / "conversations.db").exists()


async def test_the_rasa_server_does_not_run_with_a_key_that_cannot_read_the_stored_conversations(
    tmp_path, monkeypatch, conversations
):
    assistant, _, _, _ = conversations
    copy = tmp_path / "conversations.db"
    copy.write_bytes(assistant.tracker_db.read_bytes())
    log = start_failure(tmp_path, copy, "a-different-random-key-of-40-characters!")
    assert "TRACKER_ENCRYPTION_KEY does not decrypt the stored conversations" in log
    # and with the right key the copy reads back
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", assistant.rasa.env["TRACKER_ENCRYPTION_KEY"])
    store = EncryptedSQLTrackerStore(Domain.empty(), host=f"sqlite:///{copy}")
    assert len(list(await store.keys())) == 2
    store.engine.dispose()
