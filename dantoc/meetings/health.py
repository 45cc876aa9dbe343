"""``/healthz``'s report of the media server (Janus): reachable, its version.

"off" while meetings have no media server here (``DANTOC_JANUS_URL`` empty, or Janus never
configured: no generated secrets in ``JANUS_DIR``); "error" when it is configured but does
not answer."""

from __future__ import annotations

import requests
from django.conf import settings

from dantoc.meetings import janus


def janus_health() -> dict:
    if not settings.JANUS_URL or janus.endpoint() is None:
        return {"status": "off"}
    try:
        answer = requests.post(
            settings.JANUS_URL.rstrip("/"),
            json={"janus": "info", "transaction": "health"},
            timeout=1.5,
        )
        info = answer.json()
    except (requests.RequestException, ValueError) as exc:
        return {"status": "error", "error": type(exc).__name__}
    if info.get("janus") != "server_info":
        return {"status": "error", "error": "unexpected answer"}
    return {
        "status": "ok",
        "version": info.get("version_string", ""),
        "videoroom": janus.PLUGIN in info.get("plugins", {}),
    }
