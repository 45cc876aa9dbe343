"""What a visitor without an account sees: only published content, found with or without
diacritics, in Vietnamese or English, with feeds, a sitemap and cacheable pages."""

from __future__ import annotations

import datetime

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dantoc.core.pagecache import forget_generation
from dantoc.portal import services
from dantoc.portal.demo import demo_content_load
from dantoc.portal.models import Article, LegalDocument, LegalStatus
from dantoc.portal.tests.factories import later, make_article, published_article, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_content_load()


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_home_page_shows_the_latest_news_and_documents(client, demo):
    page = html(client.get("/cong-thong-tin/"))
    assert "Hướng dẫn mới về quản lý, tổ chức thực hiện" in page
    assert "1719/QĐ-TTg" in page and "330/QĐ-UBDT" in page
    assert "Tuyên Quang tập huấn" in page


def test_the_home_page_lists_new_documents_as_a_list_that_fits_a_phone(client, demo):
    page = html(client.get("/cong-thong-tin/"))
    documents = page.split('id="h-docs"', 1)[1].split("</section>", 1)[0]
    # A list of entries (type and number, date, issuer, status, abstract), not a wide table
    # that a 360 px screen would have to scroll sideways.
    assert "<table" not in documents
    assert documents.count('<li class="item doc">') >= 2
    assert "Quyết định 1719/QĐ-TTg" in documents and "Còn hiệu lực" in documents


def test_drafts_scheduled_and_deleted_items_never_reach_the_public(client, people):
    published_article(title="Tin đã đăng")
    make_article(title="Bản nháp bí mật")
    scheduled = make_article(title="Tin hẹn giờ sau")
    services.article_publish(actor=None, article=scheduled, publish_at=later(60))
    deleted = published_article(title="Tin đã xoá")
    services.article_delete(actor=None, article=deleted)
    for path in ("/cong-thong-tin/", "/cong-thong-tin/tin-tuc/", "/cong-thong-tin/tin-tuc/atom.xml",
                 "/sitemap.xml", "/cong-thong-tin/tim-kiem/?q=tin"):  # fmt: skip
        page = html(client.get(path))
        assert "Tin đã đăng" in page or "tin-da-dang" in page, path
        for hidden in ("Bản nháp bí mật", "ban-nhap-bi-mat", "Tin hẹn giờ sau", "Tin đã xoá"):
            assert hidden not in page, (path, hidden)
    assert client.get(f"/cong-thong-tin/tin-tuc/{scheduled.slug}/").status_code == 404
    assert client.get(f"/cong-thong-tin/tin-tuc/{deleted.slug}/").status_code == 404


@pytest.mark.parametrize(
    "typed", ["Quyết định 330", "quyet dinh 330", "QUYET DINH 330", "330/QĐ-UBDT", "330/qd-ubdt"]
)
def test_search_finds_decision_330_with_or_without_diacritics(client, demo, typed):
    page = html(client.get("/cong-thong-tin/tim-kiem/", {"q": typed}))
    assert "/cong-thong-tin/van-ban/330-qd-ubdt/" in page
    assert "1719/QĐ-TTg" not in page


@pytest.mark.parametrize("typed", ["đồng bào", "dong bao", "Đồng Bào"])
def test_search_finds_dong_bao_either_way(client, demo, typed):
    page = html(client.get("/cong-thong-tin/tim-kiem/", {"q": typed}))
    assert "Giới thiệu Chương trình MTQG" in page  # its title says "đồng bào"
    assert "88/2019/QH14" in page  # "vùng đồng bào" in the abstract


def test_the_register_filters_by_type_body_status_and_year(client, demo):
    page = html(client.get("/cong-thong-tin/van-ban/", {"loai": "nghi_dinh"}))
    assert "27/2022/NĐ-CP" in page and "38/2023/NĐ-CP" in page and "1719/QĐ-TTg" not in page
    page = html(client.get("/cong-thong-tin/van-ban/", {"co-quan": "Quốc hội"}))
    assert "88/2019/QH14" in page and "27/2022/NĐ-CP" not in page
    page = html(client.get("/cong-thong-tin/van-ban/", {"hieu-luc": LegalStatus.AMENDED}))
    assert "27/2022/NĐ-CP" in page and "38/2023/NĐ-CP" not in page
    page = html(client.get("/cong-thong-tin/van-ban/", {"nam": "2021"}))
    assert "1719/QĐ-TTg" in page and "330/QĐ-UBDT" not in page
    # Nonsense filters do not break the page.
    assert client.get("/cong-thong-tin/van-ban/", {"nam": "abc", "loai": "x"}).status_code == 200


def test_a_document_page_links_amendments_both_ways(client, demo):
    page = html(client.get("/cong-thong-tin/van-ban/27-2022-nd-cp/"))
    assert "Được sửa đổi, bổ sung bởi" in page
    assert 'href="/cong-thong-tin/van-ban/38-2023-nd-cp/"' in page
    assert "Được sửa đổi, bổ sung" in page  # its legal status followed the amendment
    page = html(client.get("/cong-thong-tin/van-ban/38-2023-nd-cp/"))
    assert "Văn bản này sửa đổi, bổ sung" in page
    assert 'href="/cong-thong-tin/van-ban/27-2022-nd-cp/"' in page


def test_an_unpublished_amending_document_is_not_linked_from_the_public_page(client, demo):
    amending = LegalDocument.objects.get(number_symbol="38/2023/NĐ-CP")
    services.legal_document_unpublish(actor=None, document=amending)
    page = html(client.get("/cong-thong-tin/van-ban/27-2022-nd-cp/"))
    assert "38-2023-nd-cp" not in page


def test_the_register_list_takes_the_same_number_of_queries_for_5_or_25_documents(client, demo):
    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            html(client.get("/cong-thong-tin/van-ban/"))
        return len(ctx.captured_queries)

    few = count()
    for n in range(20):
        doc = services.legal_document_save(
            actor=None,
            unit=unit("VN"),
            number_symbol=f"{100 + n}/QĐ-BDTTG",
            doc_type="quyet_dinh",
            issuing_body="Bộ Dân tộc và Tôn giáo",
            issued_on=datetime.date(2025, 4, 1),
            abstract="Văn bản thử",
        )
        services.legal_document_publish(actor=None, document=doc)
    assert count() == few
    assert few <= 6


def test_section_lists_are_paged_with_a_constant_number_of_queries(client, people):
    for n in range(25):
        published_article(title=f"Tin số {n}")

    def count(path) -> int:
        cache.clear()
        forget_generation()  # the cache's generation read (once a second per process) counts
        with CaptureQueriesContext(connection) as ctx:
            page = html(client.get(path))
        return len(ctx.captured_queries), page

    first, page = count("/cong-thong-tin/tin-tuc/")
    assert "Trang 1/2" in page and "Tin số 24" in page and "Tin số 0<" not in page
    second, page = count("/cong-thong-tin/tin-tuc/?page=2")
    assert "Tin số 0" in page
    assert first == second and first <= 6


def test_an_article_is_shown_in_english_when_the_visitor_chose_english(client, demo):
    article = Article.objects.get(kind="page")
    path = article.get_absolute_url()
    assert "Mười dự án" in html(client.get(path))
    response = client.get(f"/cong-thong-tin/ngon-ngu/en/?next={path}")
    assert response.status_code == 302 and response["Location"] == path
    page = html(client.get(path))
    assert "About the National Target Programme" in page and '<html lang="en">' in page
    # Back to Vietnamese from the English page.
    assert "?ban-dich=vi" in page
    assert "Mười dự án" in html(client.get(path + "?ban-dich=vi"))


def test_an_ethnic_language_translation_is_offered_and_marked_with_its_language(client, people):
    article = published_article(title="Tin có bản tiếng H'Mông")
    services.article_translation_save(
        actor=None, article=article, language="hmn", title="Xov xwm", body="<p>Lus Hmoob</p>"
    )
    page = html(client.get(article.get_absolute_url()))
    assert "?ban-dich=hmn" in page
    page = html(client.get(article.get_absolute_url() + "?ban-dich=hmn"))
    assert '<article class="article" lang="hmn" dir="ltr">' in page and "Xov xwm" in page


def test_the_language_switch_refuses_to_send_visitors_elsewhere(client):
    response = client.get("/cong-thong-tin/ngon-ngu/en/?next=https://evil.example/")
    assert response["Location"] == "/cong-thong-tin/"


def test_each_section_has_an_atom_feed_readable_by_feedparser(client, demo):
    news = feedparser.parse(client.get("/cong-thong-tin/tin-tuc/atom.xml").content)
    assert not news.bozo, news.bozo_exception
    assert news.version == "atom10"
    titles = [e.title for e in news.entries]
    assert "Hướng dẫn mới về quản lý, tổ chức thực hiện các chương trình mục tiêu quốc gia" in (
        titles
    )
    entry = news.entries[0]
    assert entry.id.startswith("urn:uuid:") and entry.link.startswith("http://testserver/")
    documents = feedparser.parse(client.get("/cong-thong-tin/van-ban/atom.xml").content)
    assert not documents.bozo
    assert {e.title for e in documents.entries} >= {
        "Quyết định 1719/QĐ-TTg",
        "Nghị quyết 88/2019/QH14",
    }
    assert client.get("/cong-thong-tin/khong-co/atom.xml").status_code == 404


def test_the_sitemap_lists_public_articles_documents_and_sections(client, demo):
    page = html(client.get("/sitemap.xml"))
    assert "<loc>http://testserver/cong-thong-tin/van-ban/1719-qd-ttg/</loc>" in page
    assert "http://testserver/cong-thong-tin/tin-tuc/</loc>" in page
    assert "http://testserver/cong-thong-tin/dia-ban/08/</loc>" in page


def test_agencies_are_listed_in_vietnamese_and_in_english(client, demo):
    page = html(client.get("/cong-thong-tin/co-quan/"))
    assert "Bộ Dân tộc và Tôn giáo" in page and "Cơ quan chủ quản" in page
    client.get("/cong-thong-tin/ngon-ngu/en/")
    page = html(client.get("/cong-thong-tin/co-quan/"))
    assert "Ministry of Ethnic and Religious Affairs" in page and "Managing body" in page


def test_implementation_areas_show_new_communes_with_their_merged_predecessors(client, demo):
    page = html(client.get("/cong-thong-tin/dia-ban/"))
    assert "Tỉnh Tuyên Quang" in page
    page = html(client.get("/cong-thong-tin/dia-ban/08/"))
    # The new commune Lũng Cú (00715) was formed from pre-2025 communes of Đồng Văn.
    assert "Xã Lũng Cú" in page and "Xã Má Lé" in page
    assert "KV III" in page and "Thôn Lô Lô Chải" in page
    only_region_one = html(client.get("/cong-thong-tin/dia-ban/08/?khu-vuc=I"))
    assert "Thị trấn Đồng Văn" in only_region_one and "Thôn Lô Lô Chải" not in only_region_one
    assert client.get("/cong-thong-tin/dia-ban/02/").status_code == 404  # old Hà Giang


def test_the_areas_page_takes_a_fixed_number_of_queries(client, demo):
    with CaptureQueriesContext(connection) as ctx:
        html(client.get("/cong-thong-tin/dia-ban/08/?tat-ca=1"))
    assert len(ctx.captured_queries) <= 8


def test_anonymous_pages_are_cacheable_and_editors_get_private_ones(client, people, login):
    published_article(title="Tin công khai")
    response = client.get("/cong-thong-tin/")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert "csrftoken" not in response.cookies and "csrfmiddlewaretoken" not in html(response)
    editor = login(people.editor)
    response = editor.get("/cong-thong-tin/")
    assert "private" in response["Cache-Control"]
    assert "Biên tập" in html(response)  # an editor is never served the visitors' copy


def test_a_published_change_is_visible_at_once_despite_the_page_cache(
    client, people, django_capture_on_commit_callbacks
):
    article = published_article(title="Tiêu đề ban đầu")
    assert "Tiêu đề ban đầu" in html(client.get("/cong-thong-tin/"))
    with CaptureQueriesContext(connection) as ctx:
        assert "Tiêu đề ban đầu" in html(client.get("/cong-thong-tin/"))
    assert len(ctx.captured_queries) == 0  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(
            actor=None, article=article, unit=article.unit, kind="news", title="Tiêu đề đã sửa"
        )
    page = html(client.get("/cong-thong-tin/"))
    assert "Tiêu đề đã sửa" in page and "Tiêu đề ban đầu" not in page


def test_a_document_saved_by_an_editor_reading_english_is_still_found_in_vietnamese(client, people):
    from django.utils import translation

    with translation.override("en"):
        document = services.legal_document_save(
            actor=None,
            unit=unit("VN"),
            number_symbol="27/2022/NĐ-CP",
            doc_type="nghi_dinh",
            issuing_body="Chính phủ",
            issued_on=datetime.date(2022, 4, 19),
            abstract="Cơ chế quản lý, tổ chức thực hiện các chương trình mục tiêu quốc gia",
        )
    services.legal_document_publish(actor=None, document=document)
    for typed in ("nghị định 27", "nghi dinh 27/2022", "decree 27"):
        page = html(client.get("/cong-thong-tin/tim-kiem/", {"q": typed}))
        assert "/cong-thong-tin/van-ban/27-2022-nd-cp/" in page, typed


def test_the_public_pages_speak_english_when_english_is_chosen(client, demo):
    client.get("/cong-thong-tin/ngon-ngu/en/")
    page = html(client.get("/cong-thong-tin/van-ban/27-2022-nd-cp/"))
    assert "Amended by" in page and "Decree 27/2022/NĐ-CP" in page and "Issuing body" in page
    page = html(client.get("/cong-thong-tin/co-quan/"))
    assert "Directory of the bodies steering and implementing the Programme" in page


def test_the_page_cache_never_serves_one_language_to_a_visitor_of_the_other(demo):
    from django.test import Client

    vietnamese, english = Client(), Client()
    english.get("/cong-thong-tin/ngon-ngu/en/")
    assert "Danh bạ cơ quan chỉ đạo" in html(vietnamese.get("/cong-thong-tin/co-quan/"))
    page = html(english.get("/cong-thong-tin/co-quan/"))
    assert "Directory of the bodies" in page and "Danh bạ cơ quan chỉ đạo" not in page
    assert "Danh bạ cơ quan chỉ đạo" in html(vietnamese.get("/cong-thong-tin/co-quan/"))
    assert "Cookie" in english.get("/cong-thong-tin/co-quan/")["Vary"]


def test_attachments_of_public_items_are_served_and_files_of_withdrawn_ones_are_not(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = published_article(title="Tin có tệp")
    attachment = services.article_attachment_add(
        actor=None, article=article, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 ok")
    )
    response = client.get(f"/cong-thong-tin/tep/{attachment.uuid}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 ok"
    assert "sandbox" in response["Content-Security-Policy"]
    services.article_unpublish(actor=None, article=article)
    assert client.get(f"/cong-thong-tin/tep/{attachment.uuid}/").status_code == 404


def test_the_home_page_takes_the_same_number_of_queries_with_more_content(client, people):
    def count() -> int:
        cache.clear()
        forget_generation()
        with CaptureQueriesContext(connection) as ctx:
            html(client.get("/cong-thong-tin/"))
        return len(ctx.captured_queries)

    published_article(title="Tin một")
    published_article(kind="activity", title="Hoạt động một")  # prefetches run for both lists
    few = count()
    for n in range(8):
        published_article(title=f"Tin thêm {n}")
        published_article(kind="activity", title=f"Hoạt động {n}")
    assert count() == few and few <= 11
