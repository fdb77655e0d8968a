import json
import logging

import pytest

from actions.process_logging import JsonLineFormatter, configure_process_logging, mask_personal_data


@pytest.mark.parametrize(
    "line, logged",
    [
        ("contact anna.berg@example.com now", "contact a***@example.com now"),
        ("Received user message 'my mail is Jan_H@shop.example.org'", "Received user message 'my mail is J***@shop.example.org'"),
        ("phone +49 151 2345678 given", "phone +49*** given"),
        ("call 030-90182044", "call 030***"),
        ("order 482913 shipped", "order 482913 shipped"),
        ("tracking JJD000000000000700000", "tracking JJD000000000000700000"),
        ("at 2026-11-23 23:45:00 in 12.5 s", "at 2026-11-23 23:45:00 in 12.5 s"),
        ("invoice INV-204518", "invoice INV-204518"),
    ],
)
def test_emails_and_phone_numbers_are_masked_and_other_numbers_kept(line, logged):
    assert mask_personal_data(line) == logged


def test_every_logger_of_the_process_masks_once_configured(caplog, monkeypatch):
    configure_process_logging()
    configure_process_logging()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("user %s wrote from %s", "lea@example.com", "+49 30 1234567")
    assert caplog.records[-1].getMessage() == "user l***@example.com wrote from +49***"


def test_json_lines_carry_time_level_logger_and_message():
    record = logging.LogRecord("actions.shop", logging.WARNING, __file__, 1, "slow query %s", ("orders",), None)
    entry = json.loads(JsonLineFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "actions.shop"
    assert entry["message"] == "slow query orders" and entry["time"].endswith("+00:00")


def test_json_format_is_chosen_by_log_format(monkeypatch):
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        monkeypatch.setenv("LOG_FORMAT", "json")
        configure_process_logging()
        assert isinstance(handler.formatter, JsonLineFormatter)
    finally:
        root.removeHandler(handler)
