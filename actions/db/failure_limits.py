"""Blocking after repeated failures: `max_failures` within a window block for that window after
the last of them. Order verification (per order number and per contact) and the agents'
sign-in (per username) count their failures this way."""

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, List, Optional


@dataclass(frozen=True)
class FailureLimit:
    """`max_failures` failures within `window` block for `window` after the last of them."""

    max_failures: int
    window: dt.timedelta


def oldest_failure_that_counts(now: dt.datetime, limit: FailureLimit) -> dt.datetime:
    """Failures at or before this time can neither cause nor extend a block; they may be deleted."""
    # A block in force started at most one window ago, from failures up to one window before that.
    return now - 2 * limit.window


def blocked_until(failure_series: Iterable[List[dt.datetime]], limit: FailureLimit, now: dt.datetime) -> Optional[dt.datetime]:
    """Until when the latest block that any of these failure series (each oldest first) caused
    lasts, or None if none is in force at `now`."""
    until = max((end for end in (_block_end(times, limit) for times in failure_series) if end is not None), default=None)
    return until if until is not None and until > now else None


def _block_end(failure_times: List[dt.datetime], limit: FailureLimit) -> Optional[dt.datetime]:
    """When the latest block these failures (oldest first) caused ends, or None if they caused none."""
    count = max(limit.max_failures, 1)
    ends = [
        failure_times[last] + limit.window
        for last in range(count - 1, len(failure_times))
        if failure_times[last] - failure_times[last - count + 1] <= limit.window
    ]
    return max(ends, default=None)
