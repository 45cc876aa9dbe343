"""Citizen items follow the editorial workflow: written by an editor of the unit, published by
a second editor (four eyes), translated with each translation's own review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dantoc.audit.models import AuditEntry
from dantoc.citizens import services
from dantoc.citizens.models import CitizenItem
from dantoc.editorial import services as editorial
from dantoc.geo.selectors import unit_get

pytestmark = pytest.mark.django_db


def test_the_author_cannot_publish_their_own_item_and_a_second_editor_can(
    people, second_editor, make_item
):
    item = make_item(publish=False, title="Thẻ bảo hiểm y tế")
    editorial.content_submit_for_review(actor=people.editor, item=item)
    with pytest.raises(PermissionDenied):
        editorial.content_publish(actor=people.editor, item=item)
    item.refresh_from_db()
    assert item.status == "review" and not item.is_public
    editorial.content_publish(actor=second_editor, item=item)
    item.refresh_from_db()
    assert item.is_public
    actions = list(
        AuditEntry.objects.filter(object_id=str(item.pk), action__startswith="citizens.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["citizens.item_save", "citizens.item_submit", "citizens.item_publish"]


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "admin", "anonymous"])
def test_only_content_editors_write_items(people, persona):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if persona == "anonymous" else getattr(people, persona)
    with pytest.raises(PermissionDenied):
        services.item_save(
            actor=actor,
            item=None,
            unit=unit_get(code="08"),
            topic="y-te",
            title="Không được lưu",
            summary="…",
        )
    assert not CitizenItem.objects.exists()


def test_a_province_editor_cannot_change_another_provinces_item(laocai_editor, make_item):
    item = make_item(publish=False, unit_code="08", title="Tin của Tuyên Quang")
    with pytest.raises(PermissionDenied):
        services.item_save(
            actor=laocai_editor,
            item=item,
            unit=item.unit,
            topic="y-te",
            title="Sửa trộm",
            summary="…",
        )
    with pytest.raises(PermissionDenied):
        editorial.content_submit_for_review(actor=laocai_editor, item=item)
    item.refresh_from_db()
    assert (item.title, item.status) == ("Tin của Tuyên Quang", "draft")


def test_an_edit_to_a_public_item_waits_as_a_revision_for_a_second_editor(
    client, people, second_editor, make_item
):
    from dantoc.editorial import revisions

    item = make_item(title="Đang hiện", summary="Bản đầu.")
    services.item_save(
        actor=people.editor, item=item, unit=item.unit, topic="y-te", title="Đổi", summary="Mới."
    )
    item.refresh_from_db()
    assert (item.title, item.status) == ("Đang hiện", "published")
    assert "Bản đầu." in client.get(item.get_absolute_url()).content.decode()
    revision = revisions.revision_open(item)
    assert revision.data["title"] == "Đổi"
    # Saving again (a retried request) changes the same revision, not a second one.
    services.item_save(
        actor=people.editor, item=item, unit=item.unit, topic="y-te", title="Đổi", summary="Mới."
    )
    assert revisions.revisions_of(item).count() == 1
    revisions.revision_submit(actor=people.editor, revision=revision)
    with pytest.raises(PermissionDenied):
        revisions.revision_approve(actor=people.editor, revision=revision)
    revisions.revision_approve(actor=second_editor, revision=revision)
    item.refresh_from_db()
    assert (item.title, item.summary, item.status) == ("Đổi", "Mới.", "published")
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Mới." in page and "Bản đầu." not in page
    assert "moi" in item.search_text
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"citizens.item_revision_create", "citizens.item_revision_approve"} <= actions


def test_an_item_in_review_is_returned_before_it_is_changed(people, make_item):
    item = make_item(publish=False, title="Chờ duyệt")
    editorial.content_submit_for_review(actor=people.editor, item=item)
    with pytest.raises(ValidationError):
        services.item_save(
            actor=people.editor, item=item, unit=item.unit, topic="y-te", title="Đổi", summary="…"
        )
    item.refresh_from_db()
    assert item.title == "Chờ duyệt"


def test_the_revision_is_written_and_approved_on_the_editor_pages(
    login, people, second_editor, make_item
):
    from dantoc.editorial import revisions

    item = make_item(title="Tin đang hiện")
    writer = login(people.editor)
    url = f"/dong-bao/bien-tap/{item.uuid}/"
    page = writer.get(url).content.decode()
    assert 'value="Tin đang hiện"' in page
    data = {"topic": "y-te", "unit": item.unit.pk, "title": "Tin đã sửa", "summary": "Tóm tắt."}
    assert writer.post(url, data).status_code == 302
    page = writer.get(url).content.decode()
    assert 'value="Tin đã sửa"' in page and "Bản sửa đang chờ duyệt" in page
    revision = revisions.revision_open(item)
    writer.post(f"/bien-tap/ban-sua/{revision.uuid}/gui-duyet/")
    reviewer = login(second_editor)
    response = reviewer.post(f"/bien-tap/ban-sua/{revision.uuid}/duyet/")
    assert response.status_code == 302 and response["Location"] == url
    item.refresh_from_db()
    assert item.title == "Tin đã sửa"


def test_a_policy_must_say_who_it_is_for_and_what_they_get(people):
    with pytest.raises(ValidationError):
        services.item_save(
            actor=people.editor,
            item=None,
            unit=unit_get(code="VN"),
            topic="chinh-sach",
            title="Chính sách thiếu ý",
            summary="…",
        )
    assert not CitizenItem.objects.exists()


def test_a_translation_of_a_public_item_needs_a_second_person(people, second_editor, make_item):
    item = make_item(title="Tiêm chủng")
    translation = services.translation_save(
        actor=people.editor, item=item, language="hmn", data={"title": "Txhaj tshuaj"}
    )
    assert translation.status == "draft"
    with pytest.raises(PermissionDenied):
        services.translation_save(
            actor=people.editor,
            item=item,
            language="hmn",
            data={"title": "Txhaj tshuaj"},
            publish_with_item=True,
        )
    editorial.translation_submit_for_review(actor=people.editor, item=item, language="hmn")
    with pytest.raises(PermissionDenied):
        editorial.translation_publish(actor=people.editor, item=item, language="hmn")
    editorial.translation_publish(actor=second_editor, item=item, language="hmn")
    item.refresh_from_db()
    assert "txhaj tshuaj" in item.search_text


def test_an_unknown_language_is_refused(people, make_item):
    item = make_item()
    with pytest.raises(ValidationError):
        services.translation_save(
            actor=people.editor, item=item, language="xx", data={"title": "x"}
        )
    assert not item.translations.exists()
