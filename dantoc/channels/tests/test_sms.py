"""SMS through the outbox to a real SMPP 3.4 peer (the SMSC simulator process)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dantoc.audit.models import AuditEntry
from dantoc.channels import services
from dantoc.channels.models import Channel, OutboxMessage, State
from dantoc.channels.text import phone_masked, phone_normalise, sms_parts, unaccent

pytestmark = pytest.mark.django_db

ALERT_VI = (
    "Cảnh báo lũ quét: xã Y Tý, mưa rất to đêm nay. Người dân tránh xa suối, "
    "đến nơi an toàn ngay theo hướng dẫn của thôn bản."
)


def joined(records: list[dict], destination: str) -> list[str]:
    """The texts a phone would show: UDH parts joined by reference and sequence."""
    texts, partial = [], {}
    for r in records:
        if r["destination_addr"] != destination:
            continue
        raw = bytes.fromhex(r["short_message"])
        codec = "utf-16-be" if r["data_coding"] == 8 else "latin-1"
        if r["esm_class"] & 0x40:
            udhl = raw[0]
            ref, total, seq = raw[3], raw[4], raw[5]  # IEI 0x00, length 3
            partial.setdefault(ref, {})[seq] = raw[1 + udhl :]
            if len(partial[ref]) == total:
                parts = partial.pop(ref)
                texts.append(b"".join(parts[i] for i in range(1, total + 1)).decode(codec))
        else:
            texts.append(raw.decode(codec))
    return texts


def queue(address: str, body: str = ALERT_VI, key: str | None = None) -> OutboxMessage:
    return services.outbox_enqueue(
        channel=Channel.SMS,
        address=address,
        body=body,
        idempotency_key=key or f"test:{address}",
        source="test",
    )


def test_phone_numbers_text_variants_and_part_counts():
    assert phone_normalise("0912 345 678") == "84912345678"
    assert phone_normalise("+84912345678") == "84912345678"
    with pytest.raises(ValidationError):
        phone_normalise("12345")
    assert phone_masked("84912345678") == "8491••••678"
    assert unaccent("Cảnh báo lũ quét ở Đồng Văn") == "Canh bao lu quet o Dong Van"
    assert sms_parts("x" * 160) == 1 and sms_parts("x" * 161) == 2
    assert sms_parts("ả" * 70) == 1 and sms_parts("ả" * 71) == 2


def test_a_long_vietnamese_message_goes_as_ucs2_parts_from_the_brandname_and_is_delivered(smsc, db):
    message = queue("84862000001")
    counts = services.outbox_send_due()
    assert counts["sent"] == 1
    records = smsc.records()
    assert len(records) == sms_parts(ALERT_VI) == 2
    assert {r["data_coding"] for r in records} == {8}
    assert all(r["esm_class"] & 0x40 for r in records)  # a UDH in every part
    assert {(r["source_addr"], r["source_addr_ton"]) for r in records} == {("UBND-LAOCAI", 5)}
    assert joined(records, "84862000001") == [ALERT_VI]
    message.refresh_from_db()
    # The receipts (deliver_sm, esm_class 4) came back in the session and matched both parts.
    assert message.state == State.DELIVERED
    assert sorted(message.receipts.values_list("provider_id", flat=True)) == sorted(
        r["message_id"] for r in records
    )
    assert set(message.receipts.values_list("status", flat=True)) == {"DELIVRD"}


def test_an_operator_requiring_unaccented_text_gets_gsm_without_diacritics(smsc, db):
    queue("84912000002")  # prefix 8491 configured as "không dấu"
    services.outbox_send_due()
    records = smsc.records()
    assert {r["data_coding"] for r in records} == {0}
    assert joined(records, "84912000002") == [unaccent(ALERT_VI)]


def test_undeliverable_and_rejected_numbers_fail_with_their_reason(smsc, db):
    undeliverable = queue("84888000003")
    rejected = queue("84999000004")
    services.outbox_send_due()
    undeliverable.refresh_from_db()
    rejected.refresh_from_db()
    assert undeliverable.state == State.FAILED
    assert "UNDELIV" in undeliverable.last_error
    assert rejected.state == State.FAILED
    assert "0x0000000B" in rejected.last_error  # ESME_RINVDSTADR: no retry


def test_a_retried_request_queues_one_message_and_it_is_sent_once(smsc, db):
    first = queue("84862000005", key="alert:x:sms:84862000005")
    again = queue("84862000005", key="alert:x:sms:84862000005")
    assert first.pk == again.pk
    assert OutboxMessage.objects.filter(idempotency_key="alert:x:sms:84862000005").count() == 1
    services.outbox_send_due()
    services.outbox_send_due()  # nothing left to send
    assert len(joined(smsc.records(), "84862000005")) == 1
    assert AuditEntry.objects.filter(action="channels.outbox_queued").exists()


def test_a_connection_dropped_mid_send_leaves_the_rest_queued_and_each_is_sent_once(
    smsc, db, settings
):
    """With a window of 1 every accepted submit_sm was answered before the next one left, so
    the drop is on a message the SMSC never took: each is sent once. (With a wider window, a
    message in flight at the drop has no answer either way and is sent again: SMPP gives
    at-least-once there; docs/channels.md.)"""
    settings.CHANNELS_SMPP = {**settings.CHANNELS_SMPP, "WINDOW": 1}
    smsc.stop()
    smsc.start("--drop-after", "2")
    numbers = [f"8486200010{i}" for i in range(5)]
    for n in numbers:
        queue(n, body=f"Canh bao so {n}")
    counts = services.outbox_send_due()
    assert counts.get("sent", 0) == 2
    assert counts.get("retry", 0) == 3
    waiting = OutboxMessage.objects.filter(state=State.QUEUED)
    assert waiting.count() == 3
    assert all("connection lost" in m.last_error for m in waiting)
    assert all(m.next_attempt_at > timezone.now() for m in waiting)
    # The SMSC comes back; the back-off time passes.
    smsc.start()
    waiting.update(next_attempt_at=timezone.now())
    counts = services.outbox_send_due()
    assert counts["sent"] == 3
    delivered_texts = [t for n in numbers for t in joined(smsc.records(), n)]
    assert sorted(delivered_texts) == sorted(f"Canh bao so {n}" for n in numbers)
    assert OutboxMessage.objects.filter(state__in=[State.SENT, State.DELIVERED]).count() == 5


def test_an_unreachable_smsc_keeps_messages_queued_with_growing_back_off_then_fails(smsc, db):
    smsc.stop()
    message = queue("84862000200")
    delays = []
    for _ in range(services.MAX_ATTEMPTS - 1):
        before = timezone.now()
        services.outbox_send_due()
        message.refresh_from_db()
        assert message.state == State.QUEUED
        assert "SMSC" in message.last_error
        delays.append(message.next_attempt_at - before)
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    services.outbox_send_due()
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.attempts == services.MAX_ATTEMPTS


def test_a_message_is_not_due_before_its_back_off_time(smsc, db):
    message = queue("84862000300")
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert services.outbox_send_due().get("claimed") == 0
    assert smsc.records() == []


def test_an_sms_reply_huy_ends_the_subscriptions_of_the_number(db):
    from dantoc.channels.models import Subscription
    from dantoc.geo.selectors import unit_get

    commune = unit_get(code="02701")
    sub = Subscription.objects.create(
        channel=Channel.SMS,
        address="84862000400",
        commune=commune,
        consent_text="x",
        consent_at=timezone.now(),
        confirmed_at=timezone.now(),
        unsubscribe_token="tok-400",
    )
    assert services.sms_reply_handle(phone="0862000400", text="huy") == 1
    sub.refresh_from_db()
    assert sub.unsubscribed_at is not None
    assert services.sms_reply_handle(phone="0862000400", text="hello") == 0


def test_receipts_that_come_after_the_batch_are_recorded_by_the_receiver_session(
    smsc, db, settings
):
    """A real network reports delivery later than the sending session lasts: the receiver
    session (``manage.py channels_smpp_receiver``) records those receipts, and binds again
    after the SMSC drops it."""
    import time

    from dantoc.channels import sms

    smsc.stop()
    smsc.start("--receipt-delay", "1")
    settings.CHANNELS_SMPP = {**settings.CHANNELS_SMPP, "RECEIPT_DRAIN_SECONDS": 0}
    ok, bad = queue("84862000010"), queue("84888000011")
    services.outbox_send_due()
    ok.refresh_from_db()
    assert ok.state == State.SENT  # no receipt yet: the batch's session has gone
    later: list[OutboxMessage] = []
    deadline = time.monotonic() + 30

    def stop() -> bool:
        waiting = OutboxMessage.objects.filter(state=State.SENT)
        if not waiting.exists() and not later:
            # The SMSC restarts (the receiver's connection drops); a new message is sent.
            smsc.stop()
            smsc.start("--receipt-delay", "1")
            later.append(queue("84862000012"))
            services.outbox_send_due()
            return False
        return time.monotonic() > deadline or (bool(later) and not waiting.exists())

    receiver = sms.SmppReceiver(flush_seconds=0.2)
    services.smpp_receiver_run(stop=stop, receiver=receiver)
    for m in (ok, bad, *later):
        m.refresh_from_db()
    assert ok.state == State.DELIVERED and ok.delivered_at is not None
    assert bad.state == State.FAILED and bad.last_error == "delivery receipt stat:UNDELIV"
    assert later[0].state == State.DELIVERED
    assert receiver.binds >= 2
