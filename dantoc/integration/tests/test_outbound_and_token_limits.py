"""Security limits of the integration API: webhooks are never sent to loopback, private,
link-local or reserved addresses (server-side request forgery) nor to ports other than the web
ports, checked when subscribing and again when delivering, and a refusal does not say what a
name resolves to; the token endpoint is rate-limited per client id and per address."""

from __future__ import annotations

import socket

import pytest

from dantoc.integration import outbound
from dantoc.integration.models import (
    MessageStatus,
    WebhookAttempt,
    WebhookMessage,
    WebhookSubscription,
)
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.conftest import basic, bearer, fetch_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

SUBSCRIPTIONS = "/api/integration/v1/webhooks/subscriptions"
PUBLIC = "93.184.215.14"  # a public address (no connection is made to it in these tests)


@pytest.fixture
def dns(monkeypatch):
    """Names resolved as the test says (``dns["name"] = ["addr", …]``); other names as usual."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0),
                )
                for a in table[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def post_subscription(client, token, url):
    return client.post(
        SUBSCRIPTIONS, {"url": url}, content_type="application/json", **bearer(token)
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://localhost/hooks",
        "http://10.0.0.7/hooks",
        "http://192.168.1.10/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[fd00::1]/hooks",
        "http://100.64.0.1/hooks",
        "http://0.0.0.0/hooks",
    ],
)
def test_a_subscription_to_a_non_public_address_is_refused(client, token, url):
    response = post_subscription(client, token, url)
    assert response.status_code == 400
    assert "Không được phép gửi webhook tới địa chỉ này" in str(response.json()["url"])
    assert WebhookSubscription.objects.count() == 0


def test_a_name_resolving_to_any_private_address_is_refused(client, token, dns):
    dns["hooks.tinh.example"] = [PUBLIC, "10.1.2.3"]
    response = post_subscription(client, token, "https://hooks.tinh.example/dantoc")
    assert response.status_code == 400
    dns["hooks.tinh.example"] = [PUBLIC]
    assert post_subscription(client, token, "https://hooks.tinh.example/dantoc").status_code == 201


def test_a_refusal_does_not_reveal_what_a_name_resolves_to_or_whether_it_resolves(
    client, token, dns
):
    dns["noi-bo.tinh.example"] = ["10.1.2.3"]
    dns["localhost"] = ["127.0.0.1"]
    answers = [
        post_subscription(client, token, url).json()["url"]
        for url in (
            "https://noi-bo.tinh.example/hooks",
            "http://localhost/hooks",
            "https://khong-ton-tai.invalid/hooks",
        )
    ]
    assert answers[0] == answers[1] == answers[2]  # one answer: "not allowed"
    said = str(answers)
    for leak in ("10.1.2.3", "127.0.0.1", "loopback", "nội bộ", "phân giải", "resolve"):
        assert leak not in said
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.parametrize("port", [22, 25, 5432, 6379, 8080])
def test_a_subscription_to_a_port_other_than_the_web_ports_is_refused(client, token, dns, port):
    dns["hooks.tinh.example"] = [PUBLIC]
    response = post_subscription(client, token, f"https://hooks.tinh.example:{port}/dantoc")
    assert response.status_code == 400
    assert f"cổng {port}" in str(response.json()["url"])
    assert WebhookSubscription.objects.count() == 0
    for url in ("https://hooks.tinh.example/a", "http://hooks.tinh.example:80/b"):
        assert post_subscription(client, token, url).status_code == 201


def test_the_allowed_ports_are_a_setting(client, token, dns, settings):
    settings.INTEGRATION_WEBHOOK_ALLOWED_PORTS = [8443]
    dns["hooks.tinh.example"] = [PUBLIC]
    allowed = post_subscription(client, token, "https://hooks.tinh.example:8443/dantoc")
    assert allowed.status_code == 201
    refused = post_subscription(client, token, "https://hooks.tinh.example/dantoc")
    assert refused.status_code == 400
    assert "cổng 443" in str(refused.json()["url"])


def test_a_delivery_to_a_port_no_longer_allowed_sends_nothing(
    client, token, receiver, settings, django_capture_on_commit_callbacks
):
    assert post_subscription(client, token, receiver.url).status_code == 201
    settings.INTEGRATION_WEBHOOK_ALLOWED_PORTS = [80, 443]
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "cổng" in attempt.error
    assert receiver.received == []


def test_delivery_checks_the_address_again_and_sends_nothing_to_a_private_one(
    client, token, dns, receiver, settings, django_capture_on_commit_callbacks
):
    port = receiver.server.server_address[1]
    settings.INTEGRATION_WEBHOOK_ALLOW_PRIVATE = False
    dns["hooks.tinh.example"] = [PUBLIC]
    assert (
        post_subscription(client, token, f"http://hooks.tinh.example:{port}/h").status_code == 201
    )
    # The name now points at this machine (DNS rebinding): the delivery refuses it.
    dns["hooks.tinh.example"] = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "Không được phép" in attempt.error
    assert "127.0.0.1" not in attempt.error  # the client reads this log
    assert receiver.received == []
    assert WebhookMessage.objects.get().status == MessageStatus.PENDING  # retried later


def test_the_connected_peer_is_checked_even_if_the_name_changed_after_the_check(
    client, token, dns, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    port = receiver.server.server_address[1]
    settings.INTEGRATION_WEBHOOK_ALLOW_PRIVATE = False
    dns["hooks.tinh.example"] = [PUBLIC]
    assert (
        post_subscription(client, token, f"http://hooks.tinh.example:{port}/h").status_code == 201
    )
    # Every check of the name says "public", but the connection lands on 127.0.0.1.
    monkeypatch.setattr(outbound, "host_check", lambda host, port: [PUBLIC])
    dns["hooks.tinh.example"] = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "Không được phép" in attempt.error
    assert "127.0.0.1" not in attempt.error
    assert receiver.received == []


def test_with_the_setting_on_a_local_receiver_gets_its_webhooks(
    client, token, receiver, django_capture_on_commit_callbacks
):
    # ``receiver`` turns INTEGRATION_WEBHOOK_ALLOW_PRIVATE on.
    assert post_subscription(client, token, receiver.url).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    assert len(receiver.received) == 1


# --- the token endpoint ---------------------------------------------------------------------


def ask_token(client, credentials, secret=None, **extra):
    return client.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(credentials.client_id, secret or credentials.client_secret),
        **extra,
    )


def test_the_token_endpoint_limits_each_client_id(client, issued, settings):
    settings.INTEGRATION_TOKEN_RATE_PER_CLIENT = 3
    statuses = [ask_token(client, issued, secret="faux").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = ask_token(client, issued)  # even with the right secret, for the rest of the minute
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"] == "too_many_requests"
    assert "thử lại sau" in refused.json()["error_description"]
    # Another client id from the same address is not held up.
    other = fetch_token(client, _other_client(issued))
    assert other


def test_the_token_endpoint_limits_each_remote_address(client, issued, settings):
    settings.INTEGRATION_TOKEN_RATE_PER_ADDRESS = 2
    here = {"REMOTE_ADDR": "203.0.113.9"}
    assert ask_token(client, issued, **here).status_code == 200
    assert ask_token(client, issued, secret="x", **here).status_code == 401
    refused = ask_token(client, issued, **here)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # Another address is counted apart.
    assert ask_token(client, issued, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_ipv6_addresses_are_counted_per_64(client, issued, settings):
    settings.INTEGRATION_TOKEN_RATE_PER_ADDRESS = 1
    assert ask_token(client, issued, REMOTE_ADDR="2001:db8:1:2::10").status_code == 200
    assert ask_token(client, issued, REMOTE_ADDR="2001:db8:1:2::99").status_code == 429
    assert ask_token(client, issued, REMOTE_ADDR="2001:db8:1:3::10").status_code == 200


def _other_client(issued):
    from dantoc.geo.selectors import unit_get
    from dantoc.integration.services import client_create

    return client_create(
        actor=None,
        name="Ứng dụng khác",
        unit=unit_get(code="08"),
        scopes=["content:read"],
        rate_limit=100,
    )


@pytest.mark.django_db
def test_a_burst_across_a_minute_boundary_is_still_limited():
    """The previous minute's hits count for the part of it still within the last 60 s, so a
    burst split by the boundary is refused as one that is not (the fixed windows of before
    let it through, and a test that happened to straddle a minute failed)."""
    from dantoc.integration.services import rate_hit_key

    minute = 29_000_000 * 60
    verdicts = [rate_hit_key(key="t:burst", limit=3, now=minute + s) for s in (58, 59, 59.5)]
    assert verdicts == [(True, None)] * 3
    allowed, wait = rate_hit_key(key="t:burst", limit=3, now=minute + 60.5)
    assert not allowed
    # 3 × (1 − 0.5/60) ≈ 2.97 of the last minute's hits still count, plus the 1 of this one;
    # they weigh 2 or less (the limit minus this minute's) once 20 s of the minute are gone.
    assert wait == 20
    # Refused requests count too: 2 this minute + 3 × (1 − 20.5/60) ≈ 3.98 > 3.
    assert rate_hit_key(key="t:burst", limit=3, now=minute + 80.5)[0] is False
    # Next minute: this one's 1 + the last one's 2 × (1 − 5/60) ≈ 2.83, within the limit.
    assert rate_hit_key(key="t:burst", limit=3, now=minute + 125) == (True, None)
