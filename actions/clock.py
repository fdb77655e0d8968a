"""The current time as the shop's database records it (naive local time)."""

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
