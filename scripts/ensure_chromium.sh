#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed, for the browser test of the chat page
# (Playwright drives /usr/bin/chromium; it never downloads a browser of its own).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get > /dev/null; then
  echo "error: /usr/bin/chromium not found; install Chromium there and re-run." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing Debian's chromium package for the browser test..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium > /dev/null
