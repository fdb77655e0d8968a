"""The figures of the team's side, from the commerce database: handoffs (time to an agent's
first reply, abandoned ones) and the customers' ratings (CSAT), overall, per intent and per flow."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from actions.db.service_desk import HandoffInfo, RatingInfo

RATINGS = (1, 2, 3, 4, 5)


@dataclass
class TeamFigures:
    handoffs: int
    claimed: int
    # Left by the customer before an agent took them ("never mind").
    abandoned: int
    first_reply_p50_seconds: Optional[float]
    first_reply_p95_seconds: Optional[float]
    ratings: int
    csat_average: Optional[float]
    csat_distribution: List[Tuple[int, int]]  # (rating, count) for 1..5
    csat_by_intent: List[Tuple[str, float, int]]  # (intent, average, ratings), most rated first
    csat_by_flow: List[Tuple[str, float, int]]
    csat_with_human: Optional[float]
    csat_assistant_only: Optional[float]
    # (when, rating, masked comment), newest first.
    comments: List[Tuple[str, int, str]]


def team_figures(handoffs: Iterable[HandoffInfo], ratings: Iterable[RatingInfo]) -> TeamFigures:
    live = [h for h in handoffs if h.reason != "complaint"]
    first_replies = [
        (h.first_agent_reply_at - h.requested_at).total_seconds() for h in live if h.first_agent_reply_at is not None
    ]
    p50, p95 = np.percentile(first_replies, [50, 95]).tolist() if first_replies else (None, None)
    ratings = list(ratings)
    counts = Counter(r.rating for r in ratings)
    return TeamFigures(
        handoffs=len(live),
        claimed=sum(h.claimed_at is not None for h in live),
        abandoned=sum(h.status == "cancelled" for h in live),
        first_reply_p50_seconds=p50,
        first_reply_p95_seconds=p95,
        ratings=len(ratings),
        csat_average=_average(r.rating for r in ratings),
        csat_distribution=[(value, counts.get(value, 0)) for value in RATINGS],
        csat_by_intent=_grouped(((intent, r.rating) for r in ratings for intent in r.intents)),
        csat_by_flow=_grouped(((flow, r.rating) for r in ratings for flow in r.flows)),
        csat_with_human=_average(r.rating for r in ratings if r.human_involved),
        csat_assistant_only=_average(r.rating for r in ratings if not r.human_involved),
        comments=[
            (r.created_at.strftime("%Y-%m-%d %H:%M"), r.rating, r.comment)
            for r in sorted(ratings, key=lambda rating: rating.created_at, reverse=True)
            if r.comment
        ],
    )


def _average(values: Iterable[int]) -> Optional[float]:
    values = list(values)
    return sum(values) / len(values) if values else None


def _grouped(pairs: Iterable[Tuple[str, int]]) -> List[Tuple[str, float, int]]:
    groups: Dict[str, List[int]] = defaultdict(list)
    for name, rating in pairs:
        groups[name].append(rating)
    rows = [(name, sum(values) / len(values), len(values)) for name, values in groups.items()]
    return sorted(rows, key=lambda row: (-row[2], row[0]))
