#!/usr/bin/env bash
# Serve the platform: the web server, the background-task worker (e-mails, reminders) and the
# Janus WebRTC Server of the meetings (loopback; its configuration and secrets generated in
# var/janus/ by `manage.py janus_config`). Without Janus the platform still runs: online rooms
# say the media server is down and /healthz reports it.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
.venv/bin/python manage.py db_worker --interval 2 &
worker=$!
janus_pid=""
if command -v janus >/dev/null 2>&1; then
  JANUS_DIR="$(.venv/bin/python manage.py janus_config \
    --events-url "${DANTOC_JANUS_EVENTS_URL:-http://127.0.0.1:$PORT/hop/janus/su-kien/}" | xargs dirname)"
  janus -F "$JANUS_DIR" -C "$JANUS_DIR/janus.jcfg" >"$JANUS_DIR/janus.log" 2>&1 &
  janus_pid=$!
  sleep 1
  if ! kill -0 "$janus_pid" 2>/dev/null; then
    echo "Janus could not start (see $JANUS_DIR/janus.log): online meetings are off." >&2
    janus_pid=""
  fi
else
  echo "Janus is not installed (scripts/ensure-system-packages.sh): online meetings are off." >&2
fi
trap 'kill "$worker" $janus_pid 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --timeout 300 --access-logfile -
