#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries are installed, for the tests that run the
# data layer against a real PostgreSQL (they start their own throwaway server).
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null; then
  exit 0
fi
if ! command -v apt-get > /dev/null; then
  echo "error: PostgreSQL server binaries not found; install PostgreSQL 13+ and re-run." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing Debian's postgresql package for the tests..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql > /dev/null
