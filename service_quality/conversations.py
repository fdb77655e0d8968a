"""Conversations as the service report reads them: turns, fallbacks and handoffs, from Rasa's stored events."""

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

# Where a human takes over: the handoff queue, or a complaint ticket the team works from.
HANDOFF_ACTIONS = frozenset({"action_hand_off_to_human", "action_open_complaint_ticket"})
# A turn the assistant did not understand: NLU's fallback intent, or no policy sure of the next step.
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_handle_nlu_fallback", "action_handle_core_fallback", "action_default_fallback"})
# What follows a rating is read as its comment whatever NLU made of it: understood, not a fallback.
RATING_COMMENT_ACTION = "action_record_rating_comment"


@dataclass
class Turn:
    """One customer message and what the assistant did until the next one."""

    text: str
    intent: Optional[str]
    asked_at: float
    answered_at: Optional[float] = None  # the assistant's last reply of the turn
    fell_back: bool = False

    @property
    def response_seconds(self) -> Optional[float]:
        return None if self.answered_at is None else self.answered_at - self.asked_at


@dataclass
class Conversation:
    sender_id: str
    started_at: float
    turns: List[Turn] = field(default_factory=list)
    handed_off: bool = False
    # While an agent has the conversation (Rasa's pause), its messages are the agent's business,
    # and the assistant's messages after it (the rating question) answer no customer turn.
    paused: bool = False
    turn_open: bool = False


def conversations_from_events(events: Iterable[Tuple[str, Dict[str, Any]]]) -> Iterator[Conversation]:
    """The conversations of (sender id, event) pairs given one conversation after the other."""
    conversation: Optional[Conversation] = None
    for sender_id, event in events:
        if conversation is None or conversation.sender_id != sender_id:
            if conversation is not None:
                yield conversation
            conversation = Conversation(sender_id, event["timestamp"])
        _add_event(conversation, event)
    if conversation is not None:
        yield conversation


def _add_event(conversation: Conversation, event: Dict[str, Any]) -> None:
    kind = event.get("event")
    turn = conversation.turns[-1] if conversation.turns else None
    if kind in ("pause", "resume"):
        conversation.paused, conversation.turn_open = kind == "pause", False
    elif conversation.paused or (kind == "bot" and (event.get("metadata") or {}).get("agent")):
        return  # the customer and an agent talking: not the assistant's turns
    elif kind == "user":
        intent = (event.get("parse_data") or {}).get("intent") or {}
        conversation.turns.append(
            Turn(event.get("text") or "", intent.get("name"), event["timestamp"], fell_back=intent.get("name") == FALLBACK_INTENT)
        )
        conversation.turn_open = True
    elif kind == "bot" and turn is not None and conversation.turn_open:
        turn.answered_at = event["timestamp"]
    elif kind == "action":
        name = event.get("name")
        if name in HANDOFF_ACTIONS:
            conversation.handed_off = True
        if name in FALLBACK_ACTIONS and turn is not None:
            turn.fell_back = True
        elif name == RATING_COMMENT_ACTION and turn is not None:
            turn.fell_back = False
