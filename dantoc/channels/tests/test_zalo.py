"""Zalo through the outbox, against the local fake of Zalo's Open API; the independent
``zalo-sdk`` client (PyPI) pointed at the same fake checks the fake's shapes."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
import requests
from django.db import connection
from django.utils import timezone

from dantoc.channels import services, zalo
from dantoc.channels.models import Channel, OutboxMessage, State, Subscription, ZaloToken

from .conftest import ZALO

FOLLOWER = "5300000000000000777"


def follow(fake, user_id=FOLLOWER):
    requests.post(f"{fake.base}/_fake/follow", json={"user_id": user_id}, timeout=5)


def test_an_expired_token_is_refreshed_once_and_the_new_refresh_token_is_kept(zalo_fake):
    token = zalo.token_refresh()
    assert zalo_fake.refreshes == 1
    assert token.refresh_token != "first-refresh"
    assert token.expires_at > timezone.now() + datetime.timedelta(hours=24)
    again = zalo.token_refresh()  # still fresh: no refresh, the single-use token is not spent
    assert zalo_fake.refreshes == 1 and again.access_token == token.access_token
    stored = ZaloToken.objects.get(oa_id=ZALO["OA_ID"])
    assert stored.refresh_token == token.refresh_token and stored.refresh_count == 1


def test_an_oa_message_to_a_follower_is_sent_and_an_error_in_a_200_answer_is_an_error(zalo_fake):
    follow(zalo_fake)
    ok = services.outbox_enqueue(
        channel=Channel.ZALO_OA, address=FOLLOWER, body="Cảnh báo lũ quét", idempotency_key="z1"
    )
    stranger = services.outbox_enqueue(
        channel=Channel.ZALO_OA, address="999", body="Cảnh báo lũ quét", idempotency_key="z2"
    )
    services.outbox_send_due()
    ok.refresh_from_db()
    stranger.refresh_from_db()
    assert ok.state == State.SENT
    assert [m["text"] for m in zalo_fake.messages] == ["Cảnh báo lũ quét"]
    # HTTP 200 with {"error": -213}: not a follower, no retry can help.
    assert stranger.state == State.FAILED and "-213" in stranger.last_error


def test_a_revoked_access_token_is_refreshed_and_the_message_sent_once(zalo_fake):
    follow(zalo_fake)
    zalo.token_refresh()
    requests.post(f"{zalo_fake.base}/_fake/revoke", timeout=5)
    m = services.outbox_enqueue(
        channel=Channel.ZALO_OA, address=FOLLOWER, body="Tin thử", idempotency_key="z3"
    )
    services.outbox_send_due()
    m.refresh_from_db()
    assert m.state == State.SENT
    assert zalo_fake.refreshes == 2
    assert len(zalo_fake.messages) == 1


def test_a_zns_template_message_is_sent_and_its_signed_delivery_event_marks_it_delivered(
    zalo_fake, client
):
    m = services.outbox_enqueue(
        channel=Channel.ZNS,
        address="84912345678",
        body="",
        template_id="301001",
        template_data={"commune": "Y Tý", "hazard": "Lũ quét", "level": "3", "until": "06/12"},
        idempotency_key="z4",
    )
    bad = services.outbox_enqueue(
        channel=Channel.ZNS,
        address="84912345679",
        body="",
        template_id="301001",
        template_data={"commune": "Y Tý"},
        idempotency_key="z5",
    )
    services.outbox_send_due()
    m.refresh_from_db()
    bad.refresh_from_db()
    assert m.state == State.SENT
    assert bad.state == State.FAILED and "-112" in bad.last_error
    event = zalo_fake.events[-1]
    assert event["event_name"] == "user_received_message"
    assert event["message"]["tracking_id"] == str(m.uuid)
    body, headers = zalo_fake.event("user_received_message", message=event["message"])
    forged = client.post(
        "/kenh/zalo/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-ZEvent-Signature": "mac=" + "0" * 64},
    )
    assert forged.status_code == 403
    m.refresh_from_db()
    assert m.state == State.SENT
    answer = client.post(
        "/kenh/zalo/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-ZEvent-Signature": headers["X-ZEvent-Signature"]},
    )
    assert answer.status_code == 200, answer.content
    m.refresh_from_db()
    assert m.state == State.DELIVERED


def test_a_follower_chooses_a_commune_by_writing_to_the_oa_and_leaves_with_huy(zalo_fake, client):
    def post(name, **fields):
        body, headers = zalo_fake.event(name, **fields)
        return client.post(
            "/kenh/zalo/webhook/",
            data=body,
            content_type="application/json",
            headers={"X-ZEvent-Signature": headers["X-ZEvent-Signature"]},
        )

    assert post("follow", follower={"id": FOLLOWER}).json()["result"] == "follow"
    answer = post(
        "user_send_text", sender={"id": FOLLOWER}, message={"text": "XA 02701", "msg_id": "a1"}
    )
    assert answer.json()["result"] == "subscribed"
    sub = Subscription.objects.get(channel=Channel.ZALO_OA, address=FOLLOWER)
    assert sub.is_active and sub.commune.code == "02701"
    replies = OutboxMessage.objects.filter(address=FOLLOWER, source="zalo:reply")
    assert replies.count() == 1
    post("user_send_text", sender={"id": FOLLOWER}, message={"text": "HUY", "msg_id": "a2"})
    sub.refresh_from_db()
    assert sub.unsubscribed_at is not None


def test_the_independent_zalo_sdk_client_speaks_to_the_fake(zalo_fake):
    """zalo-sdk 0.3.0 (PyPI) points its OA calls at the fake with ``endpoint_prefix`` (its
    OAuth URL is hard-coded, so the token comes from our refresh)."""
    import zalo_sdk
    from zalo_sdk.oa import Client as OaClient
    from zalo_sdk.oa.ZaloMessage import ZaloMessageBody, ZaloRecipient

    follow(zalo_fake)
    token = zalo.token_refresh()
    sdk = OaClient(
        ZALO["APP_ID"],
        ZALO["APP_SECRET"],
        access_token=token.access_token,
        endpoint_prefix=zalo_fake.base,
    )
    answer = sdk.send_message(
        ZaloRecipient(user_id=FOLLOWER), ZaloMessageBody(text="Xin chào từ zalo-sdk")
    )
    assert answer["error"] == 0 and answer["data"]["user_id"] == FOLLOWER
    assert zalo_fake.messages[-1]["text"] == "Xin chào từ zalo-sdk"
    # The fake's HTTP-200 errors are what the SDK expects: it raises its own exception.
    with pytest.raises(zalo_sdk.ZaloOAException):
        sdk.send_message(ZaloRecipient(user_id="1"), ZaloMessageBody(text="x"))


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_single_use_token_once(zalo_fake):
    """The refresh runs under select_for_update: the second worker waits, then finds the
    fresh token. (SQLite has no row locks; its writers are serialised by the file lock.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        from django.db import connections

        try:
            barrier.wait()
            results.append(zalo.token_refresh().access_token)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert zalo_fake.refreshes == 1 and zalo_fake.refused_refreshes == 0
    assert len(set(results)) == 1


def test_webhook_refuses_unsigned_or_malformed_events(zalo_fake, client):
    assert (
        client.post(
            "/kenh/zalo/webhook/", data=b"not json", content_type="application/json"
        ).status_code
        == 403
    )
    body = json.dumps({"event_name": "follow", "timestamp": "1"}).encode()
    assert (
        client.post("/kenh/zalo/webhook/", data=body, content_type="application/json").status_code
        == 403
    )
    assert Subscription.objects.count() == 0


def test_a_warning_reaches_phone_subscribers_by_zns_and_by_sms_where_zalo_refuses_the_number(
    zalo_fake, people, settings, django_capture_on_commit_callbacks
):
    """With an approved ZNS template for warnings, a phone subscriber gets the warning as a
    template message (commune, hazard, level, until); a number with no Zalo account behind it
    (-118) gets the same warning by SMS; a cancellation goes by SMS."""
    from dantoc.alerts import services as alert_services
    from dantoc.alerts.tests.test_alerts import content
    from dantoc.geo.selectors import unit_get

    settings.CHANNELS_ZALO = {**settings.CHANNELS_ZALO, "ZNS_TEMPLATE_ALERT": "301001"}
    commune = unit_get(code="02701")
    now = timezone.now()
    for number in ("84912000701", "84777000702"):
        Subscription.objects.create(
            channel=Channel.SMS, address=number, commune=commune, consent_text="x",
            consent_at=now, confirmed_at=now, unsubscribe_token=f"t{number}",
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_services.alert_issue(actor=people.other_province, content=content("02701"))
    services.alert_messages_queue(alert_uuid=str(alert.uuid))
    queued = OutboxMessage.objects.filter(source=f"alert:{alert.uuid}")
    assert set(queued.values_list("channel", flat=True)) == {Channel.ZNS}
    services.outbox_send_due()
    on_zalo = queued.get(address="84912000701")
    assert on_zalo.state == State.SENT
    [sent] = [m for m in zalo_fake.messages if m["kind"] == "zns"]
    assert sent["phone"] == "84912000701"
    assert sent["data"]["commune"] == commune.name and sent["data"]["level"] == str(alert.level)
    refused = queued.get(address="84777000702", channel=Channel.ZNS)
    assert refused.state == State.FAILED and "-118" in refused.last_error
    fallback = queued.get(address="84777000702", channel=Channel.SMS)
    assert fallback.body == refused.body and "HUY" in fallback.body
    assert fallback.idempotency_key == f"alert:{alert.uuid}:sms:84777000702"
    services.outbox_send_due()  # SMS is not configured here: the fallback waits, queued
    assert queued.filter(channel=Channel.SMS).count() == 1

    cancelled = alert_services.alert_cancel(
        actor=people.other_province, alert=alert, reason="Mưa đã ngớt"
    )
    services.alert_messages_queue(alert_uuid=str(cancelled.uuid))
    cancels = OutboxMessage.objects.filter(source=f"alert:{cancelled.uuid}")
    assert set(cancels.values_list("channel", flat=True)) == {Channel.SMS}
