"""Citizens' subscription pages, the administrators' outbox, officials' channel choice,
warnings reaching subscribers, demo data and /healthz."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from dantoc.alerts import services as alert_services
from dantoc.alerts.tests.test_alerts import content
from dantoc.audit.models import AuditEntry
from dantoc.channels import services
from dantoc.channels.models import Channel, ChannelPreference, OutboxMessage, State, Subscription
from dantoc.geo.selectors import unit_get

Y_TY = "02701"
pytestmark = pytest.mark.django_db


def code_sent_to(address: str) -> str:
    body = OutboxMessage.objects.filter(address=address).latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def subscribe(client, phone="0862000501", commune=Y_TY, consent=True):
    data = {"phone": phone, "commune": commune, "language": "vi"}
    if consent:
        data["consent"] = "on"
    return client.post("/kenh/dang-ky/", data)


def test_a_citizen_subscribes_by_sms_confirms_the_code_and_leaves_in_one_step(client, tasks_held):
    assert client.get("/kenh/dang-ky/").status_code == 200
    response = subscribe(client)
    assert response.status_code == 302
    sub = Subscription.objects.get(address="84862000501")
    assert sub.confirmed_at is None and sub.consent_text and sub.consent_at
    assert response["Location"] == f"/kenh/dang-ky/{sub.uuid}/xac-nhan/"
    # A retried form reuses the row (and sends a new code, a bounded number of times).
    subscribe(client)
    assert Subscription.objects.filter(address="84862000501").count() == 1
    wrong = client.post(response["Location"], {"code": "000000"})
    assert "Mã xác nhận không đúng" in wrong.content.decode()
    right = client.post(response["Location"], {"code": code_sent_to("84862000501")})
    assert right.status_code == 302
    sub.refresh_from_db()
    assert sub.is_active
    page = client.get(right["Location"]).content.decode()
    assert "8486••••501" in page and "84862000501" not in page  # masked
    link = f"/kenh/huy/{sub.unsubscribe_token}/"
    assert client.get(link).status_code == 200
    sub.refresh_from_db()
    assert sub.unsubscribed_at is None  # a GET (a link preview) changes nothing
    client.post(link)
    sub.refresh_from_db()
    assert sub.unsubscribed_at is not None
    assert AuditEntry.objects.filter(action="channels.subscription_ended").count() == 1


def test_bad_subscription_input_gets_clear_errors_and_stores_nothing(client, tasks_held):
    no_consent = subscribe(client, consent=False).content.decode()
    assert "Cần đồng ý để nhận tin nhắn" in no_consent
    bad_phone = subscribe(client, phone="12345").content.decode()
    assert "Số điện thoại di động không hợp lệ" in bad_phone
    bad_commune = subscribe(client, commune="99999").content.decode()
    assert "Hãy chọn một xã đang có hiệu lực" in bad_commune
    assert Subscription.objects.count() == 0
    assert client.get("/kenh/huy/khong-co/").status_code == 404


def test_an_issued_updated_and_cancelled_warning_reaches_active_subscribers_only(
    people, tasks_held, django_capture_on_commit_callbacks
):
    commune = unit_get(code=Y_TY)
    now = timezone.now()

    def sub(address, confirmed=True, ended=False, language="vi"):
        return Subscription.objects.create(
            channel=Channel.SMS,
            address=address,
            commune=commune,
            language=language,
            consent_text="x",
            consent_at=now,
            confirmed_at=now if confirmed else None,
            unsubscribed_at=now if ended else None,
            unsubscribe_token=f"t{address}",
        )

    sub("84862000601")
    sub("84862000602", language="hmn")
    sub("84862000603", confirmed=False)
    sub("84862000604", ended=True)
    Subscription.objects.create(
        channel=Channel.ZALO_OA,
        address="5300000000000000601",
        commune=commune,
        consent_text="x",
        consent_at=now,
        confirmed_at=now,
        unsubscribe_token="zalo601",
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_services.alert_issue(actor=people.other_province, content=content(Y_TY))
    services.alert_messages_queue(alert_uuid=str(alert.uuid))  # the task the listener queued
    services.alert_messages_queue(alert_uuid=str(alert.uuid))  # a re-run adds nothing
    sent = OutboxMessage.objects.filter(source=f"alert:{alert.uuid}")
    assert sorted(sent.values_list("address", flat=True)) == [
        "5300000000000000601",
        "84862000601",
        "84862000602",
    ]
    assert sent.get(address="84862000602").body.count("Dej nyab") == 1  # their language
    assert set(sent.values_list("urgency", flat=True)) == {"urgent"}  # level 3
    cancelled = alert_services.alert_cancel(
        actor=people.other_province, alert=alert, reason="Mưa đã ngớt"
    )
    services.alert_messages_queue(alert_uuid=str(cancelled.uuid))
    notice = OutboxMessage.objects.get(source=f"alert:{cancelled.uuid}", address="84862000601")
    assert "HỦY CẢNH BÁO" in notice.body and "Mưa đã ngớt" in notice.body


@pytest.mark.parametrize(
    "persona,status",
    [
        ("admin", 200),
        ("province_admin", 404),
        ("province", 404),
        ("ministry", 404),
        ("commune", 404),
    ],
)
def test_only_national_administrators_see_the_outbox(login, people, persona, status, tasks_held):
    services.outbox_enqueue(
        channel=Channel.SMS, address="84862000700", body="x", idempotency_key="p1"
    )
    browser = login(getattr(people, persona))
    response = browser.get("/kenh/hop-thu-di/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "8486••••700" in page and "84862000700" not in page


def test_anonymous_visitors_are_sent_to_sign_in_for_the_outbox(client):
    response = client.get("/kenh/hop-thu-di/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/kenh/cua-toi/").status_code == 302


def test_an_administrator_filters_the_outbox_and_queues_a_failed_message_again(
    login, people, tasks_held
):
    m = services.outbox_enqueue(
        channel=Channel.SMS, address="84862000800", body="x", idempotency_key="p2"
    )
    OutboxMessage.objects.filter(pk=m.pk).update(
        state=State.FAILED, last_error="delivery receipt stat:UNDELIV", attempts=6
    )
    browser = login(people.admin)
    page = browser.get("/kenh/hop-thu-di/?state=failed&channel=sms").content.decode()
    assert "stat:UNDELIV" in page
    assert browser.get("/kenh/hop-thu-di/?state=bogus").status_code == 200
    browser.post(f"/kenh/hop-thu-di/{m.uuid}/gui-lai/")
    m.refresh_from_db()
    assert m.state == State.QUEUED and m.attempts == 0
    assert AuditEntry.objects.filter(action="channels.outbox_requeued").count() == 1
    other = login(people.province)
    assert other.post(f"/kenh/hop-thu-di/{m.uuid}/gui-lai/").status_code == 404


def test_an_official_who_chose_sms_gets_urgent_notices_by_sms_too(login, people, tasks_held):
    browser = login(people.commune)
    bad = browser.post("/kenh/cua-toi/", {"urgent_channel": "sms", "phone": "abc"})
    assert "Số điện thoại di động không hợp lệ" in bad.content.decode()
    browser.post("/kenh/cua-toi/", {"urgent_channel": "sms", "phone": "0862000900"})
    assert ChannelPreference.objects.get(user=people.commune).phone == "84862000900"
    from dantoc.notifications.services import notify

    type(people.commune).objects.filter(pk=people.commune.pk).update(email="xa@example.vn")
    for _again in range(2):  # the same notice twice (dedupe key): queued once
        urgent = notify(
            recipients=[people.commune], kind="reporting.returned", title="Trả lại BM01",
            body="", dedupe_key="return:1",
        )  # fmt: skip
    routine = notify(recipients=[people.commune], kind="news", title="Tin mới", body="")
    queued = OutboxMessage.objects.filter(recipient=people.commune).order_by("channel", "id")
    assert list(queued.values_list("channel", "address", "subject")) == [
        ("email", "xa@example.vn", "[dantoc] Trả lại BM01"),
        ("email", "xa@example.vn", "[dantoc] Tin mới"),
        ("sms", "84862000900", ""),
    ]
    assert queued.get(channel="sms").body == "Trả lại BM01"
    assert queued.get(channel="sms").urgency == "urgent"
    assert f"notification:{routine[0].pk}:email" in queued.values_list("idempotency_key", flat=True)
    assert len(urgent) == 0  # the second call created nothing


def test_the_demo_loader_is_idempotent_and_shows_every_state(people, tasks_held):
    from dantoc.alerts.demo import demo_alerts_load
    from dantoc.channels.demo import demo_channels_load

    demo_alerts_load()
    demo_channels_load()
    demo_channels_load()
    states = set(OutboxMessage.objects.values_list("state", flat=True))
    assert {State.SENT, State.DELIVERED, State.FAILED, State.QUEUED} <= states
    assert OutboxMessage.objects.filter(source="demo:alert").count() == 4
    assert Subscription.objects.count() == 4


def test_healthz_reports_the_channels(client, settings, smsc, zalo_fake):
    body = client.get("/healthz").json()
    assert body["sms"]["status"] == "ok"
    assert body["zalo"]["status"] == "ok"
    smsc.stop()
    body = client.get("/healthz").json()
    assert body["sms"]["status"] == "error" and body["status"] == "degraded"
    settings.CHANNELS_SMPP = {"HOST": ""}
    settings.CHANNELS_ZALO = {}
    body = client.get("/healthz").json()
    assert body["sms"] == {"status": "off"} and body["zalo"] == {"status": "off"}


def test_the_form_cannot_flood_a_number_with_codes(tasks_held):
    from dantoc.geo.models import Unit, UnitLevel

    communes = Unit.objects.filter(level=UnitLevel.COMMUNE, valid_to__isnull=True).order_by("code")
    sent = [
        services.subscription_sms_start(phone="0862000950", commune=c, consent=True)[1]
        for c in communes[: services.CONFIRM_SENDS_PER_DAY + 2]
    ]
    assert sent.count(True) == services.CONFIRM_SENDS_PER_DAY
    assert OutboxMessage.objects.filter(address="84862000950").count() == (
        services.CONFIRM_SENDS_PER_DAY
    )


def test_notice_e_mails_leave_through_the_outbox_with_their_notice(people, tasks_held, settings):
    """A notice and its e-mail are stored in one transaction (none without the other); the
    worker sends it, the notice records it; a mail server that fails leaves it queued with its
    error (also on the notice) until a later attempt succeeds."""
    from django.core import mail
    from django.db import transaction

    from dantoc.notifications.models import Notification
    from dantoc.notifications.services import notify

    type(people.province).objects.filter(pk=people.province.pk).update(email="tinh@example.vn")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[people.province], kind="news", title="Bị huỷ", body="")
        raise RuntimeError("the caller's write fails")
    assert not Notification.objects.filter(title="Bị huỷ").exists()
    assert not OutboxMessage.objects.filter(subject__contains="Bị huỷ").exists()

    settings.EMAIL_BACKEND = "dantoc.channels.tests.conftest.BrokenMailBackend"
    (notice,) = notify(recipients=[people.province], kind="news", title="Kỳ báo cáo", body="x")
    message = OutboxMessage.objects.get(idempotency_key=f"notification:{notice.pk}:email")
    assert message.channel == "email" and message.address == "tinh@example.vn"
    assert services.outbox_send_due()["retry"] == 1
    message.refresh_from_db()
    notice.refresh_from_db()
    assert message.state == State.QUEUED and "refused" in message.last_error
    assert notice.emailed_at is None and "refused" in notice.email_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.outbox_send_due()["sent"] == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None and notice.email_error == ""
    assert [m.subject for m in mail.outbox] == ["[dantoc] Kỳ báo cáo"]
    assert services.outbox_send_due().get("sent", 0) == 0  # sent once
