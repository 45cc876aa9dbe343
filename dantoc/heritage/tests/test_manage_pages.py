"""The archive's management pages beyond the item form: creating a cultural protocol, keeping
a province's digitisation plan, and writing an item's translations through the shared
review workflow. Each page: the right people, the wrong people, bad input, a retry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from dantoc.audit.models import AuditEntry
from dantoc.geo.models import EthnicGroup
from dantoc.heritage.models import InventoryEntry, Membership, Protocol
from dantoc.reporting.models import DataValue

pytestmark = pytest.mark.django_db


def test_a_province_officer_creates_a_community_protocol_and_stewards_it(people, login, archive):
    officer = login(people.province)
    assert officer.get("/di-san/giao-thuc/moi/").status_code == 200
    empty = officer.post("/di-san/giao-thuc/moi/", {"kind": "community"})
    assert empty.status_code == 400 and Protocol.objects.count() == 3
    answer = officer.post(
        "/di-san/giao-thuc/moi/",
        {
            "name": "Lễ cấp sắc họ Bàn",
            "kind": "community",
            "community": "Dòng họ Bàn, thôn Nậm Đăm",
            "notice": "Chỉ dùng trong dòng họ",
            "months": ["11", "12"],
        },
    )
    protocol = Protocol.objects.get(name="Lễ cấp sắc họ Bàn")
    assert answer.status_code == 302 and answer["Location"].endswith(f"{protocol.uuid}/")
    assert protocol.slug == "le-cap-sac-ho-ban" and protocol.months == ",11,12,"
    assert Membership.objects.filter(protocol=protocol, user=people.province, is_steward=True)
    assert AuditEntry.objects.filter(action="heritage.protocol_create").exists()
    # The same name again gets an address of its own.
    officer.post("/di-san/giao-thuc/moi/", {"name": "Lễ cấp sắc họ Bàn", "kind": "open"})
    assert set(
        Protocol.objects.filter(name="Lễ cấp sắc họ Bàn").values_list("slug", flat=True)
    ) == {
        "le-cap-sac-ho-ban",
        "le-cap-sac-ho-ban-2",
    }
    commune = login(people.commune)
    assert commune.get("/di-san/giao-thuc/moi/").status_code == 403
    assert commune.post("/di-san/giao-thuc/moi/", {"name": "x", "kind": "open"}).status_code == 403


def test_a_province_keeps_its_digitisation_plan_and_the_figures_follow(
    people, login, archive, django_capture_on_commit_callbacks
):
    officer = login(people.province)
    page = officer.get("/di-san/ke-hoach-so-hoa/sua/")
    assert page.status_code == 200 and archive.open_item.title in page.content.decode()
    mong = EthnicGroup.objects.get(code="08")
    entry = {
        "ethnic_group": mong.pk,
        "name": "Lễ hội Gầu Tào",
        "kind": "festival",
        "target_year": "2026",
        "item": str(archive.open_item.uuid),
    }
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(2):  # a retried form makes one entry
            assert officer.post("/di-san/ke-hoach-so-hoa/sua/", entry).status_code == 302
    saved = InventoryEntry.objects.get()
    assert saved.item == archive.open_item and saved.province == people.province.unit
    assert DataValue.objects.filter(
        unit=people.province.unit, indicator__code="DS_DA_SO_HOA", value="1"
    ).exists()
    bad = officer.post("/di-san/ke-hoach-so-hoa/sua/", {**entry, "target_year": "1990"})
    assert bad.status_code == 400 and InventoryEntry.objects.count() == 1
    # An item of another province cannot be linked (not among the choices).
    foreign = officer.post("/di-san/ke-hoach-so-hoa/sua/", {**entry, "item": "not-an-item"})
    assert foreign.status_code == 400
    # Another province's officer, a commune reporter and a visitor keep nothing here.
    assert (
        login(people.other_province).get("/di-san/ke-hoach-so-hoa/sua/?tinh=08").status_code == 403
    )
    assert login(people.commune).get("/di-san/ke-hoach-so-hoa/sua/").status_code == 403
    # The ministry picks the province, then edits it.
    ministry = login(people.ministry)
    assert "Tuyên Quang" in ministry.get("/di-san/ke-hoach-so-hoa/sua/").content.decode()
    assert ministry.get("/di-san/ke-hoach-so-hoa/sua/?tinh=08").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        officer.post("/di-san/ke-hoach-so-hoa/sua/", {"delete": saved.pk})
    assert not InventoryEntry.objects.exists()
    assert DataValue.objects.filter(
        unit=people.province.unit, indicator__code="DS_KE_HOACH", value="0"
    ).exists()
    assert AuditEntry.objects.filter(action="heritage.inventory_delete").exists()


def test_a_translation_is_written_reviewed_by_another_person_and_shown(
    people, login, archive, client
):
    item = archive.open_item
    url = f"/di-san/quan-ly/{item.uuid}/ban-dich/"
    author = login(people.commune)
    assert author.get(url).status_code == 200
    missing = author.post(url, {"language": "hmn", "title": ""})
    assert missing.status_code == 400
    text = {"language": "hmn", "title": "Noj Peb Caug Gaus Tauj", "description": "Kev ua si."}
    assert author.post(url, text).status_code == 302
    assert author.post(url, {"language": "hmn", "step": "submit"}).status_code == 302
    # The author cannot approve their own translation.
    author.post(url, {"language": "hmn", "step": "publish"})
    assert "Noj Peb Caug" not in client.get(f"/di-san/{item.uuid}/").content.decode()
    login(people.province).post(url, {"language": "hmn", "step": "publish"})
    public = client.get(f"/di-san/{item.uuid}/").content.decode()
    assert 'lang="hmn"' in public and "Noj Peb Caug Gaus Tauj" in public
    assert login(people.other_province).get(url).status_code == 404


def test_a_change_to_a_published_item_waits_for_a_second_person(people, login, archive, client):
    """The public keeps seeing the published record (page, search, manifest) until someone
    other than the author approves the change; the form goes on editing the revision."""
    from dantoc.editorial import revisions
    from dantoc.heritage.forms import initial_from

    mong = EthnicGroup.objects.get(code="08")
    item = archive.open_item
    author = login(people.commune)
    form = author.get(f"/di-san/quan-ly/{item.uuid}/").content.decode()
    fields = {
        "kind": "ritual", "title": "Lễ hội Gầu Tào xã Lũng Cú", "description": item.description,
        "ethnic_groups": [str(mong.pk)], "commune_code": "00715", "language": "vi",
        "licence": "CC BY-NC 4.0", "protocols": [str(archive.open_protocol.pk)], "sharing": "any",
        "season": "spring", "lunar_month": "1", "lunar_day": "3",
    }  # fmt: skip
    assert "Bản sửa đang chờ duyệt" not in form
    assert author.post(f"/di-san/quan-ly/{item.uuid}/", fields).status_code == 302
    item.refresh_from_db()
    assert item.title == "Lễ hội Gầu Tào"  # what the public sees has not moved
    assert "Gầu Tào xã Lũng Cú" not in client.get(f"/di-san/{item.uuid}/").content.decode()
    page = author.get(f"/di-san/quan-ly/{item.uuid}/").content.decode()
    assert "Bản sửa đang chờ duyệt" in page and "<ins>" in page
    # Coded fields are compared by their labels, as the reviewer reads them.
    assert (
        "<del>Lễ hội</del>" in page and "<ins>Nghi lễ</ins>" in page and "<ins>ritual" not in page
    )
    assert initial_from(item)["title"] == "Lễ hội Gầu Tào xã Lũng Cú"
    step = f"/di-san/quan-ly/{item.uuid}/ban-sua/"
    author.post(step, {"step": "submit"})
    author.post(step, {"step": "approve"})  # the author may not approve
    assert revisions.revision_open(item).status == "review"
    reviewer = login(people.province)
    reviewer.post(step, {"step": "approve"})
    item.refresh_from_db()
    assert item.title == "Lễ hội Gầu Tào xã Lũng Cú" and revisions.revision_open(item) is None
    assert "Gầu Tào xã Lũng Cú" in client.get(f"/di-san/{item.uuid}/").content.decode()
    assert "Phiên bản 2" in reviewer.get(f"/di-san/quan-ly/{item.uuid}/").content.decode()
    assert AuditEntry.objects.filter(action="heritage.item_revision_approve").exists()
    assert login(people.other_province).post(step, {"step": "discard"}).status_code == 404


def test_a_community_member_records_a_custom_and_an_officer_publishes_it(people, login, archive):
    """A community member with an account (role ``heritage_contributor``, no official post)
    writes items for her commune; publishing needs the province or an editor."""
    from conftest import PASSWORD
    from dantoc.accounts.services import user_create
    from dantoc.editorial import services as editorial
    from dantoc.geo.selectors import unit_get
    from dantoc.heritage import services

    from .conftest import item_data

    member = user_create(
        actor=None, username="congdong.test", password=PASSWORD, unit=unit_get(code="00715"),
        roles=["heritage_contributor"], full_name="Giàng Thị Dợ", check_password=False,
    )  # fmt: skip
    browser = login(member)
    assert browser.get("/di-san/quan-ly/").status_code == 200
    item = services.item_create(
        actor=member, unit=member.unit, data=item_data(title="Hát gọi bạn Lô Lô Chải")
    )
    editorial.content_submit_for_review(actor=member, item=item)
    with pytest.raises(PermissionDenied):
        editorial.content_publish(actor=member, item=item)
    editorial.content_publish(actor=people.province, item=item)
    item.refresh_from_db()
    assert item.is_public
    # Another commune's items are not hers to edit.
    other = services.item_create(
        actor=people.other_commune, unit=people.other_commune.unit, data=item_data(title="Khác")
    )
    assert browser.get(f"/di-san/quan-ly/{other.uuid}/").status_code == 404
