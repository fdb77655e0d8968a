"""Hostile input: arbitrary text, numbers, unicode, huge values, lists, dicts and None in every
slot of order_request_form and in every slot and message an action gets. Every turn is answered
(a response or valid events) and nothing raises.

In-process against the real action classes and a real SQLite test shop, then a smaller run
against the real action server over HTTP (no 5xx).
"""

import asyncio
import datetime as dt
import logging
from typing import Any, Dict, List

import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions import clock
from actions.conversation import ORDER_REQUEST_INTENTS
from actions.forms.order_request_form import ValidateOrderRequestForm
from actions.identity import VERIFIED_AT_SLOT
from actions.config import PROJECT_DIR
from harness.local_servers import REPLY_LIMIT_SECONDS, action_server, free_port, server_env
from tests.conftest import make_tracker, user_event
from tests.integration.live import fill_new_shop
from tests.shop_factory import add_customer, add_order, add_product

DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
FORM_SLOTS = DOMAIN["forms"]["order_request_form"]["required_slots"]
ALL_SLOTS = list(DOMAIN["slots"]) + ["requested_slot"]
ACTIONS = DOMAIN["actions"]
INTENTS = DOMAIN["intents"] + ["nlu_fallback", None]
EMAIL = "ida.sommer@example.com"
ORDER_ID = 100001
FRESH_PROOF = clock.now().isoformat()
EXPIRED_PROOF = (clock.now() - dt.timedelta(hours=2)).isoformat()

# Values a customer could make NLU produce, and near misses, so that examples reach verified
# orders, the change questions and expired proofs.
REAL_LOOKING = [
    str(ORDER_ID), f"#{ORDER_ID}", "ORD-100001", "100\u200b001", "(100001)", str(ORDER_ID + 1), "999999", EMAIL,
    EMAIL.upper(), "+49 151 55501234", "Lindenstrasse 12", "10115", "Berlin", "Germany", "Barista coffee grinder",
    "3", "0", "arrived damaged", True, False, 0, 3, FRESH_PROOF, EXPIRED_PROOF, "2026-13-45T99:00:00",
    "2026-11-20T12:00:00+05:00",
]
NASTY_TEXT = [
    "", " ", "\u200b", "\ufeff#100001", "٤٨٢٩١٣", "１００００１", "²²²²²²", "' OR '1'='1", "1; DROP TABLE orders",
    "/restart", '/inform{"order_id": "100001"}', "{order_id}", "%s%s%s", "\x00", "\ud7ff\ue000", "🙂" * 50,
]
# Huge values, built when drawn so that failure reports stay short.
HUGE_TEXT = st.sampled_from([("a@", 4000), ("9", 10000), ("#1", 3000), ("Ω", 5000), ("100001 ", 2000)]).map(
    lambda part_and_count: part_and_count[0] * part_and_count[1]
)
TEXT = st.text() | st.sampled_from(NASTY_TEXT) | HUGE_TEXT
LEAF = (
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | TEXT
)
# What survives JSON: the shape of anything the Rasa server could send in a slot.
VALUE = st.recursive(
    LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
SLOT_VALUE = st.sampled_from(REAL_LOOKING) | VALUE


def mostly(realistic):
    """`realistic` three times in four, else anything: so that examples get past the first checks."""
    return st.integers(min_value=0, max_value=3).flatmap(lambda n: VALUE if n == 0 else realistic)


# Per form slot, what customers type there (right and wrong), to reach verified orders and changes.
TYPICAL = {
    "order_id": [str(ORDER_ID), str(ORDER_ID + 1), f"#{ORDER_ID}", "ORD-100002", "999999"],
    "order_contact": [EMAIL, EMAIL.upper(), "+49 151 55501234", "x@example.com", "my email is " + EMAIL],
    "refund_reason": ["arrived damaged", "no"],
    "shipping_street": ["Lindenstrasse 12", "12"],
    "shipping_postcode": ["10115", "SW1A 1AA", "1"],
    "shipping_city": ["Berlin", "B3rlin"],
    "shipping_country": ["Germany", "United Kingdom", "Mars"],
    "change_item": ["Barista coffee grinder", "the grinder", "a tv"],
    "change_quantity": ["3", "remove it", "99"],
    "change_confirmed": [True, False],
    "switch_confirmed": [True, False],
}
# What earlier turns left: often a verified order, sometimes expired, in the middle of a change.
EARLIER_FORM_SLOTS = st.fixed_dictionaries({}, optional={
    **{slot: mostly(st.sampled_from(values)) for slot, values in TYPICAL.items()},
    VERIFIED_AT_SLOT: mostly(st.sampled_from([FRESH_PROOF, EXPIRED_PROOF])),
    "verification_failures": mostly(st.sampled_from([0, 1, 2, 3])),
    # Another request asked for in the middle of a change, waiting for "shall I drop it?".
    "switch_to": mostly(st.sampled_from(["track_order", "get_invoice"])),
})
# Where the conversation stands: nothing yet, an order number, or a proof (fresh or expired).
STAGES = st.sampled_from([
    {},
    {"order_id": str(ORDER_ID)},
    {"order_id": str(ORDER_ID), "order_contact": EMAIL, VERIFIED_AT_SLOT: FRESH_PROOF},
    {"order_id": str(ORDER_ID + 1), "order_contact": EMAIL, VERIFIED_AT_SLOT: FRESH_PROOF},
    {"order_id": str(ORDER_ID), "order_contact": EMAIL, VERIFIED_AT_SLOT: EXPIRED_PROOF},
])
FORM_TURN = st.sampled_from(FORM_SLOTS).flatmap(
    lambda slot: st.tuples(st.just(slot), st.sampled_from(TYPICAL[slot]) | VALUE)
)
ORDER_INTENTS = list(ORDER_REQUEST_INTENTS) + ["inform", "affirm", "deny", "nlu_fallback"]
IN_PROCESS = settings(
    max_examples=150, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fill_shop(session) -> None:
    ida = add_customer(session, name="Ida Sommer", email=EMAIL, phone="+4915155501234")
    grinder = add_product(session, name="Barista coffee grinder")
    add_order(session, ida, "paid", products=[grinder], order_id=ORDER_ID)
    add_order(session, ida, "delivered", products=[grinder], order_id=ORDER_ID + 1)


@pytest.fixture
def hostile_shop(actions_database):
    fill_new_shop(actions_database.url.render_as_string(hide_password=False), fill_shop)
    return actions_database


def tracker_state(slots: Dict[str, Any], text: Any, intent: Any, entities: Any, metadata: Any) -> Dict[str, Any]:
    """A tracker as the Rasa server sends it, with `slots` set in this turn and hostile message parts."""
    parse_data = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities,
                  "metadata": metadata}
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": parse_data},
              *({"event": "slot", "name": name, "value": value} for name, value in slots.items())]
    return {"sender_id": "hostile", "slots": slots, "latest_message": parse_data, "events": events, "paused": False,
            "followup_action": None, "active_loop": {"name": "order_request_form"},
            "latest_action_name": "action_listen"}


def assert_answered(result: Dict[str, Any]) -> None:
    assert isinstance(result["events"], list) and isinstance(result["responses"], list)
    assert all(isinstance(event, dict) and event.get("event") for event in result["events"])
    assert result["responses"] or result["events"]


def failures_logged(caplog) -> List[str]:
    """Error records of the actions' own last line of defence (an error the code did not expect)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and "failed with" in r.getMessage()]


# --- in-process: the real classes on a real SQLite shop ---

@pytest.mark.parametrize("shop_engine", ["sqlite"], indirect=True)
@IN_PROCESS
@given(
    candidates=st.lists(FORM_TURN, min_size=1, max_size=3).map(dict),
    stage=STAGES,
    earlier=EARLIER_FORM_SLOTS,
    text=TEXT | st.sampled_from(REAL_LOOKING[:12]),
    intent=st.sampled_from(ORDER_INTENTS),
    requested=st.sampled_from(FORM_SLOTS + [None]),
)
def test_any_value_in_any_form_slot_is_answered(hostile_shop, domain, caplog, candidates, stage, earlier, text,
                                                intent, requested):
    caplog.clear()
    events = [user_event(text, intent), *({"event": "slot", "name": n, "value": v} for n, v in candidates.items())]
    tracker = make_tracker(events, slots={**earlier, **stage, "requested_slot": requested, **candidates})
    dispatcher = CollectingDispatcher()
    returned = asyncio.run(ValidateOrderRequestForm().run(dispatcher, tracker, domain))
    assert_answered({"events": returned, "responses": dispatcher.messages})
    assert failures_logged(caplog) == []


# Defects this test found in actions of other features, reported to their owners. Not run (a
# failing example takes a minute to shrink); the marks go when the fixes land.
@pytest.mark.parametrize("shop_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("action", [
    name for name in ACTIONS
])
@settings(IN_PROCESS, max_examples=60)
@given(
    stage=STAGES,
    slots=st.dictionaries(st.sampled_from(ALL_SLOTS), SLOT_VALUE, max_size=8),
    text=TEXT,
    intent=st.sampled_from(INTENTS),
    entities=st.lists(st.fixed_dictionaries({"entity": st.sampled_from(DOMAIN["entities"]), "value": SLOT_VALUE}),
                      max_size=3),
    metadata=st.none() | st.fixed_dictionaries({"customer_id": VALUE}),
)
def test_every_action_answers_anything(hostile_shop, domain, caplog, action, stage, slots, text, intent, entities,
                                       metadata):
    caplog.clear()
    executor = ActionExecutor()
    executor.register_package("actions")
    call = {"next_action": action, "sender_id": "hostile", "version": "3.6.2", "domain": domain,
            "tracker": tracker_state({**stage, **slots}, text, intent, entities, metadata)}
    assert_answered(asyncio.run(executor.run(call)))
    assert failures_logged(caplog) == []


# --- over HTTP: the real action server ---

@pytest.fixture(scope="module")
def action_server_on_test_shop(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("hostile-input")
    shop_url = f"sqlite:///{work_dir / 'shop.db'}"
    fill_new_shop(shop_url, fill_shop)
    port = free_port()
    env = server_env(port, shop_url, f"sqlite:///{work_dir / 'conversations.db'}", "template")
    server = action_server(port, env, work_dir)
    server.start()
    yield f"http://127.0.0.1:{port}/webhook", env["ACTION_SERVER_TOKEN"], server.log
    server.stop()


# JSON has no NaN or infinity, and its keys are text: what an HTTP client can send at all. A well-formed
# call is always answered 200 (never 5xx), with a reply.
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    action=st.sampled_from(ACTIONS),
    stage=STAGES,
    slots=st.dictionaries(st.sampled_from(ALL_SLOTS), SLOT_VALUE, max_size=8),
    text=TEXT.filter(lambda t: "\x00" not in t),
    intent=st.sampled_from(INTENTS),
)
def test_the_action_server_never_fails_a_call(action_server_on_test_shop, action, stage, slots, text, intent):
    url, token, log = action_server_on_test_shop
    call = {"next_action": action, "sender_id": "hostile", "version": "3.6.2", "domain": DOMAIN,
            "tracker": tracker_state({**stage, **slots}, text, intent, [], None)}
    reply = requests.post(url, json=call, headers={"Authorization": f"Bearer {token}"}, timeout=REPLY_LIMIT_SECONDS)
    assert reply.status_code == 200, reply.text[:200]
    assert_answered(reply.json())
    # Answered by the action itself, not by a safety net catching what it raised.
    assert "failed with" not in log.read_text()
