"""The pages of recordings, market prices and OCOP products in Chromium, served in this
process on the test's database with the citizen demo data (the demo loaders run here): at
360 px without sideways scrolling, zero axe violations, within the first-load budget of
HTML+CSS+JS+fonts; screenshots at 360 px and 1280 px kept in var/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CHROMIUM, PHONE, in_process_server
from dantoc.citizens import demo
from dantoc.citizens.models import CitizenItem, OcopProduct
from dantoc.core.testing import AXE, axe_violations
from dantoc.core.tests.test_csp_browser import LISTEN

BUDGET = 60 * 1024
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".webp", ".png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _weight(sizes: dict[str, int]) -> int:
    """HTML+CSS+JS+fonts (the budget's definition); photos are reported apart."""
    return sum(
        n
        for url, n in sizes.items()
        if "/ocop/anh/" not in url and not url.split("?")[0].endswith(IMAGE_SUFFIXES)
    )


def _record(sizes: dict[str, int], response) -> None:
    if not response.ok:
        return
    try:
        sizes[response.url] = len(response.body())
    except Exception:
        return


def test_recordings_prices_and_local_products_on_a_phone_and_a_desktop(people, browser):
    demo.demo_load()
    demo.demo_prices_load()
    demo.demo_ocop_load()
    shots = Path("var/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with in_process_server() as server:
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        context.add_init_script(LISTEN)
        page = context.new_page()
        sizes: dict[str, int] = {}
        page.on("response", lambda r: _record(sizes, r))
        weights, found = {}, {}

        def visit(path: str, label: str) -> None:
            sizes.clear()
            page.goto(server + path, wait_until="networkidle")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            assert (page.evaluate("window.__csp || []") or []) == [], path
            weights[path] = _weight(sizes)
            violations = axe_violations(page)
            if violations:
                found[path] = violations
            page.screenshot(path=str(shots / f"cit19-{label}-360.png"), full_page=True)

        try:
            item = CitizenItem.objects.get(title="Tiêm chủng đủ mũi cho trẻ nhỏ")
            item_path = item.get_absolute_url() + "?ban-dich=hmn"
            visit(item_path, "item-audio")
            audio = page.locator("section.cz-audio audio")
            assert audio.get_attribute("preload") == "none"
            assert not any("/dong-bao/nghe/" in u for u in sizes)  # nothing until pressed
            page.locator("section.cz-audio summary").click()
            assert "Txhaj tshuaj" in page.locator("section.cz-audio").inner_text()
            visit("/dong-bao/gia-ca/", "prices")
            visit("/dong-bao/gia-ca/08/", "prices-province")
            assert "Lợn hơi" in page.locator("main").inner_text()
            visit("/dong-bao/gia-ca/08/lon-hoi/", "prices-chart")
            assert page.locator("figure.cz-chart svg polyline").count() >= 1
            visit("/dong-bao/ocop/?nhom=do-uong", "ocop-list")
            product = OcopProduct.objects.get(name="Chè Shan tuyết cổ thụ (mẫu thử)")
            visit(product.get_absolute_url(), "ocop-product")
            assert "4 ★ OCOP" in page.locator("main").inner_text()
        finally:
            context.close()
        desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        try:
            page = desktop.new_page()
            for label, path in (
                ("prices-chart", "/dong-bao/gia-ca/08/lon-hoi/"),
                ("ocop-product", product.get_absolute_url()),
                ("item-audio", item_path),
            ):
                page.goto(server + path, wait_until="networkidle")
                page.screenshot(path=str(shots / f"cit19-{label}-1280.png"), full_page=True)
        finally:
            desktop.close()
    print(json.dumps({"first_load": weights}))
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert all(w <= BUDGET for w in weights.values()), weights
