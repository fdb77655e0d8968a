"""Serves the chat page, web/ with its npm packages, over HTTP, with the same security headers
as deploy/nginx, and the agent console (/agent and /insights, their API under /agent/api/, and
its sweep: agent_console/sweep.py):
serve_web.py [--port 8080] [--bind ADDRESS] [--rasa-url URL] [--allow-rasa-url URL ...] [--rasa-api-url URL ...]."""

import argparse
import datetime as dt
import functools
import io
import json
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Dict, List, Optional

from actions import clock, config
from actions.db.failure_limits import FailureLimit
from actions.db.service_desk import ServiceDesk
from agent_console.rasa_api import RasaApi
from agent_console.routes import AgentConsole, Response, error
from agent_console.sweep import ConsoleSweep

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
LOCATION_SCRIPT_PATH = "/assistant-location.js"
# The console's pages, served from web/ under short paths.
PAGES = {"/agent": "/agent.html", "/insights": "/insights.html"}
API_PREFIX = "/agent/api/"
DEFAULT_RASA_URL = "http://localhost:5005"

# As deploy/nginx/assistant.conf.template sends them (tests/security/test_web_exposure.py
# compares the two). The page is never framed, nor does it need camera, microphone and the like.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Everything from this origin; the widget's inline styles; connections to this origin and the
# Rasa servers the page may use. Its @import of a Google web font is refused (works offline).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'{rasa_sources}; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def web_origin(url: str) -> str:
    """The origin ("http://host:port") of an http(s) URL; argparse's check of --rasa-url."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_origins: List[str]) -> str:
    """The page's policy, letting it reach the given Rasa servers over HTTP and WebSocket."""
    sources = [
        source
        for origin in rasa_origins
        for source in (origin, origin.replace("http", "ws", 1))  # http->ws, https->wss
    ]
    return CONTENT_SECURITY_POLICY.format(rasa_sources="".join(f" {source}" for source in sources))


def location_script(rasa_url: str, other_rasa_urls: List[str]) -> bytes:
    """web/assistant-location.js as this server states it (see that file)."""
    location = {"rasaUrl": rasa_url, "otherRasaUrls": other_rasa_urls}
    return f"window.BRIGHTCART_ASSISTANT = {json.dumps(location)};\n".encode()


class PageRequestHandler(SimpleHTTPRequestHandler):
    """Static files from web/ with the security headers, and the Rasa server's location;
    logged without their query, which a page link may carry."""

    def __init__(self, *args, headers: Dict[str, str], location: bytes, console: Optional[AgentConsole], **kwargs):
        # Set before the base class, which handles the request while it initialises.
        self.security_headers, self.location, self.console = headers, location, console
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith(API_PREFIX):
            self._answer_api("GET")
            return
        if path in PAGES:
            self.path = PAGES[path]
        super().do_GET()

    def do_POST(self) -> None:
        self._answer_api("POST")

    def do_DELETE(self) -> None:
        self._answer_api("DELETE")

    def _answer_api(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if not parts.path.startswith(API_PREFIX):
            response = error(405, "this page server only answers the agent console's API")
        elif self.console is None:
            response = error(503, "the agent console is not set up: RASA_JWT_SECRET and AGENT_SESSION_SECRET are missing")
        else:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= 1024 * 1024:
                response = error(413, "request too large")
            else:
                headers = {name.lower(): value for name, value in self.headers.items()}
                query = dict(urllib.parse.parse_qsl(parts.query))
                response = self.console.handle(method, parts.path, headers, self.rfile.read(length), query)
        self._send_json(response)

    def _send_json(self, response: Response) -> None:
        body = response.encoded()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        for name, value in self.security_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def send_head(self) -> Optional[BinaryIO]:
        if urllib.parse.urlsplit(self.path).path != LOCATION_SCRIPT_PATH:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", "application/javascript")
        self.send_header("Content-Length", str(len(self.location)))
        self.end_headers()
        return io.BytesIO(self.location)

    def list_directory(self, path) -> None:
        # As nginx: no listings of web/ and its npm packages.
        self.send_error(404)
        return None

    def log_request(self, code="-", size="-") -> None:
        status = getattr(code, "value", code)  # an HTTPStatus, or "-"
        self.log_message('"%s %s" %s', self.command, urllib.parse.urlsplit(self.path).path, status)


def report_figures(since, until):
    """The report's figures; the tracker store's code (Rasa's) is imported on the first request."""
    from service_quality.collect import figures_between

    return figures_between(since, until)


def agent_console(rasa_api_urls: List[str]) -> Optional[AgentConsole]:
    """The console on the commerce database and the Rasa server's API, if its secrets are set."""
    jwt_secret, session_secret = config.rasa_api_jwt_secret(), config.agent_session_secret()
    if not jwt_secret or not session_secret:
        return None
    return AgentConsole(
        ServiceDesk(), RasaApi(rasa_api_urls, jwt_secret), session_secret, config.agent_session_minutes(), clock.now,
        report_figures,
        FailureLimit(config.agent_sign_in_max_failures(), dt.timedelta(minutes=config.agent_sign_in_block_minutes())),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bind", default="0.0.0.0", help="address to listen on (default: all, like the Rasa server)")
    parser.add_argument(
        "--rasa-url", type=web_origin, default=DEFAULT_RASA_URL,
        help=f"the Rasa server the chat talks to (default: {DEFAULT_RASA_URL})",
    )
    parser.add_argument(
        "--allow-rasa-url", type=web_origin, action="append", default=[], metavar="URL",
        help="another Rasa server a page link may choose with ?rasa_url= (repeatable)",
    )
    parser.add_argument(
        "--rasa-api-url", type=web_origin, action="append", default=[], metavar="URL",
        help="a Rasa server whose HTTP API the agent console uses (repeatable: the first that "
        "answers; default: --rasa-url)",
    )
    args = parser.parse_args()
    console = agent_console(args.rasa_api_url or [args.rasa_url])
    if console is not None:
        handoff_timeout = dt.timedelta(minutes=config.handoff_timeout_minutes())
        ConsoleSweep(console, handoff_timeout, dt.timedelta(minutes=config.agent_away_minutes())).start()
    handler = functools.partial(
        PageRequestHandler,
        directory=str(WEB_DIR),
        headers={
            **SECURITY_HEADERS,
            "Content-Security-Policy": content_security_policy([args.rasa_url, *args.allow_rasa_url]),
        },
        location=location_script(args.rasa_url, args.allow_rasa_url),
        console=console,
    )
    with ThreadingHTTPServer((args.bind, args.port), handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass  # stopped by the caller (Ctrl+C, or SIGINT from the tests)


if __name__ == "__main__":
    main()
