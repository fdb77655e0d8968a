"""How both servers log: no customer email or phone number in any line, whichever library
logs it, and JSON lines when LOG_FORMAT=json. Applied by actions/__init__.py (action
server) and channels/__init__.py (Rasa server), after Rasa has set up its own handlers."""

import datetime as dt
import json
import logging
import re

from actions.config import log_format
from actions.privacy import mask_email

_EMAIL = re.compile(r"[^\s@'\"<>(),;:\[\]]+@[^\s@'\"<>(),;:\[\]]+\.[A-Za-z]{2,}")
# 9 to 15 digits, optionally with a leading + and single spaces, dashes or slashes between
# them. Not inside a longer token, so ids, tracking numbers, dates and times stay readable.
_PHONE = re.compile(r"(?<![\w+:./-])\+?\d(?:[ /-]?\d){8,14}(?![\w:./-])")


def mask_personal_data(text: str) -> str:
    """"write to anna.berg@example.com or +49 151 2345678" -> "write to a***@example.com or +49***"."""
    text = _EMAIL.sub(lambda match: mask_email(match.group()), text)
    return _PHONE.sub(lambda match: match.group()[:3] + "***", text)


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
            entry["exception"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _masking(make_record):
    def make_masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: logging reports it when the record is emitted
            return record
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return record

    make_masked_record.masks_personal_data = True
    return make_masked_record


def configure_process_logging() -> None:
    """Masks personal data in every log record of this process from now on (once per
    process), and formats the root handlers' lines as JSON if LOG_FORMAT=json."""
    make_record = logging.getLogRecordFactory()
    if not getattr(make_record, "masks_personal_data", False):
        logging.setLogRecordFactory(_masking(make_record))
    if log_format() == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLineFormatter())
