"""The archive in Chromium on a 360 px phone and a desktop: a visitor browses, opens an item
(≤ 60 KB before its media), opens the IIIF viewer (fetched only then); a community member
sees the community's item that the visitor never sees; no axe-core violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PASSWORD, PHONE, in_process_server
from dantoc.core.testing import axe_violations

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "heritage"
BUDGET = 60 * 1024
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def _weights(page) -> dict[str, int]:
    """Bytes of each response the page fetched, by resource type."""
    sizes: dict[str, int] = {}

    def on_response(response):
        kind = response.request.resource_type
        try:
            body = response.body()
        except Exception:  # a redirect or an aborted media request has no body
            return
        sizes[kind] = sizes.get(kind, 0) + len(body)

    page.on("response", on_response)
    return sizes


def _no_axe(page):
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_a_visitor_browses_on_a_phone_and_zooms_with_the_iiif_viewer(archive, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with in_process_server() as base:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN"
        )
        page = context.new_page()
        page.goto(f"{base}/di-san/")
        expect(page.get_by_role("link", name="Lễ hội Gầu Tào")).to_be_visible()
        assert page.get_by_text("Lễ cúng rừng Nào Lồng").count() == 0
        _no_axe(page)
        page.screenshot(path=str(SHOTS / "list-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        sizes = _weights(page)
        page.get_by_role("link", name="Lễ hội Gầu Tào").click()
        page.wait_for_load_state("networkidle")
        before_media = sum(
            v for k, v in sizes.items() if k in ("document", "stylesheet", "script", "font")
        )
        assert before_media <= BUDGET, sizes
        assert not any(
            "openseadragon" in (r or "")
            for r in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        )
        _no_axe(page)
        page.screenshot(path=str(SHOTS / "item-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.get_by_role("button", name="Xem ảnh phóng to (IIIF)").click()
        page.locator("#iiif-viewer .openseadragon-canvas canvas").first.wait_for(timeout=20000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SHOTS / "viewer-360.png"), full_page=True)
        context.close()


@pytest.mark.django_db
def test_a_community_member_sees_the_community_item_on_a_desktop(archive, browser, people):
    with in_process_server() as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill(people.commune.username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/di-san/")
        page.get_by_role("link", name="Lễ cúng rừng Nào Lồng").click()
        expect(page.get_by_text("Chỉ dùng trong cộng đồng")).to_be_visible()
        _no_axe(page)
        page.screenshot(path=str(SHOTS / "community-item-desktop.png"), full_page=True)
        answer = page.goto(f"{base}/di-san/quan-ly/{archive.draft_item.uuid}/")
        assert answer.status == 200
        expect(page.get_by_role("heading", name="Bản nháp khèn")).to_be_visible()
        expect(page.get_by_role("button", name="Gửi duyệt")).to_be_visible()
        _no_axe(page)
        page.screenshot(path=str(SHOTS / "manage-desktop.png"), full_page=True)
        answer = page.goto(f"{base}/di-san/ke-hoach-so-hoa/")
        assert answer.status == 200
        _no_axe(page)
        context.close()
