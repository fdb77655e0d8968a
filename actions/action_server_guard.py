"""What the action server runs besides the actions: it serves only the Rasa server, and every
action call gets an answer.

- Every request but the health check must carry the shared secret ACTION_SERVER_TOKEN as
  `Authorization: Bearer <token>` (endpoints.yml sends it); anything else is answered 401 and
  nothing runs. Without a token configured the server does not start.
- An action that raises is answered like any action: an apology with a human contact, and for
  a form's validation the values it was validating are cleared, so the form asks again. Only
  the error's type and where it happened are logged, never its message (it can quote customer
  data); rasa-sdk's own handler would answer 500 and echo the whole tracker.

Installed through rasa-sdk's plugin hook (`attach_sanic_app_extensions`), which `rasa run
actions` calls after importing the actions package, so it holds however the server is started.
"""

import hmac
import json
import logging
import os
import traceback
import zlib
from typing import Any, Dict, List, Optional, Text, TypeGuard

import pluggy
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import config

logger = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")

OPEN_PATHS = ("/health",)
FAILURE_RESPONSE = "utter_something_went_wrong"
# rasa-sdk reads the address to listen on from SANIC_HOST (default 0.0.0.0, every interface).
LISTEN_ADDRESS_VARIABLE = "SANIC_HOST"


class ActionServerNotConfigured(RuntimeError):
    """The action server would run without its shared secret."""


def carries_token(request: Request, token: Text) -> bool:
    """True if the request's `Authorization: Bearer` header is `token` (compared in constant time)."""
    scheme, _, given = (request.headers.get("Authorization") or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def failure_answer(action_call: Any) -> Dict[Text, Any]:
    """The action server's reply for an action that raised: an apology, and for a form
    validation the slots it was validating cleared so that the form asks for them again."""
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=FAILURE_RESPONSE)
    events: List[Dict[Text, Any]] = []
    name = action_call.get("next_action") if isinstance(action_call, dict) else None
    tracker = action_call.get("tracker") if isinstance(action_call, dict) else None
    if isinstance(name, str) and name.startswith("validate_") and isinstance(tracker, dict):
        try:
            events = [SlotSet(slot, None) for slot in Tracker.from_dict(tracker).slots_to_validate()]
        except Exception:  # a tracker too broken to read: the apology alone
            events = []
    return {"events": events, "responses": dispatcher.messages}


def _action_call(request: Request) -> Optional[Dict[Text, Any]]:
    if request.headers.get("Content-Encoding") == "deflate":
        try:
            return json.loads(zlib.decompress(request.body))
        except (zlib.error, ValueError):
            return None
    try:
        return request.json
    except Exception:  # not JSON: Sanic's InvalidUsage
        return None


def _is_action_call(body: Any) -> TypeGuard[Dict[Text, Any]]:
    return isinstance(body, dict) and isinstance(body.get("next_action"), str) and isinstance(body.get("tracker"), dict)


def install(app: Sanic, token: Text) -> None:
    """Adds the token check and the failure answer to rasa-sdk's Sanic app."""

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not carries_token(request, token):
            return response.json({"error": "Unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
        if request.path == "/webhook" and not _is_action_call(_action_call(request)):
            # rasa-sdk would answer such a call 200 with nothing in it.
            return response.json({"error": "Invalid action call"}, status=400)
        return None

    async def answer_failure(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):
            # The client's mistake (a body that is not JSON, an unknown path): its 4xx, no echo.
            status = getattr(exception, "status_code", 400) or 400
            return response.json({"error": type(exception).__name__}, status=status)
        action_call = _action_call(request)
        if request.path != "/webhook" or not _is_action_call(action_call):
            return response.json({"error": "Invalid action call"}, status=400)
        where = "".join(traceback.format_tb(exception.__traceback__))
        logger.error("action %s failed with %s at\n%s", action_call.get("next_action"), type(exception).__name__, where)
        return response.json(failure_answer(action_call), status=200)

    app.error_handler.add(Exception, answer_failure)


class ActionServerGuard:
    """The rasa-sdk plugin: rasa-sdk calls its hook with the app before the server starts."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        token = config.action_server_token()
        if token is None:
            raise ActionServerNotConfigured(
                "ACTION_SERVER_TOKEN is not set: the action server would answer anyone. "
                "`make run` writes one into .env; export it for both servers (docs/operations.md, Configuration)."
            )
        install(app, token)


_GUARD = ActionServerGuard()


def register() -> None:
    """Registers the guard with rasa-sdk's plugin manager (once) and makes the action server
    listen on ACTIONS_HOST unless SANIC_HOST says otherwise."""
    os.environ.setdefault(LISTEN_ADDRESS_VARIABLE, config.actions_host())
    manager = plugin_manager()
    if not manager.is_registered(_GUARD):
        manager.register(_GUARD)
