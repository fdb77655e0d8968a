"""How both servers log: no customer email, phone number or street address in any line,
whichever library logs it, and JSON lines when LOG_FORMAT=json. Applied by actions/__init__.py
(action server) and rasa_server/channels/__init__.py (Rasa server), after Rasa has set up its own handlers.

The masking itself is personal_data/log_hook.py, which every process of the venv installs at
start (make install); installing it again here covers a venv set up without make."""

import datetime as dt
import json
import logging

from actions.config import log_format
from personal_data import log_hook
from personal_data.masking import mask_personal_data


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = mask_personal_data(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_process_logging() -> None:
    """Masks personal data in everything this process logs from now on (once per process),
    and formats the root handlers' lines as JSON if LOG_FORMAT=json."""
    log_hook.install()
    if log_format() == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLineFormatter())
