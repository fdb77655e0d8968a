#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, the newest Python Rasa 3.6 supports.
# Looks at $PYTHON310, then python3.10 on PATH, then pyenv's 3.10.x installs.
set -uo pipefail

is_python310() {
  [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

candidates=("${PYTHON310:-}" "$(command -v python3.10 2>/dev/null)")
# A pyenv shim for python3.10 fails unless 3.10 is activated, so ask pyenv for its installs.
pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
for python in $(ls -d "$pyenv_root"/versions/3.10.*/bin/python 2>/dev/null | sort -V -r); do
  candidates+=("$python")
done

for python in "${candidates[@]}"; do
  if is_python310 "$python"; then
    echo "$python"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 not found. Rasa 3.6 runs on Python 3.8-3.10 only.
Install one and re-run make, for example:
  Debian/Ubuntu: use pyenv (https://github.com/pyenv/pyenv): pyenv install 3.10
  macOS:         brew install python@3.10
or point PYTHON310 at an existing interpreter: make PYTHON310=/path/to/python3.10 ...
MSG
exit 1
