"""``/healthz`` checks of the channel adapters (declared as ``health_checks``)."""

from __future__ import annotations

from django.utils import timezone

from dantoc.channels import sms, zalo
from dantoc.channels.models import OutboxMessage, State, ZaloToken


def _backlog() -> dict:
    return {
        "queued": OutboxMessage.objects.filter(state=State.QUEUED).count(),
        "failed": OutboxMessage.objects.filter(state=State.FAILED).count(),
    }


def sms_check() -> dict:
    if not sms.configured():
        return {"status": "off"}
    cfg = dict(sms.config(), TIMEOUT=1.5)
    try:
        sms.SmppGateway(cfg).check()
    except sms.SmppUnavailable as exc:
        return {"status": "error", "error": str(exc)[:200], **_backlog()}
    return {"status": "ok", **_backlog()}


def zalo_check() -> dict:
    if not zalo.configured():
        return {"status": "off"}
    token = ZaloToken.objects.filter(oa_id=zalo.config()["OA_ID"]).first()
    if token is None:
        return {"status": "error", "error": "no OA token: authorise the Official Account"}
    if token.expires_at <= timezone.now():
        # The next send refreshes it; an expired access token is normal between sends.
        return {"status": "ok", "token": "expired, refreshed on next send"}
    return {"status": "ok", "token_expires": token.expires_at.isoformat()}
