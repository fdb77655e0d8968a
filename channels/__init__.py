"""The Rasa server's side of the project, loaded from credentials.yml (kept out of actions/):
input channels, the log format and a cheaper check of action-server responses."""

from actions.process_logging import configure_process_logging
from channels.action_response_check import check_action_responses_with_one_validator

# The Rasa server imports the channels after setting up its log handlers.
configure_process_logging()
check_action_responses_with_one_validator()
