import pytest

from dantoc.accounts.services import user_set_active, user_set_roles
from dantoc.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_role_change_keeps_before_and_after(people):
    admin = people.admin
    commune = people.commune
    user_set_roles(actor=admin, user=commune, roles=["commune_reporter", "content_editor"])
    entry = AuditEntry.objects.get(action="accounts.user_set_roles", object_id=str(commune.pk))
    assert entry.actor == admin and entry.actor_repr == "quantri"
    assert entry.before["roles"] == ["commune_reporter"]
    assert entry.after["roles"] == ["commune_reporter", "content_editor"]
    assert entry.unit == commune.unit
    assert ("roles", ["commune_reporter"], ["commune_reporter", "content_editor"]) in (
        entry.changed_fields()
    )


def test_deactivation_is_audited_and_an_admin_cannot_lock_themselves_out(people):
    from django.core.exceptions import ValidationError

    user_set_active(actor=people.admin, user=people.commune, is_active=False)
    entry = AuditEntry.objects.get(action="accounts.user_deactivate")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    with pytest.raises(ValidationError):
        user_set_active(actor=people.admin, user=people.admin, is_active=False)


def _rows(client, **params):
    return client.get("/api/v1/audit-entries/", params).json()["results"]


def test_administrator_filters_the_trail_by_user_unit_and_object(people, login):
    admin = people.admin
    user_set_roles(actor=admin, user=people.commune, roles=["commune_reporter"])
    user_set_roles(actor=admin, user=people.other_province, roles=["province_officer"])
    client = login(admin)
    by_unit = _rows(client, unit="08")
    assert {r["object_repr"] for r in by_unit if r["action"] == "accounts.user_set_roles"} == {
        str(people.commune)
    }
    by_object = _rows(client, object_type="accounts.user", object_id=str(people.other_province.pk))
    assert {r["action"] for r in by_object} >= {"accounts.user_create", "accounts.user_set_roles"}
    by_user = _rows(client, user="quantri")
    assert by_user and all(r["actor_repr"] == "quantri" for r in by_user)
    html = client.get("/audit/", {"unit": "08", "object_type": "accounts.user"}).content.decode()
    assert "Đổi vai trò của tài khoản" in html and str(people.commune) in html


def test_province_administrator_reads_only_their_province_in_the_trail(people, login):
    user_set_roles(actor=people.admin, user=people.other_province, roles=["province_officer"])
    user_set_roles(actor=people.admin, user=people.commune, roles=["commune_reporter"])
    client = login(people.province_admin)
    rows = _rows(client, limit=500)
    assert rows
    assert str(people.other_province) not in {r["object_repr"] for r in rows}
    assert str(people.commune) in {r["object_repr"] for r in rows}


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "editor"])
def test_only_administrators_read_the_trail(people, login, persona):
    client = login(getattr(people, persona))
    assert client.get("/audit/").status_code == 403
    assert client.get("/api/v1/audit-entries/").status_code == 403
