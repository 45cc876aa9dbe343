"""The public portal in a real Chromium against gunicorn with the demo content: zero axe-core
violations (WCAG 2.1 A and AA) on each main page type, readable on a phone without
JavaScript, under 60 KB of HTML+CSS+JS on first load, and a print layout without navigation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import AXE, axe_violations, run_python, running_platform

BUDGET = 60 * 1024

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]

# (page type, address, text the page must show)
PAGES = [
    ("home", "/cong-thong-tin/", "Văn bản mới"),
    ("section list", "/cong-thong-tin/tin-tuc/", "Hướng dẫn mới về quản lý"),
    ("programme page", None, "Mười dự án"),
    ("document register", "/cong-thong-tin/van-ban/?loai=nghi_dinh", "27/2022/NĐ-CP"),
    ("document page", "/cong-thong-tin/van-ban/27-2022-nd-cp/", "Được sửa đổi, bổ sung bởi"),
    ("areas", "/cong-thong-tin/dia-ban/", "Tỉnh Tuyên Quang"),
    ("areas of a province", "/cong-thong-tin/dia-ban/08/", "Xã Lũng Cú"),
    ("agency directory", "/cong-thong-tin/co-quan/", "Bộ Dân tộc và Tôn giáo"),
    ("search", "/cong-thong-tin/tim-kiem/?q=quyet+dinh+330", "330/QĐ-UBDT"),
]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("portal")) as (db, served):
        yield db, served.url


@pytest.fixture(scope="module")
def server(platform):
    return platform[1]


def _programme_page(server: str, browser) -> str:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server}/cong-thong-tin/chuong-trinh/")
        return page.locator("main .items a").first.get_attribute("href")
    finally:
        context.close()


def _resolve(server, browser, path):
    return path if path is not None else _programme_page(server, browser)


@pytest.mark.parametrize("kind, path, text", PAGES, ids=[p[0] for p in PAGES])
def test_each_public_page_type_has_no_axe_violations(server, phone, browser, kind, path, text):
    phone.goto(server + _resolve(server, browser, path))
    assert text in phone.locator("main").inner_text()
    violations = axe_violations(phone)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_the_english_agency_directory_has_no_axe_violations(server, phone):
    phone.goto(f"{server}/cong-thong-tin/co-quan/")
    phone.get_by_role("link", name="English").click()
    # The address does not change: wait for the English text, not for the address.
    expect(phone.locator("main")).to_contain_text("Ministry of Ethnic and Religious Affairs")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert axe_violations(phone) == []


@pytest.mark.parametrize("kind, path, text", PAGES, ids=[p[0] for p in PAGES])
def test_each_public_page_is_readable_on_a_phone_without_javascript_and_light(
    server, browser, kind, path, text
):
    path = _resolve(server, browser, path)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.ok else None)
    try:
        page.goto(server + path)
        assert text in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first_load = sum(
            size
            for url, size in sizes.items()
            if url.split("?")[0].endswith((".css", ".js")) or url == server + path
        )
        assert first_load < BUDGET, sizes
    finally:
        context.close()


def test_the_register_filters_work_without_javascript(server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{server}/cong-thong-tin/van-ban/")
        page.get_by_label("Loại văn bản").select_option(label="Nghị quyết")
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_url("**loai=nghi_quyet**")
        table = page.locator("main table").inner_text()
        assert "88/2019/QH14" in table and "1719/QĐ-TTg" not in table
    finally:
        context.close()


def test_a_document_prints_without_navigation(server, browser):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server}/cong-thong-tin/van-ban/1719-qd-ttg/")
        page.emulate_media(media="print")
        assert not page.locator("nav.pnav").is_visible()
        assert not page.locator("header nav").is_visible()
        assert page.locator("h1").is_visible()
        assert page.locator("dl.facts").is_visible()
        assert len(page.pdf()) > 1000  # Chromium lays the page out for paper
    finally:
        context.close()


def _sign_in(browser, server, username):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page_sign_in(page, server, username)
    return context, page


def test_an_editor_writes_a_news_item_and_it_appears_after_a_second_editor_publishes(
    platform, browser
):
    db, server = platform
    run_python(
        db,
        "from dantoc.accounts.services import user_create\n"
        "from dantoc.geo.selectors import unit_get\n"
        "user_create(actor=None, username='bientap.hai', password='"
        + DEMO_PASSWORD
        + "', unit=unit_get(code='VN'), roles=['content_editor'], check_password=False)",
    )
    context, page = _sign_in(browser, server, "bientap")
    try:
        page.goto(f"{server}/bien-tap/bai-viet/moi/")
        page.get_by_label("Tiêu đề").first.fill("Tin thử từ trình duyệt về đồng bào")
        page.get_by_label("Nội dung").first.fill("<p>Nội dung <script>alert(1)</script>an toàn</p>")
        page.get_by_role("button", name="Lưu").click()
        page.wait_for_url("**/bien-tap/bai-viet/*/")
        assert "Đã lưu." in page.locator("main").inner_text()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Gửi duyệt").click()
        page.wait_for_load_state()
        main = page.locator("main").inner_text()
        assert "Chờ duyệt" in main and "cần một biên tập viên khác" in main
        editor_url = page.url
    finally:
        context.close()
    context, page = _sign_in(browser, server, "bientap.hai")
    try:
        page.goto(f"{server}/bien-tap/?trang-thai=review")
        page.get_by_role("link", name="Tin thử từ trình duyệt về đồng bào").click()
        assert page.url == editor_url
        page.get_by_role("button", name="Xuất bản / hẹn giờ").click()
        page.wait_for_load_state()
        assert "Đã xuất bản." in page.locator("main").inner_text()
    finally:
        context.close()
    visitor = browser.new_context(java_script_enabled=False)
    page = visitor.new_page()
    try:
        page.goto(f"{server}/cong-thong-tin/tim-kiem/?q=tin+thu+tu+trinh+duyet")
        page.get_by_role("link", name="Tin thử từ trình duyệt về đồng bào").click()
        body = page.locator("article .body").inner_html()
        assert "an toàn" in body and "<script" not in body
    finally:
        visitor.close()


@pytest.mark.parametrize("path", ["/bien-tap/van-ban/moi/", "/bien-tap/co-quan/moi/", "/bien-tap/"])
def test_the_editor_forms_and_list_have_no_axe_violations(server, browser, path):
    context, page = _sign_in(browser, server, "bientap")
    try:
        page.goto(server + path)
        assert page.locator("h1").is_visible()
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()


TAI_VIET_SCRIPT = r"""
from dantoc.portal.models import Article, Status
from dantoc.portal.services import article_translation_save
a = Article.objects.filter(status=Status.PUBLISHED).order_by('id').first()
article_translation_save(
    actor=None, article=a, language='blt', title='\uaabc\uaa95 \uaa92\uaabe',
    body='<p>\uaa80\uaa81</p>')
print(a.get_absolute_url())
"""


def test_a_tai_dam_page_fetches_its_script_font_and_a_vietnamese_page_does_not(platform, browser):
    """Old phones have no Tai Viet font: the page brings one (npm @fontsource), and only a
    page that shows Tai Viet letters downloads it (unicode-range)."""
    db, server = platform
    path = run_python(db, TAI_VIET_SCRIPT).strip().splitlines()[-1]
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        assert not [u for u in fetched if "tai-viet" in u]
        page.goto(f"{server}{path}?ban-dich=blt")
        page.wait_for_load_state("networkidle")
        assert [u for u in fetched if "tai-viet" in u and ".woff2" in u]
        status = page.evaluate(
            "() => document.fonts.ready.then(() => [...document.fonts]"
            ".filter(f => f.family.includes('Tai Viet')).map(f => f.status))"
        )
        assert status == ["loaded"]
        # The letters are drawn with the Tai Viet face, not the phone's fallback boxes.
        assert page.evaluate("() => document.fonts.check('16px \"dantoc Tai Viet\"', '\\uaa80')")
    finally:
        context.close()
