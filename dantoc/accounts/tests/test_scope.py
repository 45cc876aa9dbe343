"""Every persona against the scoping rule: an official sees only their unit's subtree."""

import pytest
from django.core.exceptions import PermissionDenied

from dantoc.accounts.models import User
from dantoc.accounts.permissions import can_approve_for, scope_q, unit_in_scope
from dantoc.accounts.services import user_create
from dantoc.audit.models import AuditEntry
from dantoc.geo.models import Unit
from dantoc.geo.selectors import unit_get

pytestmark = pytest.mark.django_db


def visible_usernames(client) -> set[str]:
    body = client.get("/api/v1/users/", {"limit": 1000}).json()
    return {u["username"] for u in body["results"]}


def expected_usernames(unit_code: str) -> set[str]:
    root = unit_get(code=unit_code)
    return set(
        User.objects.filter(unit__path__startswith=root.path).values_list("username", flat=True)
    )


def test_commune_officer_sees_only_their_own_commune(people, login):
    client = login(people.commune)
    assert visible_usernames(client) == {"xa.lungcu"}
    other = people.other_commune
    assert client.get(f"/api/v1/users/{other.pk}/").status_code == 404
    assert client.get(f"/accounts/users/{other.pk}/").status_code == 404
    assert client.get("/accounts/users/", {"unit": "00700"}).status_code == 404
    assert client.get(f"/accounts/users/{people.commune.pk}/").status_code == 200


def test_province_officer_sees_exactly_their_province_subtree(people, login):
    client = login(people.province)
    seen = visible_usernames(client)
    assert seen == expected_usernames("08")
    assert {"xa.lungcu", "xa.ngocduong", "tinh.tuyenquang", "quantri.tuyenquang"} <= seen
    assert "tinh.laocai" not in seen and "bo.giamsat" not in seen
    assert client.get(f"/api/v1/users/{people.other_province.pk}/").status_code == 404
    html = client.get("/accounts/users/", {"unit": "08"}).content.decode()
    assert "xa.lungcu" in html and "tinh.laocai" not in html


def test_other_province_officer_sees_none_of_tuyen_quang(people, login):
    client = login(people.other_province)
    assert visible_usernames(client) == expected_usernames("15")
    assert "xa.lungcu" not in visible_usernames(client)


def test_ministry_officer_sees_everybody(people, login):
    client = login(people.ministry)
    assert visible_usernames(client) == set(User.objects.values_list("username", flat=True))


def test_editor_at_the_ministry_sees_the_country(people, login):
    client = login(people.editor)
    assert "xa.lungcu" in visible_usernames(client)


def test_anonymous_visitor_sees_no_officials(client, people):
    assert client.get("/api/v1/users/").status_code == 403
    assert client.get(f"/api/v1/users/{people.commune.pk}/").status_code == 403
    response = client.get("/accounts/users/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_scope_includes_communes_merged_whole_but_not_parts_of_split_ones(people):
    commune = people.commune
    new = commune.unit
    whole = Unit.objects.filter(successions__successor=new, successions__partial=False)
    partial = Unit.objects.filter(successions__successor=new, successions__partial=True)
    assert whole.exists()
    for old in whole:
        assert unit_in_scope(commune, old)
    for old in partial:
        assert not unit_in_scope(commune, old)
    assert not unit_in_scope(commune, people.other_commune.unit)


def test_province_scope_covers_the_old_provinces_merged_into_it(people):
    officer = people.province
    old_ha_giang = unit_get(code="02")
    old_commune = unit_get(code="00721")  # Thị trấn Đồng Văn, old Hà Giang
    assert unit_in_scope(officer, old_ha_giang)
    assert unit_in_scope(officer, old_commune)
    assert not unit_in_scope(people.other_province, old_commune)
    in_scope = Unit.objects.filter(scope_q(officer)).filter(level="province")
    assert sorted((u.code, str(u.valid_to)) for u in in_scope) == [
        ("02", "2025-06-30"),
        ("08", "2025-06-30"),
        ("08", "None"),
    ]


def test_officers_approve_only_units_below_their_own(people):
    officer = people.province
    assert can_approve_for(officer, people.commune.unit)
    assert not can_approve_for(officer, officer.unit)
    assert not can_approve_for(officer, people.other_province.unit)
    assert not can_approve_for(people.commune, people.commune.unit)


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "editor", "other_province"])
def test_only_administrators_create_accounts_and_a_refusal_changes_nothing(people, persona):
    actor = getattr(people, persona)
    users, audits = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        user_create(actor=actor, username="moi", password="x" * 12, unit=people.commune.unit)
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, audits)


@pytest.mark.parametrize("persona", ["commune", "province", "editor"])
def test_account_creation_page_is_refused_to_non_administrators(people, login, persona):
    client = login(getattr(people, persona))
    users = User.objects.count()
    response = client.post(
        "/accounts/users/new/",
        {"username": "moi", "full_name": "Mới", "unit_code": "00715", "password": "x" * 12},
    )
    assert response.status_code == 403
    assert User.objects.count() == users


def test_province_administrator_cannot_create_accounts_outside_the_province(people):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=people.province_admin,
            username="ngoai",
            password="mat-khau-dai-du-10",
            unit=people.other_province.unit,
        )
    assert not User.objects.filter(username="ngoai").exists()


def test_administrator_creates_an_account_through_the_page_and_it_is_audited(people, login):
    client = login(people.province_admin)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "xa.moi",
            "full_name": "Giàng Seo Lử",
            "unit_code": "00715",
            "roles": ["commune_reporter"],
            "password": "mot-mat-khau-rat-dai",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="xa.moi")
    assert user.unit.code == "00715" and user.has_role("commune_reporter")
    assert user.password.startswith("argon2")
    entry = AuditEntry.objects.get(action="accounts.user_create", object_id=str(user.pk))
    assert entry.actor == people.province_admin
    assert entry.after["full_name"] == "Giàng Seo Lử"
    assert entry.after["roles"] == ["commune_reporter"]


def test_account_form_outside_scope_says_so_and_creates_nothing(people, login):
    client = login(people.province_admin)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "xa.khac",
            "full_name": "A",
            "unit_code": "15",
            "password": "mot-mat-khau-rat-dai",
        },
    )
    assert response.status_code == 200
    assert "ngoài phạm vi" in response.content.decode()
    assert not User.objects.filter(username="xa.khac").exists()


def test_officials_list_uses_the_same_number_of_queries_for_many_accounts(people, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(people.commune)
    with CaptureQueriesContext(connection) as few:
        client.get("/accounts/users/")
    for i in range(20):
        user_create(
            actor=None,
            username=f"xa.them{i}",
            password="x",
            unit=people.commune.unit,
            roles=["commune_reporter", "content_editor"],
            check_password=False,
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get("/accounts/users/").content.decode()
    assert "xa.them19" in html
    assert len(many) == len(few)
