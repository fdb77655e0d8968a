"""The Rasa server's HTTP API as the agent console uses it (Rasa runs with --enable-api and
the project's JWT secret): read a conversation, pause it for the agent, send the agent's messages to the
customer's channel, resume it, run an action and trigger an intent. Each call carries a short-lived JWT with
Rasa's admin role, signed with RASA_JWT_SECRET."""

import time
import urllib.parse
from typing import Any, Dict, List

import jwt
import requests

TOKEN_SECONDS = 60
TIMEOUT_SECONDS = 10
# Replies go to the channel the customer last wrote from (Rasa's "latest"): the chat widget's
# socket.io room; a REST customer finds them in the conversation (docs/operations.md).
OUTPUT_CHANNEL = "latest"


class RasaApiError(Exception):
    """The Rasa server refused or did not answer."""


class RasaApi:
    """Several Rasa processes of one assistant share the conversations: a call goes to the first
    one that answers (a process that is down is skipped)."""

    def __init__(self, base_urls: List[str], jwt_secret: str):
        self.base_urls = [url.rstrip("/") for url in base_urls]
        self.jwt_secret = jwt_secret

    def _headers(self) -> Dict[str, str]:
        claims = {"user": {"username": "agent-console", "role": "admin"}, "exp": int(time.time()) + TOKEN_SECONDS}
        return {"Authorization": f"Bearer {jwt.encode(claims, self.jwt_secret, algorithm='HS256')}"}

    @staticmethod
    def _path(conversation_id: str, tail: str) -> str:
        return f"/conversations/{urllib.parse.quote(conversation_id, safe='')}/{tail}"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        failure: Exception = RasaApiError("no Rasa server is configured")
        for base_url in self.base_urls:
            try:
                response = requests.request(
                    method, base_url + path, headers=self._headers(), timeout=TIMEOUT_SECONDS, **kwargs
                )
            except requests.ConnectionError as error:
                failure = error
                continue  # that process is down; another one shares the conversation
            except requests.RequestException as error:
                raise RasaApiError(f"the Rasa server did not answer: {type(error).__name__}") from error
            if response.status_code != 200:
                raise RasaApiError(f"the Rasa server answered {response.status_code}")
            return response.json()
        raise RasaApiError(f"no Rasa server answered: {type(failure).__name__}") from failure

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        tracker = self._call("GET", self._path(conversation_id, "tracker"), params={"include_events": "ALL"})
        return tracker.get("events") or []

    def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Adds events; bot messages among them are sent to the customer's channel."""
        params = {"execute_side_effects": "true", "output_channel": OUTPUT_CHANNEL}
        self._call("POST", self._path(conversation_id, "tracker/events"), params=params, json=events)

    def pause(self, conversation_id: str, agent_name: str, greeting: str) -> None:
        self.append(conversation_id, [{"event": "pause"}, agent_message(agent_name, greeting)])

    def send(self, conversation_id: str, agent_name: str, text: str) -> None:
        self.append(conversation_id, [agent_message(agent_name, text)])

    def resume(self, conversation_id: str, agent_name: str, farewell: str) -> None:
        self.append(conversation_id, [agent_message(agent_name, farewell), {"event": "resume"}])

    def trigger_intent(self, conversation_id: str, intent: str) -> None:
        """As if the customer had sent the intent (a reminder's way in): the assistant answers
        on the customer's channel."""
        params = {"output_channel": OUTPUT_CHANNEL}
        self._call("POST", self._path(conversation_id, "trigger_intent"), params=params, json={"name": intent})

    def resume_without_agent(self, conversation_id: str, text: str) -> None:
        """The assistant takes the conversation back, with the assistant's message, not an agent's."""
        self.append(conversation_id, [{"event": "bot", "text": text}, {"event": "resume"}])

    def run_action(self, conversation_id: str, action: str) -> None:
        """Runs the action, then listens, as after any turn of the assistant (Rasa's `execute`
        stops after the action; without the listen, the rules would not read the next message)."""
        params = {"output_channel": OUTPUT_CHANNEL}
        self._call("POST", self._path(conversation_id, "execute"), params=params, json={"name": action})
        self.append(conversation_id, [{"event": "action", "name": "action_listen"}])


def agent_message(agent_name: str, text: str) -> Dict[str, Any]:
    """A bot message written by an agent: the customer sees who wrote it."""
    return {"event": "bot", "text": f"{agent_name}: {text}", "metadata": {"agent": agent_name}}
