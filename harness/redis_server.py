"""A throwaway Redis server on loopback for tests and benchmarks (Debian's redis-server package)."""

import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional

import redis

from harness.local_servers import STARTUP_LIMIT_SECONDS, free_port


class RedisServer:
    """redis-server on a free loopback port, nothing persisted."""

    def __init__(self, work_dir: Path):
        self.port = free_port()
        self.work_dir = work_dir
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server not found. `make test` and `make bench` install it (Debian: apt-get install redis-server).")
        with (self.work_dir / "redis.log").open("a") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.work_dir)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start:\n{(self.work_dir / 'redis.log').read_text()}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
