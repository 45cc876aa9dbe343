#!/usr/bin/env bash
# Serve the platform: the web server and the background-task worker (e-mails, reminders).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Outside channels (docs/channels.md): the local SMSC simulator and the fake Zalo API only
# when asked for; otherwise the SMS and Zalo adapters stay off (/healthz says "off").
children=()
if [ "${DANTOC_SMPP_SIMULATOR:-}" = "1" ]; then
  export DANTOC_SMPP_HOST=127.0.0.1 DANTOC_SMPP_PORT="${DANTOC_SMPP_PORT:-2775}"
  mkdir -p var
  .venv/bin/python -m dantoc.channels.simulators.smsc --port "$DANTOC_SMPP_PORT" --log var/smsc.jsonl &
  children+=($!)
elif [ -z "${DANTOC_SMPP_HOST:-}" ]; then
  echo "SMS: no SMSC configured (DANTOC_SMPP_HOST); DANTOC_SMPP_SIMULATOR=1 starts the local simulator." >&2
fi
if [ "${DANTOC_ZALO_FAKE:-}" = "1" ]; then
  zport="${DANTOC_ZALO_FAKE_PORT:-8790}"
  export DANTOC_ZALO_APP_ID=1000000000000000001 DANTOC_ZALO_APP_SECRET=demo-app-secret \
    DANTOC_ZALO_OA_ID=2000000000000000002 DANTOC_ZALO_OA_SECRET=demo-oa-secret \
    DANTOC_ZALO_OAUTH_URL="http://127.0.0.1:$zport" DANTOC_ZALO_OPENAPI_URL="http://127.0.0.1:$zport" \
    DANTOC_ZALO_BUSINESS_URL="http://127.0.0.1:$zport"
  .venv/bin/python -m dantoc.channels.simulators.fake_zalo --port "$zport" \
    --webhook "http://$HOST:$PORT/kenh/zalo/webhook/" &
  children+=($!)
  .venv/bin/python manage.py channels_zalo_token --refresh-token demo-refresh-token --replace
elif [ -z "${DANTOC_ZALO_APP_ID:-}" ]; then
  echo "Zalo: no Official Account configured (DANTOC_ZALO_*); DANTOC_ZALO_FAKE=1 starts the local fake." >&2
fi
.venv/bin/python manage.py db_worker --interval 2 &
worker=$!
trap 'kill "$worker" "${children[@]}" 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --timeout 300 --access-logfile -
