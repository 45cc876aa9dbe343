"""Zalo: Official Account messages (OA API v3) to followers, Zalo Notification Service
template messages (ZNS) to phone numbers, the OA's OAuth v4 tokens, and webhook signatures.

Shapes from Zalo's documentation (the URLs below) and the ``zalo-sdk`` package (PyPI):

- OAuth v4: ``POST {OAUTH}/v4/oa/access_token``, form-encoded, header ``secret_key``; body
  ``app_id``, ``grant_type=refresh_token``, ``refresh_token`` → ``access_token``,
  ``refresh_token`` (new: the old one works only once), ``expires_in`` (seconds, a string).
  https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new
- OA message: ``POST {OPENAPI}/v3.0/oa/message/cs`` (and ``/transaction``), header
  ``access_token``, JSON ``{"recipient": {"user_id"}, "message": {"text"}}`` →
  ``{"error": 0, "message": "Success", "data": {"message_id", "user_id"}}``.
  https://developers.zalo.me/docs/official-account/tin-nhan/tin-tu-van/gui-tin-tu-van-dang-van-ban
- ZNS: ``POST {BUSINESS}/message/template``, header ``access_token``, JSON ``{"phone":
  "84…", "template_id", "template_data": {…}, "tracking_id"}`` → ``{"error": 0, "data":
  {"msg_id", "sent_time", "quota": {…}}}``.
  https://developers.zalo.me/docs/zalo-notification-service/gui-tin-zns/gui-zns
- Errors arrive as HTTP 200 with a negative ``error`` (``-216``/``-124``: access token
  invalid or expired; ``-108`` phone invalid; ``-109`` template invalid…).
  https://developers.zalo.me/docs/official-account/phu-luc/ma-loi
- Webhook: header ``X-ZEvent-Signature: mac=<sha256 hex of app_id + raw body + timestamp +
  OA secret key>``, ``timestamp`` being the event's own field.
  https://developers.zalo.me/docs/official-account/webhook/tong-quan
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dantoc.channels.models import ZaloToken

# Refresh this long before the access token would expire.
REFRESH_MARGIN = datetime.timedelta(minutes=10)
TOKEN_ERRORS = {-216, -124, -14014}
# Errors about the recipient or the content: trying again cannot help.
PERMANENT_ERRORS = {-108, -109, -111, -112, -113, -118, -119, -201, -213, -230}


class ZaloError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT_ERRORS


class ZaloUnavailable(Exception):
    """Zalo could not be reached, or answered with something that is not its JSON."""


def config() -> dict:
    return dict(getattr(settings, "CHANNELS_ZALO", {}) or {})


def configured() -> bool:
    cfg = config()
    return bool(cfg.get("APP_ID") and cfg.get("OA_ID"))


@dataclass
class Endpoints:
    oauth: str
    openapi: str
    business: str


def endpoints(cfg: dict | None = None) -> Endpoints:
    cfg = cfg or config()
    return Endpoints(
        oauth=cfg.get("OAUTH_URL", "https://oauth.zaloapp.com").rstrip("/"),
        openapi=cfg.get("OPENAPI_URL", "https://openapi.zalo.me").rstrip("/"),
        business=cfg.get("BUSINESS_URL", "https://business.openapi.zalo.me").rstrip("/"),
    )


def _json(response: requests.Response) -> dict:
    if response.status_code >= 500:
        raise ZaloUnavailable(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise ZaloUnavailable(f"HTTP {response.status_code}: not JSON") from exc
    # Zalo answers errors with HTTP 200 and a negative "error".
    code = data.get("error", 0)
    if isinstance(code, str) and code.lstrip("-").isdigit():
        code = int(code)
    if code:
        raise ZaloError(int(code), str(data.get("message") or data.get("error_name") or ""))
    return data


def token_refresh(*, force: bool = False, session: requests.Session | None = None) -> ZaloToken:
    """Make sure the OA's access token is good for a while, refreshing it under a row lock.

    Two workers that find the token near expiry queue on ``select_for_update``: the first
    spends the single-use refresh token and stores the new pair in the same transaction; the
    second then reads the fresh row and refreshes nothing.
    """
    cfg = config()
    http = session or requests
    with transaction.atomic():
        token = ZaloToken.objects.select_for_update().get(oa_id=cfg["OA_ID"])
        if not force and token.expires_at - REFRESH_MARGIN > timezone.now():
            return token
        try:
            response = http.post(
                f"{endpoints(cfg).oauth}/v4/oa/access_token",
                headers={"secret_key": cfg.get("APP_SECRET", "")},
                data={
                    "app_id": cfg["APP_ID"],
                    "grant_type": "refresh_token",
                    "refresh_token": token.refresh_token,
                },
                timeout=float(cfg.get("TIMEOUT", 10)),
            )
        except requests.RequestException as exc:
            raise ZaloUnavailable(f"token refresh: {exc}") from exc
        data = _json(response)
        if not data.get("access_token") or not data.get("refresh_token"):
            raise ZaloError(-1, "token answer without access_token/refresh_token")
        token.access_token = data["access_token"]
        token.refresh_token = data["refresh_token"]
        token.expires_at = timezone.now() + datetime.timedelta(
            seconds=int(data.get("expires_in") or 3600)
        )
        token.refreshed_at = timezone.now()
        token.refresh_count += 1
        token.save()
        return token


class ZaloClient:
    def __init__(self, session: requests.Session | None = None):
        self.cfg = config()
        self.urls = endpoints(self.cfg)
        self.http = session or requests.Session()
        self.timeout = float(self.cfg.get("TIMEOUT", 10))

    def _post(self, url: str, payload: dict) -> dict:
        for attempt in (1, 2):
            token = token_refresh(force=attempt == 2, session=self.http)
            try:
                response = self.http.post(
                    url,
                    headers={"access_token": token.access_token},
                    json=payload,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise ZaloUnavailable(str(exc)) from exc
            try:
                return _json(response)
            except ZaloError as exc:
                # An access token revoked early: refresh once and try again.
                if exc.code in TOKEN_ERRORS and attempt == 1:
                    continue
                raise
        raise AssertionError("unreachable")

    def oa_text(self, *, user_id: str, text: str) -> str:
        data = self._post(
            f"{self.urls.openapi}/v3.0/oa/message/cs",
            {"recipient": {"user_id": user_id}, "message": {"text": text[:2000]}},
        )
        return str(data.get("data", {}).get("message_id", ""))

    def zns_template(self, *, phone: str, template_id: str, data: dict, tracking_id: str) -> str:
        payload = {
            "phone": phone,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": tracking_id,
        }
        if self.cfg.get("ZNS_DEVELOPMENT_MODE"):
            payload["mode"] = "development"
        answer = self._post(f"{self.urls.business}/message/template", payload)
        return str(answer.get("data", {}).get("msg_id", ""))


def signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def webhook_verify(*, body: bytes, header: str) -> dict:
    """The event of a webhook call whose ``X-ZEvent-Signature`` is right; ``ValueError``
    otherwise (the caller answers 403 and stores nothing)."""
    cfg = config()
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise ValueError("body is not JSON") from exc
    if not isinstance(event, dict):
        raise ValueError("event is not an object")
    timestamp = str(event.get("timestamp", ""))
    expected = signature(
        app_id=cfg.get("APP_ID", ""),
        body=body,
        timestamp=timestamp,
        secret=cfg.get("OA_SECRET", ""),
    )
    if not header or not hmac.compare_digest(expected, header.strip()):
        raise ValueError("bad signature")
    return event
