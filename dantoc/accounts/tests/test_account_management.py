"""Account management by administrators on the platform's own pages (issue 17): list and
search, create and edit (name, unit, roles), lock and unlock, password reset by a one-time
link, 2FA reset; every action through accounts.services and audited; roles only at their
level; district roles not offered after the 2025 reform.

Who manages accounts (decided for issue 17): system administrators, each in their unit's
subtree (the national one everybody, a provincial one the province and its communes).
Province *officers* do not: they approve the communes' reports, and an approver who could
also make reporter accounts could file and approve a report alone (no separation of duties).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, sign_in
from dantoc.accounts import services
from dantoc.accounts.models import RoleCode, User
from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.full_name,
        user.unit_id,
        user.is_active,
        user.password,
        tuple(sorted(user.role_codes())),
        tuple(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)),
    )


def _edit_data(user: User, **changes) -> dict:
    data = {
        "full_name": user.full_name,
        "email": user.email,
        "position": user.position,
        "phone": user.phone,
        "unit_code": user.unit.code,
        "roles": sorted(user.role_codes()),
    }
    data.update(changes)
    return data


# --- the pages work for an administrator ---------------------------------------------------


def test_an_administrator_edits_name_unit_and_roles_and_it_is_audited(login, people):
    admin = login(people.admin)
    official = people.other_commune
    response = admin.post(
        f"/accounts/users/{official.pk}/edit/",
        _edit_data(
            official,
            full_name="Lý Thị Mai Anh",
            unit_code="00715",
            roles=[RoleCode.COMMUNE_REPORTER, RoleCode.CONTENT_EDITOR],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    official = User.objects.get(pk=official.pk)
    assert official.full_name == "Lý Thị Mai Anh"
    assert official.unit.code == "00715"
    assert official.role_codes() == {RoleCode.COMMUNE_REPORTER, RoleCode.CONTENT_EDITOR}
    entry = AuditEntry.objects.get(action="accounts.user_update", object_id=str(official.pk))
    assert entry.actor == people.admin
    assert entry.before["unit"] == unit_get(code="00700").pk
    assert entry.after["unit"] == official.unit_id
    assert entry.after["roles"] == sorted([RoleCode.COMMUNE_REPORTER, RoleCode.CONTENT_EDITOR])


def test_the_unit_is_found_by_its_name_typed_without_diacritics(login, people):
    admin = login(people.admin)
    official = people.other_commune
    response = admin.post(
        f"/accounts/users/{official.pk}/edit/", _edit_data(official, unit_code="lung cu")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=official.pk).unit.code == "00715"


def test_a_name_matching_several_units_offers_them_to_choose_without_javascript(login, people):
    admin = login(people.admin)
    official = people.other_commune
    before = _state(official)
    page = admin.post(
        f"/accounts/users/{official.pk}/edit/", _edit_data(official, unit_code="xa tan")
    ).content.decode()
    assert "Có nhiều đơn vị khớp với “xa tan”" in page
    picks = re.findall(r'name="unit_code__pick" value="([0-9]+)"', page)
    assert len(picks) >= 2
    assert _state(official) == before  # nothing saved until a unit is chosen
    response = admin.post(
        f"/accounts/users/{official.pk}/edit/",
        {**_edit_data(official, unit_code="xa tan"), "unit_code__pick": picks[0]},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=official.pk).unit.code == picks[0]


def test_a_commune_reporter_role_on_a_province_unit_is_refused_with_a_clear_message(login, people):
    admin = login(people.admin)
    official = people.other_commune
    before = _state(official)
    entries = AuditEntry.objects.count()
    response = admin.post(
        f"/accounts/users/{official.pk}/edit/", _edit_data(official, unit_code="08")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Vai trò “Cán bộ báo cáo cấp xã” không được giao cho tài khoản thuộc Tỉnh Tuyên Quang "
        "(đơn vị cấp tỉnh): vai trò này chỉ dành cho đơn vị cấp xã." in page
    )
    assert _state(official) == before and AuditEntry.objects.count() == entries


def test_district_roles_are_not_offered_after_the_2025_reform(login, people):
    admin = login(people.admin)
    page = admin.get("/accounts/users/new/").content.decode()
    assert 'value="province_officer"' in page
    assert 'value="district_officer"' not in page
    official = people.other_commune
    response = admin.post(
        f"/accounts/users/{official.pk}/edit/",
        _edit_data(official, roles=[RoleCode.DISTRICT_OFFICER]),
    )
    assert response.status_code == 200
    assert RoleCode.DISTRICT_OFFICER not in User.objects.get(pk=official.pk).role_codes()


def test_an_administrator_does_not_change_their_own_roles(login, people):
    admin_user = people.province_admin
    admin = login(admin_user)
    before = _state(admin_user)
    response = admin.post(
        f"/accounts/users/{admin_user.pk}/edit/",
        _edit_data(admin_user, roles=[RoleCode.SYSTEM_ADMIN, RoleCode.PROVINCE_OFFICER]),
    )
    assert response.status_code == 200
    assert "Không tự đổi đơn vị hoặc vai trò của chính mình" in response.content.decode()
    assert _state(admin_user) == before


def test_an_administrator_searches_officials_by_name_without_diacritics(login, people):
    services.user_create(
        actor=None,
        username="xa.sungmicha",
        password=PASSWORD,
        unit=unit_get(code="00715"),
        roles=[RoleCode.COMMUNE_REPORTER],
        full_name="Sùng Mí Chá",
        check_password=False,
    )
    admin = login(people.province_admin)
    page = admin.get("/accounts/users/", {"q": "sung mi cha"}).content.decode()
    assert "Sùng Mí Chá" in page and people.other_province.username not in page
    page = admin.get("/accounts/users/", {"q": "lung cu"}).content.decode()
    assert "Sùng Mí Chá" in page and people.commune.username in page


def test_a_locked_official_cannot_sign_in_and_their_open_session_ends(login, people):
    official = people.commune
    session = login(official)
    assert session.get("/reporting/").status_code == 200
    admin = login(people.province_admin)

    response = admin.post(f"/accounts/users/{official.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert User.objects.get(pk=official.pk).is_active is False
    assert session.get("/reporting/").status_code == 302  # signed out
    attempt = Client().post(
        "/accounts/login/", {"username": official.username, "password": PASSWORD}
    )
    assert attempt.status_code == 200
    assert AuditEntry.objects.filter(action="accounts.user_deactivate", actor=people.province_admin)
    page = admin.get("/accounts/users/", {"status": "inactive"}).content.decode()
    assert official.username in page

    admin.post(f"/accounts/users/{official.pk}/active/", {"active": "1"})
    # A repeated click changes nothing and writes no second row.
    admin.post(f"/accounts/users/{official.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=official.pk).is_active is True
    assert AuditEntry.objects.filter(action="accounts.user_activate").count() == 1
    sign_in(Client(), User.objects.get(pk=official.pk))


def test_a_password_reset_gives_a_one_time_link_and_the_old_password_stops_working(
    login, people, django_capture_on_commit_callbacks
):
    official = people.commune
    admin = login(people.province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/accounts/users/{official.pk}/password-reset/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    url = re.search(
        r'value="(http://testserver/accounts/password/reset/[^"]+)"', response.content.decode()
    )
    assert url, response.content.decode()[:3000]
    path = url.group(1).removeprefix("http://testserver")
    assert not User.objects.get(pk=official.pk).check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="accounts.password_reset", object_id=str(official.pk))
    assert Notification.objects.filter(recipient=official, kind="security").exists()

    owner = Client()
    form_page = owner.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new = "mat-khau-tu-dat-cua-xa-2026"
    done = owner.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert User.objects.get(pk=official.pk).check_password(new)
    # The link is spent by its first use.
    again = Client().get(path, follow=True).content.decode()
    assert 'name="new_password1"' not in again


def test_an_administrator_resets_a_lost_authenticator_from_the_account_page(login, people):
    officer = people.province
    admin = login(people.province_admin)
    page = admin.get(f"/accounts/users/{officer.pk}/").content.decode()
    assert "Đặt lại xác thực hai lớp" in page and "Đặt lại mật khẩu" in page
    response = admin.post(f"/accounts/users/{officer.pk}/2fa-reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEntry.objects.filter(action="accounts.totp_reset", object_id=str(officer.pk))


# --- permissions over every persona --------------------------------------------------------


ACTIONS = {
    "edit": lambda u: (f"/accounts/users/{u.pk}/edit/", _edit_data(u, full_name="Đổi Trộm")),
    "lock": lambda u: (f"/accounts/users/{u.pk}/active/", {"active": "0"}),
    "password": lambda u: (f"/accounts/users/{u.pk}/password-reset/", {}),
    "2fa": lambda u: (f"/accounts/users/{u.pk}/2fa-reset/", {}),
}
NOT_ADMINISTRATORS = [
    "commune",
    "other_commune",
    "province",
    "other_province",
    "ministry",
    "editor",
]


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("persona", [*NOT_ADMINISTRATORS, "anonymous", "province_admin"])
def test_only_an_administrator_of_the_officials_unit_manages_the_account(people, persona, action):
    # The province officer of Tuyên Quang is the target (an account with an authenticator);
    # the Tuyên Quang administrator is tried on Lào Cai's officer, outside their province.
    target = people.other_province if persona == "province_admin" else people.province
    before = _state(target)
    client = Client()
    if persona != "anonymous":
        sign_in(client, getattr(people, persona))
    entries = AuditEntry.objects.count()
    path, data = ACTIONS[action](target)
    get = client.get(path)
    response = client.post(path, data)

    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in (403, 404), (persona, action, response.status_code)
        assert get.status_code in (403, 404, 405)
    assert _state(target) == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("persona", [*NOT_ADMINISTRATORS, "province_admin"])
def test_the_account_page_offers_management_only_to_its_administrators(login, people, persona):
    client = login(getattr(people, persona))
    target = people.other_province if persona == "province_admin" else people.commune
    response = client.get(f"/accounts/users/{target.pk}/")
    assert "Quản lý tài khoản" not in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "province_admin"])
def test_both_administrators_manage_a_commune_official_of_their_scope(people, persona):
    client = Client()
    sign_in(client, getattr(people, persona))
    target = people.commune
    response = client.post(*ACTIONS["edit"](target))
    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).full_name == "Đổi Trộm"
    assert "Quản lý tài khoản" in client.get(f"/accounts/users/{target.pk}/").content.decode()


def test_a_provincial_administrator_cannot_move_an_official_out_of_the_province(login, people):
    client = login(people.province_admin)
    target = people.commune
    before = _state(target)
    response = client.post(*ACTIONS["edit"](target)[:1], _edit_data(target, unit_code="15"))
    assert response.status_code == 200
    assert "ngoài phạm vi quản lý" in response.content.decode()
    assert _state(target) == before


@pytest.mark.parametrize("persona", [*NOT_ADMINISTRATORS, "anonymous"])
def test_only_administrators_create_accounts(people, persona):
    client = Client()
    if persona != "anonymous":
        sign_in(client, getattr(people, persona))
    users, entries = User.objects.count(), AuditEntry.objects.count()
    page = client.get("/accounts/users/new/")
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "xa.gia",
            "full_name": "Giả Mạo",
            "unit_code": "00715",
            "roles": [RoleCode.COMMUNE_REPORTER],
            "password": "mot-mat-khau-dai-2025",
        },
    )
    if persona == "anonymous":
        assert page.status_code == response.status_code == 302
    else:
        assert page.status_code == response.status_code == 403
    assert User.objects.count() == users and AuditEntry.objects.count() == entries
