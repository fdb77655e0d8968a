"""Waits until a URL answers 200, for at most N seconds: wait_for_http.py URL SECONDS."""

import sys
import time
import urllib.request


def wait_for(url: str, seconds: float) -> bool:
    """Polls `url` every half second; True once it answers 200, False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    if not wait_for(sys.argv[1], float(sys.argv[2])):
        sys.exit(f"error: {sys.argv[1]} did not answer within {sys.argv[2]} s")
