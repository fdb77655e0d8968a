#!/usr/bin/env bash
# Starts the action server, waits until it answers, runs the given command
# (rasa run or rasa shell) and stops the action server when that command ends.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONS_PORT="${ACTIONS_PORT:-5055}"

# USE_TF=0: transformers would import TensorFlow next to torch in the action server.
USE_TF=0 .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true' EXIT

.venv/bin/python scripts/wait_for_http.py "http://localhost:$ACTIONS_PORT/health" 120

"$@"
