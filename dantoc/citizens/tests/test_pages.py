"""The citizen pages: the commune kept on the phone, what applies there, an item in an ethnic
language with a clear mark when it falls back to Vietnamese, sharing and printing, views
counted without tracking, and the editors' pages."""

from __future__ import annotations

import pytest

from dantoc.citizens.models import ItemReach
from dantoc.citizens.views import COMMUNE_COOKIE

pytestmark = pytest.mark.django_db

POLICY = {
    "topic": "chinh-sach",
    "for_whom": "Học sinh nhà xa trường",
    "benefits": "Tiền ăn, gạo",
}


def test_choosing_a_commune_keeps_only_its_code_on_the_phone(client, lung_cu):
    response = client.get("/dong-bao/chon-xa/", {"xa": "00715"})
    assert response.status_code == 302
    cookie = response.cookies[COMMUNE_COOKIE]
    assert cookie.value == "00715"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 86400
    assert list(response.cookies) == [COMMUNE_COOKIE]


def test_a_commune_is_chosen_by_its_name_without_javascript(client, lung_cu):
    response = client.get("/dong-bao/chon-xa/", {"xa": "lung cu"})
    assert response.status_code == 302
    assert response.cookies[COMMUNE_COOKIE].value == "00715"


def test_an_unknown_commune_is_said_so_and_nothing_is_kept(client):
    response = client.get("/dong-bao/chon-xa/", {"xa": "khong co xa nay"})
    assert response.status_code == 200
    assert "Chưa tìm được xã" in response.content.decode()
    assert COMMUNE_COOKIE not in response.cookies
    # A province's code is not a commune.
    response = client.get("/dong-bao/chon-xa/", {"xa": "08"})
    assert COMMUNE_COOKIE not in response.cookies


def test_forgetting_the_commune_removes_the_cookie(client):
    client.cookies[COMMUNE_COOKIE] = "00715"
    response = client.get("/dong-bao/chon-xa/", {"bo": "1"})
    assert response.status_code == 302
    assert response.cookies[COMMUNE_COOKIE].value == ""


def test_the_home_shows_what_applies_in_my_commune(client, lung_cu, make_item):
    make_item(title="Tiền ăn cho học sinh bán trú", regions=["III"], **POLICY)
    make_item(title="Chính sách cho xã khu vực I", regions=["I"], **POLICY)
    make_item(title="Hỗ trợ thôn đặc biệt khó khăn", dbkk_villages=True, **POLICY)
    make_item(title="Chính sách cho mọi nơi", **POLICY)
    client.cookies[COMMUNE_COOKIE] = "00715"
    page = client.get("/dong-bao/").content.decode()
    mine = page[page.index('id="xa-cua-toi"') : page.index('id="h-topics"')]
    assert "Xã Lũng Cú" in mine and "khu vực III" in mine
    assert "Thôn Lô Lô Chải" in mine and "Thôn Séo Lủng" in mine
    assert "Tiền ăn cho học sinh bán trú" in mine
    assert "Hỗ trợ thôn đặc biệt khó khăn" in mine
    assert "Chính sách cho mọi nơi" in mine
    assert "Chính sách cho xã khu vực I" not in mine


def test_without_a_commune_the_home_offers_the_picker_and_the_topics(client):
    page = client.get("/dong-bao/").content.decode()
    assert "Chọn xã của tôi" in page and 'name="xa"' in page
    for topic in ("Chính sách", "Y tế, sức khoẻ", "Học hành", "Phòng chống thiên tai"):
        assert topic in page
    # The officials' login is there, after the citizen's content.
    assert page.index("Chọn xã của tôi") < page.index("Dành cho cán bộ")


def test_a_bad_cookie_is_ignored(client):
    client.cookies[COMMUNE_COOKIE] = "'; drop table"
    assert client.get("/dong-bao/").status_code == 200


def test_an_item_is_read_in_an_ethnic_language_with_its_lang(client, make_item):
    item = make_item(
        title="Tiêm chủng cho trẻ",
        summary="Tiêm miễn phí ở trạm y tế.",
        translations={"hmn": {"title": "Txhaj tshuaj rau menyuam", "summary": ""}},
    )
    page = client.get(item.get_absolute_url(), {"ban-dich": "hmn"}).content.decode()
    assert '<article class="cz-item" lang="hmn"' in page
    assert "Txhaj tshuaj rau menyuam" in page
    # The summary is not translated: it is shown in Vietnamese, marked as such.
    assert '<p class="lead" lang="vi">Tiêm miễn phí ở trạm y tế.</p>' in page
    assert "Một số phần chưa dịch" in page
    assert "Chưa có bản" not in page


def test_an_item_falls_back_to_vietnamese_with_a_clear_mark(client, people, make_item):
    from dantoc.citizens import services

    item = make_item(title="Tiêm chủng cho trẻ")
    # A draft translation is not shown.
    services.translation_save(
        actor=people.editor, item=item, language="rad", data={"title": "Bản nháp Ê Đê"}
    )
    page = client.get(item.get_absolute_url(), {"ban-dich": "rad"}).content.decode()
    assert "Chưa có bản Tiếng Ê Đê: đang hiện bằng tiếng Việt." in page
    assert '<article class="cz-item" lang="vi"' in page
    assert "Bản nháp Ê Đê" not in page


def test_an_item_page_has_open_graph_tags_share_links_and_a_printable_sheet(client, make_item):
    item = make_item(title="Khám thai ở trạm y tế", summary="Khám sớm, đều đặn.")
    page = client.get(item.get_absolute_url()).content.decode()
    url = "http://testserver" + item.get_absolute_url()
    assert f'<meta property="og:title" content="{item.title}">' in page
    assert '<meta property="og:description" content="Khám sớm, đều đặn.">' in page
    image = page[page.index('property="og:image"') :]
    image = image[: image.index(">")]
    assert 'content="http://testserver/static/citizens/share' in image, image
    assert f'<meta property="og:url" content="{url}">' in page
    # No Zalo plugin link (none documented for web pages could be confirmed): the phone's
    # share sheet and a link to copy, counted; Facebook through the counting redirect.
    assert "sp.zalo.me" not in page
    assert f'id="share-link" class="cz-link" type="url" readonly value="{url}"' in page
    facebook = client.get(item.get_absolute_url() + "chia-se/facebook/")
    quoted = url.replace(":", "%3A").replace("/", "%2F")
    assert facebook["Location"] == f"https://www.facebook.com/sharer/sharer.php?u={quoted}"
    assert client.post(item.get_absolute_url() + "chia-se/chep/").status_code == 204
    assert client.get(item.get_absolute_url() + "chia-se/chep/").status_code == 405
    assert client.get(item.get_absolute_url() + "chia-se/khac/").status_code == 404
    assert ItemReach.objects.get(item=item).shares == 2
    sheet = client.get(item.get_absolute_url() + "in/")
    assert sheet.status_code == 200
    text = sheet.content.decode()
    assert "citizens/print." in text and "Khám thai ở trạm y tế" in text
    assert 'class="top"' not in text  # no site header or menu on the sheet


def test_an_item_links_its_legal_document_and_the_documents_files(client, make_item):
    from dantoc.portal.tests.factories import published_document

    document = published_document(number="1719/QĐ-TTg")
    item = make_item(title="Hỗ trợ làm nhà", legal_document=document, **POLICY)
    page = client.get(item.get_absolute_url()).content.decode()
    assert document.get_absolute_url() in page and "1719/QĐ-TTg" in page


def test_views_are_counted_per_province_and_language_without_personal_data(
    client, lung_cu, make_item
):
    item = make_item(title="Tiêm chủng", translations={"hmn": {"title": "Txhaj tshuaj"}})
    client.cookies[COMMUNE_COOKIE] = "00715"
    client.get(item.get_absolute_url())
    client.get(item.get_absolute_url())
    client.head(item.get_absolute_url())  # a HEAD is no reading
    del client.cookies[COMMUNE_COOKIE]
    client.get(item.get_absolute_url(), {"ban-dich": "hmn"})
    client.get(item.get_absolute_url(), {"ban-dich": "rad"})  # falls back: read in Vietnamese
    rows = set(ItemReach.objects.values_list("province_code", "language", "views"))
    assert rows == {("08", "vi", 2), ("", "hmn", 1), ("", "vi", 1)}
    fields = {f.name for f in ItemReach._meta.get_fields()}
    assert fields == {
        "id", "item", "month", "province_code", "language", "views", "listens", "shares",
    }  # fmt: skip


def test_editors_see_the_counts_and_others_do_not(client, login, people, lung_cu, make_item):
    item = make_item(title="Tiêm chủng đủ mũi")
    client.cookies[COMMUNE_COOKIE] = "00715"
    client.get(item.get_absolute_url())
    editor = login(people.editor)
    page = editor.get("/dong-bao/bien-tap/luot-xem/").content.decode()
    assert "Tỉnh Tuyên Quang" in page and "Tiêm chủng đủ mũi" in page
    commune = login(people.commune)
    assert commune.get("/dong-bao/bien-tap/luot-xem/").status_code == 403


def test_the_editor_list_shows_which_languages_each_item_lacks(login, people, make_item):
    make_item(title="Tin có bản Mông", translations={"hmn": {"title": "Lus Hmoob"}})
    page = login(people.editor).get("/dong-bao/bien-tap/").content.decode()
    row = page[page.index("Tin có bản Mông") :]
    row = row[: row.index("</tr>")]
    assert row.count("✓") == 1  # hmn
    # Every other language of the platform but Vietnamese, and no Vietnamese recording.
    assert row.count("—") == 12


def test_an_editor_writes_submits_and_another_publishes_from_the_pages(
    login, people, second_editor
):
    from dantoc.citizens.models import CitizenItem

    writer = login(people.editor)
    response = writer.post(
        "/dong-bao/bien-tap/moi/",
        {
            "topic": "y-te",
            "unit": people.editor.unit.pk,
            "title": "Uống nước sạch",
            "summary": "Đun sôi nước trước khi uống.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = CitizenItem.objects.get(title="Uống nước sạch")
    writer.post(f"/dong-bao/bien-tap/{item.uuid}/gui-duyet/")
    writer.post(f"/dong-bao/bien-tap/{item.uuid}/xuat-ban/")
    item.refresh_from_db()
    assert item.status == "review"
    reviewer = login(second_editor)
    reviewer.post(f"/dong-bao/bien-tap/{item.uuid}/xuat-ban/")
    item.refresh_from_db()
    assert item.is_public


def test_a_translation_is_written_on_the_editor_page(login, people, make_item):
    item = make_item(title="Tiêm chủng")
    editor = login(people.editor)
    url = f"/dong-bao/bien-tap/{item.uuid}/ban-dich/"
    assert editor.get(url, {"language": "hmn"}).status_code == 200
    response = editor.post(url, {"language": "hmn", "title": "Txhaj tshuaj", "summary": ""})
    assert response.status_code == 302
    assert item.translations.get(language="hmn").status == "draft"
    assert editor.get(url, {"language": "xx"}).status_code == 404


def test_a_declared_block_fills_the_warnings_slot(client, monkeypatch, lung_cu):
    from django.apps import apps

    seen = []

    def warnings(*, request, commune):
        seen.append(commune.code if commune else None)
        return {"help": "Cảnh báo thử cho xã"}

    monkeypatch.setattr("dantoc.citizens.tests.test_pages.slot_context", warnings, raising=False)
    config = apps.get_app_config("citizens")
    monkeypatch.setattr(
        config,
        "citizen_blocks",
        (
            (
                "warnings",
                "citizens/_slot_test.html",
                "dantoc.citizens.tests.test_pages.slot_context",
            ),
        ),
        raising=False,
    )
    monkeypatch.setattr(
        "dantoc.citizens.slots.render_to_string",
        lambda name, context, request=None: f"<p>{context['help']}</p>",
    )
    client.cookies[COMMUNE_COOKIE] = "00715"
    page = client.get("/dong-bao/").content.decode()
    assert (
        '<div class="cz-slot" id="canh-bao"><!--canh-bao--><p>Cảnh báo thử cho xã</p>'
        "<!--/canh-bao--></div>"
    ) in page
    assert seen == ["00715"]


def test_without_a_declared_block_the_slot_is_empty(client):
    page = client.get("/dong-bao/").content.decode()
    assert '<div class="cz-slot" id="canh-bao"><!--canh-bao--><!--/canh-bao--></div>' in page


def test_a_name_shared_by_several_communes_lists_them_to_choose_from(client):
    response = client.get("/dong-bao/chon-xa/", {"xa": "lung"})
    page = response.content.decode()
    assert response.status_code == 200 and COMMUNE_COOKIE not in response.cookies
    assert 'type="radio" name="xa__pick"' in page and "Xã Lũng Cú" in page
    assert "Chưa tìm được xã" not in page


def test_citizen_pages_come_from_the_public_cache_and_a_change_is_seen_at_once(
    client, lung_cu, make_item, people, django_capture_on_commit_callbacks
):
    """Anonymous readers get the cached page (each reading still counted); a warning issued
    for the reader's commune shows on the next reading, not a minute later."""
    from dantoc.alerts import services as alerts
    from dantoc.alerts.tests.test_alerts import LUNG_CU, content

    item = make_item(title="Rửa tay bằng xà phòng", topic="y-te")
    client.cookies[COMMUNE_COOKIE] = LUNG_CU
    first = client.get(item.get_absolute_url())
    assert "public" in first["Cache-Control"] and "Cookie" in first["Vary"]
    ItemReach.objects.all().delete()
    with pytest.MonkeyPatch.context() as patch:
        # Served from the cache: the page is not rendered again, the reading still counts.
        patch.setattr("dantoc.citizens.views._page", lambda *a, **k: pytest.fail("rendered"))
        again = client.get(item.get_absolute_url())
    home = client.get("/dong-bao/")
    assert again.content == first.content
    assert sum(ItemReach.objects.values_list("views", flat=True)) == 1
    assert "Nguy cơ lũ quét" not in home.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the cache moves on commit
        alerts.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert "Nguy cơ lũ quét" in client.get("/dong-bao/").content.decode()
    assert "Nguy cơ lũ quét" in client.get(item.get_absolute_url()).content.decode()
