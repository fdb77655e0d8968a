"""An order change starts only when NLU is sure of it; anything else passes untouched."""

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from components.request_guard import RequestConfidenceGuard

GUARD = RequestConfidenceGuard({**RequestConfidenceGuard.get_default_config(), "threshold": 0.5,
                                "ambiguity_threshold": 0.2})


def classified(ranking):
    message = Message(data={"text": "..."})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    message.set("intent_ranking", [{"name": name, "confidence": confidence} for name, confidence in ranking],
                add_to_output=True)
    return message


@pytest.mark.parametrize("ranking, asked", [
    ([("cancel_order", 0.9), ("change_order", 0.05)], False),  # sure
    ([("cancel_order", 0.45), ("track_order", 0.1)], True),  # below the threshold
    ([("cancel_order", 0.6), ("change_order", 0.45)], True),  # too close to the runner-up
    ([("return_item", 0.7)], False),  # nothing to be close to
    ([("faq", 0.35), ("check_refund_policy", 0.3)], False),  # a question costs no order
])
def test_only_an_unsure_order_change_becomes_a_fallback(ranking, asked):
    [message] = GUARD.process([classified(ranking)])
    assert (message.get("intent")["name"] == "nlu_fallback") is asked
    if asked:
        # The ranking stays, for the question which of the two was meant.
        assert [entry["name"] for entry in message.get("intent_ranking")] == ["nlu_fallback"] + [n for n, _ in ranking]
        assert message.as_dict_nlu()["intent"]["name"] == "nlu_fallback"
    else:
        assert message.get("intent")["name"] == ranking[0][0]


def test_the_pipeline_runs_the_guard_after_rasas_fallback():
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert names[-2:] == ["FallbackClassifier", "components.request_guard.RequestConfidenceGuard"]
