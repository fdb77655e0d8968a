"""The report's figures for a date range: the assistant's from the tracker store, the team's
from the commerce database. Used by `make report` and the /insights page."""

import datetime as dt
from pathlib import Path
from typing import Tuple

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from actions.config import tracker_store_url
from actions.db.engine import default_engine
from actions.db.service_desk import ServiceDesk
from rasa_server.stores.tracker_store import TrackerEncryptionKeyError, events_of_conversations_started
from service_quality.conversations import conversations_from_events
from service_quality.figures import ServiceFigures, service_figures
from service_quality.report import ReportUnavailable
from service_quality.team import TeamFigures, team_figures


def figures_between(since: dt.date, until: dt.date) -> Tuple[ServiceFigures, TeamFigures]:
    """The figures of conversations started from `since` to `until` (exclusive; UTC) and of the
    handoffs and ratings of those days (the shop's local time, as the database keeps them)."""
    return _assistant_figures(since, until), _team_figures(since, until)


def _unix_time(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()


def _assistant_figures(since: dt.date, until: dt.date) -> ServiceFigures:
    url = make_url(tracker_store_url())
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise ReportUnavailable(f"No conversations to report on: {url.database} does not exist yet (make run creates it).")
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            raise ReportUnavailable("No conversations to report on: the tracker store has no events table yet.")
        return service_figures(
            conversations_from_events(events_of_conversations_started(engine, _unix_time(since), _unix_time(until)))
        )
    except TrackerEncryptionKeyError as error:
        raise ReportUnavailable(f"Cannot read the conversations: {error}") from None
    finally:
        engine.dispose()


def _team_figures(since: dt.date, until: dt.date) -> TeamFigures:
    start, end = dt.datetime.combine(since, dt.time()), dt.datetime.combine(until, dt.time())
    if not inspect(default_engine()).has_table("handoffs"):
        return team_figures([], [])  # a shop database from before handoffs (make seed adds the tables)
    desk = ServiceDesk()
    return team_figures(desk.handoffs_between(start, end), desk.ratings_between(start, end))
