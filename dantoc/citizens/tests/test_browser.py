"""The citizen pages in Chromium on a 360 px phone against gunicorn with the demo data: the
home, choosing "my commune" without JavaScript, an item in H'Mông, a search for "y te"; each
page with zero axe-core violations (WCAG 2.1 A/AA), no sideways scrolling, and at most 60 KB
of HTML+CSS+JS+fonts on first load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CHROMIUM, PHONE
from dantoc.core.testing import AXE, axe_violations, running_platform
from dantoc.core.tests.test_csp_browser import LISTEN

BUDGET = 60 * 1024

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("citizens")) as (_db, served):
        yield served.url


def _phone(browser, *, javascript: bool):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, java_script_enabled=javascript, locale="vi-VN"
    )
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("response", lambda r: _record(sizes, r))
    return context, page, sizes


def _record(sizes: dict[str, int], response) -> None:
    if not response.ok:  # redirects have no body to read
        return
    try:
        sizes[response.url] = len(response.body())
    except Exception:
        return


def _first_load(browser, server: str, path: str, cookie: str | None = None) -> dict[str, int]:
    """What a phone that never saw the site downloads for ``path`` (HTML, CSS, JS, fonts,
    images), without JavaScript, the cookie of "my commune" set when given."""
    context, page, sizes = _phone(browser, javascript=False)
    if cookie:
        context.add_cookies([{"name": "dantoc_commune", "value": cookie, "url": server}])
    try:
        page.goto(server + path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        return dict(sizes)
    finally:
        context.close()


def _check(page, sizes: dict[str, int], label: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], label
    sizes.clear()


def _axe(browser, server: str, path: str, cookie: str | None = None) -> None:
    """Zero axe-core violations, and nothing the Content-Security-Policy refused (the share
    script is a file of the site's own)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    context.add_init_script(LISTEN)
    if cookie:
        context.add_cookies([{"name": "dantoc_commune", "value": cookie, "url": server}])
    page = context.new_page()
    try:
        page.goto(server + path, wait_until="networkidle")
        assert (page.evaluate("window.__csp || []") or []) == [], path
        violations = axe_violations(page)
        assert violations == [], (path, json.dumps(violations, ensure_ascii=False, indent=1))
    finally:
        context.close()


def test_a_citizen_on_a_cheap_phone(server, browser):
    context, page, sizes = _phone(browser, javascript=False)
    try:
        # The home: topics first, the officials' login last.
        page.goto(f"{server}/dong-bao/")
        main = page.locator("main").inner_text()
        assert "Chọn xã của tôi" in main and "Y tế, sức khoẻ" in main
        _check(page, sizes, "home")

        # "My commune", without JavaScript: type the name, pick among the candidates if the
        # name matches several units, and the home shows what applies there.
        page.get_by_label("Tên xã").fill("Lũng Cú")
        page.get_by_role("button", name="Chọn xã này").click()
        if "/chon-xa/" in page.url:
            page.locator("input[type=radio][name=xa__pick]").first.check()
            page.get_by_role("button", name="Chọn xã này").click()
        page.wait_for_url("**/dong-bao/#xa-cua-toi")
        mine = page.locator("#xa-cua-toi").inner_text()
        assert "Xã Lũng Cú" in mine and "khu vực III" in mine, mine
        assert "Thẻ bảo hiểm y tế không mất tiền" in mine
        code = next(c["value"] for c in context.cookies() if c["name"] == "dantoc_commune")
        _check(page, sizes, "home with my commune")

        # An item in H'Mông: the article says its language; the page loads no script font.
        page.goto(f"{server}/dong-bao/y-te/")
        page.get_by_role("link", name="Tiêm chủng đủ mũi cho trẻ nhỏ").click()
        page.get_by_role("link", name="Lus Hmoob").click()
        assert page.locator("article.cz-item").get_attribute("lang") == "hmn"
        assert "Txhaj tshuaj" in page.locator("article").inner_text()
        item_path = page.url.removeprefix(server)
        assert not any(u.endswith((".woff2", ".woff")) for u in sizes)
        _check(page, sizes, "item")

        # Search "y te": health and insurance, never "kinh tế".
        page.goto(f"{server}/dong-bao/")
        sizes.clear()
        page.get_by_label("Tìm thông tin").fill("y te")
        page.get_by_role("button", name="Tìm", exact=True).click()
        page.wait_for_url("**/dong-bao/tim/**")
        results = page.locator("main .cz-list").inner_text()
        assert "Thẻ bảo hiểm y tế không mất tiền" in results
        assert "kinh tế" not in results
        _check(page, sizes, "search")
    finally:
        context.close()
    pages = ("/dong-bao/", item_path, "/dong-bao/tim/?q=y+te", "/dong-bao/chon-xa/?xa=lung")
    for path in pages:
        _axe(browser, server, path, cookie=code)
    _axe(browser, server, "/dong-bao/")
    weights = {"/dong-bao/ (no commune)": _first_load(browser, server, "/dong-bao/")}
    for path in pages:
        weights[path] = _first_load(browser, server, path, cookie=code)
    print(json.dumps({"first_load": weights}, ensure_ascii=False))
    for path, sizes in weights.items():
        assert sum(sizes.values()) <= BUDGET, (path, sizes)


CONTROLLED = (
    "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise("
    "ok => navigator.serviceWorker.addEventListener('controllerchange', ok))).then(() => true)"
)


def test_a_citizen_reads_offline_and_a_cancelled_warning_leaves_the_offline_copies(server, browser):
    """A reader of Y Tý (under the demo drill warning) opens pages and keeps one item; with no
    network the pages visited and the kept item open, marked as older copies, with the
    warning; a page never opened says so and points to the kept items. An officer cancels
    the warning; the reader's phone touches the network once; offline again, no copy shows
    the warning any more. The warnings' CSS, the citizen CSS and scripts come from the
    worker's copies (the pages look the same offline)."""
    from conftest import page_sign_in

    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    context.add_cookies([{"name": "dantoc_commune", "value": "02701", "url": server}])
    page = context.new_page()
    officer = browser.new_context()
    try:
        page.goto(f"{server}/dong-bao/")
        assert page.evaluate(CONTROLLED)
        page.reload()  # now through the worker, which keeps the page
        assert "DIỄN TẬP" in page.locator("#canh-bao").inner_text()
        page.goto(f"{server}/dong-bao/y-te/")
        page.get_by_role("link", name="Tiêm chủng đủ mũi cho trẻ nhỏ").click()
        item = page.url
        page.get_by_role("button", name="Lưu để đọc khi không có mạng").click()
        page.get_by_role("button", name="Đã lưu trên máy: đọc được cả khi không có mạng").wait_for()
        page.goto(f"{server}/dong-bao/chinh-sach/")

        context.set_offline(True)
        page.goto(item)
        assert "Tiêm chủng đủ mũi cho trẻ nhỏ" in page.locator("h1").inner_text()
        assert (
            "Đang không có mạng: đây là bản lưu trên máy lúc"
            in page.locator(".cz-stale").inner_text()
        )
        assert "DIỄN TẬP" in page.locator("#canh-bao").inner_text()
        assert page.locator(".alert-b").evaluate("e => getComputedStyle(e).borderLeftStyle") != ""
        page.goto(f"{server}/dong-bao/")
        assert page.locator(".cz-stale").count() == 1
        page.goto(f"{server}/dong-bao/da-luu/")
        saved = page.locator("#cz-saved")
        saved.get_by_role("link", name="Tiêm chủng đủ mũi cho trẻ nhỏ").wait_for()
        page.goto(f"{server}/dong-bao/an-ninh/")
        assert "chưa được mở trên điện thoại này" in page.locator("main").inner_text()

        # The officer cancels the drill warning.
        officer_page = officer.new_page()
        page_sign_in(officer_page, server, "tinh.laocai")
        officer_page.goto(f"{server}/canh-bao/quan-ly/")
        officer_page.get_by_role("link", name="Hủy cảnh báo").first.click()
        officer_page.get_by_label("Lý do hủy").fill("Diễn tập xong.")
        officer_page.get_by_label("Tôi xác nhận hủy cảnh báo này", exact=False).check()
        officer_page.get_by_role("button", name="Hủy cảnh báo").click()
        officer_page.wait_for_url("**/canh-bao/quan-ly/")

        # One contact with the network, then offline again: the copies lose the warning.
        context.set_offline(False)
        page.goto(f"{server}/dong-bao/chinh-sach/")
        assert "DIỄN TẬP" not in page.locator("main").inner_text()
        # The worker stores the page (and the warnings it shows) after answering.
        page.wait_for_function(
            "caches.open('dantoc-citizen-pages').then(c => c.match('/__dantoc/canh-bao.html'))"
            ".then(r => r.text()).then(t => !t.includes('DIỄN TẬP'))"
        )
        context.set_offline(True)
        for path in (item, f"{server}/dong-bao/"):
            page.goto(path)
            assert page.locator(".cz-stale").count() == 1, path
            assert "DIỄN TẬP" not in page.locator("main").inner_text(), path
    finally:
        context.close()
        officer.close()
