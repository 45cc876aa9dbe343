"""Edits to published items wait for a second editor as a new version (issue 14): the public
pages, feeds, search and subscribers keep the published version until the revision is
approved by an editor who did not write it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dantoc.audit.models import AuditEntry
from dantoc.editorial import revisions
from dantoc.portal import selectors, services
from dantoc.portal.models import (
    Article,
    ArticleTranslation,
    ContentRevision,
    LegalDocument,
    RevisionStatus,
    Status,
)
from dantoc.portal.tests.factories import make_article, published_document, unit

pytestmark = pytest.mark.django_db


def _published(editor, second_editor, **extra) -> Article:
    """An article written by ``editor`` and published by ``second_editor``."""
    article = make_article(actor=editor, title="Tiêu đề đã duyệt", body="<p>Số liệu đúng</p>")
    services.article_submit_for_review(actor=editor, article=article)
    return services.article_publish(actor=second_editor, article=article)


def _edit(editor, article: Article, **values) -> None:
    fields = {"unit": article.unit, "kind": article.kind, "title": article.title}
    fields.update(values)
    services.article_save(actor=editor, article=article, **fields)


def test_an_editor_edit_of_a_published_article_is_not_public_until_approved(
    people, second_editor, login
):
    article = _published(people.editor, second_editor)
    visitor = Client()
    editor = login(people.editor)
    response = editor.post(
        f"/bien-tap/bai-viet/{article.uuid}/",
        {
            "kind": "news",
            "unit": unit("VN").pk,
            "title": "Tiêu đề bị tráo",
            "body": "<p>Số liệu sai</p>",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    page = visitor.get(article.get_absolute_url()).content.decode()
    assert "Tiêu đề đã duyệt" in page and "Số liệu đúng" in page
    assert "Tiêu đề bị tráo" not in page and "Số liệu sai" not in page
    for address in ("/cong-thong-tin/tin-tuc/", "/cong-thong-tin/tin-tuc/atom.xml"):
        assert "Tiêu đề bị tráo" not in visitor.get(address).content.decode()
    assert "Tiêu đề bị tráo" not in visitor.get(
        "/cong-thong-tin/tim-kiem/", {"q": "bi trao"}
    ).content.decode("utf-8")
    assert not selectors.published_articles().filter(title="Tiêu đề bị tráo").exists()


def test_a_second_editor_approving_the_revision_puts_it_live_as_the_next_version(
    people, second_editor, announced, django_capture_on_commit_callbacks
):
    article = _published(people.editor, second_editor)
    published_at, updated_at, slug = article.published_at, article.updated_at, article.slug
    with django_capture_on_commit_callbacks(execute=True):
        _edit(people.editor, article, title="Tiêu đề mới", body="<p>Số liệu mới</p>")
        revision = revisions.revision_open(article)
        revisions.revision_submit(actor=people.editor, revision=revision)
    assert announced == []  # subscribers heard nothing yet
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "Tiêu đề đã duyệt" and stored.updated_at == updated_at

    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_approve(actor=second_editor, revision=revision)
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "Tiêu đề mới" and "Số liệu mới" in stored.body
    assert stored.is_public and stored.slug == slug and stored.published_at == published_at
    assert stored.updated_at > updated_at
    assert list(selectors.published_articles()) == [stored]
    assert announced == [("article", str(article.uuid))]
    # The version replaced is kept, and the approval is audited with before and after.
    assert revision.status == RevisionStatus.APPROVED and revision.number == 2
    assert revision.previous["title"] == "Tiêu đề đã duyệt"
    assert revisions.live_version(stored) == 2
    entry = AuditEntry.objects.get(action="portal.article_revision_approve")
    assert entry.actor == second_editor
    assert entry.before["title"] == "Tiêu đề đã duyệt" and entry.after["title"] == "Tiêu đề mới"
    assert entry.after["version"] == 2


def test_the_author_of_a_revision_cannot_approve_it(people, second_editor):
    article = _published(people.editor, second_editor)
    # The editor who published the article writes the revision this time.
    _edit(second_editor, article, title="Sửa của người duyệt trước")
    revision = revisions.revision_open(article)
    revisions.revision_submit(actor=second_editor, revision=revision)
    with pytest.raises(PermissionDenied, match="biên tập viên khác"):
        revisions.revision_approve(actor=second_editor, revision=revision)
    assert Article.objects.get(pk=article.pk).title == "Tiêu đề đã duyệt"
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.REVIEW and revision.number is None


def test_everyone_who_wrote_into_a_revision_is_refused_approval(people, second_editor, login):
    from dantoc.accounts.services import user_create

    third = user_create(
        actor=None, username="bientap.ba", password="mat-khau-thu-nghiem-2025", unit=unit("VN"),
        roles=["content_editor"], full_name="Biên tập ba", check_password=False,
    )  # fmt: skip
    article = _published(people.editor, second_editor)
    _edit(people.editor, article, title="Sửa lần một")
    _edit(second_editor, article, title="Sửa lần hai")
    revision = revisions.revision_open(article)
    revisions.revision_submit(actor=people.editor, revision=revision)
    for author in (people.editor, second_editor):
        with pytest.raises(PermissionDenied):
            revisions.revision_approve(actor=author, revision=revision)
    # Through the page too: the button is not offered, and a forged POST changes nothing.
    browser = login(second_editor)
    page = browser.get(f"/bien-tap/bai-viet/{article.uuid}/").content.decode()
    assert "Duyệt và thay bản đang xuất bản" not in page
    assert browser.post(f"/bien-tap/ban-sua/{revision.uuid}/duyet/").status_code == 403
    assert Article.objects.get(pk=article.pk).title == "Tiêu đề đã duyệt"
    revisions.revision_approve(actor=third, revision=revision)
    assert Article.objects.get(pk=article.pk).title == "Sửa lần hai"


def test_an_editor_of_another_province_cannot_approve(
    people, province_editor, other_province_editor, second_editor
):
    article = make_article(actor=province_editor, unit_code="08", title="Tin Tuyên Quang")
    services.article_publish(actor=None, article=article)
    _edit(province_editor, article, title="Tin Tuyên Quang (sửa)")
    revision = revisions.revision_open(article)
    revisions.revision_submit(actor=province_editor, revision=revision)
    with pytest.raises(PermissionDenied):
        revisions.revision_approve(actor=other_province_editor, revision=revision)
    with pytest.raises(PermissionDenied):
        revisions.revision_approve(actor=people.commune, revision=revision)
    assert Article.objects.get(pk=article.pk).title == "Tin Tuyên Quang"
    revisions.revision_approve(actor=second_editor, revision=revision)  # the ministry's editor
    assert Article.objects.get(pk=article.pk).title == "Tin Tuyên Quang (sửa)"


def test_translations_and_attachments_of_a_published_article_wait_for_approval(
    people, second_editor, announced, django_capture_on_commit_callbacks
):
    article = _published(people.editor, second_editor)
    updated_at = article.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.article_translation_save(
            actor=people.editor, article=article, language="en", title="Approved news"
        )
        pending = services.article_attachment_add(
            actor=people.editor,
            article=article,
            upload=SimpleUploadedFile("bang-so-lieu.pdf", b"%PDF-1.4\n%so lieu"),
            title="Bảng số liệu",
        )
    assert announced == []
    assert not ArticleTranslation.objects.filter(article=article).exists()
    assert not article.attachments.exists()
    assert Article.objects.get(pk=article.pk).updated_at == updated_at
    visitor = Client()
    assert visitor.get(f"/cong-thong-tin/tep/{pending.uuid}/").status_code == 404
    english = visitor.get(article.get_absolute_url(), {"ban-dich": "en"}).content.decode()
    assert "Approved news" not in english

    revision = revisions.revision_open(article)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_submit(actor=people.editor, revision=revision)
        revisions.revision_approve(actor=second_editor, revision=revision)
    assert announced == [("article", str(article.uuid))]
    assert ArticleTranslation.objects.get(article=article).title == "Approved news"
    attachment = article.attachments.get()
    assert attachment.uuid == pending.uuid and attachment.title == "Bảng số liệu"
    assert visitor.get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 200
    assert (
        "Approved news"
        in visitor.get(article.get_absolute_url(), {"ban-dich": "en"}).content.decode()
    )


def test_removing_an_attachment_of_a_published_article_waits_for_approval(people, second_editor):
    article = make_article(actor=people.editor)
    services.article_attachment_add(
        actor=people.editor, article=article, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    )
    services.article_submit_for_review(actor=people.editor, article=article)
    article = services.article_publish(actor=second_editor, article=article)
    attachment = article.attachments.get()
    services.article_attachment_remove(
        actor=people.editor, article=article, attachment_uuid=attachment.uuid
    )
    assert Client().get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 200
    revision = revisions.revision_open(article)
    revisions.revision_submit(actor=people.editor, revision=revision)
    revisions.revision_approve(actor=second_editor, revision=revision)
    assert not article.attachments.exists()
    assert Client().get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 404


def test_an_edit_to_a_published_document_waits_for_approval(
    people, second_editor, django_capture_on_commit_callbacks
):
    document = published_document(actor=people.editor)
    services.legal_document_save(
        actor=people.editor,
        document=document,
        unit=document.unit,
        number_symbol=document.number_symbol,
        doc_type=document.doc_type,
        issuing_body=document.issuing_body,
        issued_on=document.issued_on,
        abstract="Trích yếu bị sửa",
        legal_status="expired",
    )
    stored = LegalDocument.objects.get(pk=document.pk)
    assert stored.abstract == document.abstract and stored.legal_status == "in_force"
    page = Client().get(document.get_absolute_url()).content.decode()
    assert "Trích yếu bị sửa" not in page
    revision = revisions.revision_open(document)
    revisions.revision_submit(actor=people.editor, revision=revision)
    with pytest.raises(PermissionDenied):
        revisions.revision_approve(actor=people.editor, revision=revision)
    with django_capture_on_commit_callbacks(execute=True):  # clears the public page cache
        revisions.revision_approve(actor=second_editor, revision=revision)
    stored = LegalDocument.objects.get(pk=document.pk)
    assert stored.abstract == "Trích yếu bị sửa" and stored.legal_status == "expired"
    assert "Trích yếu bị sửa" in Client().get(document.get_absolute_url()).content.decode()


def test_the_editor_sees_the_published_version_beside_the_pending_one(people, second_editor, login):
    article = _published(people.editor, second_editor)
    _edit(people.editor, article, title="Tiêu đề đề xuất", body="<p>Số liệu đúng hơn</p>")
    browser = login(second_editor)
    page = browser.get(f"/bien-tap/bai-viet/{article.uuid}/").content.decode()
    assert "Bản đang xuất bản" in page and "Bản sửa đang chờ duyệt" in page
    assert "Tiêu đề <del>đã duyệt</del>" in page and "Tiêu đề <ins>đề xuất</ins>" in page
    assert "Số liệu đúng<ins> hơn</ins>" in page
    # The form goes on editing the pending version, not the published one.
    assert 'value="Tiêu đề đề xuất"' in page
    revision = revisions.revision_open(article)
    full = browser.get(f"/bien-tap/ban-sua/{revision.uuid}/").content.decode()
    assert "Tiêu đề <del>đã duyệt</del>" in full and "Tiêu đề <ins>đề xuất</ins>" in full
    assert "Chuyên mục" in full  # every field, the unchanged ones too


def test_an_approved_version_can_be_compared_with_the_one_it_replaced(people, second_editor, login):
    article = _published(people.editor, second_editor)
    _edit(people.editor, article, title="Phiên bản hai")
    revision = revisions.revision_open(article)
    revisions.revision_submit(actor=people.editor, revision=revision)
    revisions.revision_approve(actor=second_editor, revision=revision)
    browser = login(people.editor)
    page = browser.get(f"/bien-tap/bai-viet/{article.uuid}/").content.decode()
    assert "Phiên bản 2" in page
    old = browser.get(f"/bien-tap/ban-sua/{revision.uuid}/").content.decode()
    assert "Tiêu đề đã duyệt" in old and "Phiên bản hai" in old and "Phiên bản 1" in old


def test_the_workflow_of_a_revision_through_the_editor_pages(people, second_editor, login):
    article = _published(people.editor, second_editor)
    author = login(people.editor)
    reviewer = login(second_editor)
    author.post(
        f"/bien-tap/bai-viet/{article.uuid}/",
        {"kind": "news", "unit": unit("VN").pk, "title": "Qua trang biên tập"},
    )
    revision = revisions.revision_open(article)
    assert author.post(f"/bien-tap/ban-sua/{revision.uuid}/gui-duyet/").status_code == 302
    reviewer.post(f"/bien-tap/ban-sua/{revision.uuid}/tra-lai/", {"reason": "Thiếu nguồn"})
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT and revision.reason == "Thiếu nguồn"
    author.post(f"/bien-tap/ban-sua/{revision.uuid}/gui-duyet/")
    response = reviewer.post(f"/bien-tap/ban-sua/{revision.uuid}/duyet/")
    assert response.status_code == 302
    assert response["Location"] == f"/bien-tap/bai-viet/{article.uuid}/"
    assert Article.objects.get(pk=article.pk).title == "Qua trang biên tập"
    assert "Qua trang biên tập" in Client().get(article.get_absolute_url()).content.decode()


def test_discarding_a_revision_keeps_the_published_version_and_its_files(
    people, second_editor, django_capture_on_commit_callbacks
):
    article = _published(people.editor, second_editor)
    pending = services.article_attachment_add(
        actor=people.editor, article=article, upload=SimpleUploadedFile("b.pdf", b"%PDF-1.4")
    )
    storage = pending.file.storage
    assert storage.exists(pending.file.name)
    revision = revisions.revision_open(article)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_discard(actor=people.editor, revision=revision)
    assert not storage.exists(pending.file.name)  # the pending file went with it
    assert revisions.revision_open(article) is None
    assert Article.objects.get(pk=article.pk).title == "Tiêu đề đã duyệt"
    # The next edit starts a new revision from the published version.
    _edit(people.editor, article, title="Lần sau")
    assert revisions.revision_open(article).data["attachments"] == []


def test_unpublishing_still_works_while_a_revision_waits(people, second_editor, announced):
    article = _published(people.editor, second_editor)
    _edit(people.editor, article, title="Đang chờ")
    services.article_unpublish(actor=people.editor, article=article)
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Status.ARCHIVED and not stored.is_public
    assert Client().get(article.get_absolute_url()).status_code == 404
    # Deleting the item drops the revision with it.
    services.article_delete(actor=people.editor, article=stored)
    assert not ContentRevision.objects.filter(status__in=["draft", "review"]).exists()


def test_a_revision_that_would_duplicate_a_document_number_is_refused_at_approval(
    people, second_editor
):
    document = published_document(actor=people.editor)
    services.legal_document_save(
        actor=people.editor,
        document=document,
        unit=document.unit,
        number_symbol="1719/QĐ-TTg",
        doc_type=document.doc_type,
        issuing_body=document.issuing_body,
        issued_on=document.issued_on,
        abstract=document.abstract,
    )
    revision = revisions.revision_open(document)
    revisions.revision_submit(actor=people.editor, revision=revision)
    # Meanwhile another document takes that number.
    published_document(actor=None, number="1719/QĐ-TTg")
    with pytest.raises(ValidationError, match="1719"):
        revisions.revision_approve(actor=second_editor, revision=revision)
    assert LegalDocument.objects.get(pk=document.pk).number_symbol == "330/QĐ-UBDT"


def test_without_four_eyes_an_edit_to_a_published_article_goes_live_at_once(people, settings):
    settings.PORTAL_FOUR_EYES = False
    article = services.article_publish(actor=None, article=make_article(actor=people.editor))
    _edit(people.editor, article, title="Sửa ngay")
    assert Article.objects.get(pk=article.pk).title == "Sửa ngay"
    assert not ContentRevision.objects.exists()
