"""Domain, rules and actions agree on names."""

import importlib
import pkgutil

import yaml
from rasa_sdk import Action

import actions
from actions.conversation import ORDER_REQUEST_INTENTS
from actions.db.repository import ORDER_CHANGES
from actions.generation.acts import ACTS
from actions.order_changes import CHANGE_DETAIL_SLOTS, CHANGE_KINDS, REQUEST_CHANGES
from actions.orders import ANSWERS
from actions.config import PROJECT_DIR


def test_every_order_request_starts_the_form():
    rules = yaml.safe_load((PROJECT_DIR / "data" / "rules.yml").read_text())["rules"]
    activation = next(r for r in rules if r["rule"] == "Activate order_request_form")
    assert {step["intent"] for step in activation["steps"][0]["or"]} == set(ORDER_REQUEST_INTENTS)


def test_every_order_request_has_exactly_one_answer():
    assert set(ANSWERS) | set(REQUEST_CHANGES) == set(ORDER_REQUEST_INTENTS)
    assert not set(ANSWERS) & set(REQUEST_CHANGES)


def test_the_form_lists_every_change_detail(domain):
    required = domain["forms"]["order_request_form"]["required_slots"]
    details = {slot for slots in CHANGE_DETAIL_SLOTS.values() for slot in slots}
    assert details | {"order_id", "order_contact", "change_confirmed", "switch_confirmed"} == set(required)


def test_every_change_kind_is_decided_by_the_repository_and_told_with_known_responses(domain):
    assert set(CHANGE_KINDS) == set(ORDER_CHANGES)
    for kind in CHANGE_KINDS.values():
        assert kind.confirmation in domain["responses"]
        assert kind.done_act in ACTS
        assert set(kind.details) <= set(domain["slots"])
    # The detail asked again when it cannot be confirmed has its own message.
    assert "utter_invalid_change_quantity" in domain["responses"]


def test_every_form_slot_has_a_question(domain):
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in domain["responses"] or f"action_ask_{slot}" in domain["actions"]


def test_every_custom_action_is_declared_in_the_domain(domain):
    for module in pkgutil.walk_packages(actions.__path__, "actions."):
        importlib.import_module(module.name)
    names = set()
    stack = list(Action.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("actions."):
            names.add(cls().name())
    assert names and names <= set(domain["actions"])
