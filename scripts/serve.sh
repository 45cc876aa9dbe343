#!/usr/bin/env bash
# Serve the platform: the web server and the background-task worker (e-mails, reminders) and
# the MQTT subscriber of the devices' readings.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
.venv/bin/python manage.py db_worker --interval 2 &
worker=$!
# Devices' readings over MQTT (DANTOC_MQTT_URL; says so and stops when none is configured).
.venv/bin/python manage.py sensors_mqtt &
mqtt=$!
trap 'kill "$worker" "$mqtt" 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --timeout 300 --access-logfile -
