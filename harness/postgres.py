"""A throwaway PostgreSQL server on loopback for the test run (Debian's postgresql package)."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List

from harness.local_servers import free_port


def _server_bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found. `make test` installs them "
            "(Debian: apt-get install postgresql)."
        )
    return Path(candidates[-1]).parent


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; `url` points at an empty database."""

    def __init__(self) -> None:
        self.bin_dir = _server_bin_dir()
        self.port = free_port()
        self.work_dir = Path(tempfile.mkdtemp(prefix="shop-pg-"))
        self.data_dir = self.work_dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/shop"

    def _run(self, *args: str) -> None:
        command: List[str] = [str(self.bin_dir / args[0]), *args[1:]]
        # PostgreSQL refuses to run as root, so it runs as the postgres user there.
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.work_dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.work_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -w: pg_ctl returns once the server accepts connections.
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.work_dir / "log"), "-w", "start")
        self.create_database("shop")
        return self

    def create_database(self, name: str) -> str:
        """Creates another empty database on this server and returns its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)
