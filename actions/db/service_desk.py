"""Intention-named queries and changes for the team's side of support: handoffs and their
queues, agents, and the customers' ratings. The assistant's actions and the agent console
call only these.

A handoff is a ticket a person takes over. It waits in a skill queue until one agent claims it
(one conditional UPDATE, so two agents never hold the same one), and ends resolved, handed back
to the assistant, or cancelled by the customer. Results are frozen dataclasses.
"""

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import List, Optional, Sequence

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.db.engine import change_scope, session_scope
from actions.db.failure_limits import FailureLimit, blocked_until, oldest_failure_that_counts
from actions.db.models import (
    OPEN_HANDOFF_STATUSES,
    Agent,
    AgentPresence,
    FailedAgentSignIn,
    Handoff,
    HandoffTimeoutOffer,
    SatisfactionRating,
    SupportTicket,
)
from actions.db.repository import free_reference

# The estimated wait is the median time to an agent's claim over this many recent handoffs of the queue.
RECENT_HANDOFFS_FOR_WAIT = 20
# Handoffs older than this say nothing about today's waits.
WAIT_HISTORY = dt.timedelta(days=14)
# An agent's presence is written at most this often (the console asks every few seconds).
PRESENCE_RESOLUTION = dt.timedelta(seconds=30)
# A rating's comment is kept up to this length; the rest is cut.
MAX_COMMENT_CHARACTERS = 1000
# Ticket status as the customer hears it, from the handoff's.
TICKET_STATUS_OF_HANDOFF = {
    "waiting": "waiting for our team",
    "with_agent": "being handled by our team",
    "resolved": "resolved",
    "returned": "resolved",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class HandoffPlace:
    reference: str
    queue: str
    # 1 for the next conversation an agent of the queue takes; 0 once an agent has it.
    position: int
    estimated_wait: Optional[dt.timedelta]


@dataclass(frozen=True)
class HandoffState:
    reference: str
    status: str


@dataclass(frozen=True)
class HandoffInfo:
    reference: str
    conversation_id: Optional[str]
    queue: str
    reason: str
    status: str
    summary: str
    order_id: Optional[int]
    agent_username: Optional[str]
    requested_at: dt.datetime
    claimed_at: Optional[dt.datetime]
    first_agent_reply_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    follow_up: Optional[str]


@dataclass(frozen=True)
class ReturnedHandoff:
    """A conversation put back in its queue because its agent left."""

    reference: str
    conversation_id: Optional[str]
    queue: str
    agent_name: str


@dataclass(frozen=True)
class TicketStatus:
    reference: str
    kind: str
    status: str
    queue: Optional[str]
    updated_at: dt.datetime
    customer_id: Optional[int]
    conversation_id: Optional[str]


@dataclass(frozen=True)
class AgentInfo:
    agent_id: int
    username: str
    display_name: str
    password_hash: str
    queues: List[str]


@dataclass(frozen=True)
class RatingInfo:
    conversation_id: str
    rating: int
    intents: List[str]
    flows: List[str]
    human_involved: bool
    created_at: dt.datetime
    comment: Optional[str] = None


class ServiceDesk:
    """Handoffs, agents and ratings on a SQLAlchemy engine (the commerce database's by default)."""

    def __init__(self, engine: Optional[Engine] = None):
        self._engine = engine

    # --- the customer's side ---

    def queue_handoff(
        self,
        conversation_id: str,
        summary: str,
        queue: str,
        reason: str,
        now: dt.datetime,
        customer_id: Optional[int] = None,
        order_id: Optional[int] = None,
    ) -> HandoffPlace:
        """Queues the conversation for a person once: asking again keeps the ticket and its place."""
        with change_scope(self._engine) as session:
            handoff = _open_handoff(session, conversation_id)
            if handoff is None:
                handoff = _new_handoff(session, "handoff", summary, queue, reason, now, customer_id, order_id, conversation_id)
            return _place(session, handoff, now)

    def file_complaint(
        self,
        summary: str,
        now: dt.datetime,
        conversation_id: Optional[str] = None,
        customer_id: Optional[int] = None,
        order_id: Optional[int] = None,
    ) -> str:
        """Opens a complaint ticket in the complaints queue; returns its reference."""
        with change_scope(self._engine) as session:
            handoff = _new_handoff(
                session, "complaint", summary, "complaints", "complaint", now, customer_id, order_id, conversation_id
            )
            return _reference(session, handoff)

    def cancel_handoff(self, conversation_id: str, now: dt.datetime) -> Optional[HandoffState]:
        """Takes the conversation's waiting handoff out of its queue. Returns where it stands
        after ("cancelled", or "with_agent" if an agent already has it and it stays), or None
        if the conversation has no open handoff."""
        with change_scope(self._engine) as session:
            handoff = _open_handoff(session, conversation_id)
            if handoff is None:
                return None
            if handoff.status == "waiting":
                _close(session, handoff, "cancelled", now)
            return HandoffState(_reference(session, handoff), handoff.status)

    def waiting_handoff(self, conversation_id: str, now: dt.datetime) -> Optional[HandoffPlace]:
        """The conversation's handoff if it still waits for an agent, else None."""
        with session_scope(self._engine) as session:
            handoff = _open_handoff(session, conversation_id)
            return _place(session, handoff, now) if handoff is not None and handoff.status == "waiting" else None

    def offer_follow_up(self, conversation_id: str, now: dt.datetime) -> Optional[HandoffPlace]:
        """Marks the conversation's waiting handoff as offered a callback or an email; its place,
        or None if it no longer waits or was offered one already (the first offer stays)."""
        try:
            with change_scope(self._engine) as session:
                handoff = _open_handoff(session, conversation_id)
                if handoff is None or handoff.status != "waiting" or session.get(HandoffTimeoutOffer, handoff.id):
                    return None
                session.add(HandoffTimeoutOffer(handoff_id=handoff.id, offered_at=now))
                session.flush()
                return _place(session, handoff, now)
        except IntegrityError:  # the same offer from another process at the same moment
            return None

    def handoffs_overdue(self, requested_before: dt.datetime) -> List[str]:
        """The conversations whose handoff has waited since before the given time and was never
        offered a callback or an email, oldest first."""
        with session_scope(self._engine) as session:
            return list(
                session.execute(
                    select(Handoff.conversation_id)
                    .outerjoin(HandoffTimeoutOffer, HandoffTimeoutOffer.handoff_id == Handoff.id)
                    .where(
                        Handoff.status == "waiting",
                        Handoff.reason != "complaint",
                        Handoff.conversation_id.isnot(None),
                        Handoff.requested_at <= requested_before,
                        HandoffTimeoutOffer.handoff_id.is_(None),
                    )
                    .order_by(Handoff.requested_at)
                ).scalars()
            )

    def record_follow_up(self, conversation_id: str, follow_up: str, now: dt.datetime) -> Optional[str]:
        """Stores the customer's choice (callback or email) on the open handoff; its reference, or None."""
        with change_scope(self._engine) as session:
            handoff = _open_handoff(session, conversation_id)
            if handoff is None:
                return None
            handoff.follow_up, handoff.updated_at = follow_up, now
            return _reference(session, handoff)

    def ticket_status(self, reference: str) -> Optional[TicketStatus]:
        with session_scope(self._engine) as session:
            row = session.execute(
                select(SupportTicket, Handoff)
                .outerjoin(Handoff, Handoff.ticket_id == SupportTicket.id)
                .where(SupportTicket.reference == reference.upper())
            ).first()
            return _ticket_status(*row) if row is not None else None

    def latest_ticket_of(self, conversation_id: str, customer_id: Optional[int]) -> Optional[TicketStatus]:
        """The newest ticket opened in this conversation or for this customer."""
        owner = SupportTicket.conversation_id == conversation_id
        if customer_id is not None:
            owner = or_(owner, SupportTicket.customer_id == customer_id)
        with session_scope(self._engine) as session:
            row = session.execute(
                select(SupportTicket, Handoff)
                .outerjoin(Handoff, Handoff.ticket_id == SupportTicket.id)
                .where(owner)
                .order_by(SupportTicket.created_at.desc(), SupportTicket.id.desc())
                .limit(1)
            ).first()
            return _ticket_status(*row) if row is not None else None

    def human_involved(self, conversation_id: str) -> bool:
        """True if an agent took this conversation at some point."""
        with session_scope(self._engine) as session:
            return session.execute(
                select(Handoff.id).where(Handoff.conversation_id == conversation_id, Handoff.claimed_at.isnot(None))
            ).first() is not None

    def record_rating(
        self,
        conversation_id: str,
        rating: int,
        intents: Sequence[str],
        flows: Sequence[str],
        human_involved: bool,
        now: dt.datetime,
    ) -> bool:
        """Stores the conversation's rating; False if it was already rated (the first one stays)."""
        if not 1 <= rating <= 5:
            raise ValueError(f"rating out of range: {rating}")
        try:
            with change_scope(self._engine) as session:
                if session.execute(
                    select(SatisfactionRating.id).where(SatisfactionRating.conversation_id == conversation_id)
                ).first():
                    return False
                session.add(
                    SatisfactionRating(
                        conversation_id=conversation_id, rating=rating, intents=list(intents), flows=list(flows),
                        human_involved=human_involved, created_at=now,
                    )
                )
            return True
        except IntegrityError:  # the same rating from another process at the same moment
            return False

    def record_rating_comment(self, conversation_id: str, comment: str) -> bool:
        """Adds the comment to the conversation's rating; False if it has no rating or a comment
        already (the first one stays)."""
        with change_scope(self._engine) as session:
            result = session.execute(
                update(SatisfactionRating)
                .where(SatisfactionRating.conversation_id == conversation_id, SatisfactionRating.comment.is_(None))
                .values(comment=comment[:MAX_COMMENT_CHARACTERS])
            )
            return result.rowcount == 1

    # --- the team's side ---

    def create_agent(self, username: str, display_name: str, password_hash: str, queues: Sequence[str], now: dt.datetime) -> None:
        """Adds an agent, or gives an existing one this name, password and queues."""
        with change_scope(self._engine) as session:
            agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
            if agent is None:
                agent = Agent(username=username, created_at=now)
                session.add(agent)
            agent.display_name, agent.password_hash, agent.queues = display_name, password_hash, list(queues)

    def agent(self, username: str) -> Optional[AgentInfo]:
        with session_scope(self._engine) as session:
            agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
            if agent is None:
                return None
            return AgentInfo(agent.id, agent.username, agent.display_name, agent.password_hash, list(agent.queues or []))

    def sign_in_blocked_until(self, username: str, now: dt.datetime, limit: FailureLimit) -> Optional[dt.datetime]:
        """Until when sign-ins as `username` are refused after failed ones, or None."""
        with session_scope(self._engine) as session:
            failures = session.execute(
                select(FailedAgentSignIn.failed_at)
                .where(FailedAgentSignIn.username == _counted_username(username))
                .where(FailedAgentSignIn.failed_at > oldest_failure_that_counts(now, limit))
                .order_by(FailedAgentSignIn.failed_at)
            ).scalars().all()
        return blocked_until([list(failures)], limit, now)

    def record_failed_sign_in(self, username: str, now: dt.datetime, limit: FailureLimit) -> None:
        with change_scope(self._engine) as session:
            session.execute(delete(FailedAgentSignIn).where(FailedAgentSignIn.failed_at <= oldest_failure_that_counts(now, limit)))
            session.add(FailedAgentSignIn(username=_counted_username(username), failed_at=now))

    def handoffs_for_agent(self, agent: AgentInfo) -> List[HandoffInfo]:
        """The agent's queues' waiting handoffs, oldest first, then the ones the agent holds."""
        waiting = Handoff.status == "waiting"
        if agent.queues:
            waiting = and_(waiting, Handoff.queue.in_(agent.queues))
        mine = and_(Handoff.status == "with_agent", Handoff.agent_id == agent.agent_id)
        return self._handoffs(or_(waiting, mine))

    def handoff(self, reference: str) -> Optional[HandoffInfo]:
        found = self._handoffs(SupportTicket.reference == reference)
        return found[0] if found else None

    def handoffs_between(self, start: dt.datetime, end: dt.datetime) -> List[HandoffInfo]:
        """Handoffs requested in [start, end), for the report."""
        return self._handoffs(and_(Handoff.requested_at >= start, Handoff.requested_at < end))

    def ratings_between(self, start: dt.datetime, end: dt.datetime) -> List[RatingInfo]:
        with session_scope(self._engine) as session:
            ratings = session.execute(
                select(SatisfactionRating)
                .where(SatisfactionRating.created_at >= start, SatisfactionRating.created_at < end)
                .order_by(SatisfactionRating.created_at)
            ).scalars()
            return [
                RatingInfo(
                    r.conversation_id, r.rating, list(r.intents or []), list(r.flows or []), r.human_involved, r.created_at,
                    r.comment,
                )
                for r in ratings
            ]

    def claim_handoff(self, reference: str, agent_id: int, now: dt.datetime) -> bool:
        """Gives the waiting handoff to the agent; False if it is no longer waiting (another agent
        claimed it, or the customer cancelled)."""
        with change_scope(self._engine) as session:
            claimed = session.execute(
                update(Handoff)
                .where(Handoff.ticket_id == _ticket_id(reference), Handoff.status == "waiting")
                .values(status="with_agent", agent_id=agent_id, claimed_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return claimed.rowcount == 1

    def release_claim(self, reference: str, agent_id: int, now: dt.datetime) -> None:
        """Puts a handoff the agent could not take over (the Rasa server did not answer) back in its queue."""
        with change_scope(self._engine) as session:
            handoff = _held_by(session, reference, agent_id)
            if handoff is not None:
                handoff.status, handoff.agent_id, handoff.claimed_at, handoff.updated_at = "waiting", None, None, now

    def note_agent_seen(self, agent_id: int, now: dt.datetime) -> None:
        """Records that the agent's console is open (written at most every PRESENCE_RESOLUTION)."""
        with session_scope(self._engine) as session:
            seen = session.get(AgentPresence, agent_id)
            if seen is not None and seen.last_seen_at > now - PRESENCE_RESOLUTION:
                return
        try:
            with change_scope(self._engine) as session:
                seen = session.get(AgentPresence, agent_id)
                if seen is None:
                    session.add(AgentPresence(agent_id=agent_id, last_seen_at=now))
                else:
                    seen.last_seen_at = max(seen.last_seen_at, now)
        except IntegrityError:  # another request of the same agent recorded it at the same moment
            pass

    def return_claims_of_absent_agents(self, seen_before: dt.datetime, now: dt.datetime) -> List[ReturnedHandoff]:
        """Puts the conversations of agents not seen since `seen_before` back in their queues,
        keeping their place; what was returned."""
        last_seen = func.coalesce(AgentPresence.last_seen_at, Handoff.claimed_at)
        away = (
            select(Handoff.id)
            .outerjoin(AgentPresence, AgentPresence.agent_id == Handoff.agent_id)
            .where(Handoff.status == "with_agent", last_seen < seen_before)
        )
        return self._return_claims(Handoff.id.in_(away), now)

    def return_claims_of(self, agent_id: int, now: dt.datetime) -> List[ReturnedHandoff]:
        """Puts the agent's conversations back in their queues (they signed out), keeping their place."""
        return self._return_claims(Handoff.agent_id == agent_id, now)

    def _return_claims(self, condition, now: dt.datetime) -> List[ReturnedHandoff]:
        returned = []
        with change_scope(self._engine) as session:
            held = session.execute(
                select(Handoff, Agent.display_name)
                .join(Agent, Agent.id == Handoff.agent_id)
                .where(Handoff.status == "with_agent", condition)
            ).all()
            for handoff, agent_name in held:
                # Conditional, as a claim: an agent closing it at this moment keeps it closed.
                if session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff.id, Handoff.status == "with_agent", Handoff.agent_id == handoff.agent_id)
                    .values(status="waiting", agent_id=None, updated_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount == 1:
                    reference = _reference(session, handoff)
                    returned.append(ReturnedHandoff(reference, handoff.conversation_id, handoff.queue, agent_name))
        return returned

    def record_agent_reply(self, reference: str, agent_id: int, now: dt.datetime) -> bool:
        """Notes the agent's reply (the first one's time is kept); False unless the agent holds it."""
        with change_scope(self._engine) as session:
            handoff = _held_by(session, reference, agent_id)
            if handoff is None:
                return False
            handoff.first_agent_reply_at = handoff.first_agent_reply_at or now
            handoff.updated_at = now
            return True

    def close_handoff(self, reference: str, agent_id: int, outcome: str, now: dt.datetime) -> bool:
        """Ends the agent's handoff: "resolved" (the ticket closes) or "returned" to the assistant."""
        if outcome not in ("resolved", "returned"):
            raise ValueError(f"unknown outcome {outcome!r}")
        with change_scope(self._engine) as session:
            handoff = _held_by(session, reference, agent_id)
            if handoff is None:
                return False
            _close(session, handoff, outcome, now)
            return True

    def _handoffs(self, condition) -> List[HandoffInfo]:
        with session_scope(self._engine) as session:
            rows = session.execute(
                select(Handoff, SupportTicket, Agent.username)
                .join(SupportTicket, Handoff.ticket_id == SupportTicket.id)
                .outerjoin(Agent, Handoff.agent_id == Agent.id)
                .where(condition)
                .order_by(Handoff.requested_at, Handoff.id)
            ).all()
            return [
                HandoffInfo(
                    ticket.reference, handoff.conversation_id, handoff.queue, handoff.reason, handoff.status,
                    ticket.summary, ticket.order_id, username, handoff.requested_at, handoff.claimed_at,
                    handoff.first_agent_reply_at, handoff.closed_at, handoff.follow_up,
                )
                for handoff, ticket, username in rows
            ]


def _ticket_id(reference: str):
    return select(SupportTicket.id).where(SupportTicket.reference == reference).scalar_subquery()


def _open_handoff(session: Session, conversation_id: str) -> Optional[Handoff]:
    return session.execute(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_(OPEN_HANDOFF_STATUSES),
            Handoff.reason != "complaint",
        )
    ).scalars().first()


def _held_by(session: Session, reference: str, agent_id: int) -> Optional[Handoff]:
    return session.execute(
        select(Handoff).where(
            Handoff.ticket_id == _ticket_id(reference), Handoff.status == "with_agent", Handoff.agent_id == agent_id
        )
    ).scalar_one_or_none()


def _new_handoff(session: Session, kind, summary, queue, reason, now, customer_id, order_id, conversation_id) -> Handoff:
    ticket = SupportTicket(
        reference=free_reference(session, SupportTicket, "TCK"), kind=kind, customer_id=customer_id,
        order_id=order_id, conversation_id=conversation_id, summary=summary[:2000], created_at=now,
    )
    session.add(ticket)
    session.flush()
    handoff = Handoff(
        ticket_id=ticket.id, conversation_id=conversation_id, queue=queue, reason=reason, status="waiting",
        requested_at=now, updated_at=now,
    )
    session.add(handoff)
    session.flush()
    return handoff


def _close(session: Session, handoff: Handoff, status: str, now: dt.datetime) -> None:
    handoff.status, handoff.closed_at, handoff.updated_at = status, now, now
    ticket = session.get(SupportTicket, handoff.ticket_id)
    ticket.status = "closed"


def _reference(session: Session, handoff: Handoff) -> str:
    return session.get(SupportTicket, handoff.ticket_id).reference


def _place(session: Session, handoff: Handoff, now: dt.datetime) -> HandoffPlace:
    reference = _reference(session, handoff)
    if handoff.status != "waiting":
        return HandoffPlace(reference, handoff.queue, 0, None)
    # Handoffs requested in the same second queue by id, so each keeps one distinct place.
    ahead_or_same = or_(
        Handoff.requested_at < handoff.requested_at,
        and_(Handoff.requested_at == handoff.requested_at, Handoff.id <= handoff.id),
    )
    position = session.execute(
        select(func.count(Handoff.id)).where(Handoff.queue == handoff.queue, Handoff.status == "waiting", ahead_or_same)
    ).scalar_one()
    return HandoffPlace(reference, handoff.queue, position, _estimated_wait(session, handoff.queue, now))


def _estimated_wait(session: Session, queue: str, now: dt.datetime) -> Optional[dt.timedelta]:
    """The median time from request to an agent's claim over the queue's recent handoffs."""
    recent = session.execute(
        select(Handoff.requested_at, Handoff.claimed_at)
        .where(Handoff.queue == queue, Handoff.claimed_at.isnot(None), Handoff.claimed_at >= now - WAIT_HISTORY)
        .order_by(Handoff.claimed_at.desc())
        .limit(RECENT_HANDOFFS_FOR_WAIT)
    ).all()
    if not recent:
        return None
    return dt.timedelta(seconds=statistics.median((claimed - requested).total_seconds() for requested, claimed in recent))


def _ticket_status(ticket: SupportTicket, handoff: Optional[Handoff]) -> TicketStatus:
    if handoff is None:
        status, queue, updated = ("open" if ticket.status == "open" else "closed"), None, ticket.created_at
    else:
        status, queue, updated = TICKET_STATUS_OF_HANDOFF[handoff.status], handoff.queue, handoff.updated_at
    return TicketStatus(ticket.reference, ticket.kind, status, queue, updated, ticket.customer_id, ticket.conversation_id)


def _counted_username(username: str) -> str:
    # As the sign-in looks agents up; cut to the column, so an endless name still counts.
    return username[:FailedAgentSignIn.username.type.length]
