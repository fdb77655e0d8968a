"""`make run`, `make shell` and the test servers give the Rasa server the same settings."""

import json
import os
import subprocess
import sys

from actions.config import PROJECT_DIR
from harness.local_servers import Assistant, rasa_server, rasa_server_settings



def test_settings_are_read_from_the_env_file():
    settings = rasa_server_settings()
    assert settings == {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1",
                        "TF_ENABLE_ONEDNN_OPTS": "0"}


def test_test_servers_get_the_settings_over_the_callers(tmp_path):
    server = rasa_server(5005, tmp_path / "model.tar.gz", {"USE_TF": "0", "PATH": "/bin"}, tmp_path)
    assert server.env["PATH"] == "/bin"
    assert {key: server.env[key] for key in rasa_server_settings()} == rasa_server_settings()


def test_an_earlier_checkout_runs_with_its_own_settings(tmp_path):
    """`make bench BEFORE=`: the servers of an earlier checkout get that checkout's settings."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "rasa_server.env").write_text("# older\nUSE_TF=1\n")
    server = rasa_server(5005, tmp_path / "model.tar.gz", {"PATH": "/bin"}, tmp_path, project=tmp_path)
    assert rasa_server_settings(tmp_path) == {"USE_TF": "1"}
    assert server.project == tmp_path
    assert "TF_ENABLE_ONEDNN_OPTS" not in server.env


def test_make_run_wrapper_sources_the_same_file():
    """Sourced as scripts/with_action_server.sh does, the file gives the same variables."""
    print_environment = f'{sys.executable} -c "import json, os; print(json.dumps(dict(os.environ)))"'
    shell = f"set -a; . scripts/rasa_server.env; set +a; {print_environment}"
    output = subprocess.run(["bash", "-c", shell], cwd=PROJECT_DIR, env={"PATH": os.environ["PATH"]},
                            capture_output=True, text=True, check=True).stdout
    environment = json.loads(output)
    assert {key: environment[key] for key in rasa_server_settings()} == rasa_server_settings()
    assert ". scripts/rasa_server.env" in (PROJECT_DIR / "scripts" / "with_action_server.sh").read_text()


def test_an_earlier_checkouts_code_comes_first_on_the_path(tmp_path):
    """The venv's .pth names this checkout; an earlier one's servers must import their own actions."""
    model = tmp_path / "models" / "assistant.tar.gz"
    model.parent.mkdir()
    model.touch()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "rasa_server.env").write_text("USE_TF=1\n")
    earlier = Assistant(tmp_path, "sqlite://", model=model, project=tmp_path)
    assert earlier.actions.env["PYTHONPATH"] == earlier.rasa.env["PYTHONPATH"] == str(tmp_path)
    assert earlier.actions.project == earlier.rasa.project == tmp_path
    this_checkout = Assistant(tmp_path, "sqlite://", model=model).actions.env
    assert this_checkout.get("PYTHONPATH") == os.environ.get("PYTHONPATH")
