"""`make help` lists the targets by name, whether or not .env exists yet."""

import os
import subprocess

from actions.config import PROJECT_DIR


def test_help_names_each_target():
    output = subprocess.run(["make", "--no-print-directory", "help"], cwd=PROJECT_DIR, capture_output=True, text=True,
                            check=True, env=dict(os.environ, MAKEFLAGS="")).stdout
    targets = [line.split()[1] for line in output.splitlines() if line.startswith("  make ")]
    assert {"help", "run", "test", "bench", "evaluate", "evaluate-blind"} <= set(targets)
    assert "Makefile" not in targets
