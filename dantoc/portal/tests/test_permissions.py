"""Who may write what, over every persona; a refusal changes nothing (no row, no audit entry,
no announcement)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from dantoc.audit.models import AuditEntry
from dantoc.portal import services
from dantoc.portal.models import Agency, Article, LegalDocument, Status
from dantoc.portal.tests.factories import make_article, make_document, unit

pytestmark = pytest.mark.django_db

NOT_EDITORS = ["commune", "other_commune", "province", "other_province", "ministry", "admin",
               "province_admin"]  # fmt: skip


def _state():
    return (
        list(Article.objects.values_list("id", "status", "title", "updated_at", "deleted_at")),
        list(LegalDocument.objects.values_list("id", "status", "updated_at", "deleted_at")),
        list(Agency.objects.values_list("id", "name", "updated_at", "deleted_at")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_officials_who_are_not_editors_cannot_write_anything(
    people, persona, announced, django_capture_on_commit_callbacks
):
    user = getattr(people, persona)
    article = make_article(actor=None, title="Bài của Bộ")
    document = make_document(actor=None)
    before = _state()
    attempts = [
        lambda: make_article(actor=user, unit_code=user.unit.code),
        lambda: services.article_save(
            actor=user, article=article, unit=article.unit, kind="news", title="Sửa"
        ),
        lambda: services.article_submit_for_review(actor=user, article=article),
        lambda: services.article_publish(actor=user, article=article),
        lambda: services.article_delete(actor=user, article=article),
        lambda: services.legal_document_submit_for_review(actor=user, document=document),
        lambda: services.legal_document_delete(actor=user, document=document),
        lambda: services.agency_save(actor=user, unit=user.unit, name="X", role="steering"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                attempt()
    assert _state() == before
    assert announced == []


def test_a_province_editor_writes_for_their_province_only(province_editor, other_province_editor):
    mine = make_article(actor=province_editor, unit_code="08", title="Tin Tuyên Quang")
    assert mine.unit.code == "08"
    before = _state()
    with pytest.raises(PermissionDenied):
        make_article(actor=province_editor, unit_code="VN")
    with pytest.raises(PermissionDenied):
        make_article(actor=province_editor, unit_code="15")
    with pytest.raises(PermissionDenied):
        services.article_submit_for_review(actor=other_province_editor, article=mine)
    with pytest.raises(PermissionDenied):
        services.article_delete(actor=other_province_editor, article=mine)
    ministry_item = make_article(actor=None, title="Tin của Bộ")
    before = _state()
    with pytest.raises(PermissionDenied):
        services.article_save(
            actor=province_editor,
            article=ministry_item,
            unit=unit("08"),
            kind="news",
            title="Chiếm bài của Bộ",
        )
    assert _state() == before


def test_the_ministry_editor_reviews_and_publishes_a_province_item(people, province_editor):
    item = make_article(actor=province_editor, unit_code="08", title="Hoạt động ở Lũng Cú")
    services.article_submit_for_review(actor=province_editor, article=item)
    item = services.article_publish(actor=people.editor, article=item)
    assert item.status == Status.PUBLISHED


def test_a_province_editor_cannot_publish_a_ministry_item_under_review(people, province_editor):
    item = make_article(actor=people.editor)
    services.article_submit_for_review(actor=people.editor, article=item)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=province_editor, article=item)
    assert _state() == before


@pytest.mark.parametrize("persona", [*NOT_EDITORS, "editor"])
def test_editor_pages_answer_only_editors(people, login, persona):
    client = login(getattr(people, persona))
    response = client.get("/bien-tap/")
    assert response.status_code == (200 if persona == "editor" else 403)


def test_a_visitor_is_sent_to_sign_in_from_editor_pages(client):
    response = client.get("/bien-tap/van-ban/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_province_editor_cannot_open_or_act_on_a_ministry_item_by_address(province_editor, login):
    item = make_article(actor=None, title="Bài của Bộ")
    client = login(province_editor)  # signing in is audited too: count from here
    before = _state()
    assert client.get(f"/bien-tap/bai-viet/{item.uuid}/").status_code == 403
    assert client.post(f"/bien-tap/bai-viet/{item.uuid}/xoa/").status_code == 403
    assert client.post(f"/bien-tap/bai-viet/{item.uuid}/gui-duyet/").status_code == 403
    assert _state() == before
    assert list(Article.objects.values_list("title", flat=True)) == ["Bài của Bộ"]
