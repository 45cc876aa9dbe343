import pytest

from dantoc.audit.models import AuditEntry
from dantoc.programmes.models import Component

pytestmark = pytest.mark.django_db


def test_national_administrator_renames_a_project_and_the_change_is_audited(people, login):
    client = login(people.admin)
    da2 = Component.objects.get(programme__code="CTMTQG-1719", code="DA2")
    page = client.get(f"/admin/programmes/component/{da2.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/programmes/component/{da2.pk}/change/",
        {
            "programme": da2.programme_id,
            "parent": "",
            "code": "DA2",
            "level": "project",
            "order": 2,
            "name": "Quy hoạch, sắp xếp, bố trí, ổn định dân cư (đã sửa)",
            "name_en": da2.name_en,
            "source": da2.source,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    da2.refresh_from_db()
    assert da2.name.endswith("(đã sửa)")
    entry = AuditEntry.objects.get(action="programmes.component_update", object_id=str(da2.pk))
    assert entry.actor == people.admin
    assert entry.after["name"].endswith("(đã sửa)") and not entry.before["name"].endswith("sửa)")
    html = client.get("/programmes/CTMTQG-1719/").content.decode()
    assert "(đã sửa)" in html


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "editor", "province_admin"])
def test_others_cannot_edit_the_catalogue(people, login, persona):
    client = login(getattr(people, persona))
    da2 = Component.objects.get(programme__code="CTMTQG-1719", code="DA2")
    response = client.post(
        f"/admin/programmes/component/{da2.pk}/change/", {"name": "X", "code": "DA2"}
    )
    assert response.status_code in (302, 403)
    da2.refresh_from_db()
    assert da2.name != "X"
