"""The e-library's pages and files per persona, byte ranges, and the librarian's form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.library.models import LibraryItem
from dantoc.library.tests.conftest import pdf_bytes, pdf_file

pytestmark = pytest.mark.django_db

PERSONAS = ("commune", "other_commune", "province", "other_province", "ministry", "editor")


def test_anyone_finds_and_reads_a_published_item(client, make_item):
    item = make_item(title="Sổ tay dân tộc", pages=[("A", "Nhuộm chàm bằng lá.")])
    page = client.get("/thu-vien/", {"q": "nhuom cham"})
    assert page.status_code == 200
    assert "Sổ tay dân tộc" in page.content.decode()
    detail = client.get(item.get_absolute_url())
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Đọc tài liệu" in html and "Tải PDF" in html
    assert client.get(f"/thu-vien/{item.uuid}/doc/").status_code == 200
    text = client.get(f"/thu-vien/{item.uuid}/van-ban/")
    assert "Nhuộm chàm bằng lá." in text.content.decode()


def test_item_page_stays_small_and_loads_no_viewer(client, make_item):
    item = make_item(title="Nhẹ", description="Tóm tắt " * 50)
    html = client.get(item.get_absolute_url()).content
    assert len(html) < 20 * 1024
    assert b"pdf.min.mjs" not in html and b"reader.js" not in html


@pytest.mark.parametrize("persona", [None, *(p for p in PERSONAS if p != "editor")])
def test_a_draft_is_hidden_from_everyone_but_its_librarians(
    client, login, people, make_item, persona
):
    item = make_item(title="Bản nháp riêng", publish=False)
    browser = login(getattr(people, persona)) if persona else client
    for path in ("", "doc/", "tep/", "van-ban/"):
        assert browser.get(f"/thu-vien/{item.uuid}/{path}").status_code == 404, path
    assert "Bản nháp riêng" not in browser.get("/thu-vien/", {"q": "ban nhap"}).content.decode()
    editor_page = browser.get(f"/thu-vien/bien-tap/{item.uuid}/")
    assert editor_page.status_code in ((302,) if persona is None else (403, 404))


def test_librarians_and_editors_of_the_unit_see_their_draft(
    login, people, make_item, second_librarian, province_librarian
):
    item = make_item(title="Bản nháp riêng", publish=False)
    for user in (second_librarian, people.editor):  # the ministry's content editor too
        browser = login(user)
        assert browser.get(item.get_absolute_url()).status_code == 200
        assert browser.get(f"/thu-vien/bien-tap/{item.uuid}/").status_code == 200
    # A province's librarian does not see the ministry's draft.
    browser = login(province_librarian)
    assert browser.get(item.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_only_librarians_open_the_cataloguing_pages(client, login, people, persona):
    browser = login(getattr(people, persona)) if persona else client
    response = browser.get("/thu-vien/bien-tap/")
    if persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona == "editor":  # content editors also catalogue
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    before = LibraryItem.objects.count()
    browser.post("/thu-vien/bien-tap/moi/", {"doc_type": "sach", "title": "Lạ"})
    if persona != "editor":
        assert LibraryItem.objects.count() == before


def test_the_pdf_answers_byte_ranges(client, make_item):
    item = make_item(pages=[("A", "Một trang.")] * 3)
    whole = client.get(f"/thu-vien/{item.uuid}/tep/", HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(whole.streaming_content)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in whole  # gzip would stop pdf.js reading by ranges
    assert int(whole["Content-Length"]) == len(body)
    part = client.get(
        f"/thu-vien/{item.uuid}/tep/", HTTP_RANGE="bytes=100-199", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == body[100:200]
    assert "Content-Encoding" not in part
    tail = client.get(f"/thu-vien/{item.uuid}/tep/", HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == body[-10:]
    beyond = client.get(f"/thu-vien/{item.uuid}/tep/", HTTP_RANGE=f"bytes={len(body) + 5}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(body)}"


def test_a_read_only_item_offers_no_download(client, make_item):
    item = make_item(title="Chỉ đọc", access="read")
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Tải PDF" not in html and "chỉ được đọc trực tuyến" in html
    inline = client.get(f"/thu-vien/{item.uuid}/tep/?tai=1")
    assert "attachment" not in inline.get("Content-Disposition", "")
    feed = client.get("/thu-vien/opds/moi/").content.decode()
    assert "application/pdf" not in feed  # acquired as its page, read online
    assert (
        'rel="http://opds-spec.org/acquisition/open-access" href="http://testserver/thu-vien/'
        in feed
    )


def test_a_librarian_adds_an_item_through_the_form_and_a_retry_adds_nothing(login, librarian):
    browser = login(librarian)
    form = browser.get("/thu-vien/bien-tap/moi/").content.decode()
    key = form.split('name="key" value="')[1].split('"')[0]
    data = {
        "key": key,
        "doc_type": "sach",
        "unit": librarian.unit_id,
        "title": "Sách mới qua biểu mẫu",
        "language": "vi",
        "access": "download",
    }
    for _ in range(2):
        response = browser.post(
            "/thu-vien/bien-tap/moi/",
            {**data, "document": SimpleUploadedFile("s.pdf", pdf_bytes([("A", "B")]))},
        )
        assert response.status_code == 302
    assert LibraryItem.objects.filter(title="Sách mới qua biểu mẫu").count() == 1


def test_the_form_explains_a_refused_file_and_keeps_what_was_typed(login, librarian):
    browser = login(librarian)
    response = browser.post(
        "/thu-vien/bien-tap/moi/",
        {
            "doc_type": "sach",
            "unit": librarian.unit_id,
            "title": "Giữ lại nhan đề",
            "language": "vi",
            "access": "download",
            "document": SimpleUploadedFile("virus.pdf", b"<html>not a pdf</html>"),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "phải là PDF" in html and "Giữ lại nhan đề" in html
    assert not LibraryItem.objects.filter(title="Giữ lại nhan đề").exists()


def test_workflow_buttons_publish_with_a_second_librarian(
    login, librarian, second_librarian, make_item
):
    item = make_item(title="Qua nút bấm", publish=False)
    first = login(librarian)
    first.post(f"/thu-vien/bien-tap/{item.uuid}/gui-duyet/")
    first.post(f"/thu-vien/bien-tap/{item.uuid}/xuat-ban/")
    item.refresh_from_db()
    assert item.status == "review"
    second = login(second_librarian)
    second.post(f"/thu-vien/bien-tap/{item.uuid}/xuat-ban/")
    item.refresh_from_db()
    assert item.is_public


def test_a_pdf_upload_through_the_form_queues_its_text(
    login, librarian, django_capture_on_commit_callbacks
):
    browser = login(librarian)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/thu-vien/bien-tap/moi/",
            {
                "doc_type": "sach",
                "unit": librarian.unit_id,
                "title": "Có tệp",
                "language": "vi",
                "access": "download",
                "document": pdf_file(),
            },
        )
    item = LibraryItem.objects.get(title="Có tệp")
    assert item.text_state == "waiting"
    page = browser.get(f"/thu-vien/bien-tap/{item.uuid}/").content.decode()
    assert "Đang chờ trích văn bản" in page
