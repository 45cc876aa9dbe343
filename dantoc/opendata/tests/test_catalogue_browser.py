"""The open-data catalogue on a phone in a real Chromium, without JavaScript: search without
diacritics, a facet, a data set page with its chart and downloads, no sideways scrolling."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import CHROMIUM, PHONE
from dantoc.core.testing import AXE, axe_violations, running_platform

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("opendata")) as (_db, served):
        yield served.url


def test_a_visitor_finds_and_downloads_a_data_set_on_a_phone(server, browser):
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    try:
        sizes: dict[str, int] = {}
        page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.ok else None)
        page.goto(f"{server}/du-lieu-mo/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert sum(sizes.values()) < 60 * 1024, sizes
        page.get_by_label("Tìm bộ dữ liệu").fill("dong bao dan toc nha o")
        page.get_by_role("button", name="Tìm").click()
        # Each click loads a page: wait for it, or a count taken while the answer is still
        # arriving sees an empty page (CI under load did).
        page.wait_for_url("**/du-lieu-mo/?q=*")
        results = page.locator("article.od-item h2 a")
        assert results.count() == 1
        assert "được hỗ trợ nhà ở" in results.first.inner_text()
        # A facet narrows the list and says how many remain.
        page.goto(f"{server}/du-lieu-mo/")
        page.locator(".od-facets").get_by_role("link", name="Kinh tế và tài chính").click()
        page.wait_for_url(re.compile(r"/du-lieu-mo/\?.+"))
        assert "2 bộ dữ liệu" in page.locator("main").inner_text()
        page.locator("article.od-item h2 a").first.click()
        page.wait_for_url(re.compile(r"/du-lieu-mo/[^/?]+/$"))
        assert page.locator("main svg[role=img]").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        with page.expect_download() as info:
            page.get_by_role("link", name="CSV").first.click()
        download = info.value
        assert download.suggested_filename.endswith("-v1.csv")
        header = Path(download.path()).read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("indicator,indicator_name,period,period_name,unit_code")
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/du-lieu-mo/",
        "/du-lieu-mo/?province=15",
        "/du-lieu-mo/ho-duoc-ho-tro-nha-o-lao-cai/",
        "/du-lieu-mo/ho-duoc-ho-tro-nha-o-lao-cai/phien-ban/1/",
    ],
)
def test_catalogue_pages_have_no_axe_violations(server, phone, path):
    phone.goto(server + path)
    assert axe_violations(phone) == []


def test_release_page_fits_a_phone_and_links_its_files_with_checksums(server, browser, tmp_path):
    for width, height in ((PHONE["width"], PHONE["height"]), (1366, 900)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=False, locale="vi-VN"
        )
        page = context.new_page()
        try:
            page.goto(f"{server}/du-lieu-mo/ho-duoc-ho-tro-nha-o-lao-cai/")
            page.get_by_role("link", name=re.compile("mã kiểm tra")).click()
            page.wait_for_url("**/phien-ban/1/")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            hashes = page.locator(".od-hash code")
            assert hashes.count() == 3
            assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.all_inner_texts())
            # Kept where SCREENSHOTS says (to look at them), else thrown away with tmp_path.
            shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
            page.screenshot(path=str(shots / f"release-{width}.png"), full_page=True)
        finally:
            context.close()
