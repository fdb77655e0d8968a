"""Serves the chat page, web/ with its npm packages, over HTTP: serve_web.py [--port 8080] [--bind ADDRESS]."""

import argparse
import functools
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[1] / "web"


class PageRequestHandler(SimpleHTTPRequestHandler):
    """Static files from web/, logged without their query: a demo URL can carry a shop token."""

    def log_request(self, code="-", size="-") -> None:
        status = getattr(code, "value", code)  # an HTTPStatus, or "-"
        self.log_message('"%s %s" %s', self.command, urllib.parse.urlsplit(self.path).path, status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bind", default="0.0.0.0", help="address to listen on (default: all, like the Rasa server)")
    args = parser.parse_args()
    handler = functools.partial(PageRequestHandler, directory=str(WEB_DIR))
    with ThreadingHTTPServer((args.bind, args.port), handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass  # stopped by the caller (Ctrl+C, or SIGINT from the tests)


if __name__ == "__main__":
    main()
