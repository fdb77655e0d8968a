#!/bin/sh
# Run by the nginx image before it fills the site template (/docker-entrypoint.d/). Without
# a certificate mounted at TLS_CERTIFICATE it makes a self-signed one for localhost, so that
# `docker compose up` serves HTTPS out of the box: browsers warn about it, so mount a real
# certificate and key (TLS_CERTIFICATE, TLS_CERTIFICATE_KEY) for anything but a demo.
set -eu
if [ -f "$TLS_CERTIFICATE" ]; then
  exit 0
fi
mkdir -p "$(dirname "$TLS_CERTIFICATE")" "$(dirname "$TLS_CERTIFICATE_KEY")"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$TLS_CERTIFICATE_KEY" -out "$TLS_CERTIFICATE" 2> /dev/null
echo "$0: no certificate at $TLS_CERTIFICATE; made a self-signed one for localhost (a demo only)"
