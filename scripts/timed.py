"""Runs a command and, if it succeeds, writes its wall time in seconds to a file.

Usage: python -m scripts.timed RECORD_FILE COMMAND [ARGS...]
(make bench reports the recorded `rasa train` times.)
"""

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    record, command = Path(sys.argv[1]), sys.argv[2:]
    started = time.perf_counter()
    returncode = subprocess.call(command)
    if returncode == 0:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{time.perf_counter() - started:.1f}\n")
    return returncode


if __name__ == "__main__":
    sys.exit(main())
