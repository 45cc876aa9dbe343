import datetime

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, totp_now

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(people):
    assert people.commune.password.startswith("argon2$argon2id$")


def test_commune_reporter_signs_in_with_a_password_only(client, people):
    response = client.post(
        "/accounts/login/", {"username": "xa.lungcu", "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert "Xã Lũng Cú" in html and "Cán bộ báo cáo cấp xã" in html


@pytest.mark.parametrize("persona", ["province", "ministry", "admin"])
def test_approvers_and_administrators_reach_nothing_before_the_second_factor(
    client, people, persona
):
    user = getattr(people, persona)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    for path in ("/", "/accounts/users/", "/audit/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/verify/")
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/users/").status_code == 403


def test_a_wrong_code_is_refused_and_the_right_one_lets_the_officer_in(client, people):
    user = people.province
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    good = totp_now(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/verify/", {"token": wrong})
    assert response.status_code == 200
    assert "Mã không đúng" in response.content.decode()
    assert client.get("/api/v1/me/").status_code == 403
    # After a wrong code django-otp refuses any code for a moment; let that moment pass.
    device = TOTPDevice.objects.get(user=user)
    assert device.throttling_failure_count == 1
    device.throttling_failure_timestamp = timezone.now() - datetime.timedelta(minutes=1)
    device.save(update_fields=["throttling_failure_timestamp"])
    response = client.post("/accounts/2fa/verify/", {"token": good, "next": "/accounts/users/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/users/"
    me = client.get("/api/v1/me/").json()
    assert me["username"] == user.username and me["requires_2fa"] is True


def test_verify_page_does_not_redirect_off_site(client, people):
    user = people.province
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = client.post(
        "/accounts/2fa/verify/", {"token": totp_now(user), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_an_officer_without_an_authenticator_must_enrol_one(client, people):
    user = people.province
    TOTPDevice.objects.filter(user=user).delete()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = client.get("/accounts/users/")
    assert response["Location"].startswith("/accounts/2fa/setup/")
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert "<svg" in page and "Khoá bí mật" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/accounts/2fa/setup/", {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert device.confirmed is False
    device.throttling_failure_timestamp = timezone.now() - datetime.timedelta(minutes=1)
    device.save(update_fields=["throttling_failure_timestamp"])
    from django_otp.oath import TOTP

    token = TOTP(device.bin_key).token()
    response = client.post("/accounts/2fa/setup/", {"token": f"{token:06d}"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/accounts/users/").status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, people):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "xa.lungcu", "password": "sai"})
        assert response.status_code == 200
    # The fifth failure locks the account ...
    response = client.post("/accounts/login/", {"username": "xa.lungcu", "password": "sai"})
    assert response.status_code == 429
    # ... and then even the right password is refused.
    response = client.post("/accounts/login/", {"username": "xa.lungcu", "password": PASSWORD})
    assert response.status_code == 429
    assert "tạm bị khoá" in response.content.decode()
    assert client.get("/api/v1/users/").status_code == 403
    assert AccessAttempt.objects.filter(username="xa.lungcu").exists()


def test_a_locked_account_does_not_lock_other_officials(client, people):
    for _ in range(6):
        client.post("/accounts/login/", {"username": "xa.lungcu", "password": "sai"})
    response = client.post("/accounts/login/", {"username": "xa.ngocduong", "password": PASSWORD})
    assert response.status_code == 302


def test_signing_in_is_recorded_in_the_audit_trail(client, people):
    from dantoc.audit.models import AuditEntry

    client.post("/accounts/login/", {"username": "xa.lungcu", "password": PASSWORD})
    entry = AuditEntry.objects.filter(action="accounts.login").latest("at")
    assert entry.actor == people.commune and entry.unit == people.commune.unit
