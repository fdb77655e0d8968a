"""The production topology on loopback: PostgreSQL (shop and conversations), Redis, one
action server, several Rasa servers, and nginx in front with the shipped configuration."""

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

from harness.local_servers import (
    MODEL, PROJECT_DIR, Server, action_server, free_port, rasa_server, server_env,
)
from tests.integration.live import fill_new_shop
from harness.postgres import PostgresServer
from harness.redis_server import RedisServer

NGINX_TEMPLATE = PROJECT_DIR / "deploy" / "nginx" / "assistant.conf.template"
# Short enough that a conversation whose process died mid-message is served again soon,
# long enough for any message of this test to finish.
TICKET_LOCK_LIFETIME_SECONDS = 20
# The test plays 8 conversations at once from one address, far faster than customers type:
# a limit of its own, high enough never to answer it 429 (tests/security test the limit).
SCALE_OUT_RATE_LIMIT, SCALE_OUT_RATE_BURST = "1000r/s", 1000


def fill_template(template: str, values: Dict[str, str]) -> str:
    """Replaces ${NAME} for the given names only, as the nginx image's envsubst does;
    nginx's own $variables stay."""
    missing = set(re.findall(r"\$\{(\w+)\}", template)) - set(values)
    if missing:
        raise ValueError(f"no value for {sorted(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda match: values[match.group(1)], template)


def self_signed_certificate(work_dir: Path) -> Tuple[Path, Path]:
    """A fresh certificate for 127.0.0.1 and its key, made with openssl: (certificate, key)."""
    certificate, key = work_dir / "tls-certificate.pem", work_dir / "tls-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


def nginx_server(
    port: int, tls_port: int, rasa_ports: List[int], work_dir: Path, rate_limit: str, rate_burst: int,
    console_port: int,
) -> Server:
    """nginx in the foreground with deploy/nginx/assistant.conf.template as its site: HTTP on
    `port`, HTTPS on `tls_port` with a self-signed certificate (work_dir/tls-certificate.pem),
    at most `rate_limit` ("10r/s") requests per client beyond a burst of `rate_burst`."""
    certificate, key = self_signed_certificate(work_dir)
    site = fill_template(NGINX_TEMPLATE.read_text(), {
        "RASA_SERVERS": " ".join(f"server 127.0.0.1:{rasa_port};" for rasa_port in rasa_ports),
        "AGENT_CONSOLE_SERVER": f"127.0.0.1:{console_port}",
        "NGINX_PORT": f"127.0.0.1:{port}",
        "NGINX_TLS_PORT": f"127.0.0.1:{tls_port}",
        "TLS_CERTIFICATE": str(certificate),
        "TLS_CERTIFICATE_KEY": str(key),
        "WEB_ROOT": str(PROJECT_DIR / "web"),
        "NGINX_ACCESS_LOG": str(work_dir / "access.log"),
        "NGINX_RATE_LIMIT": rate_limit,
        "NGINX_RATE_BURST": str(rate_burst),
    })
    (work_dir / "assistant.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {work_dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, workers would otherwise switch to nobody, who cannot write the temp paths.
    user = "user root;" if os.geteuid() == 0 else ""
    (work_dir / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {work_dir / 'nginx.pid'};
error_log {work_dir / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
{temp_paths}
    include {work_dir / 'assistant.conf'};
}}
""")
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return Server(
        "nginx",
        [binary, "-p", str(work_dir), "-e", str(work_dir / "error.log"), "-c", str(work_dir / "nginx.conf"),
         "-g", "daemon off;"],
        f"http://127.0.0.1:{port}/assistant-location.js",
        dict(os.environ),
        work_dir,
    )


def agent_console_server(page_url: str, rasa_urls: List[str], env: Dict[str, str], work_dir: Path, name: str = "console") -> Server:
    """scripts/serve_web.py with the agent console, calling the Rasa servers' API in the given order."""
    port = free_port()
    api_urls = [argument for url in rasa_urls for argument in ("--rasa-api-url", url)]
    server = Server(
        name,
        [sys.executable, "scripts/serve_web.py", "--bind", "127.0.0.1", "--port", str(port), "--rasa-url", page_url,
         *api_urls],
        f"http://127.0.0.1:{port}/",
        env,
        work_dir,
    )
    server.port = port
    return server


class ScaledOutAssistant:
    """Every part of the production topology as its own process on loopback."""

    def __init__(self, work_dir: Path, rasa_processes: int = 2, model: Path = MODEL):
        self.work_dir = work_dir
        self.postgres = PostgresServer()
        self.redis = RedisServer(work_dir)
        self.model = model
        self.rasa_processes = rasa_processes
        self.nginx_port = free_port()
        self.rasa_servers: List[Server] = []
        self.rasa_names: Dict[str, str] = {}
        self.tracker_store_url = ""
        self.tracker_encryption_key = ""
        self.shop_url = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def start(self, fill_shop: Callable[[Any], Any]) -> Any:
        """Starts everything on a shop that `fill_shop(session)` fills; returns what it returned."""
        if not self.model.exists():
            raise RuntimeError(f"{self.model} is missing: run `make train` (make test does it).")
        self.postgres.start()
        self.shop_url = self.postgres.url
        self.tracker_store_url = self.postgres.create_database("conversations")
        filled = fill_new_shop(self.shop_url, fill_shop)
        self.redis.start()
        actions_port = free_port()
        env = dict(
            server_env(actions_port, self.shop_url, self.tracker_store_url, "template"),
            LOCK_STORE_TYPE="redis", REDIS_HOST="127.0.0.1", REDIS_PORT=str(self.redis.port),
            TICKET_LOCK_LIFETIME=str(TICKET_LOCK_LIFETIME_SECONDS),
            LOG_FORMAT="json",
        )
        # The key the Rasa servers encrypt stored events with, for the test to read them.
        self.tracker_encryption_key = env["TRACKER_ENCRYPTION_KEY"]
        self.actions = action_server(actions_port, env, self.work_dir)
        self.actions.start()
        ports = [free_port() for _ in range(self.rasa_processes)]
        self.rasa_servers = [
            # DEBUG: Rasa then logs every message, which the masking must cover.
            rasa_server(port, self.model, dict(env, LOG_LEVEL="DEBUG"), self.work_dir, name=f"rasa-{number}")
            for number, port in enumerate(ports, start=1)
        ]
        # How nginx's log names them.
        self.rasa_names = {f"127.0.0.1:{port}": server.name for port, server in zip(ports, self.rasa_servers)}
        for server in self.rasa_servers:
            server.launch()
        for server in self.rasa_servers:
            server.wait_until_up()
        self.env = env
        self.rasa_urls = [f"http://127.0.0.1:{port}" for port in ports]
        self.console = agent_console_server(self.url, self.rasa_urls, env, self.work_dir)
        self.console.start()
        self.nginx = nginx_server(
            self.nginx_port, free_port(), ports, self.work_dir, SCALE_OUT_RATE_LIMIT, SCALE_OUT_RATE_BURST,
            self.console.port,
        )
        self.nginx.start()
        return filled

    def logs(self) -> Dict[str, str]:
        """Every server's log by file name."""
        return {path.name: path.read_text(errors="replace") for path in sorted(self.work_dir.glob("*.log"))}

    def server_of_requests(self) -> Dict[str, str]:
        """request id -> name of the Rasa server that answered it, from nginx's access log."""
        upstreams = {}
        for line in (self.work_dir / "access.log").read_text().splitlines():
            entry = json.loads(line)
            # After a failed attempt nginx lists every server it tried; the last one answered.
            address = entry["upstream"].split(",")[-1].strip()
            upstreams[entry["request_id"]] = self.rasa_names.get(address, address)
        return upstreams

    def stop(self) -> None:
        for server in [getattr(self, "nginx", None), getattr(self, "console", None), *self.rasa_servers,
                       getattr(self, "actions", None)]:
            if server:
                server.stop()
        self.redis.stop()
        self.postgres.stop()


@contextmanager
def scaled_out_assistant(work_dir: Path, fill_shop: Callable[[Any], Any], **options) -> Iterator[tuple]:
    """Yields (the running topology, what `fill_shop` returned) and stops every process."""
    topology = ScaledOutAssistant(work_dir, **options)
    try:
        filled = topology.start(fill_shop)
        yield topology, filled
    finally:
        topology.stop()
