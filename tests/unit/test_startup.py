"""The start-up entry of every process of the venv reads .env as make does, and the
environment wins over it; `rasa run --enable-api` gets the project's JWT secret inside the process."""

import argparse
import os

import pytest
from rasa.cli.arguments.run import add_server_arguments

from rasa_server.http_api_auth import with_project_jwt
from rasa_server.startup import env_file_assignments, load_env_file

RASA = "/srv/brightcart/.venv/bin/rasa"


def test_env_file_lines_are_read_as_make_reads_them():
    text = "\n".join([
        "# a comment=with an equals sign",
        "ACTION_SERVER_TOKEN=abc=def",
        "export LOG_FORMAT=json",
        "  WEB_PORT = 8081  ",
        "EMPTY=",
        "not a line",
        "SHOP_JWT_AUDIENCE='quoted'",
    ])
    assert env_file_assignments(text) == {
        "ACTION_SERVER_TOKEN": "abc=def", "LOG_FORMAT": "json", "WEB_PORT": "8081", "SHOP_JWT_AUDIENCE": "'quoted'",
    }


def test_the_environment_wins_over_env(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("BRIGHTCART_TEST_SET=from-file\nBRIGHTCART_TEST_UNSET=from-file\n")
    monkeypatch.setenv("BRIGHTCART_TEST_SET", "from-environment")
    monkeypatch.setenv("BRIGHTCART_TEST_UNSET", "")  # so that monkeypatch removes it again afterwards
    monkeypatch.delenv("BRIGHTCART_TEST_UNSET")
    load_env_file(env_file)
    assert os.environ["BRIGHTCART_TEST_SET"] == "from-environment"
    assert os.environ["BRIGHTCART_TEST_UNSET"] == "from-file"


def test_a_missing_env_file_changes_nothing(tmp_path):
    before = dict(os.environ)
    load_env_file(tmp_path / ".env")
    assert dict(os.environ) == before


def test_rasa_run_with_the_http_api_gets_the_projects_jwt():
    argv = [RASA, "run", "--enable-api", "--port", "5005"]
    assert with_project_jwt(argv, "s3cret") == [*argv, "--jwt-secret=s3cret", "--jwt-method", "HS256"]


def test_a_secret_that_looks_like_an_option_is_still_the_secret():
    """Generated secrets (URL-safe base64) may start with "-"; Rasa's parser must read it as the value."""
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    argv = with_project_jwt([RASA, "run", "--enable-api"], "-Xy_secret")
    assert parser.parse_args(argv[2:]).jwt_secret == "-Xy_secret"


@pytest.mark.parametrize("argv, secret", [
    ([RASA, "run", "--enable-api"], None),  # no secret: Rasa's own default (an open API) is the caller's choice
    ([RASA, "run", "--port", "5005"], "s3cret"),  # no API
    ([RASA, "run", "actions"], "s3cret"),
    ([RASA, "shell"], "s3cret"),
    ([RASA, "run", "--enable-api", "--auth-token", "token"], "s3cret"),
    ([RASA, "run", "--enable-api", "--jwt-secret=other"], "s3cret"),
    (["/usr/bin/python", "run", "--enable-api"], "s3cret"),
    ([""], "s3cret"),
    ([], "s3cret"),
])
def test_other_commands_and_chosen_authentication_are_left_alone(argv, secret):
    assert with_project_jwt(argv, secret) == argv
