"""Cataloguing, text extraction and the word index, through the services."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.audit.models import AuditEntry
from dantoc.editorial import services as editorial
from dantoc.geo.selectors import unit_get
from dantoc.library import selectors, services
from dantoc.library.models import LibraryItem, LibraryWord, TextState
from dantoc.library.tests.conftest import pdf_file

pytestmark = pytest.mark.django_db


def _titles(q: str, **kwargs) -> list[str]:
    return [i.title for i in selectors.items_search(q=q, **kwargs).items]


def test_pdf_text_is_extracted_and_searchable_without_diacritics(make_item):
    item = make_item(
        title="Sổ tay",
        pages=[("Chương 1", "Nghề dệt thổ cẩm và nhuộm chàm của đồng bào."), ("Chương 2", "Rèn.")],
    )
    assert item.text_state == TextState.READY
    assert item.pages == 2
    assert "nhuộm chàm" in item.full_text
    assert _titles("nhuom cham") == ["Sổ tay"]
    assert _titles("NHUỘM chàm") == ["Sổ tay"]
    assert AuditEntry.objects.filter(action="library.item_text_extract").exists()


def test_search_matches_whole_syllables_only(make_item):
    make_item(title="Chính sách về y tế thôn bản")
    make_item(title="Quy định quản lý quỹ", pages=[("Quy", "Quy chế tài chính.")])
    assert _titles("y te") == ["Chính sách về y tế thôn bản"]
    assert _titles("quy") == ["Quy định quản lý quỹ"]


def test_title_words_rank_before_words_of_the_text(make_item):
    make_item(title="Báo cáo chung", pages=[("A", "Có nhắc đến thổ cẩm một lần.")])
    make_item(title="Thổ cẩm Mông")
    assert _titles("tho cam") == ["Thổ cẩm Mông", "Báo cáo chung"]


def test_every_word_must_be_found(make_item):
    make_item(title="Dệt lanh")
    make_item(title="Dệt thổ cẩm")
    assert _titles("det lanh") == ["Dệt lanh"]
    assert selectors.items_search(q="det").total == 2


def test_drafts_and_withdrawn_items_are_not_searchable(make_item, librarian, second_librarian):
    draft = make_item(title="Bản nháp bí mật", publish=False)
    assert _titles("bi mat") == []
    assert not LibraryWord.objects.filter(item=draft).exists()
    item = make_item(title="Tài liệu gỡ xuống")
    assert _titles("go xuong") == ["Tài liệu gỡ xuống"]
    editorial.content_withdraw(actor=librarian, item=item)
    assert _titles("go xuong") == []
    assert not LibraryWord.objects.filter(item=item).exists()


def test_naive_search_finds_the_same_items(make_item):
    make_item(title="Nghề rèn", pages=[("A", "Lò rèn của người Mông.")])
    make_item(title="Đan lát")
    assert [i.title for i in selectors.items_search_naive(q="ren").items] == ["Nghề rèn"]
    assert _titles("ren") == ["Nghề rèn"]


def test_filters_by_type_and_ethnic_group(make_item):
    from dantoc.geo.models import EthnicGroup

    mong = EthnicGroup.objects.get(name="Mông")
    make_item(title="Sách Mông", ethnic_groups=[mong])
    make_item(title="Báo cáo Mông", doc_type="bao-cao")
    assert _titles("mong", ethnic_group=mong) == ["Sách Mông"]
    assert _titles("mong", doc_type="bao-cao") == ["Báo cáo Mông"]
    # The ethnic group's other names are indexed: "hmong" finds the book about the Mông.
    assert "Sách Mông" in _titles("hmong")


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_kept(librarian):
    before = LibraryItem.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.item_save(
            actor=librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Giả PDF",
            document_file=SimpleUploadedFile("sach.pdf", b"MZ\x90\x00 not a pdf at all"),
        )
    assert "PDF" in " ".join(caught.value.messages)
    assert LibraryItem.objects.count() == before


def test_a_too_large_pdf_is_refused(librarian, settings):
    settings.MEDIA_MAX_DOCUMENT_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        services.item_save(
            actor=librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Quá lớn",
            document_file=pdf_file([("A", "x" * 3000)]),
        )
    assert caught.value.code == "too_large"
    assert not LibraryItem.objects.filter(title="Quá lớn").exists()


def test_a_bad_isbn_is_refused_with_a_message(librarian):
    with pytest.raises(ValidationError) as caught:
        services.item_save(
            actor=librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Sách",
            isbn="978-604-00-0000-1",
        )
    assert "ISBN" in caught.value.messages[0]
    item = services.item_save(
        actor=librarian,
        item=None,
        unit=unit_get(code="VN"),
        doc_type="sach",
        title="Sách",
        isbn="978-604-00-0000-2",
    )
    assert item.isbn == "9786040000002"


def test_a_form_sent_twice_makes_one_item(librarian):
    key = uuid.uuid4()
    for _ in range(2):
        services.item_save(
            actor=librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Gửi hai lần",
            key=key,
        )
    assert LibraryItem.objects.filter(title="Gửi hai lần").count() == 1


def test_a_scanned_pdf_without_text_fails_with_a_reason_and_stays_readable(make_item):
    item = make_item(title="Bản chụp", pages=[("", "")])
    assert item.text_state == TextState.FAILED
    assert "OCR" in item.text_failure
    assert item.is_public
    assert _titles("ban chup") == ["Bản chụp"]


def test_a_damaged_pdf_fails_with_the_reason(make_item):
    broken = SimpleUploadedFile("hong.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF")
    item = make_item(title="Tệp hỏng", document_file=broken)
    assert item.text_state == TextState.FAILED
    assert item.text_failure


def test_other_province_librarian_cannot_catalogue_for_the_ministry(province_librarian):
    with pytest.raises(PermissionDenied):
        services.item_save(
            actor=province_librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Không được",
        )
    assert not LibraryItem.objects.filter(title="Không được").exists()


def test_publishing_needs_a_second_librarian(make_item, librarian):
    item = make_item(title="Bốn mắt", publish=False)
    editorial.content_submit_for_review(actor=librarian, item=item)
    with pytest.raises((PermissionDenied, ValidationError)):
        editorial.content_publish(actor=librarian, item=item)
    item.refresh_from_db()
    assert not item.is_public


def test_every_write_is_audited(make_item):
    item = make_item(title="Có dấu vết")
    actions = set(
        AuditEntry.objects.filter(object_id=str(item.pk)).values_list("action", flat=True)
    )
    assert {"library.item_save", "library.item_text_extract", "library.item_publish"} <= actions


def test_the_extraction_task_is_queued_after_commit(librarian, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        services.item_save(
            actor=librarian,
            item=None,
            unit=unit_get(code="VN"),
            doc_type="sach",
            title="Chờ trích",
            document_file=pdf_file(),
        )
    assert DBTaskResult.objects.filter(
        task_path="dantoc.library.tasks.item_text_extract_task"
    ).exists()


def _epub_file(chapters=None, name="sach.epub"):
    from dantoc.library.demo import epub

    chapters = chapters or [
        ("Chương 1. Chọn nương", "Người Dao chọn nương theo độ dốc."),
        ("Chương 2. Lễ cơm mới", "Lễ cơm mới mời tổ tiên.\nGiống lúa treo trên gác bếp."),
    ]
    return SimpleUploadedFile(name, epub("Sách thử", chapters), content_type="application/epub+zip")


def test_an_epub_is_recognised_by_its_content_and_its_text_is_searchable_in_reading_order(
    make_item, client
):
    item = make_item(title="Sách điện tử thử", document_file=_epub_file())
    assert item.document.mime_type == "application/epub+zip"
    assert item.text_state == TextState.READY and item.pages == 2
    first, second = item.full_text.split("\f")
    assert first.startswith("Chương 1. Chọn nương") and "gác bếp" in second
    assert "<p>" not in item.full_text and "Sách thử" not in first  # tags and <title> dropped
    assert _titles("com moi gac bep") == ["Sách điện tử thử"]
    # Read as text on a phone (pdf.js reads PDFs only); downloaded as an .epub.
    reader = client.get(f"/thu-vien/{item.uuid}/doc/")
    assert reader.status_code == 302 and reader["Location"].endswith("/van-ban/")
    assert "gác bếp" in client.get(reader["Location"]).content.decode()
    download = client.get(f"/thu-vien/{item.uuid}/tep/?tai=1")
    assert download["Content-Type"] == "application/epub+zip"
    assert ".epub" in download["Content-Disposition"]
    page = client.get(f"/thu-vien/{item.uuid}/").content.decode()
    assert "Tải EPUB" in page


def test_a_zip_that_only_claims_to_be_an_epub_is_refused_and_nothing_is_kept(librarian):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:  # the right first entry, no container
        package.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        package.writestr("virus.exe", b"MZ" * 100)
    before = LibraryItem.objects.count()
    for content in (buffer.getvalue(), b"PK\x03\x04" + b"\0" * 200):
        with pytest.raises(ValidationError):
            services.item_save(
                actor=librarian, item=None, unit=unit_get(code="VN"), doc_type="sach",
                title="Giả EPUB", document_file=SimpleUploadedFile("sach.epub", content),
            )  # fmt: skip
    assert LibraryItem.objects.count() == before


def test_an_epub_whose_package_is_missing_fails_with_the_reason_and_stays_readable(make_item):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        package.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/khong-co.opf"/></rootfiles></container>',
        )
    item = make_item(
        title="EPUB hỏng", document_file=SimpleUploadedFile("hong.epub", buffer.getvalue())
    )
    assert item.text_state == TextState.FAILED and "khong-co.opf" in item.text_failure
    assert item.is_public and _titles("epub hong") == ["EPUB hỏng"]
