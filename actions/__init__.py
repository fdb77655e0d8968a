"""Custom actions of the Brightcart support assistant (imported whole by rasa-sdk)."""

from actions.process_logging import configure_process_logging

# rasa-sdk imports this package after setting up its log handlers.
configure_process_logging()
