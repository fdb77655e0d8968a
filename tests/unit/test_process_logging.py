"""No email, phone number or street address in any log line of any process: the masking
rules, the log record hook (messages, tracebacks), structlog, uncaught exceptions, and the
.pth entry that installs the hook in every Python process of the venv."""

import json
import logging
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from actions.process_logging import JsonLineFormatter, configure_process_logging
from personal_data.masking import mask_personal_data
from actions.config import PROJECT_DIR

EMAIL, PHONE, STREET = "anna.berg@example.com", "+49 151 2345678", "Kastanienallee 7"


@pytest.mark.parametrize(
    "line, logged",
    [
        ("contact anna.berg@example.com now", "contact a***@example.com now"),
        ("Received user message 'my mail is Jan_H@shop.example.org'", "Received user message 'my mail is J***@shop.example.org'"),
        ('{"text": "lea\\u00e9@example.com"}', '{"text": "l***@example.com"}'),
    ],
)
def test_emails_are_masked_to_their_first_letter_and_domain(line, logged):
    assert mask_personal_data(line) == logged


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("+49 151 2345678", "+49***"),
        ("+491512345678", "+49***"),
        ("0049 30 1234567", "004***"),
        ("030-90182044", "030***"),
        ("0151/2345678", "015***"),
        ("0151 / 234 56 78", "015***"),
        ("(030) 901820", "(03***"),
        ("+49 (0)30 1234567", "+49***"),
        ("+1 (503) 555-0123", "+1 ***"),
        ("01.23.45.67.89", "01.***"),
        ("2345678", "234***"),  # 7 digits
        ("901 82044", "901***"),  # 8 digits, local number without area code
        ("555-0123", "555***"),
        ("+44 7700 900123", "+44***"),
        ("+43664123456789", "+43***"),  # 14 digits
    ],
)
def test_phone_numbers_of_7_to_15_digits_are_masked_in_every_format(phone, masked):
    assert mask_personal_data(f"call me on {phone}, thanks") == f"call me on {masked}, thanks"
    assert mask_personal_data(f"tel:{phone}") == f"tel:{masked}"


@pytest.mark.parametrize(
    "line",
    [
        "order 482913 shipped",
        "orders [482913, 482914] and 4829",
        "tracking JJD000000000000700000",
        "tracking 1Z999AA10123456784",
        "at 2026-11-23 23:45:00 in 12.5 s",
        "at 2026-11-23T23:45:00.123456+00:00",
        "delivered 23.11.2026 or 11/23/2026",
        "invoice INV-204518 and INV-2045189",
        "timestamp 1764921212.8231041",
        "confidence 0.9993476867675781",
        "server 192.168.100.200 port 127.0.0.1:5005",
        "conversation 5f0e9c1a2b3d4e5f60718293a4b5c6d7 id 123e4567-e89b-12d3-a456-426614174000",
        "GET /conversations/01512345678/tracker",
        "your order is on its way.",
        "the postcode 10115 in Berlin",
    ],
)
def test_order_numbers_tracking_numbers_with_letters_dates_times_and_ids_stay_readable(line):
    assert mask_personal_data(line) == line


def test_long_bare_digit_runs_such_as_all_digit_tracking_numbers_are_masked_like_phone_numbers():
    # A phone number typed without spaces looks the same as a 12-14-digit DPD, GLS or Hermes number.
    assert mask_personal_data("DPD 01505012345678") == "DPD 015***"
    assert mask_personal_data("card 4111 1111 1111 1111") == "card 411***"


@pytest.mark.parametrize(
    "street",
    [
        "Kastanienallee 7", "Lindenstraße 12", "Lindenstrasse 12a", "Hauptstr. 5", "Rosenweg 3",
        "Mariahilfer Straße 120", "Van Baerlestraat 5", "Via Roma 12", "Calle de Alcalá 5",
        "221B Baker Street", "12 rue Victor Hugo", "5 NW 23rd Ave", "Am Stadtpark 5",
    ],
)
def test_street_addresses_with_a_house_number_are_masked(street):
    masked = mask_personal_data(f"Please send it to: {street}, 10115 Berlin")
    assert street not in masked and street.split()[-1] not in masked.split(",")[0]
    assert masked.endswith("***, 10115 Berlin")


def test_json_escaped_letters_are_read_as_letters():
    assert mask_personal_data('{"text": "Lindenstra\\u00dfe 12"}') == '{"text": "Li***"}'


def test_every_logger_of_the_process_masks_once_configured(caplog):
    configure_process_logging()
    configure_process_logging()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("user %s wrote from %s", "lea@example.com", "+49 30 1234567")
    assert caplog.records[-1].getMessage() == "user l***@example.com wrote from +49***"


def test_tracebacks_and_stack_traces_in_log_records_are_masked(caplog):
    configure_process_logging()
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"bad address: {STREET} / {EMAIL} / {PHONE}")
        except ValueError:
            logging.getLogger("rasa_sdk.executor").exception("action failed")
        logging.getLogger("actions").info("here", stack_info=True)  # stack shows: anna.berg@example.com
    assert "ValueError: bad address: Ka*** / a***@example.com / +49***" in caplog.text
    assert "# stack shows: a***@example.com" in caplog.text
    assert all(secret not in caplog.text for secret in (EMAIL, PHONE, STREET))


def test_json_lines_carry_time_level_logger_message_and_a_masked_exception():
    try:
        raise KeyError(EMAIL)
    except KeyError:
        record = logging.LogRecord("actions.shop", logging.WARNING, __file__, 1, "slow query %s", ("orders",), sys.exc_info())
    entry = json.loads(JsonLineFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "actions.shop"
    assert entry["message"] == "slow query orders" and entry["time"].endswith("+00:00")
    assert "a***@example.com" in entry["exception"] and EMAIL not in entry["exception"]


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


# --- every process: a fresh interpreter of the venv, started outside the project ---
def python_output(code: str, cwd) -> str:
    """stdout and stderr of `code` run by a new Python process of the venv in `cwd`."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": ""}, timeout=300,
    )
    return done.stdout + done.stderr


def assert_masked(output: str, *expected: str) -> None:
    assert all(secret not in output for secret in (EMAIL, PHONE, STREET)), output
    assert all(part in output for part in expected), output


def test_the_venv_masks_every_python_process_from_its_start(tmp_path):
    """make install's .pth file: nothing of the project is imported, and still masked."""
    output = python_output(f"""
        import logging, threading
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("anything").info("write to %s or %s", "{EMAIL}", "{PHONE}")
        thread = threading.Thread(target=lambda: {{}}["{STREET}"])
        thread.start(); thread.join()
        raise RuntimeError("uncaught: {EMAIL}")
    """, tmp_path)
    assert_masked(output, "write to a***@example.com or +49***", "KeyError: 'Ka***'", "RuntimeError: uncaught: a***@example.com")


def test_structlog_lines_are_masked_before_anything_configures_structlog(tmp_path):
    output = python_output(f"""
        import structlog
        structlog.get_logger().debug("rest.message.received.failure", text="{EMAIL}, {PHONE}, {STREET}")
        try:
            raise ValueError("{EMAIL}")
        except ValueError:
            structlog.get_logger().exception("processor.failure")
    """, tmp_path)
    assert_masked(output, "rest.message.received.failure", "a***@example.com", "+49***", "Ka***")


def test_rasa_structlog_events_reach_the_masked_log_records(tmp_path):
    """As every `rasa` command configures structlog: its JSON lines go through stdlib logging,
    with non-ASCII letters escaped."""
    street = "Mühlenstraße 7"
    output = python_output(f"""
        import logging
        from rasa.utils.log_utils import configure_structlog
        configure_structlog(logging.DEBUG)
        import structlog
        structlog.get_logger().debug("processor.message.parse", parse_data_text="{street}")
        try:
            raise ValueError("{PHONE}")
        except ValueError:
            structlog.get_logger().exception("rest.message.received.failure", text="{EMAIL}")
    """, tmp_path)
    assert_masked(output, "processor.message.parse", '"Mü***"', "a***@example.com", "+49***")
    assert "M\\u00fchlenstra\\u00dfe" not in output and street not in output


def test_the_pth_entry_of_make_install_runs_the_start_up_of_this_project():
    pth = Path(sysconfig.get_paths()["purelib"]) / "brightcart.pth"
    assert pth.exists(), "run `make install`: it writes the .pth file that runs rasa_server/startup.py"
    assert pth.read_text().splitlines() == [
        str(PROJECT_DIR), "import rasa_server.startup; rasa_server.startup.start()",
    ]
