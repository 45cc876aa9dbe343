#!/usr/bin/env bash
# Serve the platform: the web server, the background-task worker (e-mails, reminders, the
# outbox), the Janus WebRTC Server of the meetings (loopback; its configuration and secrets
# generated in var/janus/ by `manage.py janus_config`) and, where no real SMSC or Zalo Official
# Account is configured, the local SMSC simulator and fake Zalo API (docs/channels.md), so
# every part can be tried after `make run`; and the MQTT subscriber of the devices'
# readings (DANTOC_MQTT_URL; it says so and stops when none is configured). Without Janus the platform still runs: online
# rooms say the media server is down and /healthz reports it.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
mkdir -p var
children=()
# SMS: a configured SMSC (DANTOC_SMPP_HOST), else the local simulator (DANTOC_SMPP_SIMULATOR=0: none).
if [ -z "${DANTOC_SMPP_HOST:-}" ] && [ "${DANTOC_SMPP_SIMULATOR:-1}" = "1" ]; then
  export DANTOC_SMPP_HOST=127.0.0.1 DANTOC_SMPP_PORT="${DANTOC_SMPP_PORT:-2775}"
  .venv/bin/python -m dantoc.channels.simulators.smsc --port "$DANTOC_SMPP_PORT" --log var/smsc.jsonl \
    --receipt-delay 5 &
  children+=($!)
  echo "SMS: local SMSC simulator on 127.0.0.1:$DANTOC_SMPP_PORT (no real SMSC configured)." >&2
elif [ -z "${DANTOC_SMPP_HOST:-}" ]; then
  echo "SMS: no SMSC configured (DANTOC_SMPP_HOST): SMS is off." >&2
fi
# Zalo: a configured Official Account (DANTOC_ZALO_*), else the local fake (DANTOC_ZALO_FAKE=0: none).
if [ -z "${DANTOC_ZALO_APP_ID:-}" ] && [ "${DANTOC_ZALO_FAKE:-1}" = "1" ]; then
  zport="${DANTOC_ZALO_FAKE_PORT:-8790}"
  export DANTOC_ZALO_APP_ID=1000000000000000001 DANTOC_ZALO_APP_SECRET=demo-app-secret \
    DANTOC_ZALO_OA_ID=2000000000000000002 DANTOC_ZALO_OA_SECRET=demo-oa-secret \
    DANTOC_ZALO_OAUTH_URL="http://127.0.0.1:$zport" DANTOC_ZALO_OPENAPI_URL="http://127.0.0.1:$zport" \
    DANTOC_ZALO_BUSINESS_URL="http://127.0.0.1:$zport" \
    DANTOC_ZALO_ZNS_TEMPLATE_ALERT="${DANTOC_ZALO_ZNS_TEMPLATE_ALERT:-301001}"
  .venv/bin/python -m dantoc.channels.simulators.fake_zalo --port "$zport" \
    --webhook "http://$HOST:$PORT/kenh/zalo/webhook/" &
  children+=($!)
  .venv/bin/python manage.py channels_zalo_token --refresh-token demo-refresh-token --replace
  echo "Zalo: local fake Zalo API on 127.0.0.1:$zport (no Official Account configured)." >&2
elif [ -z "${DANTOC_ZALO_APP_ID:-}" ]; then
  echo "Zalo: no Official Account configured (DANTOC_ZALO_*): Zalo is off." >&2
fi
.venv/bin/python manage.py db_worker --interval 2 &
children+=($!)
# The training part's hourly task (session reminders, the nightly recount of the 100 % goal),
# queued once; the worker keeps it going.
.venv/bin/python manage.py training_schedule
# SMS delivery receipts and replies that arrive after a batch was sent (a receiver session).
if [ -n "${DANTOC_SMPP_HOST:-}" ]; then
  .venv/bin/python manage.py channels_smpp_receiver &
  children+=($!)
fi
# Devices' readings over MQTT.
.venv/bin/python manage.py sensors_mqtt &
children+=($!)
if command -v janus >/dev/null 2>&1; then
  JANUS_DIR="$(.venv/bin/python manage.py janus_config \
    --events-url "${DANTOC_JANUS_EVENTS_URL:-http://127.0.0.1:$PORT/hop/janus/su-kien/}" | xargs dirname)"
  janus -F "$JANUS_DIR" -C "$JANUS_DIR/janus.jcfg" >"$JANUS_DIR/janus.log" 2>&1 &
  janus_pid=$!
  sleep 1
  if kill -0 "$janus_pid" 2>/dev/null; then
    children+=("$janus_pid")
  else
    echo "Janus could not start (see $JANUS_DIR/janus.log): online meetings are off." >&2
  fi
else
  echo "Janus is not installed (scripts/ensure-system-packages.sh): online meetings are off." >&2
fi
trap 'kill "${children[@]}" 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --timeout 300 --access-logfile -
