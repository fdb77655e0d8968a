"""The one start-up entry of every Python process of the project's venv.

`make install` writes a .pth file into the venv's site-packages that calls `start()` when any
of its Python processes starts: each `rasa` command (train, shell, run, run actions, test),
`python -m ...`, pytest. So Rasa's own commands work from the project folder as the Rasa docs
teach them, with nothing exported first:

- the project's .env (the secrets `make` generates into it, and any local settings) is read
  into the environment; a variable the environment already has wins, as with make;
- `rasa run --enable-api` asks for a JWT signed with RASA_JWT_SECRET, which stays off the
  command line (http_api_auth.py);
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

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict

from personal_data import log_hook
from rasa_server import http_api_auth

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
# Rasa's module -> ours, whose `install(module)` hooks into it once Rasa imports it.
HOOKS = {
    "rasa.utils.tensorflow.models": "rasa_server.lean_loading",
    "rasa.nlu.selectors.response_selector": "rasa_server.response_selection",
    "rasa.core.actions.action": "rasa_server.action_response_check",
}


def start() -> None:
    load_env_file(ENV_FILE)
    sys.argv[:] = http_api_auth.with_project_jwt(sys.argv, os.environ.get("RASA_JWT_SECRET"))
    log_hook.install()
    for rasa_module, hook_module in HOOKS.items():
        log_hook.when_imported(rasa_module, _installer(hook_module))


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


def _installer(hook_module: str) -> Callable[[ModuleType], None]:
    def install(module: ModuleType) -> None:
        importlib.import_module(hook_module).install(module)

    return install
