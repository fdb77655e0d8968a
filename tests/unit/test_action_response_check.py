"""One prebuilt validator gives the verdicts and errors of Rasa's jsonschema.validate call."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_server.action_response_check import validate_action_result

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "order_id", "value": "100016", "timestamp": None}],
     "responses": [{"text": "Which email did you order with?", "buttons": [], "custom": {}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
    {},
]
INVALID = [
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": 5, "value": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"responses": "hello"},
]


def test_every_process_of_the_venv_gets_the_prebuilt_validator_at_start():
    """Installed by rasa_server/startup.py when RemoteAction is imported, not by an import of ours."""
    assert RemoteAction._validate_action_result is validate_action_result


async def test_rasa_checks_an_action_servers_response_with_it(monkeypatch):
    """Fails if a Rasa upgrade stops calling `_validate_action_result`: then the hook would
    silently do nothing."""
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def malformed_response(*args, **kwargs):
        return {"events": {"event": "slot"}}

    monkeypatch.setattr(endpoint, "request", malformed_response)
    with pytest.raises(jsonschema.ValidationError, match="format Rasa expects"):
        await RemoteAction("action_x", endpoint).run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("customer", slots=[]), Domain.empty(),
        )


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass_as_with_jsonschema_validate(response):
    jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert validate_action_result(RemoteAction("action_x", None), response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_raise_the_error_jsonschema_validate_raises(response):
    with pytest.raises(jsonschema.ValidationError) as rasa_check:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_action_result(RemoteAction("action_x", None), response)

    assert ours.value.path == rasa_check.value.path
    assert ours.value.validator == rasa_check.value.validator
    assert ours.value.message.startswith(rasa_check.value.message)
    assert "format Rasa expects" in ours.value.message
