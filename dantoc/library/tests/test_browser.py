"""The e-library in Chromium against gunicorn with the demo data (``make run``'s): a reader on
a 360 px phone searches without diacritics, opens a study (≤ 60 KB before its media, no
viewer loaded), reads it in the pdf.js reader by byte ranges (not the whole file), and
listens to a recording; a librarian opens the cataloguing pages; every page without axe-core
violations and without anything the Content-Security-Policy refused. Screenshots go to
var/screenshots/library-*.png."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import AXE, axe_violations, running_platform
from dantoc.core.tests.test_csp_browser import LISTEN
from dantoc.library.demo import NAMESPACE

BUDGET = 60 * 1024
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
STUDY = uuid.uuid5(NAMESPACE, "tho-cam")
SONGS = uuid.uuid5(NAMESPACE, "truyen-thai")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("library")) as (_db, served):
        yield served.url


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"library-{name}.png"), full_page=True)


def _context(browser, *, javascript: bool = True, desktop: bool = False):
    if desktop:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    else:
        context = browser.new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=javascript,
            locale="vi-VN",
        )
    context.add_init_script(LISTEN)
    return context


def _clean(page, label: str) -> None:
    assert (page.evaluate("window.__csp || []") or []) == [], label
    violations = axe_violations(page)
    assert violations == [], (label, json.dumps(violations, ensure_ascii=False, indent=1))


def _wide(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_reader_on_a_phone(server, browser):
    context = _context(browser, javascript=False)
    page = context.new_page()
    sizes: dict[str, int] = {}

    def record(response):
        if response.ok:
            try:
                sizes[response.url] = len(response.body())
            except Exception:
                return

    page.on("response", record)
    try:
        page.goto(f"{server}/thu-vien/")
        page.get_by_label("Tìm trong nhan đề, tác giả, chủ đề và toàn văn").fill("nhuom cham")
        page.get_by_role("button", name="Tìm", exact=True).click()
        page.wait_for_url("**/thu-vien/?q=**")
        results = page.locator("main .lib-list").inner_text()
        assert "Nghề dệt thổ cẩm của người Mông" in results  # found in the PDF's text
        assert _wide(page) <= PHONE["width"]
        _shot(page, "search-phone")
        sizes.clear()
        page.get_by_role("link", name="Nghề dệt thổ cẩm của người Mông ở vùng cao phía Bắc").click()
        page.wait_for_url(f"**/thu-vien/{STUDY}/")
        page.wait_for_load_state("load")
        assert _wide(page) <= PHONE["width"]
        weight = sum(sizes.values())
        print(json.dumps({"item_page_bytes": weight, "files": sizes}))
        assert weight <= BUDGET, sizes
        assert not any("pdfjs" in url for url in sizes)
        _shot(page, "item-phone")
    finally:
        context.close()

    context = _context(browser)
    page = context.new_page()
    ranges: list[tuple[int, str, int]] = []

    def record_range(response):
        if "/tep/" in response.url:
            length = int(response.headers.get("content-length") or 0)
            ranges.append((response.status, response.request.headers.get("range", ""), length))

    page.on("response", record_range)
    try:
        page.goto(f"{server}/thu-vien/{STUDY}/doc/")
        page.wait_for_selector("#lib-reader[data-ready], #lib-reader[data-failed]", timeout=60000)
        assert page.get_attribute("#lib-reader", "data-failed") is None, page.inner_text("main")
        assert page.inner_text("[data-pages]") == "8"
        painted = page.evaluate(
            """() => { const c = document.querySelector('#lib-reader canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
            return {w: c.width, dark}; }"""
        )
        assert painted["w"] > 300 and painted["dark"] > 1000, painted
        size = int(
            page.evaluate(
                f"fetch('/thu-vien/{STUDY}/tep/', {{method: 'HEAD'}}).then(r => r.headers.get('content-length'))"
            )
        )
        # pdf.js opens with a plain GET to learn the length and that ranges are answered, and
        # cancels it at once: its Content-Length is the whole file, not what was read. The
        # ranges it then asks for are what the page cost.
        fetched = sum(n for status, _, n in ranges if status == 206)
        print(json.dumps({"pdf_bytes": size, "fetched_for_page_1": fetched, "requests": ranges}))
        assert any(status == 206 for status, _, _ in ranges), ranges
        assert fetched < size, (fetched, size)
        _shot(page, "reader-phone")
        page.get_by_role("button", name="Trang sau ›").click()
        page.wait_for_function("document.querySelector('#lib-page').value === '2'")
        _clean(page, "reader")
    finally:
        context.close()

    context = _context(browser)
    page = context.new_page()
    try:
        page.goto(f"{server}/thu-vien/{SONGS}/", wait_until="networkidle")
        audio = page.locator("audio source").first.get_attribute("src")
        assert audio and "/am-thanh/?v=" in audio
        played = page.evaluate(
            f"fetch({json.dumps(audio)}, {{headers: {{Range: 'bytes=0-99'}}}}).then(r => r.status)"
        )
        assert played == 206
        _clean(page, "audio item")
        for path in (
            "/thu-vien/",
            f"/thu-vien/{STUDY}/",
            f"/thu-vien/{STUDY}/van-ban/",
            "/thu-vien/?q=mong&loai=nghien-cuu",
        ):
            page.goto(server + path, wait_until="networkidle")
            assert _wide(page) <= PHONE["width"], path
            _clean(page, path)
    finally:
        context.close()


def test_pages_on_a_desktop(server, browser):
    context = _context(browser, desktop=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/thu-vien/", wait_until="networkidle")
        _shot(page, "home-desktop")
        page.goto(f"{server}/thu-vien/{STUDY}/", wait_until="networkidle")
        _shot(page, "item-desktop")
        page.goto(f"{server}/thu-vien/{STUDY}/doc/")
        page.wait_for_selector("#lib-reader[data-ready], #lib-reader[data-failed]", timeout=60000)
        assert page.get_attribute("#lib-reader", "data-failed") is None
        _shot(page, "reader-desktop")
    finally:
        context.close()


def test_a_librarian_catalogues_on_a_phone(server, browser):
    context = _context(browser)
    page = context.new_page()
    try:
        page_sign_in(page, server, "thuvien")
        page.goto(f"{server}/thu-vien/bien-tap/", wait_until="networkidle")
        assert "Nghề dệt thổ cẩm" in page.inner_text("main")
        assert _wide(page) <= PHONE["width"] + 1 or page.locator(".scroll").count()
        _clean(page, "editor list")
        _shot(page, "editor-list-phone")
        page.get_by_role("link", name="Thêm tài liệu").click()
        page.get_by_label("Nhan đề").fill("Tài liệu thêm từ điện thoại")
        page.get_by_role("button", name="Lưu bản nháp").click()
        page.wait_for_url("**/thu-vien/bien-tap/*-*/")
        assert "Đã lưu bản nháp" in page.inner_text("main")
        _clean(page, "editor item")
        _shot(page, "editor-item-phone")
    finally:
        context.close()
