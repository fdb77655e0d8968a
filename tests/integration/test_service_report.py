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
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.config import PROJECT_DIR
from actions.db.engine import make_engine
from actions.db.models import Base
from actions.db.service_desk import ServiceDesk
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
    # a person took over: only the turn before counts (1.0 s); the customer's and the agent's
    # messages while paused, and the rating question after, are not the assistant's turns
    "with agent": started(6)
    + turn("a person please", "contact_human_agent", at(6, 1), actions=["action_hand_off_to_human"], replies=[at(6, 2)])
    + [ConversationPaused(timestamp=at(6, 60)), BotUttered("Anna: Hi", metadata={"agent": "Anna"}, timestamp=at(6, 60)),
       UserUttered("zzz", {"name": "nlu_fallback", "confidence": 0.3}, timestamp=at(6, 70)),
       BotUttered("Anna: Done", metadata={"agent": "Anna"}, timestamp=at(6, 90)), ConversationResumed(timestamp=at(6, 100)),
       ActionExecuted("action_ask_satisfaction", timestamp=at(6, 101)), BotUttered("How did I do?", timestamp=at(6, 101))],
    # no customer message: not a conversation to report on
    "opened only": started(5),
    # before the range
    "october": started(20, month=10) + turn("hi", "greet", at(20, 1, month=10), replies=[at(20, 2, month=10)]),
}

# The team's side in the commerce database (naive local times, as the shop keeps them).
def local(day, seconds, month=11):
    return dt.datetime(2026, month, day, 10) + dt.timedelta(seconds=seconds)


def fill_desk(desk: ServiceDesk) -> None:
    """3 live handoffs in range (2 taken: first replies after 90 and 30 s; 1 left by the
    customer), a complaint and an October handoff that do not count; 3 ratings in range."""
    desk.create_agent("anna", "Anna", "scrypt$x", [], local(1, 0))
    anna = desk.agent("anna").agent_id
    for conversation, day, claim, reply in (("c1", 3, 60, 90), ("c3", 5, 10, 30), ("old", 20, 5, 5)):
        month = 10 if conversation == "old" else 11
        place = desk.queue_handoff(conversation, "help", "orders", "asked", local(day, 0, month))
        desk.claim_handoff(place.reference, anna, local(day, claim, month))
        desk.record_agent_reply(place.reference, anna, local(day, reply, month))
        desk.close_handoff(place.reference, anna, "resolved", local(day, 300, month))
    desk.queue_handoff("c2", "help", "payments", "fallback", local(4, 0))
    desk.cancel_handoff("c2", local(4, 20))
    desk.file_complaint("late", local(4, 0), "c4")
    for conversation, rating, intents, flows, human, day in (
        ("r1", 5, ["greet", "track_order"], ["order_request_form"], False, 2),
        ("r2", 2, ["contact_human_agent"], ["handoff"], True, 3),
        ("r3", 4, ["track_order", "contact_human_agent"], ["order_request_form", "handoff"], True, 5),
        ("r0", 1, ["greet"], [], False, 20),
    ):
        desk.record_rating(conversation, rating, intents, flows, human, local(day, 0, 10 if conversation == "r0" else 11))
    desk.record_rating_comment("r2", "the agent took ages")
    desk.record_rating_comment("r0", "outside the range")


# By hand: 4 conversations with 8 customer turns; 3 handed off; 3 turns fell back; response
# times 0.2 0.3 0.4 0.5 1.0 1.0 1.5 2.0 s: p50 0.75, p95 (linear, rank 6.65) 1.5 + 0.65 * 0.5 = 1.825.
# Team: first replies 90 and 30 s: p50 60, p95 30 + 0.95 * 60 = 87. Ratings 5, 2, 4.
EXPECTED_SUMMARY = {
    "conversations": "4",
    "customer turns": "8",
    "containment (resolved without a human)": f"{1 / 4}",
    "handoff rate": f"{3 / 4}",
    "fallback rate (turns)": f"{3 / 8}",
    "response time p50 (s)": "0.75",
    "response time p95 (s)": "1.825",
    "handoffs to a person": "3",
    "handoffs an agent took": "2",
    "abandoned handoffs (customer left the queue)": "1",
    "time to first agent reply p50 (s)": "60",
    "time to first agent reply p95 (s)": "87",
    "ratings": "3",
    "CSAT average (1-5)": f"{11 / 3}",
    "CSAT with a person involved": "3",
    "CSAT with the assistant only": "5",
    "ratings with a comment": "1",
}
EXPECTED_INTENTS = {"nlu_fallback": "2", "greet": "1", "track_order": "1", "contact_human_agent": "2", "out_of_scope": "1", "complaint": "1"}


@pytest.fixture
def shop_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    fill_desk(ServiceDesk(engine))
    engine.dispose()
    return url


@pytest.fixture
async def filled_store_url(tracker_store_url, monkeypatch):
    """`tracker_store_url` with CONVERSATIONS stored in it, encrypted with KEY."""
    monkeypatch.setenv("TRACKER_ENCRYPTION_KEY", KEY)
    store = EncryptedSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    for sender, events in CONVERSATIONS.items():
        await store.save(DialogueStateTracker.from_events(sender, events))
    store.engine.dispose()
    return tracker_store_url


def report(tmp_path: Path, url: str, *arguments: str, key: str = KEY, shop_url: str = "") -> subprocess.CompletedProcess:
    shop_url = shop_url or f"sqlite:///{tmp_path / 'empty-shop.db'}"
    return subprocess.run(
        [sys.executable, "-m", "scripts.service_report", "--out", str(tmp_path / "report"), *arguments],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TRACKER_STORE_URL": url, "TRACKER_ENCRYPTION_KEY": key, "COMMERCE_DB_URL": shop_url},
    )


def csv_table(path: Path):
    with path.open() as file:
        return [[name, float(average), int(count)] for name, average, count in list(csv.reader(file))[1:]]


def csv_rows(path: Path):
    with path.open() as file:
        return {row[0]: row[1] for row in list(csv.reader(file))[1:]}


def test_the_report_gives_the_figures_worked_out_by_hand(filled_store_url, shop_url, tmp_path):
    done = report(tmp_path, filled_store_url, "--since", SINCE, "--until", UNTIL, shop_url=shop_url)
    assert done.returncode == 0, done.stderr

    summary = csv_rows(tmp_path / "report" / "summary.csv")
    assert summary.keys() == EXPECTED_SUMMARY.keys()
    for metric, value in EXPECTED_SUMMARY.items():
        assert float(summary[metric]) == pytest.approx(float(value)), metric
    assert csv_rows(tmp_path / "report" / "intents.csv") == EXPECTED_INTENTS
    # masked, as customers wrote them
    assert csv_rows(tmp_path / "report" / "fallback_messages.csv") == {"asdfgh": "2", "blah blah l***@example.com": "1"}
    assert (tmp_path / "report" / "intent_mix.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "report" / "csat_distribution.png").read_bytes().startswith(b"\x89PNG")
    assert csv_rows(tmp_path / "report" / "csat_distribution.csv") == {"1": "0", "2": "1", "3": "0", "4": "1", "5": "1"}
    assert csv_table(tmp_path / "report" / "csat_by_intent.csv") == [
        ["contact_human_agent", 3.0, 2], ["track_order", 4.5, 2], ["greet", 5.0, 1]]
    assert csv_table(tmp_path / "report" / "csat_by_flow.csv") == [["handoff", 3.0, 2], ["order_request_form", 4.5, 2]]
    with (tmp_path / "report" / "rating_comments.csv").open() as file:
        assert [row[1:] for row in csv.reader(file)] == [["rating", "comment (masked)"], ["2", "the agent took ages"]]
    assert "lea@example.com" not in done.stdout and "| handoff rate | 0.750 |" in done.stdout


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
