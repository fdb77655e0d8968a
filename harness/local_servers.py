"""Starts the real action server and Rasa server on free loopback ports (tests, benchmarks)."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

import requests

from actions.config import PROJECT_DIR

RASA = Path(sys.executable).parent / "rasa"
MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
# The Rasa server's process settings, relative to a checkout.
RASA_SERVER_ENV = Path("scripts") / "rasa_server.env"
STARTUP_LIMIT_SECONDS = 300
REPLY_LIMIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    """Polls `url` until it answers 200; fails early if the process dies."""
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {STARTUP_LIMIT_SECONDS} s:\n{log.read_text()[-3000:]}")


class Server:
    """One server process with its log file."""

    def __init__(self, name: str, args: list, health_url: str, env: Dict[str, str], log_dir: Path,
                 project: Path = PROJECT_DIR):
        self.name, self.args, self.health_url, self.env, self.project = name, args, health_url, env, project
        self.log = log_dir / f"{name}.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.launch()
        self.wait_until_up()

    def launch(self) -> None:
        """Starts the process without waiting for it (several can then load at once)."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.args, cwd=self.project, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_until_up(self) -> None:
        wait_until_up(self.health_url, self.process, self.log)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown handlers run."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# The secrets `make run` generates into .env (scripts/ensure_secrets.py), fresh for each assistant.
SECRET_NAMES = (
    "ACTION_SERVER_TOKEN", "CONVERSATION_ID_SECRET", "TRACKER_ENCRYPTION_KEY", "RASA_JWT_SECRET", "AGENT_SESSION_SECRET",
)
# Where the tests' pages come from; a test serving the chat page adds its own origin.
TEST_ALLOWED_ORIGINS = "http://localhost:8080 http://127.0.0.1:8080"


def server_env(actions_port: int, commerce_db_url: str, tracker_store_url: str, generator_backend: str) -> Dict[str, str]:
    """The environment both servers read (endpoints.yml, actions/config.py), as `make run` sets it."""
    return dict(
        os.environ,
        **{name: secrets.token_urlsafe(32) for name in SECRET_NAMES},
        ALLOWED_ORIGINS=TEST_ALLOWED_ORIGINS,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
        TRACKER_STORE_URL=tracker_store_url,
        COMMERCE_DB_URL=commerce_db_url,
        LOCK_STORE_TYPE="in_memory",
        REDIS_HOST="localhost",
        REDIS_PORT="6379",
        REDIS_PASSWORD="",
        RASA_TELEMETRY_ENABLED="false",
        GENERATOR_BACKEND=generator_backend,
        TF_CPP_MIN_LOG_LEVEL="2",
    )


def action_server(
    port: int, env: Dict[str, str], log_dir: Path, name: str = "actions", project: Path = PROJECT_DIR
) -> Server:
    return Server(
        name,
        [str(RASA), "run", "actions", "--actions", "actions", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        # The action server needs only transformers' tokenizers, not TensorFlow.
        dict(env, USE_TF="0"),
        log_dir,
        project,
    )


def rasa_server_settings(project: Path = PROJECT_DIR) -> Dict[str, str]:
    """The Rasa server's process settings, as `make run` gives them (scripts/rasa_server.env)."""
    lines = (line.strip() for line in (project / RASA_SERVER_ENV).read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def endpoints_file(project: Path) -> Path:
    """The endpoints file that reads every setting from the environment (the servers here run
    on free ports with their own stores). A checkout older than deploy/endpoints.yml (`make
    bench BEFORE=`) read them from endpoints.yml."""
    deploy = project / "deploy" / "endpoints.yml"
    return deploy if deploy.exists() else project / "endpoints.yml"


def http_api_arguments(env: Dict[str, str]) -> List[str]:
    """Rasa's HTTP API for the agent console, as `make run` enables it, when the environment has
    its secret (which the Rasa process adds to its own arguments: rasa_server/http_api_auth.py)."""
    return ["--enable-api"] if env.get("RASA_JWT_SECRET") else []


def rasa_server(
    port: int, model: Path, env: Dict[str, str], log_dir: Path, name: str = "rasa", project: Path = PROJECT_DIR
) -> Server:
    """`rasa run` with REST and socket.io on loopback."""
    return Server(
        name,
        [str(RASA), "run", "--model", str(model), "--port", str(port), "--endpoints", str(endpoints_file(project)),
         # As `make run` starts it: the chat page comes from another origin (port).
         "--interface", "127.0.0.1", "--cors", *env.get("ALLOWED_ORIGINS", TEST_ALLOWED_ORIGINS).split(),
         *http_api_arguments(env)],
        f"http://127.0.0.1:{port}/webhooks/rest/",
        dict(env, **rasa_server_settings(project)),
        log_dir,
        project,
    )


class Assistant:
    """The action server plus the Rasa server with REST and socket.io, on loopback."""

    def __init__(
        self, work_dir: Path, commerce_db_url: str, model: Path = MODEL, generator_backend: str = "template",
        rasa_env: Optional[Dict[str, str]] = None, project: Path = PROJECT_DIR,
    ):
        """Args:
            generator_backend: `template` (default) gives replies whose wording tests can assert.
            rasa_env: extra environment of the Rasa server (e.g. SANIC_WORKERS).
            project: the checkout whose code and settings the servers run (`make bench BEFORE=`).
        """
        if not model.exists():
            raise RuntimeError(f"{model} is missing: run `make train` (make test does it).")
        self.actions_port, self.rasa_port = free_port(), free_port()
        # The test's name of each REST conversation -> the id the server issued for it.
        self.conversation_ids: Dict[str, str] = {}
        self.tracker_db = work_dir / "conversations.db"
        env = server_env(self.actions_port, commerce_db_url, f"sqlite:///{self.tracker_db}", generator_backend)
        # What other servers of this assistant need (the agent console: the secrets, the shop).
        self.env = env
        if project != PROJECT_DIR:
            # Ahead of the venv's .pth, which names this checkout.
            env["PYTHONPATH"] = str(project)
        self.actions = action_server(self.actions_port, env, work_dir, project=project)
        self.rasa = rasa_server(self.rasa_port, model, dict(env, **(rasa_env or {})), work_dir, project=project)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def send(
        self, text: str, sender: Optional[str] = None, metadata: Optional[dict] = None, headers: Optional[dict] = None
    ) -> requests.Response:
        """Posts `text` to the REST channel and returns the HTTP response.

        Args:
            sender: the test's name for the conversation: its first message starts one and
                the id the server issued for it is used from then on. None: a conversation of its own.
        """
        body = {"message": text, **({"metadata": metadata} if metadata is not None else {})}
        if sender in self.conversation_ids:
            body["sender"] = self.conversation_ids[sender]
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json=body, headers=headers or {}, timeout=REPLY_LIMIT_SECONDS
        )
        if sender is not None and "X-Conversation-Id" in response.headers:
            self.conversation_ids.setdefault(sender, response.headers["X-Conversation-Id"])
        return response

    def say(self, text: str, sender: Optional[str] = None) -> List[str]:
        """Sends `text` over the REST channel (see `send`) and returns the texts of the replies."""
        response = self.send(text, sender)
        assert response.status_code == 200, response.text
        return [message.get("text", "") for message in response.json()]

    def start(self) -> "Assistant":
        self.actions.start()
        self.rasa.start()
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()
