"""``/healthz``'s report of the media server (Janus): reachable, its version."""

from __future__ import annotations

import requests
from django.conf import settings

from dantoc.meetings import janus


def janus_health() -> dict:
    if not settings.JANUS_URL:
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
        "status": "ok" if janus.endpoint() is not None else "error",
        "version": info.get("version_string", ""),
        "videoroom": janus.PLUGIN in info.get("plugins", {}),
        **({} if janus.endpoint() is not None else {"error": "no generated secrets"}),
    }
