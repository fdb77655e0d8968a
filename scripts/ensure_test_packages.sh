#!/usr/bin/env bash
# Installs the Debian packages the tests run for real, if missing: PostgreSQL server
# binaries (the data-layer tests start their own throwaway server), Chromium (the
# browser test drives /usr/bin/chromium; Playwright never downloads a browser), and
# Redis and nginx (the scale-out test starts its own).
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server > /dev/null || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get > /dev/null; then
  echo "error: missing ${missing[*]} (PostgreSQL 13+ server binaries, /usr/bin/chromium, redis-server, nginx); install them and re-run." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing Debian packages for the tests: ${missing[*]}..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
