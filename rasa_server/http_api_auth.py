"""`rasa run --enable-api` always asks for the project's JWT, without the secret on the command
line (where every local user could read it in the process list).

Rasa takes its JWT secret only as `--jwt-secret`. When the process is a `rasa run` that enables
the HTTP API and names no authentication of its own, the start-up entry (startup.py) adds
RASA_JWT_SECRET from the environment or .env to the arguments Rasa parses, inside the process.
Standard library only, as startup.py.
"""

from pathlib import Path
from typing import List, Optional

# Rasa's options that choose the HTTP API's authentication; one given, the command line decides.
AUTHENTICATION_OPTIONS = ("--jwt-secret", "--jwt-method", "--jwt-private-key", "--auth-token")


def with_project_jwt(argv: List[str], secret: Optional[str]) -> List[str]:
    """The arguments, with the JWT secret and its method added if `argv` is a `rasa run` that
    enables the HTTP API without authentication."""
    if not secret or not argv or Path(argv[0]).name != "rasa" or argv[1:2] != ["run"] or "--enable-api" not in argv:
        return argv
    if any(argument.split("=")[0] in AUTHENTICATION_OPTIONS for argument in argv):
        return argv
    # One argument: a secret that starts with "-" would otherwise read as an option.
    return [*argv, f"--jwt-secret={secret}", "--jwt-method", "HS256"]
