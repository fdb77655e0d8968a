"""Input channels the Rasa server loads from credentials.yml (kept out of actions/)."""

from actions.process_logging import configure_process_logging

# The Rasa server imports the channels after setting up its log handlers.
configure_process_logging()
