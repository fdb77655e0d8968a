"""The Rasa server's input channels, named in credentials.yml: Rasa's REST and socket.io
channels with input checks, server-issued conversation ids and signed-in customers."""

from actions.process_logging import configure_process_logging

# The Rasa server imports the channels after setting up its log handlers: the moment to give
# them the JSON format of LOG_FORMAT=json. Rasa's own --logging-config-file cannot: `rasa`
# installs coloredlogs after applying that file, which replaces its root handler.
configure_process_logging()
