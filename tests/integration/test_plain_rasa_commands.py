"""Rasa's own commands as the Rasa docs teach them: `rasa run actions` and `rasa run` in a folder
holding the project's endpoints.yml, credentials.yml, model and BERT weights, with nothing in the
environment but PATH and HOME. The embedded defaults of endpoints.yml and the .env that every
process of the venv reads at start (rasa_server/startup.py) must be all they need."""

import os
import shutil
import socket
from pathlib import Path

import pytest
import requests

from actions.config import PROJECT_DIR
from harness.local_servers import MODEL, RASA, REPLY_LIMIT_SECONDS, Server, free_port

# The action server's port in endpoints.yml and rasa-sdk's default.
ACTIONS_PORT = 5055
PLAIN_ENV = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}


def port_is_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def rasa_folder(tmp_path: Path) -> Path:
    """The files `rasa run` reads from its folder; the model is the one `make train` built, and
    config.yml names its BERT weights relative to the folder."""
    for name in ("endpoints.yml", "credentials.yml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "weights").symlink_to(PROJECT_DIR / "weights")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / MODEL.name).symlink_to(MODEL)
    return tmp_path


def test_rasa_run_and_rasa_run_actions_work_with_nothing_exported(rasa_folder):
    if port_is_taken(ACTIONS_PORT):
        pytest.fail(f"port {ACTIONS_PORT} is in use (make run?); this test starts `rasa run actions` on it")
    rasa_port = free_port()
    actions = Server("actions", [str(RASA), "run", "actions"], f"http://127.0.0.1:{ACTIONS_PORT}/health",
                     PLAIN_ENV, rasa_folder, project=rasa_folder)
    rasa = Server("rasa", [str(RASA), "run", "--port", str(rasa_port)],
                  f"http://127.0.0.1:{rasa_port}/webhooks/rest/", PLAIN_ENV, rasa_folder, project=rasa_folder)
    try:
        actions.start()
        rasa.start()
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        first = requests.post(url, json={"message": "where is my order?"}, timeout=REPLY_LIMIT_SECONDS)
        assert first.status_code == 200 and "order number" in first.text
        sender = first.headers["X-Conversation-Id"]
        # The order number is checked by the form's validation action on the action server,
        # which accepts the Rasa server only with the token from .env.
        second = requests.post(url, json={"sender": sender, "message": "100032"}, timeout=REPLY_LIMIT_SECONDS)
        assert second.status_code == 200 and "email address or phone number" in second.text, second.text
    finally:
        rasa.stop()
        actions.stop()
    # Conversations went to the embedded store, in the folder rasa ran in.
    assert (rasa_folder / "conversations.db").exists()
