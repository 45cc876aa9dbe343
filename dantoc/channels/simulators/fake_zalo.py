"""A local fake of Zalo's Open API, built from Zalo's documented request and response
shapes (see ``dantoc/channels/zalo.py`` for the URLs), for tests, demos and benchmarks:

    python -m dantoc.channels.simulators.fake_zalo --port 8790 \
        --app-id 123 --app-secret s3cret --oa-secret oasecret --refresh-token r0 \
        --webhook http://127.0.0.1:8000/kenh/zalo/webhook/

- ``POST /v4/oa/access_token``: checks ``secret_key`` and ``app_id``; a refresh token works
  ONCE (a second use answers error -14014), each answer holds a new pair;
- ``POST /v3.0/oa/message/cs`` and ``/transaction``: header ``access_token``; errors as HTTP
  200 with a negative ``error`` (-216 token invalid, -213 not a follower, -201 bad params);
- ``POST /message/template`` (ZNS): phone ``84…`` (-108; ``84777…`` has no Zalo account:
  -118), an approved template (-109), every
  parameter of the template (-111/-112); then a signed ``user_received_message`` event to
  ``--webhook`` if given;
- ``GET /_fake/state``: what the fake received (tests read it); ``POST /_fake/revoke``: make
  the current access token invalid before its time; ``POST /_fake/follow``: a user follows
  the OA (a signed ``follow`` event goes to the webhook).

Imports no Django code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TEMPLATES = {
    # template id: its parameters (an approved "custom" template, tag 1 Transaction).
    "301001": ("commune", "hazard", "level", "until"),
}
# Phone numbers with no Zalo account behind them (ZNS answers -118).
NO_ZALO_PREFIX = "84777"
ACCESS_SECONDS = 90000  # 25 h, as Zalo answers today


class FakeZalo:
    def __init__(self, *, app_id, app_secret, oa_id, oa_secret, refresh_token, webhook=""):
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_id = oa_id
        self.oa_secret = oa_secret
        self.webhook = webhook
        self.lock = threading.Lock()
        self.refresh_tokens = {refresh_token}
        self.access_tokens: dict[str, float] = {}
        self.followers: set[str] = set()
        self.refreshes = 0
        self.refused_refreshes = 0
        self.messages: list[dict] = []
        self.events: list[dict] = []

    def sign(self, body: bytes, timestamp: str) -> str:
        raw = self.app_id.encode() + body + timestamp.encode() + self.oa_secret.encode()
        return "mac=" + hashlib.sha256(raw).hexdigest()

    def event(self, name: str, **fields) -> tuple[bytes, dict]:
        timestamp = str(int(time.time() * 1000))
        event = {"app_id": self.app_id, "event_name": name, "timestamp": timestamp, **fields}
        body = json.dumps(event, ensure_ascii=False).encode()
        return body, {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": self.sign(body, timestamp),
        }

    def push(self, name: str, **fields) -> None:
        body, headers = self.event(name, **fields)
        self.events.append(json.loads(body))
        if not self.webhook:
            return

        def post():
            request = urllib.request.Request(self.webhook, data=body, headers=headers)
            try:
                urllib.request.urlopen(request, timeout=5).read()
            except Exception as exc:  # the platform being down loses the event, as at Zalo
                print(f"webhook {name} not delivered: {exc}", flush=True)

        threading.Thread(target=post, daemon=True).start()

    # --- endpoints ------------------------------------------------------------------------

    def access_token(self, headers, form) -> dict:
        get = lambda k: (form.get(k) or [""])[0]  # noqa: E731
        if headers.get("secret_key") != self.app_secret or get("app_id") != self.app_id:
            return {"error": -14002, "error_name": "Invalid app", "error_reason": "app"}
        if get("grant_type") != "refresh_token":
            return {"error": -14001, "error_name": "Invalid parameter"}
        with self.lock:
            token = get("refresh_token")
            if token not in self.refresh_tokens:
                self.refused_refreshes += 1
                return {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_reason": "refresh token used or expired",
                }
            self.refresh_tokens.discard(token)  # single use
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self.refresh_tokens.add(refresh)
            self.access_tokens[access] = time.time() + ACCESS_SECONDS
            self.refreshes += 1
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(ACCESS_SECONDS)}

    def _token_ok(self, headers) -> bool:
        expiry = self.access_tokens.get(headers.get("access_token", ""))
        return expiry is not None and expiry > time.time()

    def oa_message(self, headers, payload, kind) -> dict:
        if not self._token_ok(headers):
            return {"error": -216, "message": "Access token is invalid"}
        user_id = str((payload.get("recipient") or {}).get("user_id", ""))
        text = (payload.get("message") or {}).get("text")
        if not user_id or not isinstance(text, str) or not text:
            return {"error": -201, "message": "Parameters are invalid"}
        if user_id not in self.followers:
            return {"error": -213, "message": "User has not followed OA"}
        message_id = secrets.token_hex(16)
        self.messages.append({"kind": kind, "user_id": user_id, "text": text, "id": message_id})
        return {
            "error": 0,
            "message": "Success",
            "data": {"message_id": message_id, "user_id": user_id},
        }

    def zns(self, headers, payload) -> dict:
        if not self._token_ok(headers):
            return {"error": -124, "message": "Access token is invalid"}
        phone = str(payload.get("phone", ""))
        if not re.fullmatch(r"84\d{9}", phone):
            return {"error": -108, "message": "Phone number is invalid"}
        if phone.startswith(NO_ZALO_PREFIX):
            return {"error": -118, "message": "Zalo account not existed or inactive"}
        params = TEMPLATES.get(str(payload.get("template_id", "")))
        if params is None:
            return {"error": -109, "message": "Template ID is invalid"}
        data = payload.get("template_data")
        if not isinstance(data, dict) or not data:
            return {"error": -111, "message": "Template data is empty"}
        if set(data) != set(params) or any(not isinstance(v, str) for v in data.values()):
            return {"error": -112, "message": "Template data is invalid"}
        msg_id = secrets.token_hex(16)
        sent = str(int(time.time() * 1000))
        self.messages.append({"kind": "zns", "phone": phone, "data": data, "id": msg_id})
        tracking = str(payload.get("tracking_id", ""))
        self.push(
            "user_received_message",
            sender={"id": self.oa_id},
            recipient={"id": phone},
            message={"msg_id": msg_id, "tracking_id": tracking, "delivery_time": sent},
        )
        return {
            "error": 0,
            "message": "Success",
            "data": {
                "msg_id": msg_id,
                "sent_time": sent,
                "sending_mode": "1",
                "quota": {"dailyQuota": "500", "remainingQuota": "499"},
            },
        }

    def state(self) -> dict:
        return {
            "refreshes": self.refreshes,
            "refused_refreshes": self.refused_refreshes,
            "messages": self.messages,
            "followers": sorted(self.followers),
            "events": self.events,
        }


def handler_for(fake: FakeZalo):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, data: dict, status: int = 200) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/_fake/state":
                return self._answer(fake.state())
            return self._answer({"error": -404, "message": "not found"}, 404)

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path == "/v4/oa/access_token":
                return self._answer(fake.access_token(headers, parse_qs(raw.decode())))
            try:
                payload = json.loads(raw or b"{}")
            except ValueError:
                return self._answer({"error": -201, "message": "Parameters are invalid"})
            if self.path in ("/v3.0/oa/message/cs", "/v3.0/oa/message/transaction"):
                return self._answer(fake.oa_message(headers, payload, self.path.rsplit("/", 1)[1]))
            if self.path == "/message/template":
                return self._answer(fake.zns(headers, payload))
            if self.path == "/_fake/revoke":
                fake.access_tokens.clear()
                return self._answer({"error": 0})
            if self.path == "/_fake/follow":
                user_id = str(payload["user_id"])
                fake.followers.add(user_id)
                fake.push("follow", oa_id=fake.oa_id, follower={"id": user_id}, source="oa_profile")
                return self._answer({"error": 0})
            if self.path == "/_fake/text":
                # A follower writes to the OA (what the webhook reports as user_send_text).
                fake.push(
                    "user_send_text",
                    sender={"id": str(payload["user_id"])},
                    recipient={"id": fake.oa_id},
                    message={"text": str(payload["text"]), "msg_id": secrets.token_hex(8)},
                )
                return self._answer({"error": 0})
            return self._answer({"error": -404, "message": "not found"}, 404)

    return Handler


def start(fake: FakeZalo, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Serve ``fake`` in a thread of this process (tests); returns the server."""
    server = ThreadingHTTPServer((host, port), handler_for(fake))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A local fake of Zalo's Open API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--app-id", default="1000000000000000001")
    parser.add_argument("--app-secret", default="demo-app-secret")
    parser.add_argument("--oa-id", default="2000000000000000002")
    parser.add_argument("--oa-secret", default="demo-oa-secret")
    parser.add_argument("--refresh-token", default="demo-refresh-token")
    parser.add_argument("--webhook", default="")
    args = parser.parse_args(argv)
    fake = FakeZalo(
        app_id=args.app_id,
        app_secret=args.app_secret,
        oa_id=args.oa_id,
        oa_secret=args.oa_secret,
        refresh_token=args.refresh_token,
        webhook=args.webhook,
    )
    server = ThreadingHTTPServer((args.host, args.port), handler_for(fake))
    print(f"fake Zalo listening on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
