"""Attacks on the action server itself: forged action calls from anyone but the Rasa server,
and calls built to make an action fail."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from actions.action_server_guard import failure_answer
from actions.db.engine import make_engine, session_scope
from actions.db.models import Order
from actions.config import PROJECT_DIR
from harness.local_servers import REPLY_LIMIT_SECONDS, action_server, free_port, server_env
from tests.integration.live import fill_new_shop
from tests.shop_factory import add_customer, add_order

EMAIL = "mara.lindqvist@example.com"
ORDER_ID = 640001


def fill_shop(session):
    mara = add_customer(session, name="Mara Lindqvist", email=EMAIL)
    add_order(session, mara, "paid", order_id=ORDER_ID)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("action-server")
    shop_url = f"sqlite:///{work_dir / 'shop.db'}"
    fill_new_shop(shop_url, fill_shop)
    port = free_port()
    server = action_server(port, server_env(port, shop_url, f"sqlite:///{work_dir / 'c.db'}", "template"), work_dir)
    server.start()
    yield server, f"http://127.0.0.1:{port}", shop_url
    server.stop()


def forged_cancellation() -> dict:
    """What a Rasa server would send to cancel ORDER_ID for its verified, confirming customer."""
    user = {"event": "user", "text": "cancel my order",
            "parse_data": {"intent": {"name": "cancel_order", "confidence": 1.0}, "entities": []}}
    tracker = {
        "sender_id": "forged", "paused": False, "followup_action": None, "latest_action_name": None,
        "slots": {"order_id": str(ORDER_ID), "order_contact": EMAIL, "change_confirmed": True},
        "latest_message": user["parse_data"], "active_loop": {},
        "events": [user, {"event": "active_loop", "name": "order_request_form"}],
    }
    return {"next_action": "action_submit_order_request_form", "sender_id": "forged", "tracker": tracker,
            "domain": {}, "version": "3.6.2"}


def order_status(shop_url: str) -> str:
    engine = make_engine(shop_url)
    with session_scope(engine) as session:
        status = session.execute(select(Order.status).where(Order.id == ORDER_ID)).scalar_one()
    engine.dispose()
    return status


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [
    {},
    bearer("guessed-token"),
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer " + "x" * 10000},
], ids=["none", "wrong", "other-scheme", "empty", "huge"])
def test_a_forged_action_call_without_the_token_is_refused_and_changes_nothing(running, headers):
    server, url, shop_url = running
    answer = requests.post(f"{url}/webhook", json=forged_cancellation(), headers=headers, timeout=REPLY_LIMIT_SECONDS)
    assert answer.status_code == 401
    assert EMAIL not in answer.text and str(ORDER_ID) not in answer.text
    assert order_status(shop_url) == "paid"


def test_the_token_sent_as_a_query_parameter_is_refused_too(running):
    server, url, shop_url = running
    token = server.env["ACTION_SERVER_TOKEN"]
    answer = requests.post(f"{url}/webhook?token={token}", json=forged_cancellation(), timeout=REPLY_LIMIT_SECONDS)
    assert answer.status_code == 401
    assert order_status(shop_url) == "paid"


def test_the_action_list_needs_the_token_and_the_health_check_does_not(running):
    server, url, _ = running
    assert requests.get(f"{url}/actions", timeout=REPLY_LIMIT_SECONDS).status_code == 401
    listed = requests.get(f"{url}/actions", headers=bearer(server.env["ACTION_SERVER_TOKEN"]), timeout=REPLY_LIMIT_SECONDS)
    assert listed.status_code == 200 and {"name": "action_submit_order_request_form"} in listed.json()
    assert requests.get(f"{url}/health", timeout=REPLY_LIMIT_SECONDS).json() == {"status": "ok"}


def listening_addresses(pid: int) -> set:
    """The local IPv4/IPv6 addresses the process listens on (from /proc/net/tcp*)."""
    sockets = {Path(f"/proc/{pid}/fd/{fd.name}").readlink().name for fd in Path(f"/proc/{pid}/fd").iterdir()
               if Path(f"/proc/{pid}/fd/{fd.name}").exists()}
    inodes = {name[len("socket:["):-1] for name in sockets if name.startswith("socket:[")}
    addresses = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                addresses.add(fields[1].split(":")[0])
    return addresses


def test_it_listens_on_loopback_only(running):
    server, _, _ = running
    # 0100007F is 127.0.0.1 in /proc's byte order; 00000000 would be every interface.
    assert listening_addresses(server.process.pid) == {"0100007F"}


def test_a_failing_action_is_answered_with_an_apology_not_a_500(running):
    server, url, _ = running
    call = forged_cancellation()
    call["tracker"]["slots"] = ["not", "a", "dict", EMAIL]  # what no Rasa server sends: the action fails on it
    answer = requests.post(f"{url}/webhook", json=call, headers=bearer(server.env["ACTION_SERVER_TOKEN"]),
                           timeout=REPLY_LIMIT_SECONDS)
    assert answer.status_code == 200
    assert answer.json()["responses"], "the customer gets an answer"
    assert EMAIL not in answer.text
    assert EMAIL not in server.log.read_text()


def test_the_answer_to_a_failed_form_validation_clears_what_it_was_validating():
    call = forged_cancellation()
    call["next_action"] = "validate_order_request_form"
    call["tracker"]["events"].append({"event": "slot", "name": "order_contact", "value": EMAIL})
    answer = failure_answer(call)
    assert [r["response"] for r in answer["responses"]] == ["utter_something_went_wrong"]
    assert [(e["name"], e["value"]) for e in answer["events"]] == [("order_contact", None)]


def test_the_answer_to_a_failed_action_is_an_apology_alone():
    answer = failure_answer(forged_cancellation())
    assert answer["events"] == []
    assert [r["response"] for r in answer["responses"]] == ["utter_something_went_wrong"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"tracker": {}}', b"{}"])
def test_a_malformed_action_call_gets_a_400(running, body):
    server, url, _ = running
    answer = requests.post(f"{url}/webhook", data=body, timeout=REPLY_LIMIT_SECONDS,
                           headers={**bearer(server.env["ACTION_SERVER_TOKEN"]), "Content-Type": "application/json"})
    assert answer.status_code == 400


def test_without_a_token_configured_the_action_server_does_not_start(tmp_path):
    env = server_env(free_port(), f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tmp_path / 'c.db'}", "template")
    env["ACTION_SERVER_TOKEN"] = ""  # not env.pop: every process reads .env at start
    started = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "run", "actions", "--actions", "actions", "--port", str(free_port())],
        cwd=PROJECT_DIR, env=dict(env, USE_TF="0"), capture_output=True, text=True, timeout=300,
    )
    assert started.returncode != 0
    assert "ACTION_SERVER_TOKEN is not set" in started.stdout + started.stderr
