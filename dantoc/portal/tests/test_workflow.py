"""The editorial workflow: draft → review → published (now or scheduled) → unpublished or
deleted, four-eyes publication, tombstones and the announcements subscribers rely on."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from dantoc.audit.models import AuditEntry
from dantoc.portal import selectors, services
from dantoc.portal.models import Article, LegalDocument, LegalStatus, Status
from dantoc.portal.tests.factories import later, make_article, make_document, published_document

pytestmark = pytest.mark.django_db


def test_an_editor_writes_submits_and_a_second_editor_publishes(
    people, second_editor, announced, django_capture_on_commit_callbacks
):
    editor = people.editor
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(actor=editor, title="Hội nghị sơ kết Chương trình")
        assert article.status == Status.DRAFT and article.created_by == editor
        services.article_submit_for_review(actor=editor, article=article)
    assert not selectors.published_articles().exists()
    assert announced == []  # nothing public changed yet

    with django_capture_on_commit_callbacks(execute=True):
        article = services.article_publish(actor=second_editor, article=article)
    assert article.status == Status.PUBLISHED
    assert article.published_at == article.first_published_at
    assert list(selectors.published_articles()) == [article]
    assert announced == [("article", str(article.uuid))]
    actions = list(
        AuditEntry.objects.filter(object_type="portal.article", object_id=str(article.pk))
        .order_by("id")
        .values_list("action", "actor_repr")
    )
    assert actions == [
        ("portal.article_create", "bientap"),
        ("portal.article_submit", "bientap"),
        ("portal.article_publish", "bientap.hai"),
    ]


def test_the_editor_who_submitted_cannot_publish_alone(people):
    article = make_article(actor=people.editor)
    services.article_submit_for_review(actor=people.editor, article=article)
    with pytest.raises(PermissionDenied, match="biên tập viên khác"):
        services.article_publish(actor=people.editor, article=article)
    article.refresh_from_db()
    assert article.status == Status.REVIEW and article.published_at is None


def test_a_draft_cannot_be_published_without_review(people, second_editor):
    article = make_article(actor=people.editor)
    with pytest.raises(PermissionDenied, match="gửi duyệt"):
        services.article_publish(actor=second_editor, article=article)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_without_four_eyes_an_editor_publishes_their_own_draft(people, settings):
    settings.PORTAL_FOUR_EYES = False
    article = make_article(actor=people.editor)
    services.article_publish(actor=people.editor, article=article)
    assert Article.objects.get(pk=article.pk).is_public


def test_a_scheduled_item_stays_hidden_until_its_time_then_goes_live(
    people, second_editor, announced, django_capture_on_commit_callbacks
):
    article = make_article(actor=people.editor, title="Tin hẹn giờ")
    services.article_submit_for_review(actor=people.editor, article=article)
    when = later(30)
    with django_capture_on_commit_callbacks(execute=True):
        article = services.article_publish(actor=second_editor, article=article, publish_at=when)
    assert article.status == Status.REVIEW and article.publish_at == when
    assert article.is_scheduled
    assert not selectors.published_articles().exists()
    assert announced == []

    assert services.content_publish_due(now=timezone.now()) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.content_publish_due(now=when + datetime.timedelta(seconds=1)) == 1
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.published_at == when
    assert article.publish_at is None
    assert announced == [("article", str(article.uuid))]
    # Running again publishes nothing twice.
    assert services.content_publish_due(now=when + datetime.timedelta(minutes=5)) == 0


def test_the_publish_scheduled_command_publishes_due_items(people, second_editor):
    article = make_article(actor=people.editor)
    services.article_submit_for_review(actor=people.editor, article=article)
    services.article_publish(actor=second_editor, article=article, publish_at=later(1))
    Article.objects.filter(pk=article.pk).update(publish_at=later(-1))
    call_command("publish_scheduled", stdout=__import__("io").StringIO())
    assert Article.objects.get(pk=article.pk).is_public


def test_scheduling_enqueues_a_task_for_the_scheduled_time(
    people, second_editor, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    article = make_article(actor=people.editor)
    services.article_submit_for_review(actor=people.editor, article=article)
    when = later(45)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(actor=second_editor, article=article, publish_at=when)
    task = DBTaskResult.objects.get(task_path="dantoc.editorial.tasks.content_publish_due_task")
    assert task.run_after == when


def test_unpublishing_leaves_a_tombstone_and_is_announced(
    people, announced, django_capture_on_commit_callbacks
):
    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    first = article.first_published_at
    before = article.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(actor=people.editor, article=article)
    article.refresh_from_db()
    assert article.status == Status.ARCHIVED and article.first_published_at == first
    assert article.updated_at > before
    assert not selectors.published_articles().exists()
    assert announced == [("article", str(article.uuid))]


def test_republishing_keeps_the_first_publication_date(people, second_editor):
    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    first = article.first_published_at
    services.article_unpublish(actor=people.editor, article=article)
    services.article_submit_for_review(actor=people.editor, article=article)
    article = services.article_publish(actor=second_editor, article=article)
    assert article.first_published_at == first and article.published_at > first


def test_deleting_is_soft_and_announced_for_a_once_public_item(
    people, announced, django_capture_on_commit_callbacks
):
    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    with django_capture_on_commit_callbacks(execute=True):
        services.article_delete(actor=people.editor, article=article)
    article = Article.objects.get(pk=article.pk)
    assert article.deleted_at is not None and article.updated_at == article.deleted_at
    assert selectors.article_by_slug(slug=article.slug) is None
    assert announced == [("article", str(article.uuid))]
    with pytest.raises(ValidationError):
        services.article_save(
            actor=people.editor, article=article, unit=article.unit, kind="news", title="x"
        )


def test_deleting_a_never_published_draft_announces_nothing(
    people, announced, django_capture_on_commit_callbacks
):
    article = make_article(actor=people.editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_delete(actor=people.editor, article=article)
    assert announced == []


def test_correcting_a_published_article_bumps_updated_at_and_keeps_its_address(
    people, second_editor, announced, django_capture_on_commit_callbacks
):
    from dantoc.editorial import revisions

    article = services.article_publish(
        actor=None, article=make_article(actor=people.editor, title="Tiêu đề cũ")
    )
    slug, before = article.slug, article.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(
            actor=people.editor,
            article=article,
            unit=article.unit,
            kind=article.kind,
            title="Tiêu đề mới",
        )
        revision = revisions.revision_open(article)
        revisions.revision_submit(actor=people.editor, revision=revision)
    assert announced == []  # a correction waits for a second editor (issue 14)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_approve(actor=second_editor, revision=revision)
    article = Article.objects.get(pk=article.pk)
    assert article.title == "Tiêu đề mới"
    assert article.slug == slug and article.updated_at > before and article.is_public
    assert announced == [("article", str(article.uuid))]


def test_a_slug_is_made_from_the_title_without_diacritics_and_kept_unique(people):
    first = make_article(actor=people.editor, title="Đồng bào dân tộc thiểu số")
    second = make_article(actor=people.editor, title="Đồng bào dân tộc thiểu số")
    assert first.slug == "dong-bao-dan-toc-thieu-so"
    assert second.slug == "dong-bao-dan-toc-thieu-so-2"


def test_an_image_without_alt_text_is_refused(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ValidationError, match="mô tả"):
        make_article(actor=people.editor, image=png, image_alt="")
    assert not Article.objects.exists()


def test_a_translation_makes_the_article_searchable_in_that_language(people):
    article = make_article(actor=people.editor, title="Tin thử")
    services.article_translation_save(
        actor=people.editor, article=article, language="en", title="Digital transformation"
    )
    article.refresh_from_db()
    assert "digital transformation" in article.search_text


def test_a_document_that_amends_another_changes_its_status_when_published(
    people, announced, django_capture_on_commit_callbacks
):
    decree = published_document(number="27/2022/NĐ-CP", doc_type="nghi_dinh")
    amending = make_document(
        actor=people.editor, number="38/2023/NĐ-CP", doc_type="nghi_dinh", amends=[decree]
    )
    assert LegalDocument.objects.get(pk=decree.pk).legal_status == LegalStatus.IN_FORCE
    with django_capture_on_commit_callbacks(execute=True):
        services.legal_document_publish(actor=None, document=amending)
    decree.refresh_from_db()
    assert decree.legal_status == LegalStatus.AMENDED
    assert set(announced) == {
        ("legal_document", str(amending.uuid)),
        ("legal_document", str(decree.uuid)),
    }
    assert list(decree.amended_by.all()) == [amending]


def test_a_document_cannot_amend_itself_or_duplicate_a_number(people):
    document = make_document(actor=people.editor)
    with pytest.raises(ValidationError):
        services.legal_document_save(
            actor=people.editor,
            document=document,
            unit=document.unit,
            number_symbol=document.number_symbol,
            doc_type=document.doc_type,
            issuing_body=document.issuing_body,
            issued_on=document.issued_on,
            abstract=document.abstract,
            amends=[document],
        )
    with pytest.raises(ValidationError, match="Đã có văn bản"):
        make_document(actor=people.editor)
    assert LegalDocument.objects.count() == 1


def test_saving_an_agency_is_public_at_once_and_announced(
    people, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agency = services.agency_save(
            actor=people.editor,
            unit=people.editor.unit,
            name="Bộ Dân tộc và Tôn giáo",
            name_en="Ministry of Ethnic and Religious Affairs",
            role="managing",
        )
    assert list(selectors.agencies_public()) == [agency]
    assert announced == [("agency", str(agency.uuid))]
    with pytest.raises(ValidationError):
        services.agency_save(
            actor=people.editor, agency=agency, unit=agency.unit, name="x", role="managing",
            email="không phải thư",
        )  # fmt: skip


def test_a_rolled_back_write_announces_nothing(people, announced):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.article_publish(actor=None, article=make_article(actor=people.editor))
        raise RuntimeError("rollback")
    assert announced == []


def test_a_mirrored_copy_may_carry_the_number_of_a_local_document(people):
    make_document(actor=None)
    mirrored = make_document(actor=None, source="https://cong.tinh.example")
    assert mirrored.number_symbol == "330/QĐ-UBDT"
    with pytest.raises(ValidationError):
        make_document(actor=None, source="https://cong.tinh.example")


def test_changing_the_translations_or_files_of_a_public_article_is_announced(
    people, announced, django_capture_on_commit_callbacks
):
    """Written by the system (the sync client mirrors what another portal published); an
    editor's change waits for a second editor (test_revisions)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    before = article.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.article_translation_save(actor=None, article=article, language="en", title="News")
        services.article_attachment_add(
            actor=None, article=article, upload=SimpleUploadedFile("a.pdf", b"%PDF-1")
        )
    assert announced == [("article", str(article.uuid))] * 2
    assert Article.objects.get(pk=article.pk).updated_at > before


def test_submitting_tells_the_other_editors_who_may_publish_and_returning_tells_the_author(
    people, second_editor, province_editor, other_province_editor,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from dantoc.notifications.models import Notification

    item = make_article(actor=province_editor, unit_code="08", title="Tin chờ duyệt")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_submit_for_review(actor=province_editor, article=item)
    told = set(Notification.objects.filter(kind="portal_review").values_list(
        "recipient__username", flat=True))  # fmt: skip
    # The ministry's editors may publish a province item; the author and Lào Cai's may not.
    assert told == {"bientap", "bientap.hai"}
    assert Notification.objects.get(recipient=second_editor).url == (
        f"/bien-tap/bai-viet/{item.uuid}/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.article_return_to_draft(actor=second_editor, article=item, reason="Thiếu ảnh")
    returned = Notification.objects.get(kind="portal_returned")
    assert returned.recipient == province_editor and returned.body == "Thiếu ảnh"


def test_two_documents_cannot_amend_each_other(people):
    old = make_document(actor=people.editor, number="27/2022/NĐ-CP", doc_type="nghi_dinh")
    make_document(actor=people.editor, number="38/2023/NĐ-CP", doc_type="nghi_dinh", amends=[old])
    newer = LegalDocument.objects.get(number_symbol="38/2023/NĐ-CP")
    with pytest.raises(ValidationError, match="ban hành sau"):
        services.legal_document_save(
            actor=people.editor,
            document=old,
            unit=old.unit,
            number_symbol=old.number_symbol,
            doc_type=old.doc_type,
            issuing_body=old.issuing_body,
            issued_on=old.issued_on,
            abstract=old.abstract,
            amends=[newer],
        )
    assert not old.amends.exists()


def test_a_correction_to_a_live_item_is_shown_to_the_other_editors(
    people, second_editor, django_capture_on_commit_callbacks
):
    from dantoc.editorial import revisions
    from dantoc.notifications.models import Notification

    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(
            actor=people.editor, article=article, unit=article.unit, kind="news",
            title="Sửa số liệu",
        )  # fmt: skip
        revisions.revision_submit(actor=people.editor, revision=revisions.revision_open(article))
    notice = Notification.objects.get(kind="portal_review")
    assert notice.recipient == second_editor and "Tin thử nghiệm" in notice.title
    assert notice.url == f"/bien-tap/bai-viet/{article.uuid}/"
