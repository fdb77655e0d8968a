"""One prebuilt validator gives the verdicts and errors of Rasa's jsonschema.validate call."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import channels  # noqa: F401  (what the Rasa server imports with credentials.yml)
from channels.action_response_check import validate_action_result

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


def test_the_rasa_server_uses_the_prebuilt_validator():
    assert RemoteAction._validate_action_result is validate_action_result


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
