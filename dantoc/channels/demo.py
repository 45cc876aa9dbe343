"""Demo outbox and subscriptions (load_demo_data; never in production): citizens of the demo
warnings' communes (Lào Cai) subscribed by SMS and Zalo, and the warnings' messages to them in
every state an administrator meets: sent, delivered, failed (with the reason) and queued.

Made through the services (queued, then marked as the adapters would mark them): loading
again changes nothing (the idempotency keys and the active-subscription constraint)."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone

from dantoc.channels import services
from dantoc.channels.models import Channel, OutboxMessage, State, Subscription, Urgency
from dantoc.geo.models import Unit

# Fictitious numbers (the 0888… block is the simulator's "undeliverable" prefix 84888).
PEOPLE = (
    ("sms", "84912000101", "02701", "vi"),
    ("sms", "84912000102", "02701", "hmn"),
    ("sms", "84888000103", "02683", "vi"),
    ("zalo_oa", "5300000000000000101", "02728", "vi"),
)


def demo_channels_load() -> dict:
    now = timezone.now()
    subs = []
    for channel, address, code, language in PEOPLE:
        commune = Unit.objects.filter(code=code, valid_to__isnull=True).first()
        if commune is None:
            continue
        sub, _created = Subscription.objects.get_or_create(
            channel=channel,
            address=address,
            commune=commune,
            unsubscribed_at=None,
            defaults={
                "language": language,
                "consent_text": services.consent_text(),
                "consent_at": now,
                "confirmed_at": now,
                "unsubscribe_token": secrets.token_urlsafe(24),
            },
        )
        subs.append(sub)
    rows = [
        {
            "channel": sub.channel,
            "address": sub.address,
            "body": "[DIEN TAP] Canh bao lu quet, sat lo dat - cap 2. Khong o gan suoi. "
            "Soan HUY de ngung nhan.",
            "urgency": Urgency.NORMAL,
            "idempotency_key": f"demo:alert:{sub.channel}:{sub.address}",
            "subscription_id": sub.pk,
        }
        for sub in subs
    ]
    queued = services.outbox_enqueue_many(rows=rows, source="demo:alert")
    # What the adapters would have recorded: one delivered, one sent, one failed, one queued.
    outcomes = {
        "84912000101": {"state": State.DELIVERED, "sent_at": now, "delivered_at": now},
        "84912000102": {"state": State.SENT, "sent_at": now},
        "84888000103": {
            "state": State.SENT,
            "sent_at": now,
            "failed_at": now,
        },
    }
    for address, fields in outcomes.items():
        OutboxMessage.objects.filter(
            idempotency_key=f"demo:alert:sms:{address}", state=State.QUEUED
        ).update(attempts=1, parts=1, **fields)
    OutboxMessage.objects.filter(
        idempotency_key="demo:alert:sms:84888000103", failed_at__isnull=False
    ).update(state=State.FAILED, last_error="delivery receipt stat:UNDELIV")
    OutboxMessage.objects.filter(
        idempotency_key__startswith="demo:alert:zalo_oa:", state=State.QUEUED
    ).update(
        attempts=2,
        next_attempt_at=now + datetime.timedelta(minutes=1),
        last_error="Zalo channel not configured (CHANNELS_ZALO)",
    )
    services.outbox_enqueue(
        channel=Channel.EMAIL,
        address="quantri@example.invalid",
        subject="[dantoc] Báo cáo bị trả lại",
        body="Báo cáo BM01 quý 3 của xã Y Tý bị trả lại để sửa.",
        idempotency_key="demo:email:1",
        source="demo:notification",
    )
    return {"subscriptions": len(subs), "queued": queued}
