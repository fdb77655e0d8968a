"""The blind conversation set: loading it, judging each turn's replies and summing up a run."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

BLIND_SET_DIR = Path(__file__).resolve().parent
PATTERNS = (
    "straight", "digression_question", "digression_social", "leave_form", "changed_mind", "correction",
    "two_requests", "several_details", "order_facts", "formats", "no_order_number",
)
# The problems that are never acceptable, whatever the pass rate.
SILENT = "silent"
LOOP = "repeated reply"


@dataclass(frozen=True)
class Turn:
    user: str
    expect_any: Sequence[str] = ()
    expect_all: Sequence[str] = ()
    expect_none: Sequence[str] = ()


@dataclass(frozen=True)
class Conversation:
    id: str
    pattern: str
    turns: Sequence[Turn]


def load_conversations(directory: Path = BLIND_SET_DIR) -> List[Conversation]:
    """Every conversation of the `*.yml` files in `directory`, checked for a known pattern
    and a unique id."""
    conversations = []
    for path in sorted(directory.glob("*.yml")):
        for entry in yaml.safe_load(path.read_text())["conversations"]:
            turns = [
                Turn(str(t["user"]), *(tuple(t.get(key) or ()) for key in ("expect_any", "expect_all", "expect_none")))
                for t in entry["turns"]
            ]
            conversations.append(Conversation(str(entry["id"]), entry["pattern"], turns))
    unknown = {c.pattern for c in conversations} - set(PATTERNS)
    repeated = [i for i, n in Counter(c.id for c in conversations).items() if n > 1]
    if unknown or repeated:
        raise ValueError(f"unknown patterns {sorted(unknown)}, repeated ids {repeated}")
    return conversations


def turn_problems(turn: Turn, replies: Sequence[str]) -> List[str]:
    """What is wrong with the replies to `turn` (nothing: the turn passed)."""
    texts = [reply for reply in replies if reply.strip()]
    if not texts:
        return [SILENT]
    problems = [LOOP] if len(set(texts)) < len(texts) else []
    answer = " ".join(texts).lower()
    if turn.expect_any and not any(phrase.lower() in answer for phrase in turn.expect_any):
        problems.append(f"none of {list(turn.expect_any)}")
    problems += [f"missing {phrase!r}" for phrase in turn.expect_all if phrase.lower() not in answer]
    problems += [f"unwanted {phrase!r}" for phrase in turn.expect_none if phrase.lower() in answer]
    return problems


@dataclass
class Run:
    """The judged turns of one channel."""

    channel: str
    turns: int = 0
    passed: int = 0
    silent: int = 0
    loops: int = 0
    by_pattern: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failures: List[Dict[str, Any]] = field(default_factory=list)

    def add(self, conversation: Conversation, index: int, replies: Sequence[str]) -> None:
        turn = conversation.turns[index]
        problems = turn_problems(turn, replies)
        self.turns += 1
        self.by_pattern[conversation.pattern]["turns"] += 1
        self.silent += SILENT in problems
        self.loops += LOOP in problems
        if problems:
            self.failures.append({
                "conversation": conversation.id, "pattern": conversation.pattern, "turn": index + 1,
                "user": turn.user, "replies": list(replies), "problems": problems,
            })
        else:
            self.passed += 1
            self.by_pattern[conversation.pattern]["passed"] += 1

    @property
    def pass_rate(self) -> float:
        return self.passed / self.turns if self.turns else 0.0

    def summary(self) -> Dict[str, Any]:
        return {
            "channel": self.channel, "turns": self.turns, "passed": self.passed,
            "pass_rate": round(self.pass_rate, 4), "silent_turns": self.silent, "repeated_replies": self.loops,
            "by_pattern": {
                pattern: {"turns": c["turns"], "passed": c["passed"], "pass_rate": round(c["passed"] / c["turns"], 4)}
                for pattern, c in sorted(self.by_pattern.items())
            },
            "failures": self.failures,
        }
