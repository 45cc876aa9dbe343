"""Integration clients: created by administrators on a page, secret shown once and stored
hashed; consumer key and secret exchanged for bearer tokens; 401/403/429; expiry, revocation,
rotation and disabling."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from dantoc.audit.models import AuditEntry
from dantoc.integration.models import IntegrationClient, WebhookSubscription
from dantoc.integration.scopes import CONTENT_READ, CONTENT_WRITE, WEBHOOKS
from dantoc.integration.tests.conftest import basic, bearer, fetch_token, make_client

pytestmark = pytest.mark.django_db

ME = "/api/integration/v1/me"
SUBSCRIPTIONS = "/api/integration/v1/webhooks/subscriptions"


def _state() -> tuple:
    return (
        IntegrationClient.objects.count(),
        Application.objects.count(),
        AccessToken.objects.count(),
        WebhookSubscription.objects.count(),
        AuditEntry.objects.filter(action__startswith="integration.").count(),
    )


def test_administrator_creates_a_client_on_the_page_and_sees_the_secret_only_once(login, people):
    browser = login(people.admin)
    page = browser.get("/integration/new/")
    assert page.status_code == 200
    assert "Tạo ứng dụng tích hợp" in page.content.decode()
    response = browser.post(
        "/integration/new/",
        {
            "name": "Cổng TTĐT tỉnh Tuyên Quang",
            "unit_code": "08",
            "scopes": [CONTENT_READ, WEBHOOKS],
            "rate_limit": "300",
            "contact": "Phòng CNTT",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = re.search(r'<code class="secret" id="secret">([^<]+)</code>', html).group(1)
    client_id = re.search(r'<code class="secret" id="client-id">([^<]+)</code>', html).group(1)
    client = IntegrationClient.objects.get(name="Cổng TTĐT tỉnh Tuyên Quang")
    assert client.application.client_id == client_id
    assert client.unit.code == "08" and client.scope_list == [CONTENT_READ, WEBHOOKS]
    # Stored hashed (Django's password hashers), never in clear.
    assert client.application.client_secret != secret
    assert client.application.client_secret.startswith(("argon2", "pbkdf2"))
    # The detail page never shows it again, and the secret works.
    detail = browser.get(f"/integration/{client.pk}/").content.decode()
    assert secret not in detail and client_id in detail
    assert fetch_token(browser, type("C", (), {"client_id": client_id, "client_secret": secret}))
    entry = AuditEntry.objects.get(action="integration.client_create")
    assert entry.actor == people.admin and secret not in str(entry.after)


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "editor"])
def test_officials_without_the_administrator_role_cannot_manage_clients(persona, login, people):
    issued = make_client(people)
    before = _state()
    browser = login(getattr(people, persona))
    assert browser.get("/integration/").status_code == 403
    created = browser.post(
        "/integration/new/",
        {"name": "X", "unit_code": "08", "scopes": [CONTENT_READ], "rate_limit": "10"},
    )
    assert created.status_code == 403
    pk = issued.client.pk
    assert browser.post(f"/integration/{pk}/rotate/").status_code in (403, 404)
    assert browser.post(f"/integration/{pk}/active/", {"active": "0"}).status_code in (403, 404)
    assert _state() == before
    issued.client.refresh_from_db()
    assert issued.client.is_active
    assert fetch_token(browser, issued)  # the old secret still works


def test_a_province_administrator_manages_only_clients_of_the_province(login, people):
    national = make_client(people, name="Cổng LGSP tỉnh Lào Cai", unit="15")
    before = _state()
    browser = login(people.province_admin)
    refused = browser.post(
        "/integration/new/",
        {"name": "Lào Cai 2", "unit_code": "15", "scopes": [CONTENT_READ], "rate_limit": "10"},
    )
    assert refused.status_code == 200
    assert "ngoài phạm vi quản lý" in refused.content.decode()
    assert browser.get(f"/integration/{national.client.pk}/").status_code == 404
    assert browser.post(f"/integration/{national.client.pk}/rotate/").status_code == 404
    assert _state() == before
    own = browser.post(
        "/integration/new/",
        {"name": "Tuyên Quang", "unit_code": "08", "scopes": [CONTENT_READ], "rate_limit": "10"},
    )
    assert own.status_code == 200 and 'id="secret"' in own.content.decode()
    listed = browser.get("/integration/").content.decode()
    assert "Tuyên Quang" in listed and "Lào Cai" not in listed


def test_the_token_answer_has_the_fields_of_rfc_6749(client, issued):
    response = client.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"content:read", "content:write", "webhooks"}
    assert body["access_token"]
    assert response["Cache-Control"] == "no-store"
    me = client.get(ME, **bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["name"] == issued.client.name and me.json()["unit"] == "08"


def test_credentials_in_the_body_work_as_well_as_basic(client, issued):
    response = client.post(
        "/token",
        {
            "grant_type": "client_credentials",
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
            "scope": "content:read",
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "content:read"


def test_wrong_credentials_are_401_and_no_token_is_issued(client, issued):
    wrong_secret = client.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret + "x"),
    )
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in wrong_secret
    unknown = client.post(
        "/token",
        {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
    )
    assert unknown.status_code == 401
    assert AccessToken.objects.count() == 0


def test_a_client_cannot_obtain_a_scope_it_was_not_granted(client, people):
    reader = make_client(people, name="Chỉ đọc", scopes=[CONTENT_READ])
    response = client.post(
        "/token",
        {"grant_type": "client_credentials", "scope": "content:read webhooks"},
        HTTP_AUTHORIZATION=basic(reader.client_id, reader.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert AccessToken.objects.count() == 0


def test_a_token_without_the_scope_is_403_and_nothing_changes(client, people):
    reader = make_client(people, name="Chỉ đọc", scopes=[CONTENT_READ])
    token = fetch_token(client, reader)
    before = _state()
    response = client.post(
        SUBSCRIPTIONS,
        {"url": "https://tuyenquang.example.gov.vn/hooks"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert "webhooks" in response.json()["detail"]
    assert _state() == before


def test_no_token_or_a_made_up_token_is_401(client, issued):
    assert client.get(ME).status_code == 401
    response = client.get(ME, **bearer("made-up"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_over_its_rate_a_client_gets_429_with_retry_after(client, people):
    slow = make_client(people, name="Giới hạn 3", rate=3)
    token = fetch_token(client, slow)
    answers = [client.get(ME, **bearer(token)).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    refused = client.get(ME, **bearer(token))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another client's budget is its own.
    other = make_client(people, name="Khác", rate=3)
    assert client.get(ME, **bearer(fetch_token(client, other))).status_code == 200


def test_an_expired_token_is_refused(client, issued, token):
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(ME, **bearer(token))
    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]


def test_a_revoked_token_is_refused_and_introspection_says_inactive(client, issued, token):
    auth = basic(issued.client_id, issued.client_secret)
    active = client.post("/token/introspect", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert active.status_code == 200
    assert active.json()["active"] is True
    assert active.json()["client_id"] == issued.client_id
    assert active.json()["exp"] > active.json()["iat"]
    revoked = client.post("/token/revoke", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert revoked.status_code == 200
    assert client.get(ME, **bearer(token)).status_code == 401
    after = client.post("/token/introspect", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert after.json() == {"active": False}


def test_introspection_and_revocation_need_the_clients_own_credentials(client, people, issued):
    token = fetch_token(client, issued)
    other = make_client(people, name="Ứng dụng khác")
    other_auth = basic(other.client_id, other.client_secret)
    seen = client.post("/token/introspect", {"token": token}, HTTP_AUTHORIZATION=other_auth)
    assert seen.json() == {"active": False}
    client.post("/token/revoke", {"token": token}, HTTP_AUTHORIZATION=other_auth)
    assert client.get(ME, **bearer(token)).status_code == 200  # not revoked by another client
    no_auth = client.post("/token/revoke", {"token": token, "client_id": issued.client_id})
    assert no_auth.status_code == 401
    assert client.get(ME, **bearer(token)).status_code == 200


def test_rotating_the_secret_stops_the_old_secret_and_its_tokens(login, client, people, issued):
    token = fetch_token(client, issued)
    browser = login(people.admin)
    page = browser.post(f"/integration/{issued.client.pk}/rotate/")
    new_secret = re.search(r'id="secret">([^<]+)<', page.content.decode()).group(1)
    assert new_secret != issued.client_secret
    assert browser.get(ME, **bearer(token)).status_code == 401
    old = browser.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
    )
    assert old.status_code == 401
    new = browser.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, new_secret),
    )
    assert new.status_code == 200
    assert AuditEntry.objects.filter(action="integration.client_rotate_secret").count() == 1


def test_a_disabled_client_gets_no_token_and_its_tokens_stop(login, client, people, issued):
    token = fetch_token(client, issued)
    browser = login(people.admin)
    browser.post(f"/integration/{issued.client.pk}/active/", {"active": "0"})
    assert browser.get(ME, **bearer(token)).status_code == 401
    refused = browser.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
    )
    assert refused.status_code == 401
    browser.post(f"/integration/{issued.client.pk}/active/", {"active": "1"})
    assert fetch_token(browser, issued)


def test_narrowing_a_clients_scopes_takes_effect_on_tokens_already_issued(
    login, client, people, issued
):
    token = fetch_token(client, issued)
    assert client.get(SUBSCRIPTIONS, **bearer(token)).status_code == 200
    browser = login(people.admin)
    browser.post(
        f"/integration/{issued.client.pk}/edit/", {"scopes": [CONTENT_READ], "rate_limit": "600"}
    )
    assert browser.get(SUBSCRIPTIONS, **bearer(token)).status_code == 403


def test_introspection_reports_the_scopes_left_after_an_administrator_narrows_the_client(
    login, client, people, issued
):
    token = fetch_token(client, issued)
    auth = basic(issued.client_id, issued.client_secret)
    before = client.post("/token/introspect", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert before.json()["scope"].split() == [CONTENT_READ, CONTENT_WRITE, WEBHOOKS]
    browser = login(people.admin)
    browser.post(
        f"/integration/{issued.client.pk}/edit/", {"scopes": [CONTENT_READ], "rate_limit": "600"}
    )
    after = client.post("/token/introspect", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert after.json()["active"] is True
    assert after.json()["scope"] == CONTENT_READ
    # What introspection says is what the API does with the token.
    assert client.get(SUBSCRIPTIONS, **bearer(token)).status_code == 403
    assert client.get(ME, **bearer(token)).status_code == 200


def test_a_token_request_that_is_not_form_encoded_is_a_400_not_an_error(client, issued):
    # JSON, and a multipart body without its boundary.
    for content_type in ("application/json", "multipart/form-data"):
        response = client.post(
            "/token",
            b'{"grant_type": "client_credentials"}',
            content_type=content_type,
            HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
    assert AccessToken.objects.count() == 0


def test_the_clients_province_is_chosen_by_its_name(login, people):
    browser = login(people.admin)
    response = browser.post(
        "/integration/new/",
        {
            "name": "Cổng TTĐT tỉnh Lào Cai",
            "unit_code": "lao cai",
            "scopes": [CONTENT_READ],
            "rate_limit": "300",
            "contact": "",
        },
    )
    assert response.status_code == 200
    assert IntegrationClient.objects.get(name="Cổng TTĐT tỉnh Lào Cai").unit.code == "15"
