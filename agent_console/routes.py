"""The agent console's JSON API, independent of the HTTP server that carries it.

    POST   /agent/api/session                      sign in: {"username", "password"} -> cookie
                                                   (429 after repeated failures for the name)
    DELETE /agent/api/session                      sign out; the agent's conversations go back to
                                                   their queues (as when the console stays away
                                                   AGENT_AWAY_MINUTES: agent_console/sweep.py)
    GET    /agent/api/handoffs                     the agent's queues' waiting handoffs and their own
    GET    /agent/api/handoffs/<ref>/messages      the conversation, personal data masked
    POST   /agent/api/handoffs/<ref>/claim         take it (409 if someone else did, or it ended)
    POST   /agent/api/handoffs/<ref>/reply         {"text"}: to the customer
    POST   /agent/api/handoffs/<ref>/resolve       close the ticket; the customer is asked for a rating
    POST   /agent/api/handoffs/<ref>/hand-back     back to the assistant, ticket closed
    GET    /agent/api/insights?since=&until=       the service report's figures and charts (/insights)

Every route but sign-in needs a valid session cookie (401 otherwise). Changes need a JSON body
(Content-Type: application/json), which a page of another site cannot send with the cookie.
"""

import base64
import datetime as dt
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from actions.db.failure_limits import FailureLimit
from actions.db.service_desk import AgentInfo, HandoffInfo, ReturnedHandoff, ServiceDesk
from service_quality.figures import ServiceFigures
from service_quality.report import CHART_INTENTS, ReportUnavailable, csat_chart, intent_mix_chart, summary_rows
from service_quality.team import TeamFigures
from actions.skill_queues import queue_title
from agent_console import sessions
from agent_console.history import conversation_messages
from agent_console.passwords import password_matches
from agent_console.rasa_api import RasaApi, RasaApiError
from personal_data.masking import mask_personal_data

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
MAX_REPLY_CHARACTERS = 2000
HANDOFF_ROUTE = re.compile(r"^/agent/api/handoffs/(TCK-\d{6})/(messages|claim|reply|resolve|hand-back)$")
GREETING = "Hi, I'm {name} from the Brightcart team. I've read our conversation so far; how can I help?"
HAND_BACK = "I'm handing you back to the assistant now. Just write here if you need us again."
RESOLVED = "Glad we could sort this out. Thank you for your patience!"
RESOLVE_ACTION = "action_ask_satisfaction"
# To a customer whose agent signed out or left: the handoff is waiting again, and meanwhile the
# assistant answers (as before any agent took it).
BACK_IN_QUEUE = (
    "{name} had to leave, so you're back in the queue for {queue}, ahead of everyone who asked "
    "after you. Until a colleague picks up, I'm here to help; say \"never mind\" to leave the queue."
)
INSIGHTS_DAYS = 30
# The newest rating comments /insights lists; the report's CSV has all of them.
INSIGHTS_COMMENTS = 20
Figures = Callable[[dt.date, dt.date], Tuple[ServiceFigures, TeamFigures]]


@dataclass
class Response:
    status: int
    body: Dict[str, Any]
    headers: List[Tuple[str, str]] = field(default_factory=list)

    def encoded(self) -> bytes:
        return json.dumps(self.body).encode()


def error(status: int, message: str) -> Response:
    return Response(status, {"error": message})


class AgentConsole:
    """The routes above, on the service desk and the Rasa server's API."""

    def __init__(
        self, desk: ServiceDesk, rasa: RasaApi, session_secret: str, session_minutes: float,
        now: Callable[[], dt.datetime], figures: Figures, sign_in_limit: FailureLimit,
    ):
        self.desk, self.rasa, self.now, self.figures = desk, rasa, now, figures
        self.session_secret, self.session_minutes, self.sign_in_limit = session_secret, session_minutes, sign_in_limit

    def signed_in_agent(self, cookie_header: Optional[str]) -> Optional[AgentInfo]:
        username = sessions.username_in(self.session_secret, _cookie(cookie_header, sessions.COOKIE_NAME))
        return self.desk.agent(username) if username else None

    def handle(
        self, method: str, path: str, headers: Dict[str, str], body: bytes, query: Optional[Dict[str, str]] = None
    ) -> Response:
        if method == "POST" and headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return error(415, "send JSON (Content-Type: application/json)")
        if len(body) > MAX_BODY_BYTES:
            return error(413, "request too large")
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return error(400, "the body is not JSON")
        if not isinstance(data, dict):
            return error(400, "the body must be a JSON object")
        # Behind a TLS proxy (nginx sets X-Forwarded-Proto) the cookie travels over HTTPS only.
        https = headers.get("x-forwarded-proto", "").lower() == "https"
        if path == "/agent/api/session":
            if method == "POST":
                return self.sign_in(data, https)
            if method == "DELETE":
                return self.sign_out(headers.get("cookie"), https)
            return error(405, "use POST or DELETE")
        agent = self.signed_in_agent(headers.get("cookie"))
        if agent is None:
            return error(401, "sign in first")
        self.desk.note_agent_seen(agent.agent_id, self.now())
        if path == "/agent/api/insights" and method == "GET":
            return self.insights(query or {})
        if path == "/agent/api/handoffs" and method == "GET":
            return Response(200, {"agent": _agent_view(agent), "handoffs": [_handoff_view(h) for h in self.desk.handoffs_for_agent(agent)]})
        match = HANDOFF_ROUTE.match(path)
        if match is None:
            return error(404, "no such route")
        reference, verb = match.groups()
        handoff = self.desk.handoff(reference)
        if handoff is None or not _may_see(agent, handoff):
            return error(404, "no such handoff in your queues")
        if verb == "messages":
            return self.messages(handoff) if method == "GET" else error(405, "use GET")
        if method != "POST":
            return error(405, "use POST")
        try:
            return {"claim": self.claim, "reply": self.reply, "resolve": self.resolve, "hand-back": self.hand_back}[verb](
                agent, handoff, data
            )
        except RasaApiError as failure:
            logger.error("agent console: %s", failure)
            return error(502, "the assistant's server did not answer; try again")

    def sign_in(self, data: Dict[str, Any], https: bool) -> Response:
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return error(400, "give username and password")
        now = self.now()
        # Checked before the password: a blocked name cannot be guessed on, even rightly.
        blocked_until = self.desk.sign_in_blocked_until(username, now, self.sign_in_limit)
        if blocked_until is not None:
            seconds = max(1, math.ceil((blocked_until - now).total_seconds()))
            return Response(
                429, {"error": f"too many failed sign-ins; try again in {math.ceil(seconds / 60)} minutes"},
                [("Retry-After", str(seconds))],
            )
        agent = self.desk.agent(username)
        # The same answer for an unknown name and a wrong password, and both count.
        if agent is None or not password_matches(password, agent.password_hash):
            self.desk.record_failed_sign_in(username, now, self.sign_in_limit)
            return error(401, "wrong username or password")
        token = sessions.issue(self.session_secret, agent.username, self.session_minutes)
        cookie = _cookie_header(token, int(self.session_minutes * 60), https)
        return Response(200, {"agent": _agent_view(agent)}, [("Set-Cookie", cookie)])

    def sign_out(self, cookie_header: Optional[str], https: bool) -> Response:
        """Ends the session; the conversations the agent held go back to their queues."""
        agent = self.signed_in_agent(cookie_header)
        if agent is not None:
            self.return_to_queue(self.desk.return_claims_of(agent.agent_id, self.now()))
        return Response(200, {"signed_out": True}, [("Set-Cookie", _cookie_header("", 0, https))])

    def return_to_queue(self, returned: List[ReturnedHandoff]) -> None:
        """Tells each customer their conversation is back in its queue, and lets the assistant
        answer again. A Rasa server that does not answer leaves that conversation paused until
        the next agent claims it (logged)."""
        for handoff in returned:
            if not handoff.conversation_id:
                continue
            text = BACK_IN_QUEUE.format(name=handoff.agent_name, queue=queue_title(handoff.queue))
            try:
                self.rasa.resume_without_agent(handoff.conversation_id, text)
            except RasaApiError as failure:
                logger.error("agent console: %s returned to its queue, but %s", handoff.reference, failure)

    def insights(self, query: Dict[str, str]) -> Response:
        today = self.now().date()
        try:
            since = dt.date.fromisoformat(query.get("since") or (today - dt.timedelta(days=INSIGHTS_DAYS)).isoformat())
            until = dt.date.fromisoformat(query.get("until") or (today + dt.timedelta(days=1)).isoformat())
        except ValueError:
            return error(400, "dates look like 2026-12-01")
        if until <= since:
            return error(400, "until must be after since")
        try:
            figures, team = self.figures(since, until)
        except ReportUnavailable as failure:
            return error(404, str(failure))
        return Response(200, {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "summary": [{"metric": metric, "value": value} for metric, value in summary_rows(figures, team)],
            "csat_by_intent": [{"intent": n, "average": a, "ratings": c} for n, a, c in team.csat_by_intent],
            "csat_by_flow": [{"flow": n, "average": a, "ratings": c} for n, a, c in team.csat_by_flow],
            "top_fallback_messages": [{"message": m, "times": t} for m, t in figures.top_fallback_messages],
            "comments": [{"rated_at": w, "rating": r, "comment": c} for w, r, c in team.comments[:INSIGHTS_COMMENTS]],
            "charts": {
                "intent_mix": _png_data_url(intent_mix_chart(figures.intent_mix[:CHART_INTENTS])),
                "csat": _png_data_url(csat_chart(team.csat_distribution)),
            },
        })

    def messages(self, handoff: HandoffInfo) -> Response:
        events = self.rasa.events(handoff.conversation_id) if handoff.conversation_id else []
        return Response(200, {"handoff": _handoff_view(handoff), "messages": conversation_messages(events)})

    def claim(self, agent: AgentInfo, handoff: HandoffInfo, data: Dict[str, Any]) -> Response:
        if not self.desk.claim_handoff(handoff.reference, agent.agent_id, self.now()):
            return error(409, "this conversation is no longer waiting: another agent took it, or the customer left the queue")
        if handoff.conversation_id:
            try:
                self.rasa.pause(handoff.conversation_id, agent.display_name, GREETING.format(name=agent.display_name))
            except RasaApiError:
                self.desk.release_claim(handoff.reference, agent.agent_id, self.now())
                raise
        return Response(200, {"claimed": handoff.reference})

    def reply(self, agent: AgentInfo, handoff: HandoffInfo, data: Dict[str, Any]) -> Response:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            return error(400, "write a message first")
        if len(text) > MAX_REPLY_CHARACTERS:
            return error(400, f"a message has at most {MAX_REPLY_CHARACTERS} characters")
        if not self.desk.record_agent_reply(handoff.reference, agent.agent_id, self.now()):
            return error(409, "claim the conversation first")
        if handoff.conversation_id:
            self.rasa.send(handoff.conversation_id, agent.display_name, text.strip())
        return Response(200, {"sent": True})

    def resolve(self, agent: AgentInfo, handoff: HandoffInfo, data: Dict[str, Any]) -> Response:
        return self._close(agent, handoff, "resolved", RESOLVED)

    def hand_back(self, agent: AgentInfo, handoff: HandoffInfo, data: Dict[str, Any]) -> Response:
        return self._close(agent, handoff, "returned", HAND_BACK)

    def _close(self, agent: AgentInfo, handoff: HandoffInfo, outcome: str, farewell: str) -> Response:
        if not self.desk.close_handoff(handoff.reference, agent.agent_id, outcome, self.now()):
            return error(409, "claim the conversation first")
        if handoff.conversation_id:
            self.rasa.resume(handoff.conversation_id, agent.display_name, farewell)
            if outcome == "resolved":
                self.rasa.run_action(handoff.conversation_id, RESOLVE_ACTION)
        return Response(200, {outcome: handoff.reference})



def _cookie_header(value: str, max_age: int, https: bool) -> str:
    secure = "; Secure" if https else ""
    return f"{sessions.COOKIE_NAME}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}"


def _png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _cookie(header: Optional[str], name: str) -> Optional[str]:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _may_see(agent: AgentInfo, handoff: HandoffInfo) -> bool:
    if handoff.status == "with_agent":
        return handoff.agent_username == agent.username
    return handoff.status == "waiting" and (not agent.queues or handoff.queue in agent.queues)


def _agent_view(agent: AgentInfo) -> Dict[str, Any]:
    return {"username": agent.username, "display_name": agent.display_name, "queues": agent.queues}


def _handoff_view(handoff: HandoffInfo) -> Dict[str, Any]:
    return {
        "reference": handoff.reference,
        "queue": handoff.queue,
        "queue_title": queue_title(handoff.queue),
        "reason": handoff.reason,
        "status": handoff.status,
        "summary": mask_personal_data(handoff.summary),
        "order_id": handoff.order_id,
        "agent": handoff.agent_username,
        "requested_at": handoff.requested_at.isoformat(),
        "follow_up": handoff.follow_up,
    }
