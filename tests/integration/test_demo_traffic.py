"""`make demo-traffic` then `make report`: conversations played against the real servers on the
demo shop show up in the report with every kind of customer in it."""

import csv
import os
import subprocess
import sys

import pytest

from actions.config import PROJECT_DIR
from harness.local_servers import Assistant
from tests.integration.live import page_server
from scripts.seed_db import seed

CONVERSATIONS = 12  # twice the kinds of customer: each plays at least once


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("demo-traffic")
    seed(f"sqlite:///{work_dir / 'shop.db'}")
    running = Assistant(work_dir, f"sqlite:///{work_dir / 'shop.db'}").start()
    with page_server(work_dir, running.url, env=running.env) as page_url:
        running.console_url = page_url.rstrip("/")
        yield running
    running.stop()


def run_module(module: str, *arguments: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *arguments], cwd=PROJECT_DIR, capture_output=True, text=True,
        timeout=900, env=env or dict(os.environ),
    )


def test_played_conversations_fill_the_report(assistant, tmp_path):
    played = run_module(
        "scripts.demo_traffic", "--url", assistant.url, "--console-url", assistant.console_url,
        "--conversations", str(CONVERSATIONS), env=assistant.env,
    )
    assert played.returncode == 0, played.stderr
    assert f"Played {CONVERSATIONS} conversations" in played.stdout

    reported = run_module("scripts.service_report", "--out", str(tmp_path), env=assistant.env)
    assert reported.returncode == 0, reported.stderr
    with (tmp_path / "summary.csv").open() as file:
        summary = {metric: value for metric, value in list(csv.reader(file))[1:]}
    with (tmp_path / "intents.csv").open() as file:
        intents = {intent for intent, _ in list(csv.reader(file))[1:]}
    assert int(summary["conversations"]) == CONVERSATIONS
    # the handoff and complaint customers were handed over; the gibberish fell back
    assert 0 < float(summary["handoff rate"]) < 1 and float(summary["fallback rate (turns)"]) > 0
    assert float(summary["response time p95 (s)"]) > 0
    assert {"track_order", "contact_human_agent", "complaint"} <= intents
    # the demo agent took handoffs and answered; customers rated
    # the shop keeps whole seconds, and the demo agent answers at once
    assert int(summary["handoffs an agent took"]) >= 1 and float(summary["time to first agent reply p50 (s)"]) >= 0
    assert int(summary["ratings"]) >= 1 and 1 <= float(summary["CSAT average (1-5)"]) <= 5


def test_an_assistant_that_is_not_running_is_said_plainly(tmp_path):
    played = run_module("scripts.demo_traffic", "--url", "http://127.0.0.1:9", "--conversations", "1")
    assert played.returncode == 1 and "did not answer" in played.stderr and "Traceback" not in played.stderr
