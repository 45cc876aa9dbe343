"""The expert database in Chromium against the platform served with the demo data: the public
directory and a profile on a 360 px phone and a desktop, an expert's own page (withdrawing
consent hides the profile at once), and a province officer's matching; no axe-core violation.
Screenshots go to var/screenshots/experts-*.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import axe_violations, running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("experts")) as (_db, served):
        yield served.url


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"experts-{name}.png"), full_page=True)


def _context(browser, viewport, **extra):
    return browser.new_context(viewport=viewport, locale="vi-VN", **extra)


def test_a_citizen_finds_an_ede_speaker_on_a_phone_without_javascript(server, browser):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server}/chuyen-gia/")
        page.get_by_label("Từ khoá").fill("ede")
        page.get_by_role("button", name="Tìm").click()
        expect(page.get_by_role("link", name="Y Khoa Niê")).to_be_visible()
        _shot(page, "directory-phone")
        results_url = page.url
        page.get_by_role("link", name="Y Khoa Niê").click()
        expect(page.get_by_role("heading", name="Y Khoa Niê")).to_be_visible()
        html = page.content()
        assert '"@type": "Person"' in html
        assert "@example.vn" not in html and "0900000001" not in html
        _shot(page, "profile-phone")
        profile_url = page.url
    finally:
        context.close()
    # axe-core is a script: with scripts off the browser cannot run it (Playwright's evaluate
    # then waits for ever), so the same pages are checked on a phone with scripts on.
    checker = _context(browser, PHONE, is_mobile=True, has_touch=True)
    page = checker.new_page()
    try:
        for url in (f"{server}/chuyen-gia/", results_url, profile_url):
            page.goto(url)
            _no_axe_violations(page)
    finally:
        checker.close()


def test_an_expert_withdraws_consent_and_the_profile_disappears_at_once(server, browser):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    visitor = _context(browser, DESKTOP)
    other = visitor.new_page()
    try:
        page_sign_in(page, server, "cg.thachsophen")
        page.goto(f"{server}/chuyen-gia/ho-so-cua-toi/")
        _no_axe_violations(page)
        _shot(page, "my-profile-phone")
        profile_url = page.get_by_role("link", name="Xem hồ sơ như người khác thấy").get_attribute(
            "href"
        )
        assert other.goto(f"{server}{profile_url}").status == 200
        page.get_by_role("button", name="Rút toàn bộ sự đồng ý").click()
        expect(page.get_by_text("không còn hiện ở bất cứ đâu")).to_be_visible()
        assert other.goto(f"{server}{profile_url}").status == 404
        other.goto(f"{server}/chuyen-gia/?q=thach+so+phen")
        expect(other.get_by_text("Không tìm thấy chuyên gia nào.")).to_be_visible()
    finally:
        context.close()
        visitor.close()


def test_a_province_officer_matches_experts_to_a_sub_project_on_a_desktop(server, browser):
    context = _context(browser, DESKTOP)
    page = context.new_page()
    try:
        page_sign_in(page, server, "tinh.tuyenquang")
        page.goto(f"{server}/chuyen-gia/tim-theo-du-an/")
        page.get_by_label("Dự án / tiểu dự án").select_option("DA1")
        page.get_by_label("Tỉnh, thành phố").select_option("66")
        page.get_by_label("Dân tộc ở địa bàn").select_option("11")
        page.get_by_role("button", name="Tìm chuyên gia phù hợp").click()
        first = page.locator("ol.ex-list > li").first
        assert "Y Khoa Niê" in first.inner_text()
        assert "nói tiếng Ê Đê" in first.inner_text() and "đã làm ở Đắk Lắk" in first.inner_text()
        _no_axe_violations(page)
        _shot(page, "match-desktop")
        page.goto(f"{server}/chuyen-gia/")
        _shot(page, "directory-desktop")
        page.goto(f"{server}/chuyen-gia/quan-ly/")
        _no_axe_violations(page)
        _shot(page, "manage-desktop")
    finally:
        context.close()
