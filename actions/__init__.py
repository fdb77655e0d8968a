"""Custom actions of the Brightcart support assistant (imported whole by rasa-sdk)."""

from actions.action_server_guard import register as guard_action_server
from actions.process_logging import configure_process_logging

# rasa-sdk imports this package after setting up its log handlers and before it starts the
# server, so the guard's hook (shared secret, no failed turn) is in place for every start.
configure_process_logging()
guard_action_server()
