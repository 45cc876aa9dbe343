"""Contributors write items through the pages, the shared workflow publishes them (a second
person), bad input is refused with a reason and loses nothing, every write is audited; the
digitisation plan counts what is done."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.audit.models import AuditEntry
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get
from dantoc.heritage import selectors, services
from dantoc.heritage.models import HeritageItem, HeritageMedia, Protocol
from dantoc.media.models import MediaState
from dantoc.media.processing import asset_process

from .conftest import add_picture, item_data, picture


def _form(**changes) -> dict:
    values = {
        "kind": "festival",
        "title": "Lễ hội Lồng Tồng",
        "description": "Lễ xuống đồng của người Tày.",
        "ethnic_groups": [EthnicGroup.objects.get(code="02").pk],
        "commune_code": "00715",
        "lunar_month": "1",
        "lunar_day": "15",
        "language": "vi",
        "licence": "CC BY-NC 4.0",
        "protocols": [Protocol.objects.get(slug="mo").pk],
        "sharing": "any",
    }
    values.update(changes)
    return values


def test_a_commune_officer_writes_an_item_and_a_province_officer_publishes_it(
    archive, people, login, client
):
    writer = login(people.commune)
    response = writer.post("/di-san/quan-ly/moi/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    item = HeritageItem.objects.get(title="Lễ hội Lồng Tồng")
    assert item.province == unit_get(code="08")  # the commune's current province
    assert item.lunar_month == 1 and item.lunar_day == 15
    writer.post(f"/di-san/quan-ly/{item.uuid}/buoc/", {"step": "submit"})
    # The writer may not publish what they submitted (four eyes).
    writer.post(f"/di-san/quan-ly/{item.uuid}/buoc/", {"step": "publish"})
    item.refresh_from_db()
    assert item.status == "review"
    assert client.get(f"/di-san/{item.uuid}/").status_code == 404
    reviewer = login(people.province)
    reviewer.post(f"/di-san/quan-ly/{item.uuid}/buoc/", {"step": "publish"})
    item.refresh_from_db()
    assert item.is_public
    assert client.get(f"/di-san/{item.uuid}/").status_code == 200
    actions = set(
        AuditEntry.objects.filter(object_id=str(item.pk)).values_list("action", flat=True)
    )
    assert {"heritage.item_create", "heritage.item_submit", "heritage.item_publish"} <= actions


def test_an_item_without_a_protocol_or_with_unconsented_performers_is_refused(
    archive, people, login
):
    writer = login(people.commune)
    before = HeritageItem.objects.count()
    response = writer.post("/di-san/quan-ly/moi/", _form(protocols=[]))
    assert response.status_code == 400
    response = writer.post("/di-san/quan-ly/moi/", _form(performers="Hoàng Thị Then"))
    assert response.status_code == 400
    assert "đã đồng ý" in response.content.decode()
    response = writer.post("/di-san/quan-ly/moi/", _form(commune_code="99999"))
    assert response.status_code == 400
    assert "Không tìm thấy xã" in response.content.decode()
    assert HeritageItem.objects.count() == before


def test_a_commune_closed_in_2025_counts_under_its_successors_province(archive, people):
    from dantoc.geo.models import Unit

    old = Unit.objects.filter(
        level="commune", valid_to__isnull=False, successions__isnull=False
    ).first()
    item = services.item_create(
        actor=people.province, unit=people.province.unit, data=item_data(commune=old)
    )
    successor = old.successions.first().successor
    assert item.province == services.province_of(successor)


@pytest.mark.parametrize("persona", [None, "other_commune", "other_province", "ministry"])
def test_outsiders_cannot_edit_an_item_and_nothing_changes(persona, archive, people, client, login):
    browser = client if persona is None else login(getattr(people, persona))
    url = f"/di-san/quan-ly/{archive.open_item.uuid}/"
    response = browser.post(url, _form(title="Đổi tên"))
    assert response.status_code in (302, 404)
    if persona is not None:
        assert response.status_code == 404
        with pytest.raises(PermissionDenied):
            services.item_update(
                actor=getattr(people, persona), item=archive.open_item, data=item_data(title="Đổi")
            )
    archive.open_item.refresh_from_db()
    assert archive.open_item.title == "Lễ hội Gầu Tào"


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_kept(archive, people, login):
    writer = login(people.commune)
    before = HeritageMedia.objects.count()
    fake = SimpleUploadedFile("video.mp4", b"khong phai video " * 100)
    response = writer.post(
        f"/di-san/quan-ly/{archive.draft_item.uuid}/tep/",
        {"file": fake, "sharing": "any"},
        follow=True,
    )
    assert "không phải định dạng được nhận" in response.content.decode()
    assert HeritageMedia.objects.count() == before


def test_an_upload_through_the_page_is_processed_and_shows_its_progress(archive, people, login):
    writer = login(people.commune)
    writer.post(
        f"/di-san/quan-ly/{archive.draft_item.uuid}/tep/",
        {"file": picture("moi.png"), "caption": "Ảnh mới", "sharing": "any"},
    )
    media = HeritageMedia.objects.get(item=archive.draft_item)
    assert media.asset.state == MediaState.WAITING
    page = writer.get(f"/di-san/quan-ly/{archive.draft_item.uuid}/").content.decode()
    assert f'<progress id="p-{media.pk}"' in page and 'http-equiv="refresh"' in page
    assert list(media.protocols.all()) == list(archive.draft_item.protocols.all())
    asset_process(asset_id=media.asset_id)
    page = writer.get(f"/di-san/quan-ly/{archive.draft_item.uuid}/").content.decode()
    assert f'<progress id="p-{media.pk}"' not in page and 'http-equiv="refresh"' not in page


def test_a_failed_media_job_leaves_the_item_visible_with_its_original_and_the_reason(
    archive, people, login, client
):
    media = add_picture(archive.open_item, people, name="hong.png", process=False)
    # The stored original changed after upload: the job refuses it and says why.
    with media.asset.file.open("ab") as handle:
        handle.write(b"x")
    asset = asset_process(asset_id=media.asset_id)
    assert asset.state == MediaState.FAILED and asset.failure_reason
    assert client.get(f"/di-san/{archive.open_item.uuid}/").status_code == 200
    assert client.get(f"/di-san/tep/{media.uuid}", {"v": "goc"}).status_code == 200
    page = login(people.commune).get(f"/di-san/quan-ly/{archive.open_item.uuid}/").content.decode()
    assert asset.failure_reason in page


def test_media_writes_are_audited(archive, people):
    assert AuditEntry.objects.filter(
        action="heritage.media_add", object_id=str(archive.open_picture.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="heritage.protocol_create").count() >= 3


def test_the_digitisation_plan_counts_published_items(archive, people, client):
    tuyen_quang = unit_get(code="08")
    mong = EthnicGroup.objects.get(code="08")
    services.inventory_entry_upsert(
        actor=None,
        province=tuyen_quang,
        ethnic_group=mong,
        name="Gầu Tào",
        kind="festival",
        target_year=2025,
        item=archive.open_item,
    )
    services.inventory_entry_upsert(
        actor=None,
        province=tuyen_quang,
        ethnic_group=mong,
        name="Cấp sắc",
        kind="ritual",
        target_year=2026,
        item=archive.draft_item,
    )
    [row] = selectors.inventory_progress()
    assert (row.planned, row.done) == (2, 1)
    # Idempotent: the same entry again stays one entry.
    services.inventory_entry_upsert(
        actor=None,
        province=tuyen_quang,
        ethnic_group=mong,
        name="Gầu Tào",
        kind="festival",
        target_year=2025,
        item=archive.open_item,
    )
    assert selectors.inventory_progress()[0].planned == 2
    assert "50 %" in client.get("/di-san/ke-hoach-so-hoa/").content.decode()


def test_services_refuse_an_item_without_an_ethnic_group(archive, people):
    with pytest.raises(ValidationError):
        services.item_create(
            actor=people.commune, unit=people.commune.unit, data=item_data(ethnic_groups=[])
        )


def test_the_fixity_check_reports_a_changed_original_to_the_administrators(archive, people):
    from dantoc.media.fixity import assets_fixity_check
    from dantoc.notifications.models import Notification

    assert assets_fixity_check().ok
    with archive.open_picture.asset.file.open("ab") as handle:
        handle.write(b"!")
    report = assets_fixity_check()
    assert report.changed == [str(archive.open_picture.asset.uuid)]
    assert AuditEntry.objects.filter(action="media.fixity_failed").count() == 1
    assert Notification.objects.filter(recipient=people.admin, kind="media_fixity").exists()


def test_a_large_video_arrives_in_pieces_retries_are_harmless_and_the_worker_makes_it(
    archive, people, login, tmp_path, settings
):
    import subprocess

    from dantoc.heritage import chunks

    settings.HERITAGE_UPLOAD_DIR = tmp_path / "uploads"
    video = tmp_path / "le-hoi.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=320x180:rate=10:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         str(video)],
        check=True,
    )  # fmt: skip
    data = video.read_bytes()
    writer = login(people.commune)
    url = f"/di-san/quan-ly/{archive.draft_item.uuid}/tep/phan/"
    size = max(1, len(data) // 3 + 1)

    def send(first, last, total=None):
        total = total or len(data)
        return writer.post(
            url,
            data=data[first : last + 1],
            content_type="application/octet-stream",
            HTTP_CONTENT_RANGE=f"bytes {first}-{last}/{total}",
            HTTP_X_UPLOAD_ID="abcdef0123456789",
            HTTP_X_FILE_NAME="le-hoi.mp4",
        )

    assert send(0, size - 1).json() == {"received": size}
    assert send(0, size - 1).status_code == 200  # the same piece again: written once
    skipped = send(2 * size, len(data) - 1)
    assert skipped.status_code == 409 and skipped.json()["received"] == size
    assert send(size, 2 * size - 1).status_code == 200
    done = send(2 * size, len(data) - 1)
    assert done.status_code == 201
    media = HeritageMedia.objects.get(uuid=done.json()["media"])
    assert media.asset.bytes == len(data) and media.asset.kind == "video"
    assert not list((tmp_path / "uploads").iterdir())  # the staging file is gone
    asset = asset_process(asset_id=media.asset_id)
    assert asset.state == MediaState.READY and asset.progress == 100
    huge = writer.post(
        url,
        data=b"x" * 10,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-9/{settings.MEDIA_MAX_VIDEO_BYTES + 1}",
        HTTP_X_UPLOAD_ID="abcdef0123456789",
    )
    assert huge.status_code == 413
    assert chunks.CHUNK_MAX <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_share_digitised_reaches_the_dashboard_through_the_analytics_engine(
    archive, people, login, django_capture_on_commit_callbacks
):
    """Per province and ethnic group, written by the platform into the computed form
    BM-DISAN-TINH and rolled up to the country; a withdrawn item counts no more."""
    from django.utils import timezone

    from dantoc.analytics.models import RollupTotal
    from dantoc.editorial import services as editorial
    from dantoc.geo.models import Unit, UnitLevel
    from dantoc.reporting.models import DataValue

    province = archive.open_item.province
    mong = EthnicGroup.objects.get(code="08")
    year = str(timezone.localdate().year)
    with django_capture_on_commit_callbacks(execute=True):
        for name, item in (("Gầu Tào", archive.open_item), ("Cấp sắc", archive.draft_item)):
            services.inventory_entry_upsert(
                actor=None, province=province, ethnic_group=mong, name=name, kind="festival",
                target_year=2025, item=item,
            )  # fmt: skip

    def figures(unit):
        return {
            (v.indicator.code, v.options_key): float(v.value)
            for v in DataValue.objects.filter(unit=unit, period__code=year).select_related(
                "indicator"
            )
            if v.indicator.code.startswith("DS_")
        }

    assert figures(province) == {
        ("DS_KE_HOACH", "DAN_TOC=08"): 2,
        ("DS_DA_SO_HOA", "DAN_TOC=08"): 1,
    }
    country = Unit.objects.get(level=UnitLevel.COUNTRY)
    national = {
        r.indicator.code: r.approved_sum
        for r in RollupTotal.objects.filter(unit=country, period__code=year).select_related(
            "indicator"
        )
    }
    assert national["DS_KE_HOACH"] == 2 and national["DS_DA_SO_HOA"] == 1
    ministry = login(people.ministry)
    dashboard = ministry.get(f"/analytics/?unit=VN&year={year}").content.decode()
    assert "Tỷ lệ lễ hội, phong tục đã số hoá" in dashboard and "50,0" in dashboard
    with django_capture_on_commit_callbacks(execute=True):
        editorial.content_withdraw(actor=people.province, item=archive.open_item)
    assert figures(province)[("DS_DA_SO_HOA", "DAN_TOC=08")] == 0
