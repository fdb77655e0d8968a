#!/usr/bin/env bash
# Starts the action server, waits until it answers, runs the given command
# (rasa run or rasa shell) and stops the action server when that command ends.
# With `--web-port PORT` first, it also serves the chat page (web/) on PORT meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONS_PORT="${ACTIONS_PORT:-5055}"
web_port=""
if [ "${1:-}" = "--web-port" ]; then
  web_port="$2"
  shift 2
fi

# USE_TF=0: the action server needs only transformers' tokenizers, not TensorFlow.
USE_TF=0 .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" &
server_pids=("$!")
trap 'kill "${server_pids[@]}" 2>/dev/null || true; wait "${server_pids[@]}" 2>/dev/null || true' EXIT
if [ -n "$web_port" ]; then
  .venv/bin/python scripts/serve_web.py --port "$web_port" --rasa-url "http://localhost:${RASA_PORT:-5005}" &
  server_pids+=("$!")
  .venv/bin/python scripts/wait_for_http.py "http://localhost:$web_port/" 30
fi

.venv/bin/python scripts/wait_for_http.py "http://localhost:$ACTIONS_PORT/health" 120

# The Rasa server's process settings (TensorFlow only, threads): see the file.
set -a
. scripts/rasa_server.env
set +a
"$@"
