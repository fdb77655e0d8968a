"""The Rasa server checks every action-server response with one prebuilt schema validator.

Rasa's RemoteAction calls `jsonschema.validate(response, schema)` for each response. That
first checks the schema itself against the JSON Schema 2020-12 meta-schema and builds a new
validator, every time: a quarter of the Rasa server's CPU under `make bench` load (py-spy),
some 30-60 ms per action call on a 2-core CPU. The schema is Rasa's constant, so here it is
checked once per process and one validator of the same draft checks every response, with
the error `jsonschema.validate` would raise (tests/unit/test_action_response_check.py).
"""

from functools import lru_cache
from types import ModuleType
from typing import Any, Dict, Text

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction


@lru_cache(maxsize=1)
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result: True, or the best-matching ValidationError."""
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". The action server's response is not in the format Rasa expects; see "
            "https://rasa.com/docs/rasa/custom-actions"
        )
        raise error
    return True


def install(actions: ModuleType) -> None:
    """Replaces `RemoteAction._validate_action_result` of Rasa's module `actions` (rasa.core.actions.action)."""
    actions.RemoteAction._validate_action_result = validate_action_result
