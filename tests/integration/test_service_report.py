"""`make report` (scripts/service_report.py) on a fixed set of conversations in a real encrypted
tracker store (SQLite and PostgreSQL): the figures equal those worked out by hand here, and
bad input gets a clear message."""

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.config import PROJECT_DIR
from rasa_server.stores.tracker_store import EncryptedSQLTrackerStore

KEY = "r" * 16 + "another-random-test-key-of-40-characters"
SINCE, UNTIL = "2026-11-01", "2026-11-10"


def at(day: int, seconds: float, month: int = 11) -> float:
    """Unix time of `seconds` after 10:00 UTC on `day` `month` 2026 (November unless told)."""
    return dt.datetime(2026, month, day, 10, tzinfo=dt.timezone.utc).timestamp() + seconds


def turn(text, intent, asked, *, actions=(), replies=()):
    """A customer message at `asked`, the actions the assistant ran, its replies at the given times."""
    events = [UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=asked)]
    events += [ActionExecuted(name, timestamp=asked + 0.1) for name in actions]
    events += [BotUttered("reply", timestamp=time) for time in replies]
    return events + [ActionExecuted("action_listen", timestamp=replies[-1] if replies else asked)]


def started(day, month=11):
    return [SessionStarted(timestamp=at(day, 0, month)), ActionExecuted("action_listen", timestamp=at(day, 0, month))]


CONVERSATIONS = {
    # answered on its own: response times 0.5 and 1.0 s (the last reply of a turn counts)
    "contained": started(2)
    + turn("hi", "greet", at(2, 1), replies=[at(2, 1.5)])
    + turn("where is my order 100001", "track_order", at(2, 10), replies=[at(2, 10.2), at(2, 11)]),
    # one fallback, then a handoff: 0.3 and 2.0 s
    "handed off": started(3)
    + turn("asdfgh", "nlu_fallback", at(3, 1), actions=["action_handle_nlu_fallback"], replies=[at(3, 1.3)])
    + turn("a human please", "contact_human_agent", at(3, 5), actions=["action_hand_off_to_human"], replies=[at(3, 7)]),
    # two fallbacks (no policy sure, NLU unsure), then a complaint ticket: 0.2, 0.4 and 1.5 s
    "complaint": started(4)
    + turn("blah blah lea@example.com", "out_of_scope", at(4, 1), actions=["action_handle_core_fallback"], replies=[at(4, 1.2)])
    + turn("asdfgh", "nlu_fallback", at(4, 3), actions=["action_handle_nlu_fallback"], replies=[at(4, 3.4)])
    + turn("my parcel arrived broken", "complaint", at(4, 6), actions=["action_open_complaint_ticket"], replies=[at(4, 7.5)]),
    # no customer message: not a conversation to report on
    "opened only": started(5),
    # before the range
    "october": started(20, month=10) + turn("hi", "greet", at(20, 1, month=10), replies=[at(20, 2, month=10)]),
}
# By hand: 3 conversations with 7 customer turns; 2 handed off; 3 turns fell back; response
# times 0.2 0.3 0.4 0.5 1.0 1.5 2.0 s: p50 0.5, p95 (linear) 1.5 + 0.7 * 0.5 = 1.85.
EXPECTED_SUMMARY = {
    "conversations": "3",
    "customer turns": "7",
    "containment (resolved without a human)": f"{1 / 3}",
    "handoff rate": f"{2 / 3}",
    "fallback rate (turns)": f"{3 / 7}",
    "response time p50 (s)": "0.5",
    "response time p95 (s)": "1.85",
}
EXPECTED_INTENTS = {"nlu_fallback": "2", "greet": "1", "track_order": "1", "contact_human_agent": "1", "out_of_scope": "1", "complaint": "1"}


@pytest.fixture
async def filled_store_url(tracker_store_url, monkeypatch):
    """`tracker_store_url` with CONVERSATIONS stored in it, encrypted with KEY."""
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", KEY)
    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    for sender, events in CONVERSATIONS.items():
        await store.save(DialogueStateTracker.from_events(sender, events))
    store.engine.dispose()
    return tracker_store_url


def report(tmp_path: Path, url: str, *arguments: str, key: str = KEY) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts.service_report", "--out", str(tmp_path / "report"), *arguments],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TRACKER_STORE_URL": url, "TRACKER_ENCRYPTION_KEY": key},
    )


def csv_rows(path: Path):
    with path.open() as file:
        return {row[0]: row[1] for row in list(csv.reader(file))[1:]}


def test_the_report_gives_the_figures_worked_out_by_hand(filled_store_url, tmp_path):
    done = report(tmp_path, filled_store_url, "--since", SINCE, "--until", UNTIL)
    assert done.returncode == 0, done.stderr

    summary = csv_rows(tmp_path / "report" / "summary.csv")
    assert summary.keys() == EXPECTED_SUMMARY.keys()
    for metric, value in EXPECTED_SUMMARY.items():
        assert float(summary[metric]) == pytest.approx(float(value)), metric
    assert csv_rows(tmp_path / "report" / "intents.csv") == EXPECTED_INTENTS
    # masked, as customers wrote them
    assert csv_rows(tmp_path / "report" / "fallback_messages.csv") == {"asdfgh": "2", "blah blah l***@example.com": "1"}
    assert (tmp_path / "report" / "intent_mix.png").read_bytes().startswith(b"\x89PNG")
    assert "lea@example.com" not in done.stdout and "| handoff rate | 0.667 |" in done.stdout


def test_a_range_without_conversations_reports_nothing_measured(filled_store_url, tmp_path):
    done = report(tmp_path, filled_store_url, "--since", "2026-12-01", "--until", "2026-12-02")
    assert done.returncode == 0, done.stderr
    summary = csv_rows(tmp_path / "report" / "summary.csv")
    assert summary["conversations"] == "0" and summary["containment (resolved without a human)"] == ""


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--since", "01.11.2026"], "is not a date like"),
        (["--since", "2026-11-05", "--until", "2026-11-05"], "--until must be after --since"),
    ],
)
def test_bad_dates_are_refused_clearly(tmp_path, arguments, message):
    done = report(tmp_path, f"sqlite:///{tmp_path / 'conversations.db'}", *arguments)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_missing_store_or_a_wrong_key_is_said_plainly(filled_store_url, tmp_path):
    missing = report(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 1 and "does not exist yet" in missing.stderr
    assert not (tmp_path / "none.db").exists()

    wrong_key = report(tmp_path, filled_store_url, "--since", SINCE, "--until", UNTIL, key="w" * 56)
    assert wrong_key.returncode == 1 and "does not decrypt" in wrong_key.stderr and "Traceback" not in wrong_key.stderr
