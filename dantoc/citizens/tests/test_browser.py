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
