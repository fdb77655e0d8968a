"""The one start-up entry of every Python process of the project's venv.

`make install` writes a .pth file into the venv's site-packages that calls `start()` when any
of its Python processes starts: each `rasa` command (train, shell, run, run actions, test),
`python -m ...`, pytest. So Rasa's own commands work from the project folder as the Rasa docs
teach them, with nothing exported first:

- the project's .env (the secrets `make` generates into it, and any local settings) is read
  into the environment; a variable the environment already has wins, as with make;
- personal data is masked in everything the process logs (personal_data/log_hook.py);
- when Rasa imports its TensorFlow models (DIET, ResponseSelector, TED), they are loaded for
  prediction only, in half the memory, and called as a graph directly (lean_loading.py);
- when Rasa imports its ResponseSelector, it answers only the messages of retrieval intents
  (response_selection.py);
- when Rasa's RemoteAction is imported (the Rasa server), it gets the cheaper check of
  action-server responses (action_response_check.py).

Nothing heavy is imported here: a process pays for a hook only once it imports what the hook
is about. Standard library only, because the .pth runs before anything else is importable.
"""

import os
from pathlib import Path
from typing import Dict

from personal_data import log_hook

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def start() -> None:
    load_env_file(ENV_FILE)
    log_hook.install()
    log_hook.when_imported("rasa.utils.tensorflow.models", _load_models_for_prediction)
    log_hook.when_imported("rasa.nlu.selectors.response_selector", _answer_only_retrieval_intents)
    log_hook.when_imported("rasa.core.actions.action", _check_action_responses_with_one_validator)


def env_file_assignments(text: str) -> Dict[str, str]:
    """The non-empty `NAME=value` (or `export NAME=value`) lines of a .env text, read as make
    reads them: the value is the rest of the line, quotes and all."""
    assignments = {}
    for line in text.splitlines():
        name, separator, value = line.strip().removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if separator and name.isidentifier() and value:
            assignments[name] = value
    return assignments


def load_env_file(path: Path) -> None:
    if path.is_file():
        for name, value in env_file_assignments(path.read_text()).items():
            os.environ.setdefault(name, value)


def _check_action_responses_with_one_validator(_module) -> None:
    from rasa_server.action_response_check import check_action_responses_with_one_validator

    check_action_responses_with_one_validator()


def _load_models_for_prediction(models) -> None:
    from rasa_server import lean_loading

    lean_loading.install(models)


def _answer_only_retrieval_intents(selectors) -> None:
    from rasa_server import response_selection

    response_selection.install(selectors)
