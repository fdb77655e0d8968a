"""The service figures of a set of conversations."""

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

import numpy as np

from personal_data.masking import mask_personal_data
from service_quality.conversations import Conversation

# How many of the most frequent messages that fell back the report lists.
TOP_FALLBACK_MESSAGES = 10


@dataclass
class ServiceFigures:
    conversations: int
    customer_turns: int
    handed_off: int
    fallback_turns: int
    response_p50_seconds: Optional[float]
    response_p95_seconds: Optional[float]
    intent_mix: List[Tuple[str, int]]  # most frequent first
    top_fallback_messages: List[Tuple[str, int]]  # masked, most frequent first

    @property
    def containment(self) -> Optional[float]:
        """The share of conversations the assistant resolved without a human."""
        return None if self.handoff_rate is None else 1 - self.handoff_rate

    @property
    def handoff_rate(self) -> Optional[float]:
        return None if not self.conversations else self.handed_off / self.conversations

    @property
    def fallback_rate(self) -> Optional[float]:
        """The share of customer turns the assistant did not understand."""
        return None if not self.customer_turns else self.fallback_turns / self.customer_turns


def service_figures(conversations: Iterable[Conversation]) -> ServiceFigures:
    """The figures of the conversations with at least one customer message."""
    talked = [conversation for conversation in conversations if conversation.turns]
    turns = [turn for conversation in talked for turn in conversation.turns]
    response_times = [turn.response_seconds for turn in turns if turn.response_seconds is not None]
    p50, p95 = (np.percentile(response_times, [50, 95]).tolist() if response_times else (None, None))
    fallback_texts = Counter(" ".join(mask_personal_data(turn.text).lower().split()) for turn in turns if turn.fell_back)
    return ServiceFigures(
        conversations=len(talked),
        customer_turns=len(turns),
        handed_off=sum(conversation.handed_off for conversation in talked),
        fallback_turns=sum(turn.fell_back for turn in turns),
        response_p50_seconds=p50,
        response_p95_seconds=p95,
        intent_mix=Counter(turn.intent or "(none)" for turn in turns).most_common(),
        top_fallback_messages=fallback_texts.most_common(TOP_FALLBACK_MESSAGES),
    )
