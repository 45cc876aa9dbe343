"""Attacks found by the security review of issue 14, each reproduced against the real pages.

Each test here failed on the code before the fix: a password alone passed the second factor
by re-enrolling an authenticator, the pre-2FA session cookie stayed valid after the second
factor, a provincial administrator could make a ministry officer, a content editor could read
completeness, and officials had no password change, reset or idle sign-out.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, sign_in, totp_now
from dantoc.accounts import services
from dantoc.accounts.middleware import LAST_SEEN
from dantoc.accounts.models import Role, RoleCode, User
from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=False)


def _code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _password_only(client: Client, user: User) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


# --- 2FA bypass by re-enrolment (critical) -------------------------------------------------


def test_a_password_alone_cannot_open_the_enrolment_page_of_an_officer_with_a_device(
    client, people
):
    officer = people.province
    device = TOTPDevice.objects.get(user=officer, confirmed=True)
    _password_only(client, officer)

    response = client.get("/accounts/2fa/setup/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/")
    # No new secret was handed out, and the owner's device is untouched.
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]
    assert client.get("/api/v1/me/").status_code == 403


def test_a_password_alone_cannot_confirm_a_new_device_even_one_made_beforehand(client, people):
    """The attack in full: an unconfirmed device exists (an enrolment the attacker started, or
    one left over), the attacker knows its secret and posts a valid code for it."""
    officer = people.province
    owner_device = TOTPDevice.objects.get(user=officer, confirmed=True)
    attacker_device = TOTPDevice.objects.create(
        user=officer, name="x", confirmed=False, key="ab" * 20
    )
    _password_only(client, officer)

    response = client.post("/accounts/2fa/setup/", {"token": _code_for(attacker_device)})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/")
    attacker_device.refresh_from_db()
    assert attacker_device.confirmed is False
    assert TOTPDevice.objects.filter(pk=owner_device.pk, confirmed=True).exists()
    assert client.get("/reporting/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 403
    assert not AuditEntry.objects.filter(
        action__in=["accounts.totp_enrol", "accounts.totp_replace"]
    )


def test_the_enrolment_service_refuses_to_replace_a_device_from_an_unverified_session(people):
    officer = people.province
    device = TOTPDevice.objects.create(user=officer, name="x", confirmed=False, key="cd" * 20)
    with pytest.raises(PermissionDenied):
        services.totp_enrolment_confirm(
            user=officer, device=device, token=_code_for(device), session_verified=False
        )
    with pytest.raises(PermissionDenied):
        services.totp_enrolment_start(user=officer, session_verified=False)
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1


def test_an_officer_who_passed_the_second_factor_may_change_the_device_and_is_told(
    client, people, django_capture_on_commit_callbacks
):
    officer = people.province
    old = TOTPDevice.objects.get(user=officer, confirmed=True)
    sign_in(client, officer)

    page = client.get("/accounts/2fa/setup/")
    assert page.status_code == 200
    new = TOTPDevice.objects.get(user=officer, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/setup/", {"token": _code_for(new)})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=officer).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.totp_replace", object_id=str(officer.pk))
    assert Notification.objects.filter(recipient=officer, kind="security").exists()


# --- session fixation across the second factor (medium) ------------------------------------


def test_the_cookie_of_the_password_step_is_worthless_after_the_second_factor(people):
    officer = people.province
    browser = Client()
    _password_only(browser, officer)
    pre_2fa = browser.cookies["sessionid"].value

    response = browser.post("/accounts/2fa/verify/", {"token": totp_now(officer)})
    assert response.status_code == 302
    assert browser.cookies["sessionid"].value != pre_2fa
    assert browser.get("/api/v1/me/").status_code == 200

    replay = Client()
    replay.cookies["sessionid"] = pre_2fa
    assert replay.get("/api/v1/me/").status_code in (401, 403)
    assert replay.get("/reporting/").status_code == 302


# --- roles only at their level (high) ------------------------------------------------------


def test_a_provincial_administrator_cannot_create_a_ministry_officer(login, people):
    admin = login(people.province_admin)
    response = admin.post(
        "/accounts/users/new/",
        {
            "username": "gia.bo",
            "full_name": "Giả Cấp Bộ",
            "unit_code": "08",
            "roles": [RoleCode.MINISTRY_OFFICER],
            "password": "mot-mat-khau-dai-2025",
        },
    )
    assert response.status_code == 200
    assert "không được giao" in response.content.decode()
    assert not User.objects.filter(username="gia.bo").exists()


@pytest.mark.parametrize(
    ("unit_code", "role"),
    [
        ("08", RoleCode.MINISTRY_OFFICER),
        ("08", RoleCode.COMMUNE_REPORTER),
        ("00715", RoleCode.PROVINCE_OFFICER),
        ("00715", RoleCode.SYSTEM_ADMIN),
        ("VN", RoleCode.COMMUNE_REPORTER),
    ],
)
def test_a_role_is_refused_at_a_unit_of_another_level(people, unit_code, role):
    for actor in (people.admin, None):
        with pytest.raises(ValidationError) as exc:
            services.user_create(
                actor=actor,
                username=f"sai.{role}.{unit_code}".lower(),
                password="mot-mat-khau-dai-2025",
                unit=unit_get(code=unit_code),
                roles=[role],
            )
        assert "roles" in exc.value.message_dict
    holder = {"08": people.province, "00715": people.commune, "VN": people.ministry}[unit_code]
    before = set(holder.role_codes())
    with pytest.raises(ValidationError):
        services.user_set_roles(actor=None, user=holder, roles=[role])
    assert set(User.objects.get(pk=holder.pk).role_codes()) == before


def test_the_ministry_officer_role_held_at_a_province_defines_nothing_national(client, people):
    """An account made before the check (or by a direct database edit) holds the role name at
    a province: the pages and services that define national forms still refuse it."""
    from dantoc.indicators.models import Indicator
    from dantoc.indicators.services import indicator_save

    officer = people.other_province
    officer.roles.add(Role.objects.get(code=RoleCode.MINISTRY_OFFICER))
    officer = User.objects.get(pk=officer.pk)
    sign_in(client, officer)
    for path in ("/reporting/forms/new/", "/reporting/indicators/new/"):
        assert client.get(path).status_code == 403, path
    assert "Thêm loại kỳ" not in client.get("/reporting/period-types/").content.decode()
    response = client.post(
        "/reporting/period-types/", {"code": "GIA", "name": "Giả", "kind": "month"}
    )
    assert response.status_code == 403
    response = client.post(
        "/reporting/indicators/new/",
        {"code": "GIA_MAO", "name": "Giả mạo", "value_type": "integer", "aggregation": "sum"},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        indicator_save(actor=officer, indicator=Indicator(code="GIA_MAO", name="x"), categories=[])
    assert not Indicator.objects.filter(code="GIA_MAO").exists()


# --- completeness is reporting information (low) -------------------------------------------


def test_a_content_editor_cannot_read_completeness(login, people):
    editor = login(people.editor)
    for query in ("", "?unit=VN", "?unit=08"):
        response = editor.get(f"/reporting/BM01-VON/2026Q3/completeness/{query}")
        assert response.status_code == 404, query


# --- password change, reset, idle sign-out (low) -------------------------------------------


def test_an_official_changes_their_own_password(login, people, django_capture_on_commit_callbacks):
    reporter = people.commune
    browser = login(reporter)
    wrong = browser.post(
        "/accounts/password/",
        {
            "old_password": "khong-dung",
            "new_password1": "mat-khau-moi-cua-xa-2026",
            "new_password2": "mat-khau-moi-cua-xa-2026",
        },
    )
    assert wrong.status_code == 200 and "Mật khẩu hiện tại không đúng" in wrong.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "mat-khau-moi-cua-xa-2026",
                "new_password2": "mat-khau-moi-cua-xa-2026",
            },
        )
    assert response.status_code == 302
    assert browser.get("/reporting/").status_code == 200  # this session stays signed in
    reporter.refresh_from_db()
    assert reporter.check_password("mat-khau-moi-cua-xa-2026")
    assert AuditEntry.objects.filter(action="accounts.password_change", object_id=str(reporter.pk))
    assert Notification.objects.filter(recipient=reporter, kind="security").exists()


def test_a_forgotten_password_is_reset_through_a_one_time_link(client, people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reporter = people.commune
    reporter.email = "xa.lungcu@example.vn"
    reporter.save(update_fields=["email"])

    from dantoc.channels.models import OutboxMessage
    from dantoc.channels.services import outbox_send_due

    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.vn"})
    known = client.post("/accounts/password/reset/", {"email": "xa.lungcu@example.vn"})
    # The same answer whether or not the address has an account.
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    # The e-mail waits in the platform's outbox, urgent, for the task worker.
    assert not mail.outbox
    queued = OutboxMessage.objects.get(source="accounts.password_reset")
    assert (queued.address, queued.urgency, queued.recipient_id, queued.state) == (
        "xa.lungcu@example.vn", "urgent", reporter.pk, "queued"
    )  # fmt: skip
    assert AuditEntry.objects.filter(
        action="accounts.password_reset_requested", object_id=str(reporter.pk), actor=None
    ).exists()
    assert outbox_send_due()["sent"] == 1
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    # Once sent, the stored copy no longer holds the one-time link.
    queued.refresh_from_db()
    assert queued.state == "sent"
    assert "/accounts/password/reset/" not in queued.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "mat-khau-dat-lai-2026", "new_password2": "mat-khau-dat-lai-2026"},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    reporter.refresh_from_db()
    assert reporter.check_password("mat-khau-dat-lai-2026")
    assert AuditEntry.objects.filter(action="accounts.password_change", object_id=str(reporter.pk))
    # The link works once.
    again = Client().get(link.group(1), follow=True)
    assert "không dùng được nữa" in again.content.decode()


def test_an_idle_session_is_signed_out(login, people, settings):
    browser = login(people.commune)
    assert browser.get("/reporting/").status_code == 200
    session = browser.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()

    response = browser.get("/reporting/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?")
    assert "expired=1" in response["Location"]
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    page = browser.get(response["Location"]).content.decode()
    assert "hết hạn vì lâu không thao tác" in page


def test_an_active_session_is_kept(login, people):
    browser = login(people.commune)
    session = browser.session
    session[LAST_SEEN] = int(time.time()) - 120
    session.save()
    assert browser.get("/reporting/").status_code == 200
    assert browser.session[LAST_SEEN] >= int(time.time()) - 5


# --- an administrator resets a lost authenticator -------------------------------------------


def test_an_administrator_resets_a_lost_authenticator_and_the_owner_is_told(
    login, people, django_capture_on_commit_callbacks
):
    officer = people.province
    admin = login(people.province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/accounts/users/{officer.pk}/2fa-reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEntry.objects.filter(action="accounts.totp_reset", object_id=str(officer.pk))
    assert Notification.objects.filter(recipient=officer, kind="security").exists()

    # At the next sign-in the officer enrols a new authenticator.
    browser = Client()
    _password_only(browser, officer)
    assert browser.get("/").headers["Location"].startswith("/accounts/2fa/setup/")


def test_an_administrator_of_another_province_cannot_reset_an_authenticator(login, people):
    other_admin_user = services.user_create(
        actor=None,
        username="quantri.laocai",
        password=PASSWORD,
        unit=unit_get(code="15"),
        roles=[RoleCode.SYSTEM_ADMIN],
        check_password=False,
    )
    services.totp_device_install(actor=None, user=other_admin_user, key_hex="66" * 20)
    other_admin = login(other_admin_user)
    officer = people.province
    assert other_admin.post(f"/accounts/users/{officer.pk}/2fa-reset/").status_code == 404
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


def test_a_reset_link_is_queued_once_and_mailed_directly_when_no_outbox_listens(
    people, settings, monkeypatch
):
    from dantoc.accounts import services
    from dantoc.channels.models import OutboxMessage
    from dantoc.core import events

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reporter = people.commune
    sent_directly = []

    def ask(token: str) -> None:
        services.password_reset_mail(
            user=reporter, address="xa@example.vn", subject="Đặt lại mật khẩu",
            body=f"https://dantoc.example/accounts/password/reset/MQ/{token}/",
            token=token, send_directly=lambda: sent_directly.append(token),
        )  # fmt: skip

    ask("abc-1")
    ask("abc-1")  # the same form sent again: the same link
    ask("abc-2")
    assert OutboxMessage.objects.filter(source="accounts.password_reset").count() == 2
    assert not sent_directly

    monkeypatch.setitem(events._now_listeners, services.MAIL_EVENT, [])
    ask("abc-3")
    assert sent_directly == ["abc-3"]
    assert OutboxMessage.objects.filter(source="accounts.password_reset").count() == 2
