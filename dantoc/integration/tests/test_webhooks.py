"""Signed webhooks on publish/update/delete, verified by the real ``standardwebhooks`` library
at a real HTTP receiver; retries with back-off and the same webhook-id; the delivery log."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook

from dantoc.integration.models import (
    MessageStatus,
    WebhookAttempt,
    WebhookMessage,
    WebhookSubscription,
)
from dantoc.integration.scopes import CONTENT_READ
from dantoc.integration.services import webhooks
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.conftest import bearer, fetch_token, make_client, start_receiver
from dantoc.portal import services as portal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

SUBSCRIPTIONS = "/api/integration/v1/webhooks/subscriptions"


def subscribe(client, token, url, **extra) -> dict:
    response = client.post(
        SUBSCRIPTIONS, {"url": url, **extra}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 201, response.content
    return response.json()


def verified(secret: str, received) -> dict:
    """The payload, after the receiver's own signature check (raises if it fails)."""
    return Webhook(secret).verify(received.body, received.headers)


def test_a_client_subscribes_and_receives_signed_events_on_publish_update_and_delete(
    client, token, receiver, django_capture_on_commit_callbacks
):
    created = subscribe(client, token, receiver.url, feeds=["news"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["feeds"] == ["news"]
    # The secret is shown once: listing the subscriptions does not repeat it.
    listed = client.get(SUBSCRIPTIONS, **bearer(token)).json()
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]

    with django_capture_on_commit_callbacks(execute=True):
        item = portal_content.article(title="Hà Giang cũ: 15 km đường vào bản")
    with django_capture_on_commit_callbacks(execute=True):
        item = portal_content.retitle(item, "Tuyên Quang: 15 km đường vào bản")
    with django_capture_on_commit_callbacks(execute=True):
        portal.article_delete(actor=None, article=item)

    assert len(receiver.received) == 3
    events = [verified(secret, r) for r in receiver.received]
    assert [e["type"] for e in events] == [
        "content.published",
        "content.updated",
        "content.deleted",
    ]
    assert all(e["data"]["id"] == str(item.uuid) for e in events)
    assert events[1]["data"]["title"] == "Tuyên Quang: 15 km đường vào bản"
    assert events[2]["data"] == {
        "id": str(item.uuid),
        "feed": "news",
        "deleted": True,
        "updated_at": events[2]["data"]["updated_at"],
    }
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == 3
    assert all(r.headers["webhook-signature"].startswith("v1,") for r in receiver.received)
    # A tampered body fails the receiver's check.
    tampered = receiver.received[0]
    with pytest.raises(Exception):  # noqa: B017 - the library raises its own WebhookVerificationError
        Webhook(secret).verify(tampered.body.replace(b"15 km", b"99 km"), tampered.headers)


def test_a_receiver_that_is_down_loses_nothing_and_every_retry_carries_the_same_id(
    client, token, receiver, django_capture_on_commit_callbacks
):
    secret = subscribe(client, token, receiver.url)["secret"]
    receiver.statuses = [503, 500]
    with django_capture_on_commit_callbacks(execute=True):
        item = portal_content.article(kind="activity")
    message = WebhookMessage.objects.get()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    first_retry = message.next_attempt_at
    assert first_retry >= message.created_at + datetime.timedelta(seconds=30)

    # Not due yet: nothing is sent.
    assert webhooks.webhooks_deliver_due(now=first_retry - datetime.timedelta(seconds=1)) == {}
    assert webhooks.webhooks_deliver_due(now=first_retry) == {"pending": 1}
    message.refresh_from_db()
    # Back-off doubles: the third attempt waits at least a minute after the second.
    assert message.next_attempt_at >= first_retry + datetime.timedelta(seconds=60)
    assert webhooks.webhooks_deliver_due(now=message.next_attempt_at) == {"delivered": 1}

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 3
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.webhook_id] * 3
    bodies = {r.body for r in receiver.received}
    assert len(bodies) == 1
    for received in receiver.received:
        assert verified(secret, received)["data"]["id"] == str(item.uuid)
    log = list(message.log.order_by("number").values_list("number", "status_code"))
    assert log == [(1, 503), (2, 500), (3, 204)]


def test_an_unreachable_receiver_is_logged_and_retried_by_the_command(
    client, token, receiver, django_capture_on_commit_callbacks
):
    url, port = receiver.url, receiver.server.server_address[1]
    receiver.stop()  # nothing listens on that port any more
    subscribe(client, token, url)
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    message = WebhookMessage.objects.get()
    attempt = message.log.get()
    assert attempt.status_code is None and "ConnectionError" in attempt.error
    assert message.status == MessageStatus.PENDING

    # The receiver comes back; once the retry is due (the row's time moved back stands for
    # the wait), the periodic command sends it.
    start_receiver(receiver, port)
    WebhookMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    out = io.StringIO()
    call_command("webhooks_deliver", "--reconcile-minutes", "0", stdout=out)
    assert json.loads(out.getvalue()) == {"recorded": 0, "delivered": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 2
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.webhook_id]


def test_the_command_catches_up_an_event_whose_announcement_was_lost(client, token, receiver):
    subscribe(client, token, receiver.url)
    portal_content.article()  # committed callbacks never run here: the announcement is lost
    assert WebhookMessage.objects.count() == 0
    out = io.StringIO()
    call_command("webhooks_deliver", stdout=out)
    assert json.loads(out.getvalue()) == {"recorded": 1, "delivered": 1}
    assert receiver.received[0].json()["type"] == "content.published"


def test_a_delivery_is_given_up_after_the_last_attempt_and_an_administrator_retries_it(
    client, token, receiver, settings, login, people, django_capture_on_commit_callbacks
):
    settings.INTEGRATION_WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(client, token, receiver.url)
    receiver.statuses = [500, 502]
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    message = WebhookMessage.objects.get()
    webhooks.webhooks_deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 2

    browser = login(people.admin)
    client_pk = message.subscription.client_id
    page = browser.get(f"/integration/{client_pk}/?status=failed").content.decode()
    assert message.webhook_id in page and "HTTP 502" in page and "HTTP 500" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/integration/messages/{message.webhook_id}/retry/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 3
    assert receiver.received[-1].headers["webhook-id"] == message.webhook_id


def test_the_same_announcement_twice_makes_one_event_and_drafts_make_none(
    client, token, receiver, django_capture_on_commit_callbacks
):
    subscribe(client, token, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        draft = portal_content.article(publish=False)
    assert WebhookMessage.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        portal.article_publish(actor=None, article=draft)
    webhooks.on_content_changed(kind="article", uuid=str(draft.uuid))
    assert WebhookMessage.objects.count() == 1
    assert len(receiver.received) == 1


def test_subscriptions_receive_only_their_feeds_and_province(
    client, token, receiver, django_capture_on_commit_callbacks
):
    subscribe(client, token, receiver.url, feeds=["documents"], province="08")
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()  # news: another feed
        portal_content.document(number="01/QĐ-LC", unit="15")  # Lào Cai's own document
        portal_content.document(number="02/QĐ-UBDT", unit="VN", areas=("15",))  # about Lào Cai
        national = portal_content.document(number="03/QĐ-UBDT", unit="VN")  # concerns all
        about_08 = portal_content.document(number="04/QĐ-UBDT", unit="VN", areas=("08", "15"))
    got = sorted(r.json()["data"]["id"] for r in receiver.received)
    assert got == sorted([str(national.uuid), str(about_08.uuid)])


def test_a_client_cannot_see_or_remove_another_clients_subscription(client, people, receiver):
    first = make_client(people, name="Tuyên Quang")
    second = make_client(people, name="Lào Cai", unit="15")
    created = subscribe(client, fetch_token(client, first), receiver.url)
    other = fetch_token(client, second)
    path = f"{SUBSCRIPTIONS}/{created['id']}"
    assert client.get(path, **bearer(other)).status_code == 404
    assert client.delete(path, **bearer(other)).status_code == 404
    assert client.get(SUBSCRIPTIONS, **bearer(other)).json() == []
    assert WebhookSubscription.objects.get(uuid=created["id"]).deleted_at is None
    owner = fetch_token(client, first)
    assert client.delete(path, **bearer(owner)).status_code == 204
    assert WebhookSubscription.objects.get(uuid=created["id"]).deleted_at is not None


def test_a_bad_subscription_url_is_a_400_naming_the_field(client, token):
    response = client.post(
        SUBSCRIPTIONS,
        {"url": "javascript:alert(1)", "feeds": ["news", "gossip"]},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert "url" in response.json()
    assert WebhookSubscription.objects.count() == 0


def test_an_administrator_subscribes_on_the_page_and_sees_the_secret_once(
    login, people, issued, receiver, django_capture_on_commit_callbacks
):
    browser = login(people.admin)
    response = browser.post(
        f"/integration/{issued.client.pk}/webhooks/",
        {"url": receiver.url, "feeds": ["news"], "description": "Cổng tỉnh"},
    )
    assert response.status_code == 200
    secret = re.search(r'id="secret">([^<]+)<', response.content.decode()).group(1)
    detail = browser.get(f"/integration/{issued.client.pk}/").content.decode()
    assert receiver.url in detail and secret not in detail
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    assert verified(secret, receiver.received[0])["type"] == "content.published"
    log = browser.get(f"/integration/{issued.client.pk}/").content.decode()
    assert "HTTP 204" in log


def test_a_client_without_the_webhooks_scope_cannot_subscribe_on_the_page_either(
    login, people, receiver
):
    reader = make_client(people, name="Chỉ đọc", scopes=[CONTENT_READ])
    browser = login(people.admin)
    browser.post(f"/integration/{reader.client.pk}/webhooks/", {"url": receiver.url})
    assert WebhookSubscription.objects.count() == 0
    assert WebhookAttempt.objects.count() == 0
