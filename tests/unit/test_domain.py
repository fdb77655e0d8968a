"""Domain, rules and actions agree on names."""

import yaml

from actions.orders import ORDER_REQUEST_INTENTS
from tests.conftest import PROJECT_DIR


def test_every_order_request_starts_the_form():
    rules = yaml.safe_load((PROJECT_DIR / "data" / "rules.yml").read_text())["rules"]
    activation = next(r for r in rules if r["rule"] == "Activate order_lookup_form")
    assert {step["intent"] for step in activation["steps"][0]["or"]} == set(ORDER_REQUEST_INTENTS)


def test_the_form_asks_for_each_of_its_slots(domain):
    for slot in domain["forms"]["order_lookup_form"]["required_slots"]:
        assert f"utter_ask_{slot}" in domain["responses"]
