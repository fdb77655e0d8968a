"""Adds an agent of the console (/agent), or gives an existing one a new password, name or queues:
python -m scripts.create_agent USERNAME [--name "Anna Berg"] [--queues orders returns ...]

The password is asked for twice on the terminal, or read from AGENT_PASSWORD (scripts, tests)."""

import argparse
import getpass
import os
import sys

from actions import clock
from actions.db.engine import default_engine
from actions.db.models import Base
from actions.db.service_desk import ServiceDesk
from actions.skill_queues import QUEUES
from agent_console.passwords import MIN_PASSWORD_LENGTH, hash_password


def read_password() -> str:
    password = os.environ.get("AGENT_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("No terminal to ask for the password: set AGENT_PASSWORD.")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise SystemExit("The passwords differ; nothing was changed.")
    return password


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("username")
    parser.add_argument("--name", help="shown to customers (default: the username)")
    parser.add_argument("--queues", nargs="*", default=[], choices=sorted(QUEUES), help="default: every queue")
    args = parser.parse_args()
    password = read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SystemExit(f"A password needs at least {MIN_PASSWORD_LENGTH} characters; nothing was changed.")
    Base.metadata.create_all(default_engine())  # a shop database from before the console
    ServiceDesk().create_agent(args.username, args.name or args.username, hash_password(password), args.queues, clock.now())
    print(f"Agent {args.username} can sign in at /agent (queues: {' '.join(args.queues) or 'all'}).")


if __name__ == "__main__":
    main()
