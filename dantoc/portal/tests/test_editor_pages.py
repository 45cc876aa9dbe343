"""Editors' pages through the real login: forms, uploads, the workflow buttons, lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dantoc.portal.models import Agency, Article, LegalDocument, LegalStatus, Status
from dantoc.portal.tests.factories import make_article, published_document, unit

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# A real image: the media pipeline decodes it (a PNG signature followed by zeros is refused).
PNG = _png()


def test_an_editor_creates_an_article_with_image_and_pdf_through_the_form(people, login):
    from django.test import Client

    visitor = Client()
    editor = login(people.editor)
    response = editor.post(
        "/bien-tap/bai-viet/moi/",
        {
            "kind": "activity",
            "unit": unit("VN").pk,
            "title": "Trao quà cho đồng bào vùng cao",
            "summary": "Tóm tắt",
            "body": '<p>Nội dung</p><img src=x onerror="alert(1)">',
            "areas": [unit("08").pk],
            "image": SimpleUploadedFile("anh.png", PNG),
            "image_alt": "Cán bộ trao quà cho người dân",
            "attachment": SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4\n%test"),
            "attachment_title": "Kế hoạch",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.kind == "activity" and article.status == Status.DRAFT
    assert "onerror" not in article.body
    assert [u.code for u in article.areas.all()] == ["08"]
    attachment = article.attachments.get()
    assert attachment.title == "Kế hoạch" and attachment.media_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf") and "ke-hoach" not in attachment.file.name
    # Drafts' files are not public; the editor may open them.
    assert visitor.get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 404
    assert visitor.get(f"/cong-thong-tin/anh/{article.uuid}/").status_code == 404
    assert editor.get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 200
    assert editor.get(f"/cong-thong-tin/anh/{article.uuid}/")["Content-Type"] == "image/png"


def test_a_disguised_upload_is_refused_on_the_form_with_a_vietnamese_message(people, login):
    editor = login(people.editor)
    response = editor.post(
        "/bien-tap/bai-viet/moi/",
        {
            "kind": "news",
            "unit": unit("VN").pk,
            "title": "Tin",
            "attachment": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 200
    assert "không phải tệp đính kèm hợp lệ" in response.content.decode()
    assert not Article.objects.exists()


def test_an_image_without_alt_text_is_refused_on_the_form(people, login):
    editor = login(people.editor)
    response = editor.post(
        "/bien-tap/bai-viet/moi/",
        {
            "kind": "news",
            "unit": unit("VN").pk,
            "title": "Tin có ảnh",
            "image": SimpleUploadedFile("anh.png", PNG),
        },
    )
    assert response.status_code == 200
    assert "Ảnh cần có mô tả" in response.content.decode()
    assert not Article.objects.exists()


def test_the_workflow_buttons_submit_publish_schedule_and_unpublish(people, second_editor, login):
    article = make_article(actor=people.editor, title="Tin cần duyệt")
    author = login(people.editor)
    reviewer = login(second_editor)
    base = f"/bien-tap/bai-viet/{article.uuid}/"
    assert author.post(base + "gui-duyet/").status_code == 302
    page = author.get(base).content.decode()
    assert "cần một biên tập viên khác" in page
    # The author's own publication is refused and changes nothing.
    assert author.post(base + "xuat-ban/").status_code == 403
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW
    response = reviewer.post(base + "xuat-ban/", {"publish_at": "2999-01-01T08:00"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.REVIEW and article.publish_at.year == 2999
    assert reviewer.post(base + "go/").status_code == 302  # cancels the schedule
    article.refresh_from_db()
    assert article.publish_at is None
    assert reviewer.post(base + "xuat-ban/", {"publish_at": ""}).status_code == 302
    assert Article.objects.get(pk=article.pk).is_public
    assert reviewer.post(base + "go/").status_code == 302
    assert Article.objects.get(pk=article.pk).status == Status.ARCHIVED
    assert author.post(base + "xoa/").status_code == 302
    assert Article.objects.get(pk=article.pk).deleted_at is not None
    assert author.get(base).status_code == 404


def test_a_translation_is_added_from_the_article_page(people, login):
    article = make_article(actor=people.editor)
    editor = login(people.editor)
    response = editor.post(
        f"/bien-tap/bai-viet/{article.uuid}/ban-dich/",
        {"language": "km", "title": "ព័ត៌មាន", "body": "<p>ខ្មែរ</p>"},
    )
    assert response.status_code == 302
    assert article.translations.get().language == "km"


def test_the_document_form_links_amended_and_replaced_documents(people, login):
    old = published_document(number="27/2022/NĐ-CP", doc_type="nghi_dinh")
    older = published_document(number="10/2020/QĐ-TTg", doc_type="quyet_dinh")
    editor = login(people.editor)
    page = editor.get("/bien-tap/van-ban/moi/").content.decode()
    assert "Sửa đổi, bổ sung các văn bản" in page and "27/2022/NĐ-CP" in page
    # Help texts are tied to their fields for screen readers.
    assert 'aria-describedby="id_number_symbol_helptext"' in page
    assert 'id="id_number_symbol_helptext"' in page
    response = editor.post(
        "/bien-tap/van-ban/moi/",
        {
            "unit": unit("VN").pk,
            "number_symbol": "38/2023/NĐ-CP",
            "doc_type": "nghi_dinh",
            "issuing_body": "Chính phủ",
            "signer": "Lê Minh Khái",
            "issued_on": "24/06/2023",
            "effective_on": "2023-06-24",
            "abstract": "Sửa đổi, bổ sung một số điều của Nghị định 27/2022/NĐ-CP",
            "legal_status": "in_force",
            "amends": [old.pk],
            "replaces": [older.pk],
            "attachment": SimpleUploadedFile(
                "nd38.docx", _docx(), content_type="application/octet-stream"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    document = LegalDocument.objects.get(number_symbol="38/2023/NĐ-CP")
    assert list(document.amends.all()) == [old] and list(document.replaces.all()) == [older]
    assert document.attachments.get().media_type.endswith("wordprocessingml.document")
    assert document.status == Status.DRAFT
    # Not public yet: the statuses of the linked documents have not moved.
    assert LegalDocument.objects.get(pk=old.pk).legal_status == LegalStatus.IN_FORCE


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_the_agency_form_keeps_english_fields(people, login):
    from django.test import Client

    editor = login(people.editor)
    response = editor.post(
        "/bien-tap/co-quan/moi/",
        {
            "unit": unit("VN").pk,
            "role": "managing",
            "name": "Bộ Dân tộc và Tôn giáo",
            "name_en": "Ministry of Ethnic and Religious Affairs",
            "address": "349 Đội Cấn, Hà Nội",
            "address_en": "349 Doi Can, Hanoi",
            "email": "",
            "website": "",
            "position": "1",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get()
    assert agency.name_en == "Ministry of Ethnic and Religious Affairs"
    assert editor.post(f"/bien-tap/co-quan/{agency.uuid}/xoa/").status_code == 302
    page = Client().get("/cong-thong-tin/co-quan/").content.decode()
    assert "Bộ Dân tộc và Tôn giáo" not in page


def test_the_editor_list_shows_only_the_editor_units_items_in_constant_queries(
    people, province_editor, login
):
    make_article(actor=None, unit_code="15", title="Tin của Lào Cai")
    for n in range(3):
        make_article(actor=province_editor, unit_code="08", title=f"Tin Tuyên Quang {n}")
    editor = login(province_editor)

    def listed():
        with CaptureQueriesContext(connection) as ctx:
            page = editor.get("/bien-tap/").content.decode()
        return page, len(ctx.captured_queries)

    page, few = listed()
    assert "Tin Tuyên Quang 2" in page and "Tin của Lào Cai" not in page
    for n in range(10):
        make_article(actor=province_editor, unit_code="08", title=f"Tin thêm {n}")
    page, many = listed()
    assert "Tin thêm 9" in page and many == few
    # The ministry editor sees both provinces.
    ministry = login(people.editor)
    page = ministry.get("/bien-tap/").content.decode()
    assert "Tin của Lào Cai" in page and "Tin Tuyên Quang 0" in page


def test_a_detached_attachment_file_is_removed_from_storage_after_commit(
    people, django_capture_on_commit_callbacks
):
    from dantoc.portal import services

    article = make_article(actor=people.editor)
    attachment = services.article_attachment_add(
        actor=people.editor,
        article=article,
        upload=SimpleUploadedFile("kh.pdf", b"%PDF-1.4 x"),
        title="Kế hoạch",
    )
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_attachment_remove(
            actor=people.editor, article=article, attachment_uuid=attachment.uuid
        )
    assert not storage.exists(name) and not article.attachments.exists()
